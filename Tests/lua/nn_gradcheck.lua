-- Finite-difference checks of every layer's gradient with respect to its input (parameter
-- gradients are compared with PyTorch in nn_reference.lua).
local T = require("testing")
local test = T.suite("nn_gradcheck")

local function check(name, layer, x, opts)
  local ok, _, details = tensor.gradcheck(function(input) return layer(input) end, {x}, opts)
  if not ok then error(name .. ": " .. details, 2) end
end

-- Input for layers with kinks (max-pooling, LeakyReLU): the values 0.1 apart in a random order,
-- none within 0.05 of 0, so the finite-difference step (1e-2) never crosses a tie or the kink.
-- (Plain randn input puts two values of a pooling window within 2e-2 in about one seed in three.)
local function separated(...)
  local x = tensor.zeros(...)
  local flat, n = x:flatten(), x:numel()
  local keys, order = tensor.rand(n):totable(), {}
  for i = 1, n do order[i] = i end
  table.sort(order, function(i, j) return keys[i] < keys[j] end)
  for rank, i in ipairs(order) do flat[i] = 0.05 * (2 * rank - 1 - n) + (n % 2) * 0.05 end
  return x
end

function test.linear()
  check("Linear", nn.Linear(5, 3), tensor.randn(4, 5))
end

function test.conv2d_strided_padded_rectangular()
  check("Conv2d stride 2 padding 1", nn.Conv2d(2, 3, 3, {stride = 2, padding = 1}), tensor.randn(2, 2, 5, 6))
  check("Conv2d stride 1 (flipped-kernel dX)", nn.Conv2d(4, 3, 3, {padding = 1}), tensor.randn(2, 4, 5, 5))
  check("Conv2d rectangular", nn.Conv2d(3, 2, {2, 3}, {stride = {1, 2}, padding = {1, 0}}), tensor.randn(1, 3, 4, 7))
end

function test.conv1d()
  check("Conv1d", nn.Conv1d(3, 4, 3, {padding = 1}), tensor.randn(2, 3, 7))
end

function test.batchnorm_training_and_evaluation()
  check("BatchNorm2d (training)", nn.BatchNorm2d(3), tensor.randn(4, 3, 2, 2))
  local bn_eval = nn.BatchNorm1d(4); bn_eval(tensor.randn(6, 4)); bn_eval:eval()
  check("BatchNorm1d (evaluation)", bn_eval, tensor.randn(5, 4))
end

function test.pooling()
  check("MaxPool2d 2x2", nn.MaxPool2d(2), separated(2, 2, 4, 6))
  check("MaxPool2d 3x3 stride 2 padding 1", nn.MaxPool2d(3, {stride = 2, padding = 1}), separated(2, 2, 5, 5))
  check("AvgPool2d", nn.AvgPool2d(2, {stride = 1}), tensor.randn(2, 2, 4, 4))
  check("GlobalAvgPool", nn.GlobalAvgPool(), tensor.randn(2, 3, 4, 4))
end

function test.activations()
  check("LeakyReLU", nn.LeakyReLU(0.2), separated(3, 4))
  check("Tanh", nn.Tanh(), tensor.randn(3, 4))
  check("Sigmoid", nn.Sigmoid(), tensor.randn(3, 4))
end

function test.flatten_transpose_dropout_in_evaluation()
  check("Flatten", nn.Flatten(), tensor.randn(2, 3, 4))
  check("Transpose", nn.Transpose(2, 3), tensor.randn(2, 3, 4))
  local drop = nn.Dropout(0.5); drop:eval()
  check("Dropout (evaluation)", drop, tensor.randn(3, 4))
end

function test.lstm_all_steps_and_last_step()
  check("LSTM (2 layers)", nn.LSTM(3, 4, {layers = 2}), tensor.randn(2, 5, 3))
  check("LSTM last step", nn.LSTM(3, 4, {output = "last"}), tensor.randn(2, 5, 3))
  -- input and hidden sizes of whole AVX-512 vectors: the products, dX included, go to
  -- lwscript's own kernel with packed weights where the CPU has AVX-512
  check("LSTM 16 -> 16", nn.LSTM(16, 16), tensor.randn(2, 3, 16))
end

function test.residual()
  check("Residual", nn.Residual(nn.Sequential(nn.Linear(3, 3), nn.Tanh())), tensor.randn(2, 3))
end

function test.cross_entropy_with_weights_and_label_smoothing()
  local ce = loss.cross_entropy{weights = {0.5, 1, 2}, label_smoothing = 0.1}
  local targets = tensor.new({1, 3, 2, 3})
  local ok, _, details = tensor.gradcheck(function(z) return ce(z, targets) end, {tensor.randn(4, 3)})
  if not ok then error("cross_entropy: " .. details) end
end

function test.log_softmax_and_softmax()
  local ok, _, details = tensor.gradcheck(function(z) return z:log_softmax() end, {tensor.randn(3, 4)})
  if not ok then error("log_softmax: " .. details) end
  ok, _, details = tensor.gradcheck(function(z) return z:softmax() end, {tensor.randn(3, 4)})
  if not ok then error("softmax: " .. details) end
end

function test.log_softmax_and_softmax_along_inner_dimensions()
  for _, d in ipairs({1, 2}) do
    local ok, _, details = tensor.gradcheck(function(z) return z:log_softmax(d) end, {tensor.randn(3, 4, 2)})
    if not ok then error("log_softmax(" .. d .. "): " .. details) end
    ok, _, details = tensor.gradcheck(function(z) return z:softmax(d) end, {tensor.randn(3, 4, 2)})
    if not ok then error("softmax(" .. d .. "): " .. details) end
  end
end

return test
