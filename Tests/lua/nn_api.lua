-- The nn API: constructors, fields, modes, Lua-written modules, containers, and errors
-- that say which layer and what shape it expected.
local T = require("testing")
local test = T.suite("nn_api")

-- fields and parameters
function test.linear_fields_and_parameters()
  local lin = nn.Linear(4, 3)
  T.same_table(lin.weight:shape(), {3, 4}, "weight shape"); T.same_table(lin.bias:shape(), {3}, "bias shape")
  T.eq(#lin:parameters(), 2, "parameters"); T.eq(lin:num_parameters(), 15, "num_parameters")
  T.eq(lin:named_parameters()[1][1], "weight", "named_parameters")
  T.eq(lin.kind, "Linear", "kind"); T.eq(tostring(lin), "Linear(4 -> 3)", "tostring")
  T.eq(lin.weight.needs_grad, true, "parameters require grad")
  T.eq(#nn.Linear(4, 3, {bias = false}):parameters(), 1, "no bias")
  T.eq(lin.constructor, "nn.Linear(4, 3)", "constructor")
end

-- PyTorch's default initialisation bounds: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
function test.default_initialisation_follows_pytorch()
  local big = nn.Linear(400, 300)
  local bound = 1 / math.sqrt(400)
  T.eq(big.weight:abs():max():item() <= bound, true, "weight within bound")
  T.near(big.weight:abs():max():item(), bound, 0.01, "weight reaches the bound")
  T.near(big.weight:var():item(), bound * bound / 3, 0.05, "uniform variance")
  local conv = nn.Conv2d(3, 8, 5)
  T.eq(conv.weight:abs():max():item() <= 1 / math.sqrt(75), true, "conv weight bound")
  T.near(nn.Embedding(1000, 20).weight:std():item(), 1, 0.05, "embedding ~ N(0, 1)")
end

function test.batchnorm_starts_with_unit_weight_and_variance()
  local bn = nn.BatchNorm2d(4)
  T.same_table(bn.weight:totable(), {1, 1, 1, 1}, "bn weight 1"); T.same_table(bn.running_var:totable(), {1, 1, 1, 1}, "running var 1")
end

function test.seeded_initialisation_is_reproducible()
  tensor.seed(9); local a1 = nn.Linear(3, 3).weight:totable()
  tensor.seed(9); local a2 = nn.Linear(3, 3).weight:totable()
  T.same_table(a1, a2, "seeded initialisation")
end

-- train / eval: dropout and batch norm change behaviour
function test.dropout_in_training_and_evaluation()
  local drop = nn.Dropout(0.5)
  local ones = tensor.ones(1000)
  local dropped = drop(ones)
  T.eq(dropped:eq(0):sum():item() > 300, true, "dropout zeroes in training")
  T.near(dropped:mean():item(), 1, 0.15, "dropout rescales")
  drop:eval(); T.eq(drop.training, false, "eval")
  T.eq(tensor.equal(drop(ones), ones), true, "dropout is the identity in eval")
end

function test.eval_and_train_propagate_to_children()
  local seq = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.3))
  seq:eval()
  T.eq(seq.modules[2].training, false, "eval propagates"); T.eq(seq.modules[3].training, false, "eval propagates 2")
  seq:train()
  T.eq(seq.modules[3].training, true, "train propagates")
end

function test.batchnorm_running_statistics()
  local bn1 = nn.BatchNorm1d(2)
  bn1(tensor.new({{1, 10}, {3, 30}}))
  T.same_table(bn1.running_mean:totable(), {0.2, 2.0}, "running mean, momentum 0.1", 1e-6)
  T.same_table(bn1.running_var:totable(), {0.9 + 0.1 * 2, 0.9 + 0.1 * 200}, "running var (unbiased)", 1e-4)
end

