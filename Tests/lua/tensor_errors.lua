-- Bad input is a Lua error that names the function, what it expected and what came.
local T = require("testing")
local test = T.suite("tensor_errors")
local t = tensor.ones(3)
local m = tensor.ones(2, 3)

function test.constructors_reject_bad_sizes()
  T.raises("bad argument #1 to 'tensor.zeros' (sizes must be non-negative, got -1)", tensor.zeros, -1)
  T.raises("expected a size, got 2.5", tensor.zeros, 2.5)
  T.raises("shape 100000x100000x100000 is too large", tensor.zeros, 100000, 100000, 100000)
end

-- every argument after the first size is a size too: none is skipped or ends the list
function test.sizes_do_not_stop_at_a_non_number()
  T.raises("bad argument #2 to 'tensor.zeros' (expected a size (number), got nil)", tensor.zeros, 2, nil, 3)
  T.raises("bad argument #2 to 'tensor.ones' (expected a size (number), got string)", tensor.ones, 2, "x")
  T.raises("bad argument #2 to 'tensor.randn' (expected a size (number), got table)", tensor.randn, 2, {3})
  T.raises("bad argument #3 to 'tensor.rand' (expected a size (number), got boolean)", tensor.rand, 2, 3, true)
  T.raises("bad argument #2 to 'tensor.full' (expected a size (number), got nil)", tensor.full, 2, nil, 3, 7)
  T.raises("bad argument #2 to 'tensor.zeros' (expected nothing after a table of sizes, got number)", tensor.zeros, {2, 3}, 4)
  T.raises("bad argument #2 to 'Tensor:expand' (expected a size (number), got string)", m.expand, m, 2, "x")
  T.raises("bad argument #1 to 'tensor.zeros' (expected sizes (numbers or a table of numbers), got string)", tensor.zeros, "x")
  T.same_table(tensor.zeros(2, 3):shape(), {2, 3}, "sizes as numbers")
  T.same_table(tensor.zeros({2, 3}):shape(), {2, 3}, "sizes as a table")
  T.same_table(tensor.zeros():shape(), {}, "no sizes: a 0-dimensional tensor")
  T.same_table(tensor.full(2, 3, 7):totable(), {{7, 7, 7}, {7, 7, 7}}, "full")
end

function test.indices_out_of_range()
  T.raises("index 0 out of range (indices count from 1)", function() return t[0] end)
  T.raises("index 99 out of range of dimension 1 of size 3", function() return t[99] end)
  T.raises("index 4 out of range", function() m[1][4] = 1 end)
end

function test.operators_reject_other_types()
  T.raises("bad argument #2 to 'Tensor +' (expected a Tensor or a number, got string)", function() return t + "x" end)
  T.raises("bad argument #1 to 'Tensor *' (expected a Tensor or a number, got table)", function() return {} * t end)
end

function test.sizes_that_do_not_chain_or_broadcast()
  T.raises("sizes 2x3 and 2x3 do not chain", function() return m:matmul(m) end)
  T.raises("sizes 3 and 2x2 do not broadcast", function() return t + tensor.ones(2, 2) end)
end

function test.nested_tables_must_be_rectangular_and_numeric()
  T.raises("ragged nested table: row [2] has 1 elements, expected 2", tensor.new, {{1, 2}, {3}})
  T.raises("expected a number at [2][2], got string", tensor.new, {{1, 2}, {3, "a"}})
  T.raises("ragged nested table: expected a table at [2], got number", tensor.new, {{1, 2}, 3})
  T.raises("expected a table of numbers", tensor.new, "abc")
  T.raises("nested more than 16 levels deep", function()
    local deep = {1}
    for _ = 1, 20 do deep = {deep} end
    return tensor.new(deep)
  end)
end

function test.methods_check_self_dimensions_and_options()
  T.raises("calling 'Tensor:sum' on bad self (expected a Tensor, got number)", t.sum, 5)
  T.raises("dimension 3 out of range for a 1-dimensional tensor", t.sum, t, 3)
  T.raises("dimension 0 does not exist (dimensions count from 1)", t.sum, t, 0)
  T.raises("unknown option 'keepdims'", t.sum, t, 1, {keepdims = true})
  T.raises("option 'keepdim' must be a boolean, got number", t.sum, t, 1, {keepdim = 1})
end

function test.softmax_rejects_bad_dimensions()
  local m2 = tensor.new({{1, 2}, {3, 4}})
  T.raises("bad argument #1 to 'Tensor:softmax' (dimension 7 out of range for a 2-dimensional tensor)", m2.softmax, m2, 7)
  T.raises("bad argument #1 to 'Tensor:log_softmax' (dimension 3 out of range for a 2-dimensional tensor)", m2.log_softmax, m2, 3)
  T.raises("dimension 0 does not exist (dimensions count from 1)", m2.softmax, m2, 0)
  T.raises("dimension -3 out of range for a 2-dimensional tensor", m2.log_softmax, m2, -3)
  T.raises("expected a dimension, got string", m2.softmax, m2, "x")
  T.raises("expected a dimension, got 1.5", m2.softmax, m2, 1.5)
end

function test.reshape_get_and_matmul_arguments()
  T.raises("cannot reshape a tensor of size 2x3 (6 elements) into 4x2", m.reshape, m, 4, 2)
  T.raises("get expects 2 indices", m.get, m, 1)
  T.raises("bad argument #2 to 'Tensor:get' (index 5 out of range of dimension 2 of size 3)", m.get, m, 1, 5)
  T.raises("expected a Tensor, got no value", m.matmul, m)
  T.raises("expected a Tensor, got nil", m.matmul, m, nil)
end

function test.comparison_needs_one_element_tensors()
  T.raises("compare one-element tensors", function() return t < 2 end)
end

function test.cat_and_stack_check_their_elements()
  T.raises("element 2 must be a Tensor, got number", tensor.cat, {t, 3})
  T.raises("tensor 2 has size 2x3, expected 3", tensor.stack, {t, m})
end

function test.arange_clamp_copy_arguments()
  T.raises("step must not be zero", tensor.arange, 0, 1, 0)
  T.raises("lower bound 2.0 is above upper bound 1.0", t.clamp, t, 2, 1)
  T.raises("expected 3 elements to copy", t.copy, t, m)
end

function test.empty_and_zero_dimensional_tensors()
  T.raises("max of an empty tensor is undefined", function() return tensor.zeros(0):max() end)
  T.raises("cannot index a 0-dimensional tensor", function() return tensor.new(1)[1] end)
  T.raises("length 5 from index 2 runs past the end of dimension 1", t.narrow, t, 1, 2, 5)
end

function test.tensors_have_no_assignable_fields()
  T.raises("tensors have no assignable fields", function() t.foo = 1 end)
end

-- errors carry the Lua position of the caller
function test.errors_carry_the_callers_position()
  T.raises("tensor.zeros", tensor.zeros, -1)
  local _, msg = pcall(function() return tensor.zeros(-1) end)
  T.eq(msg:match("^tensor_errors.lua:%d+:") ~= nil or msg:match(":%d+: bad argument") ~= nil, true, "position prefix: " .. msg)
end

-- after errors, the state still works
function test.state_works_after_errors()
  pcall(tensor.zeros, -1); pcall(function() return t + "x" end); pcall(function() return m:matmul(m) end)
  T.same_table((t + 1):totable(), {2, 2, 2}, "state survives")
end

return test
