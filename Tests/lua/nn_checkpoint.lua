-- Model checkpoints: round trips of every preset, Lua-written models, resuming training
-- exactly (model and optimizer state), and clear errors for files that do not fit.
local T = require("testing")
local test = T.suite("nn_checkpoint")

local function same_outputs(a, b, x)
  a:eval(); b:eval()
  return tensor.allclose(a(x), b(x), 1e-6, 1e-7)
end

-- presets and plain layers rebuild from the file alone
local function round_trip(what, m, x)
  local file = T.tmpdir() .. "/model"
  m:train(); m(x)                                -- running statistics move away from their defaults
  m:save(file)
  local back = nn.load(file)
  T.eq(same_outputs(m, back, x), true, "preset round trip " .. what)
  T.eq(tostring(back), tostring(m), "rebuilt model prints the same " .. what)
end

function test.mlp_round_trip()
  round_trip("mlp", nn.mlp{inputs = 6, hidden = {5, 4}, classes = 3, dropout = 0.2}, tensor.randn(2, 6))
end

function test.resnet_cnn_round_trip()
  round_trip("resnet_cnn", nn.resnet_cnn{channels = 3, classes = 4, size = 8, widths = {4, 4, 8}, dense = 8},
             tensor.randn(2, 3, 8, 8))
end

function test.conv_lstm_round_trip()
  round_trip("conv_lstm", nn.conv_lstm{vocab = 9, classes = 3, embed = 4, channels = 4, hidden = 5},
             tensor.new({{1, 2, 3}, {4, 5, 9}}))
end

function test.plain_layers_round_trip()
  round_trip("Sequential", nn.Sequential(nn.Conv2d(1, 2, 3, {stride = 2}), nn.BatchNorm2d(2), nn.LeakyReLU(0.2),
                                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(8, 2)), tensor.randn(3, 1, 9, 9))
end

function test.lstm_round_trip()
  round_trip("LSTM", nn.LSTM(3, 4, {layers = 2, output = "last"}), tensor.randn(2, 5, 3))
end

-- a model written in Lua: its weights load into a rebuilt model; nn.load says why it cannot
function test.lua_model_loads_into_a_rebuilt_model_only()
  local file = T.tmpdir() .. "/custom"
  local Scale = nn.Module("Scale")
  function Scale:init(n) self.weight = tensor.randn(n):requires_grad() end
  function Scale:forward(x) return x * self.weight end
  local custom = nn.Sequential(nn.Linear(3, 3), Scale(3))
  custom:save(file)
  T.raises("holds a model written in Lua", nn.load, file)
  local again = nn.Sequential(nn.Linear(3, 3), Scale(3))
  again:load(file)
  T.eq(tensor.allclose(again(tensor.ones(1, 3)), custom(tensor.ones(1, 3))), true, "model:load fills a rebuilt Lua model")
end

-- resuming: model + optimizer saved at step 3 continue exactly like the uninterrupted run
function test.resumed_training_is_identical()
  local dir = T.tmpdir()
  local function make()
    tensor.seed(11)
    local m = nn.mlp{inputs = 4, hidden = {8}, classes = 3}
    return m, optim.Adam(m:parameters(), {lr = 0.01})
  end
  local xs, ys = tensor.randn(16, 4), tensor.new({1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1})
  local ce = loss.cross_entropy()
  local function steps(m, opt, n)
    for _ = 1, n do ce(m(xs), ys):backward(); opt:step(); opt:zero_grad() end
  end
  local m1, o1 = make()
  steps(m1, o1, 3)
  m1:save(dir .. "/resume.model"); o1:save(dir .. "/resume.optim")
  steps(m1, o1, 3)
  local m2 = nn.load(dir .. "/resume.model")
  local o2 = optim.Adam(m2:parameters(), {lr = 0.01}); o2:load(dir .. "/resume.optim")
  steps(m2, o2, 3)
  T.eq(tensor.equal(m1.modules[1].weight, m2.modules[1].weight), true, "resumed training is identical")
end

-- files that do not fit: a saved nn.mlp{inputs = 6, hidden = {5, 4}, classes = 3}
local function saved_mlp()
  local file = T.tmpdir() .. "/m1"
  nn.mlp{inputs = 6, hidden = {5, 4}, classes = 3, dropout = 0.2}:save(file)
  return file
end

function test.load_refuses_a_tensors_checkpoint()
  local file = T.tmpdir() .. "/plain"
  tensor.save(file, {w = tensor.ones(2)})
  T.raises("holds a checkpoint of kind 'tensors', not a model", nn.load, file)
end

function test.load_into_a_model_that_does_not_fit()
  local m1 = saved_mlp()
  T.raises("does not fit this model: 1.weight is 5x6 in the file, 5x7 in the model",
           function() nn.mlp{inputs = 7, hidden = {5, 4}, classes = 3}:load(m1) end)
  T.raises("missing", function() nn.mlp{inputs = 6, hidden = {5, 4, 2}, classes = 3}:load(m1) end)
end