-- LSTM returns all outputs and the last states
function test.lstm_returns_outputs_and_last_states()
  local lstm = nn.LSTM(3, 5, {layers = 2})
  local out, h, c = lstm(tensor.randn(4, 6, 3))
  T.same_table(out:shape(), {4, 6, 5}, "LSTM outputs"); T.same_table(h:shape(), {2, 4, 5}, "h_n"); T.same_table(c:shape(), {2, 4, 5}, "c_n")
  T.eq(tensor.allclose(h[2], out:select(2, 6)), true, "h_n of the last layer is the last output")
  T.same_table(nn.LSTM(3, 5, {output = "last"})(tensor.randn(4, 6, 3)):shape(), {4, 5}, "LSTM last step")
  -- without a gradient to record the states are the same numbers (no joint tensor is built)
  local x = tensor.randn(4, 6, 3)
  local o1, h1, c1 = lstm(x)
  local o2, h2, c2 = tensor.no_grad(function() return lstm(x) end)
  T.eq(tensor.equal(o1, o2) and tensor.equal(h1, h2) and tensor.equal(c1, c2), true, "no_grad gives the same outputs and states")
end

-- Each thread runs its own sequences through time in blocks of 64 and adds its share of the
-- weight gradients to partial sums: over a batch of 150 on 2 threads (blocks of 64 and 11),
-- outputs, states and every gradient equal those of the sequences run one at a time and summed.
function test.lstm_batch_split_across_threads_equals_one_sequence_at_a_time()
  local threads = sys.threads()
  sys.threads(2)
  local ok, err = pcall(function()
    tensor.seed(7)
    local lstm, b = nn.LSTM(3, 5, {layers = 2}), 150
    local x = tensor.randn(b, 4, 3):requires_grad()
    local wo, wh, wc = tensor.randn(b, 4, 5), tensor.randn(2, b, 5), tensor.randn(2, b, 5)
    local out, h, c = lstm(x)
    local loss = (out * wo):sum() + (h * wh):sum() + (c * wc):sum()
    loss:backward()
    local params, whole = lstm:parameters(), {}
    for i, p in ipairs(params) do whole[i] = p.grad:clone(); p.grad = nil end
    local sums = {}
    for i = 1, b do
      local xi = x:narrow(1, i, 1):detach():requires_grad()
      local oi, hi, ci = lstm(xi)
      T.eq(tensor.allclose(oi, out:narrow(1, i, 1), 1e-5, 1e-6), true, "outputs of sequence " .. i)
      T.eq(tensor.allclose(ci, c:narrow(2, i, 1), 1e-5, 1e-6), true, "c_n of sequence " .. i)
      local li = (oi * wo:narrow(1, i, 1)):sum() + (hi * wh:narrow(2, i, 1)):sum() + (ci * wc:narrow(2, i, 1)):sum()
      li:backward()
      T.eq(tensor.allclose(xi.grad, x.grad:narrow(1, i, 1), 1e-4, 1e-5), true, "input gradient of sequence " .. i)
      for k, p in ipairs(params) do sums[k] = sums[k] and sums[k] + p.grad or p.grad:clone(); p.grad = nil end
    end
    for k, name in ipairs(lstm:named_parameters()) do
      T.eq(tensor.allclose(whole[k], sums[k], 1e-4, 1e-4), true, "gradient of " .. tostring(name[1] or name))
    end
  end)
  sys.threads(threads)
  if not ok then error(err, 0) end
end

