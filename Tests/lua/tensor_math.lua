-- Tensor arithmetic, element-wise functions, comparisons, reductions and matrix products.
local T = require("testing")
local test = T.suite("tensor_math")

local a = tensor.new({{1, 2, 3}, {4, 5, 6}})
local row = tensor.new({10, 20, 30})
local col = tensor.new({{1}, {2}})

-- operators with broadcasting and numbers on either side
function test.operators_broadcast_with_numbers_on_either_side()
  T.same_table((a + row):totable(), {{11, 22, 33}, {14, 25, 36}}, "a + row")
  T.same_table((a * col):totable(), {{1, 2, 3}, {8, 10, 12}}, "a * col")
  T.same_table((2 - a):totable(), {{1, 0, -1}, {-2, -3, -4}}, "2 - a")
  T.same_table((a / 2):totable(), {{0.5, 1, 1.5}, {2, 2.5, 3}}, "a / 2")
  T.same_table((12 / a):totable(), {{12, 6, 4}, {3, 2.4, 2}}, "12 / a", 1e-6)
  T.same_table((-a):totable(), {{-1, -2, -3}, {-4, -5, -6}}, "unary minus")
  T.same_table((a ^ 2):totable(), {{1, 4, 9}, {16, 25, 36}}, "a ^ 2")
end

function test.methods_and_non_contiguous_views()
  T.same_table(a:add(1):sub(tensor.ones(3)):totable(), a:totable(), "add/sub methods")
  T.same_table(a:t():mul(a:t()):totable(), {{1, 16}, {4, 25}, {9, 36}}, "ops on non-contiguous views")
end