function test.load_of_a_damaged_or_missing_file()
  local m1 = saved_mlp()
  local dir = m1:match("^(.*)/")
  local f = io.open(m1, "rb"); local bytes = f:read("a"); f:close()
  f = io.open(dir .. "/cut", "wb"); f:write(bytes:sub(1, #bytes // 2)); f:close()
  T.raises("nn.load:", nn.load, dir .. "/cut")
  f = io.open(dir .. "/flip", "wb"); f:write(bytes:sub(1, 200) .. string.char((bytes:byte(201) + 1) % 256) .. bytes:sub(202)); f:close()
  T.raises("nn.load:", nn.load, dir .. "/flip")
  T.raises("nn.load:", nn.load, dir .. "/no-such-file")
end

-- Checkpoint metadata is data: loading never runs code from the file. `with_time_limit`
-- stops a call that runs too long (a metadata text that loops), so that a regression fails
-- here instead of hanging the suite.
local function with_time_limit(f, ...)
  local co = coroutine.create(f)
  debug.sethook(co, function() error("did not finish: the file ran code", 0) end, "", 5000000)
  local ok, err = coroutine.resume(co, ...)
  return ok, err
end

local function linear_state()
  tensor.seed(3)
  local m = nn.Linear(2, 2)
  local state = m:named_parameters()
  return m, state
end

local function write_model(meta)
  local file = T.tmpdir() .. "/meta.ckpt"
  local _, state = linear_state()
  nn.write_state(file, state, meta)
  return file
end

local function load_error(f, ...)
  local ok, err = with_time_limit(f, ...)
  T.eq(ok, false, "the load is refused")
  return tostring(err)
end

function test.metadata_that_runs_code_is_refused()
  local linear = nn.Linear
  -- a constructor text that reassigns a global
  local err = load_error(nn.load, write_model([[{format = "lwscript model", version = 1, constructor = "(function() nn.Linear = nil end)()"}]]))
  T.eq(nn.Linear, linear, "nn.Linear is unchanged")
  T.eq(err:find("cannot rebuild the model from", 1, true) ~= nil and err:find("expected a value near '(function()", 1, true) ~= nil,
       true, err)
  -- metadata that loops
  err = load_error(nn.load, write_model("(function() while true do end end)()"))
  T.eq(err:find("has unreadable metadata (line 1: expected a value near '(function()", 1, true) ~= nil, true, err)
  err = load_error(function(path) nn.Linear(2, 2):load(path) end, write_model("(function() while true do end end)()"))
  T.eq(err:find("model:load: ", 1, true) ~= nil and err:find("has unreadable metadata", 1, true) ~= nil, true, err)
  err = load_error(nn.load, write_model([[{format = "lwscript model", version = 1, constructor = "nn.Linear(2, 2)"}
    and (function() nn.Linear = nil end)()]]))
  T.eq(err:find("has unreadable metadata (line 2: unexpected text after the value near 'and", 1, true) ~= nil, true, err)
  -- anything but the constructors a checkpoint holds
  err = load_error(nn.load, write_model([[{format = "lwscript model", version = 1, constructor = "nn.write_state('/tmp/x', {}, '')"}]]))
  T.eq(err:find("nn.write_state is not a constructor a checkpoint may call", 1, true) ~= nil, true, err)
  err = load_error(nn.load, write_model([[{format = "lwscript model", version = 1, constructor = "nn.Linear(2, 2, os.exit())"}]]))
  T.eq(err:find("os.exit is not a constructor a checkpoint may call", 1, true) ~= nil, true, err)
  T.eq(nn.Linear, linear, "nn.Linear is unchanged")
end

function test.metadata_fields_are_checked()
  local function refused(meta, fragment)
    local err = load_error(nn.load, write_model(meta))
    T.eq(err:find(fragment, 1, true) ~= nil, true, err)
  end
  refused([[{format = "lwscript model", version = 2, constructor = "nn.Linear(2, 2)"}]],
          "has unreadable metadata (unsupported version 2 (this build reads version 1))")
  refused([[{format = "other", version = 1}]], "has unreadable metadata (field 'format' must be \"lwscript model\")")
  refused([[{format = "lwscript model", version = 1, constructor = 5}]],
          "has unreadable metadata (field 'constructor' must be a string, got number)")
  refused([[{format = "lwscript model", version = 1, extra = true}]], [[has unreadable metadata (unexpected field "extra")]])
  refused([["just a string"]], "has unreadable metadata (expected a table, got string)")
  refused([[{format = "lwscript model", version = 1, constructor = "nn.Linear(2, -2)"}]],
          "cannot rebuild the model from")
  refused([[{format = "lwscript model", version = 1, constructor = "nn.Linear(2, 2"}]],
          "(nn.Linear(2, 2): line 1: expected ',' or ')' at the end")
end

-- metadata spelled as every version so far wrote it: presets, nested containers, options
function test.metadata_as_written_loads()
  local _, state = linear_state()
  local file = T.tmpdir() .. "/old.ckpt"
  nn.write_state(file, state, '{format = "lwscript model", version = 1, constructor = "nn.Linear(2, 2)"}')
  T.eq(tostring(nn.load(file)), tostring(nn.Linear(2, 2)), "a plain layer")
  local m = nn.Sequential(nn.Residual(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), nn.Linear(2, 2, {bias = false})),
                          nn.Dropout(0.25), nn.LeakyReLU(-0.5))
  m:save(file)
  T.eq(tostring(nn.load(file)), tostring(m), "nested containers, options, a negative number")
end

function test.save_expects_a_module()
  T.raises("nn.save: expected a module", nn.save, 5, T.tmpdir() .. "/x")
end

-- Issue 12: nn.load_into(5, path) said "cannot open"; a model that contains itself overflowed
-- the stack when saved
function test.load_into_and_save_check_the_model()
  local file = saved_mlp()
  T.raises("bad argument #1 to 'nn.load_into' (expected a module, got 5)", nn.load_into, 5, file)
  local s = nn.Sequential(nn.Linear(2, 2))
  s.modules[2] = s
  local loop = "the model contains itself: module 2 is the model again (a container cannot hold itself, directly or "
               .. "through other containers)"
  T.raises("nn.save: " .. loop, nn.save, s, T.tmpdir() .. "/loop.ckpt")
  T.raises("model:load: " .. loop, s.load, s, file)
end

return test
