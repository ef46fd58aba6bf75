-- nn.Sequential runs BatchNorm -> ReLU and ReLU -> MaxPool2d as fused kernels. Their outputs,
-- gradients (input and parameters) and running statistics must equal those of the layers
-- run one at a time, exactly: the fused kernels do the same arithmetic.
local T = require("testing")
local test = T.suite("nn_fusion")

-- Element-wise identity (infinities equal themselves, NaN only NaN); returns the first
-- position that differs, or nil.
local function first_difference(a, b)
  local fa, fb = a:reshape(a:numel()):totable(), b:reshape(b:numel()):totable()
  for i = 1, #fa do
    local x, y = fa[i], fb[i]
    if not (x == y or (x ~= x and y ~= y)) then return string.format("element %d: %s vs %s", i, x, y) end
  end
  return nil
end

-- Runs `make()`'s layers on x twice, through nn.Sequential (fused) and one by one, with the
-- same upstream gradient, and compares everything. Returns the backward operations profiled
-- in the fused run.
local function compare(what, make, x, train)
  local fused_layers, plain_layers = make(), make()
  local fused, plain = nn.Sequential(fused_layers), nn.Sequential(plain_layers)
  fused:train(train); plain:train(train)
  local xf, xp = x:clone():requires_grad(), x:clone():requires_grad()
  tensor.profile(true)
  local yf = fused(xf)
  local g = tensor.randn(yf:shape())
  yf:backward(g)
  local ops = {}
  for _, row in ipairs(tensor.profile()) do ops[row[1]] = true end
  local yp = xp
  for _, m in ipairs(plain_layers) do yp = m(yp) end
  yp:backward(g)
  T.eq(first_difference(yf, yp), nil, what .. ": output")
  T.eq(first_difference(xf.grad, xp.grad), nil, what .. ": input gradient")
  local pf, pp = fused:parameters(), plain:parameters()
  for i = 1, #pf do T.eq(first_difference(pf[i].grad, pp[i].grad), nil, what .. ": parameter " .. i .. " gradient") end
  for i, m in ipairs(fused_layers) do
    if m.running_mean then
      T.eq(first_difference(m.running_mean, plain_layers[i].running_mean), nil, what .. ": running mean")
      T.eq(first_difference(m.running_var, plain_layers[i].running_var), nil, what .. ": running variance")
    end
  end
  return ops
end

-- batch norm with non-trivial affine parameters and running statistics
local function bn(kind, c)
  tensor.seed(3)
  local m = nn[kind](c)
  tensor.no_grad(function()
    m.weight:copy(tensor.randn(c)); m.bias:copy(tensor.randn(c))
    m.running_mean:copy(tensor.randn(c)); m.running_var:copy(tensor.rand(c) + 0.5)
  end)
  return m
end

local function batchnorm_relu(train)
  local mode = train and "train" or "eval"
  local ops = compare("BatchNorm2d+ReLU " .. mode, function() return {bn("BatchNorm2d", 3), nn.ReLU()} end,
                      tensor.randn(4, 3, 5, 7), train)
  T.eq(ops["BatchNorm2d+ReLU"], true, "BatchNorm2d and ReLU ran fused (" .. mode .. ")")
  compare("BatchNorm1d+ReLU " .. mode, function() return {bn("BatchNorm1d", 6), nn.ReLU()} end,
          tensor.randn(9, 6), train)
  compare("BatchNorm1d+ReLU over sequences " .. mode, function() return {bn("BatchNorm1d", 6), nn.ReLU()} end,
          tensor.randn(3, 6, 11), train)
end

function test.batchnorm_relu_in_training() batchnorm_relu(true) end
function test.batchnorm_relu_in_evaluation() batchnorm_relu(false) end

-- max pooling of a ReLU: 2x2 windows (the fast path, odd sizes leave a row and column out),
-- overlapping padded windows, and NaN, infinities and ties in the input
local function hostile_input()
  local x = tensor.randn(2, 3, 7, 9)
  x[1][1][1][1] = 0 / 0; x[1][1][1][2] = 5; x[1][2][3][3] = -math.huge; x[2][1][2][2] = math.huge
  x[2][3][1][1] = 0; x[2][3][1][2] = 0; x[2][3][2][1] = -1; x[2][3][2][2] = -2
  return x
end

function test.relu_maxpool_2x2_with_nan_infinities_and_ties()
  local ops = compare("ReLU+MaxPool2d 2x2", function() return {nn.ReLU(), nn.MaxPool2d(2)} end, hostile_input(), true)
  T.eq(ops["ReLU+MaxPool2d"], true, "ReLU and MaxPool2d ran fused")
end

function test.relu_maxpool_3x3_stride_2_padding_1()
  compare("ReLU+MaxPool2d 3x3 stride 2 padding 1",
          function() return {nn.ReLU(), nn.MaxPool2d(3, {stride = 2, padding = 1})} end, hostile_input(), true)
end

