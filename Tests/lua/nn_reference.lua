-- Every layer and both presets against PyTorch: forward values and gradients of the input
-- and of every parameter. Reference data: scripts/reference/layers.py (PyTorch 1.13), which
-- sets weights, inputs and the loss projection with the same formulas as below.
local T = require("testing")
local ref = require("nn_reference_data")
local test = T.suite("nn_reference")

local function fill_params(m)
  tensor.no_grad(function()
    for k, pair in ipairs(m:named_parameters()) do
      local p = pair[2]
      local flat = p:flatten()
      for i = 1, flat:numel() do flat[i] = 0.1 * math.sin(0.7 * (i - 1) + (k - 1)) end
    end
  end)
end

local function formula_input(shape, scale)
  local t = tensor.zeros(shape)
  local flat = t:flatten()
  for i = 1, flat:numel() do flat[i] = (scale or 1) * math.cos(0.91 * (i - 1)) end
  return t
end

local function proj_like(t)
  local p = tensor.zeros(t:shape())
  local flat = p:flatten()
  for i = 1, flat:numel() do flat[i] = math.sin(1.3 * (i - 1)) end
  return p
end

local function summary(t)
  local flat = t:flatten()
  local out = {flat:sum():item(), flat:abs():sum():item()}
  for i = 1, math.min(6, flat:numel()) do out[#out + 1] = flat[i] end
  return out
end

local function close(actual, expected, what, tol)
  tol = tol or 2e-5
  T.eq(#actual, #expected, what .. " length")
  local worst, at = 0, 0
  for i = 1, #expected do
    local err = math.abs(actual[i] - expected[i]) / (1e-3 + math.abs(expected[i]))
    if math.abs(actual[i] - expected[i]) > tol and err > worst then worst, at = err, i end
  end
  if at > 0 then
    error(string.format("%s: element %d is %.8g, PyTorch has %.8g", what, at, actual[at], expected[at]), 2)
  end
end

local function run(name, m, x, opts)
  opts = opts or {}
  local r = ref[name]
  fill_params(m)
  if opts.pre_steps then
    m:train()
    for _ = 1, opts.pre_steps do tensor.no_grad(function() m(x) end) end
  end
  if opts.eval then m:eval() else m:train() end
  if opts.dropout_off then
    for _, child in ipairs(m.modules) do if child.kind == "Dropout" then child:eval() end end
  end
  local input = x
  if opts.input_grad ~= false then input = x:clone():requires_grad() end
  local out = m(input)
  local loss = (out * proj_like(out)):sum()
  loss:backward()
  local pack = opts.summarise and summary or function(t) return t:flatten():totable() end
  close(pack(out), opts.summarise and summary(tensor.new(ref[name].output)) or r.output, name .. " output", opts.tol)
  if opts.summarise then close(pack(out), pack(tensor.new(r.output)), name .. " output", opts.tol) end
  T.near(loss:item(), r.loss, 1e-4, name .. " loss")
  if r.input_grad then close(pack(input.grad), r.input_grad, name .. " input gradient", opts.tol) end
  local params = m:named_parameters()
  T.eq(#params, #r.param_grads, name .. " parameter count")
  for k, pair in ipairs(params) do
    close(pack(pair[2].grad), r.param_grads[k], name .. " gradient of " .. pair[1], opts.tol)
  end
end

function test.linear() run("linear", nn.Linear(5, 3), formula_input({4, 5})) end

function test.conv2d_strided_padded()
  run("conv2d", nn.Conv2d(2, 3, 3, {stride = 2, padding = 1}), formula_input({2, 2, 5, 6}))
end

function test.conv2d_rectangular()
  run("conv2d_rect", nn.Conv2d(3, 2, {2, 3}, {stride = {1, 2}, padding = {1, 0}}), formula_input({1, 3, 4, 7}))
end

function test.conv1d() run("conv1d", nn.Conv1d(3, 4, 3, {padding = 1}), formula_input({2, 3, 7})) end

function test.batchnorm2d_training() run("batchnorm2d_train", nn.BatchNorm2d(3), formula_input({4, 3, 2, 2})) end

function test.batchnorm2d_evaluation_after_two_training_steps()
  run("batchnorm2d_eval", nn.BatchNorm2d(3), formula_input({4, 3, 2, 2}), {eval = true, pre_steps = 2})
end

function test.batchnorm1d_training() run("batchnorm1d_train", nn.BatchNorm1d(4), formula_input({5, 4})) end

function test.maxpool2d() run("maxpool", nn.MaxPool2d(3, {stride = 2, padding = 1}), formula_input({2, 2, 5, 5})) end

function test.avgpool2d() run("avgpool", nn.AvgPool2d(2), formula_input({2, 2, 4, 6})) end

function test.leakyrelu() run("leakyrelu", nn.LeakyReLU(0.1), formula_input({3, 4})) end

function test.lstm_two_layers() run("lstm", nn.LSTM(3, 4, {layers = 2}), formula_input({2, 5, 3})) end

-- The final states h_n and c_n carry gradients, as in PyTorch: a loss through all three, and
-- one through c_n alone (which raised "does not require grad" before). The output compared
-- is c_n.
local function lstm_states(name, through_all)
  local m = nn.LSTM(3, 4, {layers = 2})
  fill_params(m)
  local x = formula_input({2, 5, 3}):requires_grad()
  local out, h, c = m(x)
  local l = (c * proj_like(c)):sum()
  if through_all then l = l + (out * proj_like(out)):sum() + 0.5 * (h * proj_like(h)):sum() end
  l:backward()
  local r = ref[name]
  close(c:flatten():totable(), r.output, name .. " c_n")
  T.near(l:item(), r.loss, 1e-4, name .. " loss")
  close(x.grad:flatten():totable(), r.input_grad, name .. " input gradient")
  for k, pair in ipairs(m:named_parameters()) do
    close(pair[2].grad:flatten():totable(), r.param_grads[k], name .. " gradient of " .. pair[1])
  end
end

function test.lstm_gradients_through_h_n_and_c_n() lstm_states("lstm_states", true) end
function test.lstm_gradient_through_c_n_alone() lstm_states("lstm_cn_only", false) end

function test.embedding()
  run("embedding", nn.Embedding(6, 3), tensor.new({{1, 6, 3}, {3, 3, 2}}), {input_grad = false})
end

-- cross-entropy with class weights and label smoothing, and at extreme logits
function test.cross_entropy_with_class_weights_and_label_smoothing()
  local logits = formula_input({4, 3}, 2.0):requires_grad()
  local ce = loss.cross_entropy{weights = {0.2, 1.0, 2.5}, label_smoothing = 0.1}
  local l = ce(logits, tensor.new({1, 3, 2, 3}))
  l:backward()
  T.near(l:item(), ref.cross_entropy.loss, 1e-5, "cross_entropy")
  close(logits.grad:flatten():totable(), ref.cross_entropy.input_grad, "cross_entropy gradient")
end

function test.cross_entropy_at_extreme_logits()
  local extreme = tensor.new({{100, -100, 0}, {-100, 100, 50}}):requires_grad()
  local le = loss.cross_entropy()(extreme, tensor.new({2, 1}))
  le:backward()
  T.near(le:item(), ref.cross_entropy_extreme.loss, 1e-5, "cross_entropy at extreme logits")
  close(extreme.grad:flatten():totable(), ref.cross_entropy_extreme.input_grad, "cross_entropy extreme gradient")
end

-- the presets: same parameter counts, outputs and gradients as the PyTorch models
function test.resnet_cnn_preset()
  local cnn = nn.resnet_cnn{channels = 1, classes = 10, size = 28}
  T.eq(cnn:num_parameters(), ref.resnet_cnn_params.output[1], "resnet_cnn parameter count")
  run("resnet_cnn", cnn, formula_input({2, 1, 28, 28}), {summarise = true, dropout_off = true, tol = 2e-4})
end

function test.conv_lstm_preset()
  local cl = nn.conv_lstm{vocab = 12, classes = 4}
  T.eq(cl:num_parameters(), ref.conv_lstm_params.output[1], "conv_lstm parameter count")
  run("conv_lstm", cl, tensor.new({{2, 5, 8, 1, 1, 4}, {12, 3, 3, 10, 6, 1}}),
      {summarise = true, dropout_off = true, input_grad = false, tol = 2e-4})
end

return test