-- a module written in Lua composes with built-in ones and trains
function test.lua_module_composes_and_trains()
  local Scale = nn.Module("Scale")
  function Scale:init(n) self.weight = tensor.ones(n):requires_grad() end
  function Scale:forward(x) return x * self.weight end
  local model = nn.Sequential(nn.Linear(3, 2), Scale(2))
  T.eq(#model:parameters(), 3, "Lua module parameters join the list")
  T.eq(model:named_parameters()[3][1], "2.weight", "named parameter of the Lua module")
  model(tensor.randn(5, 3)):sum():backward()
  T.eq(model.modules[2].weight.grad ~= nil, true, "gradient reaches the Lua module")
  T.eq(tostring(model):find("Scale()", 1, true) ~= nil, true, "tostring lists the Lua module")
end

function test.residual_and_plain_tables_as_modules()
  local res = nn.Residual(nn.Sequential(nn.Linear(3, 3), nn.Tanh()))
  T.same_table(res(tensor.ones(2, 3)):shape(), {2, 3}, "residual")
  local plain = {forward = function(_, x) return x * 2 end, parameters = function() return {} end,
                 named_parameters = function() return {} end}
  T.same_table(nn.Sequential(plain)(tensor.ones(2)):totable(), {2, 2}, "any table with forward is a module")
end

function test.tostring_totals_parameters()
  T.eq(tostring(nn.mlp{inputs = 784, hidden = {256}, classes = 10}):find("Total: 203,530 parameters", 1, true) ~= nil, true,
       "tostring totals parameters")
end

-- errors name the layer and the expected shape
function test.shape_errors_name_the_layer_and_expected_size()
  local lin, conv, bn = nn.Linear(4, 3), nn.Conv2d(3, 8, 5), nn.BatchNorm2d(4)
  local bn1, lstm = nn.BatchNorm1d(2), nn.LSTM(3, 5, {layers = 2})
  T.raises("Linear(4 -> 3) expected input of size Nx4, got 2x5", lin.forward, lin, tensor.ones(2, 5))
  T.raises("Conv2d(3 -> 8, 5x5) expected input of size Bx3xHxW, got 2x1x8x8", conv.forward, conv, tensor.ones(2, 1, 8, 8))
  T.raises("is smaller than the 5x5 kernel", conv.forward, conv, tensor.ones(1, 3, 3, 3))
  T.raises("BatchNorm2d(4) expected input of size Bx4xHxW, got 2x3", bn.forward, bn, tensor.ones(2, 3))
  T.raises("needs more than one value per channel", bn1.forward, bn1, tensor.ones(1, 2))
  T.raises("LSTM(3 -> 5, 2 layers) expected input of size BxTx3", lstm.forward, lstm, tensor.ones(4, 3))
  T.raises("Embedding(10, 2): index 11 out of range 1..10", function() return nn.Embedding(10, 2)(tensor.new({11})) end)
end

function test.forward_rejects_non_tensors()
  local lin = nn.Linear(4, 3)
  T.raises("bad argument #1 to 'Module:forward' (expected a Tensor, got string)", lin.forward, lin, "x")
end

function test.sequential_names_the_failing_module()
  T.raises("In module 3 (Linear(8 -> 2)) of nn.Sequential: Linear(8 -> 2) expected input of size Nx8, got 5x4",
           function() return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(8, 2))(tensor.ones(5, 3)) end)
end

function test.constructors_check_arguments_and_options()
  T.raises("bad argument #1 to 'nn.Linear' (input features must be positive, got 0)", nn.Linear, 0, 3)
  T.raises("unknown option 'strides'", nn.Conv2d, 1, 2, 3, {strides = 2})
  T.raises("nn.Dropout: p must be in [0, 1), got 1.0", nn.Dropout, 1)
  T.raises("nn.Sequential: element 2 is not a module", nn.Sequential, nn.ReLU(), 5)
  T.raises("nn.mlp: option 'inputs' is required", nn.mlp, {classes = 3})
  T.raises("bad argument #1 to 'nn.resnet_cnn' (unknown option 'chanels' (known: channels, classes, dense, dropout, size, widths))",
           nn.resnet_cnn, {chanels = 3})
  T.raises("only batch_first = true is supported", nn.LSTM, 3, 4, {batch_first = false})
end