-- the plain 2x2 backward (no zero fill any more) on odd sizes, against average-free reference:
-- every input position gets its window's gradient if it won, else 0
function test.maxpool_2x2_gradient_on_an_odd_plane()
  local m = nn.MaxPool2d(2)
  local xi = tensor.new({{{{1, 4, 2}, {3, 0, 9}, {7, 7, 7}}}}):requires_grad()
  m(xi):backward(tensor.new({{{{10}}}}))
  T.same_table(xi.grad:totable(), {{{{0, 10, 0}, {0, 0, 0}, {0, 0, 0}}}}, "2x2 max-pool gradient on an odd plane")
end

-- the 2x2 kernel (four windows at a time, then the rest in the lanes of one more group, or one
-- by one at the tensor's end) against its definition, plain and after a ReLU: 13 columns give
-- 6 windows per row (one group of four, two left, one column unused), 7 give 3 (the last
-- group alone, as in the CNN's 7x7 planes); ties go to the first position in row-major window
-- order
local function naive_pool(input, relu_first)
  local b, c, h, w = table.unpack(input:shape())
  local xs = input:totable()
  local out, win = {}, {}
  for n = 1, b do
    out[n], win[n] = {}, {}
    for ch = 1, c do
      out[n][ch], win[n][ch] = {}, {}
      for i = 1, h // 2 do
        out[n][ch][i], win[n][ch][i] = {}, {}
        for j = 1, w // 2 do
          local best, at
          for di = 0, 1 do
            for dj = 0, 1 do
              local v = xs[n][ch][2 * i - 1 + di][2 * j - 1 + dj]
              if relu_first then v = v > 0 and v or 0 end
              if best == nil or v > best then best, at = v, {2 * i - 1 + di, 2 * j - 1 + dj} end
            end
          end
          out[n][ch][i][j], win[n][ch][i][j] = best, at
        end
      end
    end
  end
  return out, win
end

local function pool_against_definition(relu_first, shape)
  local xq = (tensor.randn(table.unpack(shape)) * 4):round() / 4   -- quarter steps: ties happen
  local layers = relu_first and {nn.ReLU(), nn.MaxPool2d(2)} or {nn.MaxPool2d(2)}
  local xi = xq:clone():requires_grad()
  local y = nn.Sequential(layers)(xi)
  local g = tensor.randn(y:shape())
  y:backward(g)
  local want, win = naive_pool(xq, relu_first)
  T.same_table(y:totable(), want, "2x2 max-pool values (relu first: " .. tostring(relu_first) .. ")")
  local gs, gx = g:totable(), xi.grad:totable()
  local expected = tensor.zeros(xq:shape()):totable()
  for n = 1, shape[1] do for ch = 1, shape[2] do for i = 1, shape[3] // 2 do for j = 1, shape[4] // 2 do
    local at = win[n][ch][i][j]
    if not relu_first or want[n][ch][i][j] > 0 then expected[n][ch][at[1]][at[2]] = gs[n][ch][i][j] end
  end end end end
  T.same_table(gx, expected, "2x2 max-pool gradient (relu first: " .. tostring(relu_first) .. ")")
end

function test.maxpool_2x2_matches_its_definition()
  pool_against_definition(false, {2, 3, 11, 13}); pool_against_definition(false, {3, 2, 7, 7})
end
function test.relu_maxpool_2x2_matches_its_definition()
  pool_against_definition(true, {2, 3, 11, 13}); pool_against_definition(true, {3, 2, 7, 7})
end

-- pairs without a fused kernel, and what nn.fused_forward says about them
function test.pairs_without_a_fused_kernel()
  T.eq(nn.fused_forward(nn.ReLU(), nn.AvgPool2d(2), tensor.randn(1, 1, 4, 4)), nil, "no ReLU+AvgPool2d kernel")
  T.eq(nn.fused_forward(nn.Tanh(), nn.MaxPool2d(2), tensor.randn(1, 1, 4, 4)), nil, "no Tanh+MaxPool2d kernel")
  T.eq(nn.fused_forward(nn.ReLU(), nn.MaxPool2d(2), tensor.randn(1, 1, 1, 1)), nil, "input smaller than the window")
  T.eq(nn.fused_forward(nn.ReLU(), {forward = function(_, v) return v end}, tensor.randn(2)), nil, "Lua module")
  compare("Tanh then MaxPool2d", function() return {nn.Tanh(), nn.MaxPool2d(2)} end, tensor.randn(1, 2, 4, 4), true)
end

-- errors still name the layer that rejected the input
function test.errors_name_the_layer()
  T.raises("In module 1 (BatchNorm2d(3)) of nn.Sequential: BatchNorm2d(3) expected input of size Bx3xHxW",
           function() nn.Sequential(nn.BatchNorm2d(3), nn.ReLU())(tensor.randn(2, 4, 3, 3)) end)
  T.raises("In module 2 (MaxPool2d(2x2)) of nn.Sequential: MaxPool2d(2x2): input 1x1 is smaller than the window",
           function() nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))(tensor.randn(2, 4, 1, 1)) end)
end

return test
