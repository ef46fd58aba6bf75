-- Tensors: construction, randomness, indexing and views, printing, and sys.
local T = require("testing")
local test = T.suite("tensor_basics")

-- the 2x3 matrix most cases look at (a fresh one each time: some cases write to it)
local function m23() return tensor.new({{1, 2, 3}, {4, 5, 6}}) end

function test.shape_size_dim_numel_totable()
  local t = m23()
  T.same_table(t:shape(), {2, 3}, "shape")
  T.eq(t:size(1), 2, "size(1)"); T.eq(t:size(-1), 3, "size(-1)")
  T.eq(t:dim(), 2, "dim"); T.eq(t:numel(), 6, "numel"); T.eq(#t, 2, "#t")
  T.same_table(t:totable(), {{1, 2, 3}, {4, 5, 6}}, "totable")
end

function test.constructors()
  T.same_table(tensor{1, 2}:totable(), {1, 2}, "module call")
  T.same_table(tensor.zeros(2, 2):totable(), {{0, 0}, {0, 0}}, "zeros")
  T.same_table(tensor.ones({3}):totable(), {1, 1, 1}, "ones with table")
  T.same_table(tensor.full({2}, 7):totable(), {7, 7}, "full")
  T.same_table(tensor.full(1, 2, 3):totable(), {{3, 3}}, "full varargs")
  T.same_table(tensor.arange(4):totable(), {0, 1, 2, 3}, "arange(n)")
  T.same_table(tensor.arange(1, 2, 0.25):totable(), {1, 1.25, 1.5, 1.75}, "arange step")
  T.same_table(tensor.eye(2, 3):totable(), {{1, 0, 0}, {0, 1, 0}}, "eye")
  T.eq(tensor.new(5):dim(), 0, "0-d from number")
  T.eq(tensor.zeros(0, 3):numel(), 0, "empty tensor")
end

function test.same_seed_same_numbers()
  tensor.seed(42)
  local a = tensor.rand(5):totable()
  tensor.seed(42)
  local b = tensor.rand(5):totable()
  T.same_table(a, b, "same seed same numbers")
  T.eq(tensor.seed(), 42, "seed()")
end

function test.rand_and_randn_distributions()
  local r = tensor.rand(10000)
  T.eq(r:min():item() >= 0 and r:max():item() < 1, true, "rand in [0,1)")
  local n = tensor.randn(20000)
  T.near(n:mean(), 0, 0.05, "randn mean"); T.near(n:std(), 1, 0.05, "randn std")
end

function test.indexing_from_either_end()
  local t = m23()
  T.eq(t[2][3], 6, "t[2][3]"); T.eq(t[-1][-1], 6, "negative indices")
  T.same_table(t[1]:totable(), {1, 2, 3}, "row view")
  T.eq(t:get(1, 2), 2, "get")
end

function test.clone_copies_and_views_share_storage()
  local t = m23()
  local c = t:clone(); c:set(1, 2, 20)
  T.eq(c:get(1, 2), 20, "set"); T.eq(t:get(1, 2), 2, "clone is a copy")
  local row = t[1]; row[1] = 100
  T.eq(t:get(1, 1), 100, "views share storage")
end

function test.transpose_and_reshape()
  local t = m23()
  T.same_table(t:t():totable(), {{1, 4}, {2, 5}, {3, 6}}, "t()")
  T.eq(t:t():is_contiguous(), false, "transpose is a view")
  T.same_table(t:t():contiguous():reshape(2, 3):totable(), {{1, 4, 2}, {5, 3, 6}}, "contiguous then reshape")
  T.same_table(t:reshape(3, -1):totable(), {{1, 2}, {3, 4}, {5, 6}}, "reshape -1")
end

function test.narrow_slice_select_index()
  local t = m23()
  T.same_table(t:narrow(2, 2, 2):totable(), {{2, 3}, {5, 6}}, "narrow")
  T.same_table(t:slice(2, 2):totable(), {{2, 3}, {5, 6}}, "slice to end")
  T.same_table(t:slice(2, 1, -2):totable(), {{1, 2}, {4, 5}}, "slice with negative end")
  T.same_table(t:select(2, 3):totable(), {3, 6}, "select")
  T.same_table(t:index(1, {2, 1, 2}):totable(), {{4, 5, 6}, {1, 2, 3}, {4, 5, 6}}, "index")
end

function test.unsqueeze_squeeze_permute()
  local t = m23()
  T.same_table(t:unsqueeze(1):shape(), {1, 2, 3}, "unsqueeze")
  T.same_table(t:unsqueeze(-1):shape(), {2, 3, 1}, "unsqueeze -1")
  T.same_table(tensor.zeros(1, 3, 1):squeeze():shape(), {3}, "squeeze")
  T.same_table(t:permute(2, 1):totable(), t:t():totable(), "permute")
end

function test.cat_stack_expand()
  local t = m23()
  T.same_table(tensor.cat({t, t}, 1):shape(), {4, 3}, "cat dim 1")
  T.same_table(tensor.cat({t, t}, 2):totable(), {{1, 2, 3, 1, 2, 3}, {4, 5, 6, 4, 5, 6}}, "cat dim 2")
  T.same_table(tensor.stack({t, t}):shape(), {2, 2, 3}, "stack")
  T.same_table(tensor.stack({t, t}, -1):shape(), {2, 3, 2}, "stack last")
  T.same_table(tensor.ones(3):expand(2, 3):totable(), {{1, 1, 1}, {1, 1, 1}}, "expand")
end

function test.assignment_fill_copy()
  local f = tensor.zeros(2, 2); f[1] = 3; f[2] = tensor.new({4, 5})
  T.same_table(f:totable(), {{3, 3}, {4, 5}}, "t[i] = v")
  T.same_table(tensor.zeros(3):fill(2):totable(), {2, 2, 2}, "fill")
  T.same_table(tensor.zeros(2, 2):copy(tensor.arange(4)):totable(), {{0, 1}, {2, 3}}, "copy")
end

-- a copy from a view of the same storage reads every value before any is written
function test.copy_from_an_overlapping_view()
  local function square() return tensor.arange(1, 10):reshape(3, 3) end
  local a = square()
  a:copy(a:t())
  T.same_table(a:totable(), {{1, 4, 7}, {2, 5, 8}, {3, 6, 9}}, "a:copy(a:t())")
  a = square()
  a:t():copy(a)
  T.same_table(a:totable(), {{1, 4, 7}, {2, 5, 8}, {3, 6, 9}}, "a:t():copy(a)")
  local v = tensor.arange(1, 7)
  v:narrow(1, 2, 5):copy(v:narrow(1, 1, 5))
  T.same_table(v:totable(), {1, 1, 2, 3, 4, 5}, "shifted copy within a vector")
  local c = tensor.arange(1, 9):reshape(2, 2, 2)
  c[1] = c:transpose(2, 3)[1]
  T.same_table(c:totable(), {{{1, 3}, {2, 4}}, {{5, 6}, {7, 8}}}, "t[1] = a transposed view of t")
  local d = tensor.arange(1, 10):reshape(3, 3)
  d:narrow(2, 1, 2):copy(d:narrow(1, 1, 2):t())
  T.same_table(d:totable(), {{1, 4, 3}, {2, 5, 6}, {3, 6, 9}}, "columns from rows of the same matrix")
end

function test.tostring_formats()
  local s = tostring(tensor.new({{1, 2}, {3, 4}}))
  T.eq(s, " 1 2\n 3 4\n[FloatTensor of size 2x2]", "tostring")
  T.eq(tostring(tensor.new({0.5, -1})), "  0.5000\n -1.0000\n[FloatTensor of size 2]", "tostring floats")
  T.eq(tostring(tensor.zeros(2, 1, 2)), "(1,.,.) = \n 0 0\n\n(2,.,.) = \n 0 0\n[FloatTensor of size 2x1x2]", "tostring 3-d")
  T.eq(tostring(tensor.new(2.5)), "2.5000\n[FloatTensor scalar]", "tostring 0-d")
  local big = tostring(tensor.zeros(100, 100))
  T.eq(big:find("...", 1, true) ~= nil, true, "large tensors are summarised")
end

function test.is_tensor_and_type()
  local t = m23()
  T.eq(tensor.is_tensor(t), true, "is_tensor"); T.eq(tensor.is_tensor({}), false, "is_tensor table")
  T.eq(t:type(), "FloatTensor", "type")
end

function test.sys_clock_and_threads()
  local t0 = sys.clock(); T.eq(type(t0), "number", "sys.clock"); T.eq(sys.clock() >= t0, true, "clock is monotonic")
  T.eq(sys.threads() >= 1, true, "sys.threads()")
  T.raises("thread count must be between 1 and 256", sys.threads, 0)
end

return test