function test.presets_check_dropout()
  T.raises("bad argument #1 to 'nn.mlp' (option 'dropout' must be a number in [0, 1), got 3)", nn.mlp,
           {inputs = 2, classes = 2, hidden = {2}, dropout = 3})
  T.raises("bad argument #1 to 'nn.mlp' (option 'dropout' must be a number in [0, 1), got \"x\")", nn.mlp,
           {inputs = 2, classes = 2, dropout = "x"})
  T.raises("bad argument #1 to 'nn.mlp' (option 'dropout' must be a number in [0, 1), got NaN)", nn.mlp,
           {inputs = 2, classes = 2, dropout = 0 / 0})
  T.raises("bad argument #1 to 'nn.resnet_cnn' (option 'dropout' must be a number in [0, 1), got \"x\")", nn.resnet_cnn,
           {dropout = "x"})
  T.raises("bad argument #1 to 'nn.conv_lstm' (option 'dropout' must be a number in [0, 1), got -0.1)", nn.conv_lstm,
           {vocab = 5, classes = 2, dropout = -0.1})
  T.eq(#nn.mlp{inputs = 2, classes = 2, hidden = {2}, dropout = 0.25}.modules, 4, "dropout 0.25 adds a layer")
end

-- Issue 12: every option of the presets is checked ("attempt to get length of a number value" before)
function test.presets_check_their_options()
  T.raises("bad argument #1 to 'nn.resnet_cnn' (option 'widths' must be an array of 3 channel counts (positive integers), "
           .. "got 8)", nn.resnet_cnn, {widths = 8})
  T.raises("bad argument #1 to 'nn.resnet_cnn' (option 'widths' must be an array of 3 channel counts (positive integers), "
           .. "got a table of 4 values)", nn.resnet_cnn, {widths = {8, 8, 8, 8}})
  T.raises("bad argument #1 to 'nn.resnet_cnn' (option 'widths' must be an array of 3 channel counts (positive integers), "
           .. "got a table whose element 2 is 0)", nn.resnet_cnn, {widths = {8, 0, 8}})
  T.raises("bad argument #1 to 'nn.mlp' (option 'hidden' must be an integer >= 1 or an array of layer widths (positive "
           .. "integers), got a table whose element 2 is 2.5)", nn.mlp, {inputs = 2, classes = 2, hidden = {4, 2.5}})
  T.raises("bad argument #1 to 'nn.mlp' (option 'inputs' must be an integer >= 1, got \"784\")", nn.mlp,
           {inputs = "784", classes = 2})
  T.raises("bad argument #1 to 'nn.conv_lstm' (option 'kernel' must be an integer >= 1, got 0)", nn.conv_lstm,
           {vocab = 5, classes = 2, kernel = 0})
  T.raises("bad argument #1 to 'nn.mlp' (expected an options table, got 5)", nn.mlp, 5)
  T.eq(nn.mlp{inputs = 2, classes = 3, hidden = 4.0}.preset, "nn.mlp{inputs = 2, hidden = {4.0}, classes = 3}", "preset text")
end

-- Issue 12: a method called with a dot (m.eval()) said "attempt to index a nil value (local
-- 'self')"; every method of the Lua-written modules checks its self
function test.methods_called_with_a_dot_say_so()
  local seq = nn.Sequential(nn.Linear(2, 2))
  local res = nn.Residual(nn.Linear(2, 2))
  local Scale = nn.Module("Scale")
  function Scale:init() self.w = tensor.ones(2):requires_grad() end
  function Scale:forward(x) return x * self.w end
  local scale = Scale()
  for _, name in ipairs({"parameters", "named_parameters", "named_buffers", "children", "child_entries", "train", "eval",
                         "zero_grad", "num_parameters", "describe", "child_label"}) do
    for _, m in ipairs({seq, res, scale}) do
      local own = rawget(getmetatable(m), name) ~= nil
      local class = own and m.kind or "Module"
      local expected = own and ("an nn." .. m.kind) or "a module"
      T.raises(string.format("calling '%s:%s' on bad self (expected %s, got no value; call it with a colon: m:%s(...))",
                             class, name, expected, name), m[name])
    end
  end
  for _, name in ipairs({"forward", "add", "constructor_call"}) do
    T.raises(string.format("calling 'Sequential:%s' on bad self (expected an nn.Sequential, got Tensor; call it with a "
                           .. "colon: m:%s(...))", name, name), seq[name], tensor.ones(1, 2))
  end
  for _, name in ipairs({"forward", "constructor_call"}) do
    T.raises(string.format("calling 'Residual:%s' on bad self (expected an nn.Residual, got Tensor; call it with a colon: "
                           .. "m:%s(...))", name, name), res[name], tensor.ones(1, 2))
  end
  T.raises("calling 'Module:eval' on bad self (expected a module, got Module; call it with a colon: m:eval(...))",
           seq.eval, nn.Linear(2, 2))
  T.raises("bad argument #1 to 'Module:train' (expected true, false or nothing, got \"yes\")", seq.train, seq, "yes")
  T.raises("bad argument #1 to 'nn.Module' (expected the name of the kind of module (a string), got 5)", nn.Module, 5)