-- element-wise functions (values checked against Lua's math library)
local x = tensor.new({-2, -0.5, 0, 0.5, 2})
local xs = {-2, -0.5, 0, 0.5, 2}
local function each(t, f) local out = {} for i, v in ipairs(t) do out[i] = f(v) end return out end

function test.elementwise_functions_match_math_library()
  T.same_table(x:exp():totable(), each(xs, math.exp), "exp", 1e-5)
  T.same_table(x:abs():totable(), each(xs, math.abs), "abs")
  T.same_table(x:relu():totable(), {0, 0, 0, 0.5, 2}, "relu")
  T.same_table(x:sigmoid():totable(), each(xs, function(v) return 1 / (1 + math.exp(-v)) end), "sigmoid", 1e-6)
  T.same_table(x:tanh():totable(), each(xs, function(v) return (math.exp(2 * v) - 1) / (math.exp(2 * v) + 1) end), "tanh", 1e-6)
  T.same_table(x:clamp(-1, 1):totable(), {-1, -0.5, 0, 0.5, 1}, "clamp")
  T.same_table(x:clamp(nil, 0):totable(), {-2, -0.5, 0, 0, 0}, "clamp upper only")
  T.same_table(tensor.new({1, 4, 9}):sqrt():totable(), {1, 2, 3}, "sqrt")
  T.same_table(tensor.new({1, math.exp(2)}):log():totable(), {0, 2}, "log", 1e-6)
  T.same_table(x:pow(2):totable(), each(xs, function(v) return v * v end), "pow")
end

function test.sigmoid_extremes_are_finite()
  T.eq(tensor.new({-100, 100}):sigmoid():totable()[1] >= 0, true, "sigmoid(-100) is finite")
  T.same_table(tensor.new({-100, 100}):sigmoid():totable(), {0, 1}, "sigmoid extremes", 1e-30)
end

-- comparisons give 0/1 tensors; < on one-element tensors gives booleans
function test.comparisons_give_zero_one_tensors()
  T.same_table(x:gt(0):totable(), {0, 0, 0, 1, 1}, "gt")
  T.same_table(x:le(tensor.new({-2, 0, 0, 0, 0})):totable(), {1, 1, 1, 0, 0}, "le tensor")
  T.same_table(x:eq(0):totable(), {0, 0, 1, 0, 0}, "eq")
  T.same_table(x:ne(0):totable(), {1, 1, 0, 1, 1}, "ne")
end

function test.one_element_tensors_compare_as_booleans()
  T.eq(a:sum() > 20, true, "scalar tensor > number")
  T.eq(a:sum() < a:sum() + 1, true, "scalar tensor < scalar tensor")
end

-- reductions
function test.sum_and_mean_overall_and_along_dimensions()
  T.near(a:sum(), 21, 0, "sum"); T.near(a:mean(), 3.5, 0, "mean")
  T.same_table(a:sum(1):totable(), {5, 7, 9}, "sum(1)")
  T.same_table(a:sum(2):totable(), {6, 15}, "sum(2)")
  T.same_table(a:sum(2, {keepdim = true}):shape(), {2, 1}, "keepdim")
  T.same_table(a:mean(-1):totable(), {2, 5}, "mean(-1)")
end

function test.var_and_std_biased_and_unbiased()
  T.near(a:var(), 3.5, 1e-6, "var (unbiased)")
  T.near(a:var(false), 35 / 12, 1e-6, "var biased")
  T.near(a:var({unbiased = false}), 35 / 12, 1e-6, "var biased option")
  T.same_table(a:var(2):totable(), {1, 1}, "var(2)")
  T.same_table(a:std(1):totable(), {math.sqrt(4.5), math.sqrt(4.5), math.sqrt(4.5)}, "std(1)", 1e-6)
end

function test.prod_max_min()
  T.near(a:prod(), 720, 0, "prod")
  T.near(a:max(), 6, 0, "max"); T.near(a:min(), 1, 0, "min")
end

function test.max_min_along_a_dimension_give_values_and_indices()
  local v, i = tensor.new({{3, 9, 1}, {7, 2, 8}}):max(2)
  T.same_table(v:totable(), {9, 8}, "max(2) values"); T.same_table(i:totable(), {2, 3}, "max(2) indices 1-based")
  local mv, mi = tensor.new({{3, 9, 1}, {7, 2, 8}}):min(1)
  T.same_table(mv:totable(), {3, 2, 1}, "min(1) values"); T.same_table(mi:totable(), {1, 2, 1}, "min(1) indices")
end

function test.argmax_argmin()
  T.eq(tensor.new({3, 9, 1}):argmax(), 2, "argmax flat"); T.eq(tensor.new({3, 9, 1}):argmin(), 3, "argmin flat")
  T.same_table(tensor.new({{3, 9, 1}, {7, 2, 8}}):argmax(2):totable(), {2, 3}, "argmax(2)")
  T.same_table(tensor.new({{1, 5}, {5, 1}}):argmax(1):totable(), {2, 1}, "argmax first occurrence")
end

-- matmul: 2-D, transposed views, vectors, batched
local m = tensor.new({{1, 2}, {3, 4}, {5, 6}})

function test.matmul_of_matrices_and_transposed_views()
  T.same_table(a:matmul(m):totable(), {{22, 28}, {49, 64}}, "matmul")
  T.same_table(m:t():matmul(m):totable(), {{35, 44}, {44, 56}}, "matmul transposed view")
  T.same_table(a:matmul(m:t():t()):totable(), {{22, 28}, {49, 64}}, "matmul double transpose")
end

function test.matmul_matrix_vector_and_batched()
  T.same_table(tensor.matmul(a, tensor.new({1, 1, 1})):totable(), {6, 15}, "matrix-vector")
  local batch = tensor.stack({a, a * 2})
  local bm = batch:matmul(tensor.stack({m, m}))
  T.same_table(bm:totable(), {{{22, 28}, {49, 64}}, {{44, 56}, {98, 128}}}, "batched matmul")
  T.same_table(batch:matmul(m):shape(), {2, 2, 2}, "3-D x 2-D")
end

-- softmax / log_softmax along any dimension, against the definition computed in doubles:
-- softmax(x, d)_i = exp(x_i) / sum over the slice through i along d of exp(x_j)
local function softmax_by_definition(z, d, take_log)
  local shape = z:shape()
  local flat = z:contiguous():reshape(z:numel()):totable()
  local strides, s = {}, 1
  for k = #shape, 1, -1 do strides[k] = s; s = s * shape[k] end
  local out = {}
  for i = 0, #flat - 1 do
    local pos = (i // strides[d]) % shape[d]
    local first = i - pos * strides[d]
    local top = -math.huge
    for j = 0, shape[d] - 1 do top = math.max(top, flat[first + j * strides[d] + 1]) end
    local sum = 0
    for j = 0, shape[d] - 1 do sum = sum + math.exp(flat[first + j * strides[d] + 1] - top) end
    local v = flat[i + 1] - top - math.log(sum)
    out[i + 1] = take_log and v or math.exp(v)
  end
  return out
end

function test.softmax_and_log_softmax_along_any_dimension()
  T.near(tensor.new({{1, 2}, {3, 4}}):softmax(1):get(1, 1), 1 / (1 + math.exp(2)), 1e-6, "softmax(1) of {{1, 2}, {3, 4}}")
  local z = tensor.randn(3, 4, 5) * 3
  for _, d in ipairs({1, 2, 3, -1, -2, -3}) do
    local pd = d < 0 and 3 + d + 1 or d
    T.same_table(z:softmax(d):reshape(60):totable(), softmax_by_definition(z, pd, false), "softmax(" .. d .. ")", 1e-6)
    T.same_table(z:log_softmax(d):reshape(60):totable(), softmax_by_definition(z, pd, true), "log_softmax(" .. d .. ")", 1e-5)
  end
  -- the default is the last dimension, and a non-contiguous input is read through its strides
  T.same_table(z:softmax():totable(), z:softmax(3):totable(), "softmax() is softmax(-1)")
  local zt = z:transpose(1, 3)
  T.same_table(zt:softmax(1):totable(), zt:contiguous():softmax(1):totable(), "softmax of a transposed view", 1e-7)
  T.same_table(z:softmax(2):sum(2):reshape(15):totable(), {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
               "softmax(2) sums to 1 along dimension 2", 1e-6)
end

function test.allclose_and_equal()
  T.eq(tensor.allclose(a, a + 1e-7), true, "allclose")
  T.eq(tensor.allclose(a, a + 1, {atol = 0.5}), false, "allclose false")
  T.eq(tensor.equal(a, a:clone()), true, "equal")
end

return test