end

-- Issue 12: a container that holds itself overflowed the stack (parameters, save, forward,
-- train); now the walk that would loop says where
function test.a_model_that_contains_itself_is_an_error()
  local loop = "the model contains itself: module 2 is the model again (a container cannot hold itself, directly or "
               .. "through other containers)"
  local s = nn.Sequential(nn.Linear(2, 2))
  T.raises("nn.Sequential:add: the module to add is this nn.Sequential (a container cannot hold itself, directly or "
           .. "through other containers)", s.add, s, s)
  local outer = nn.Sequential(s)
  T.raises("nn.Sequential:add: the module to add contains this nn.Sequential", s.add, s, outer)
  T.eq(#s.modules, 1, "a refused module is not added")
  s.modules[2] = s                                 -- a cycle made by assignment
  T.raises("nn.Sequential: " .. loop, s.parameters, s)
  T.raises("nn.Sequential: " .. loop, s.named_buffers, s)
  T.raises("nn.Sequential: " .. loop, s.train, s)
  T.raises("nn.Sequential: " .. loop, s.describe, s)
  T.raises("nn.Sequential: " .. loop, s.forward, s, tensor.ones(1, 2))
  T.raises("nn.Sequential: " .. loop, s, tensor.ones(1, 2))
  T.raises("nn.Sequential: the model contains itself: module 1 > module 2 is module 1 again", outer.parameters, outer)
  local r = nn.Residual(nn.Sequential(nn.ReLU()))
  r.body.modules[2] = r
  T.raises("nn.Residual: the model contains itself: body > module 2 is the model again", r.forward, r, tensor.ones(1, 2))
  T.raises("nn.Residual: the model contains itself: body > module 2 is the model again", r.describe, r)
  -- a layer used twice is no cycle
  local shared = nn.Linear(2, 2)
  local twice = nn.Sequential(shared, nn.ReLU(), shared)
  T.eq(#twice:parameters(), 4, "a shared layer is listed where it sits")
  T.eq(twice(tensor.ones(1, 2)):size(2), 2, "a shared layer runs twice")
end

function test.containers_nested_too_deep_are_an_error()
  local m = nn.Linear(2, 2)
  for _ = 1, 120 do m = nn.Sequential(m) end
  T.raises("nn.Sequential: containers are nested 120 deep; at most 100 levels run", m, tensor.ones(1, 2))
  local ok = nn.Linear(2, 2)
  for _ = 1, 100 do ok = nn.Sequential(ok) end
  T.eq(ok(tensor.ones(1, 2)):size(2), 2, "100 levels run")
end

function test.residual_checks_its_parts()
  T.raises("bad argument #1 to 'nn.Residual' (expected a module, got nil)", nn.Residual)
  T.raises("bad argument #2 to 'nn.Residual' (expected a module, got 5)", nn.Residual, nn.ReLU(), 5)
  local Bad = nn.Module("Bad")
  function Bad.forward() return 3 end
  T.raises("nn.Residual: the body returned 3, expected a Tensor", function() return nn.Residual(Bad())(tensor.ones(1, 2)) end)
end

function test.residual_needs_an_output_of_the_input_size()
  T.raises("cannot be added to its input", function()
    return nn.Residual(nn.Linear(3, 2))(tensor.ones(2, 3))
  end)
end

return test
