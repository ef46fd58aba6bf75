-- The Lua half of `tensor`: functions that are clearer in Lua than in Swift.
local tensor = require("tensor")
local util = require("lwscript.util")
local native = require("lwscript.native")

local is = util.is

-- tensor.no_grad(f, ...): runs f without recording gradients and returns its results. The
-- previous mode comes back however f ends; an error from f goes on unchanged (its position
-- and traceback are f's). The mode is the running Lua thread's own (CLua/shim.h): if f yields
-- and its coroutine is never resumed, the rest of the program keeps its mode.
function tensor.no_grad(f, ...)
  if type(f) ~= "function" then
    util.arg_error("tensor.no_grad", 1, "expected a function, got " .. type(f))
  end
  local previous = tensor.set_grad_enabled(false)
  local results = table.pack(util.try(f, ...))
  tensor.set_grad_enabled(previous)
  if not results[1] then util.raise_again(results[2]) end
  return table.unpack(results, 2, results.n)
end

-- tensor.gradcheck(f, inputs, {eps=, atol=, rtol=, seed=}): compares the gradients that
-- backward computes for f(inputs...) with central finite differences, through a random
-- projection of the output (so f may return any shape). Returns ok, max_error, details.
-- Float32 arithmetic limits the precision: the defaults (eps 1e-2, atol 1e-2, rtol 1e-2)
-- suit functions whose values are of order 1. The projection is drawn after
-- tensor.seed(opts.seed or 12345), and the generator's whole state comes back afterwards
-- (however the check ends), so the random numbers drawn after a check are those that would
-- have been drawn without it.
local GRADCHECK = "tensor.gradcheck"
local GRADCHECK_OPTIONS = {eps = is.number({above = 0}), atol = is.number({min = 0}), rtol = is.number({min = 0}),
                           seed = is.integer()}
local is_function = is.callable("a function of the inputs returning a Tensor")
local is_inputs = is.array_of(is.tensor, "a non-empty array of Tensors ({x} for one)")

local size = util.size_text

local function gradcheck(f, inputs, opts)
  local eps, atol, rtol = opts.eps or 1e-2, opts.atol or 1e-2, opts.rtol or 1e-2
  tensor.seed(opts.seed or 12345)
  local leaves = {}
  for i, x in ipairs(inputs) do leaves[i] = x:detach():clone():requires_grad() end
  local out = util.check_result(GRADCHECK, "the function", f(table.unpack(leaves)), is.tensor)
  local out_size = size(out)
  local projection = tensor.randn(out:shape())
  local function objective(xs)
    local y = tensor.no_grad(function() return f(table.unpack(xs)) end)
    if not tensor.is_tensor(y) or size(y) ~= out_size then
      util.fail(string.format("%s: the function returned %s for inputs moved by eps, expected a Tensor of size %s "
                              .. "(as for the inputs themselves)", GRADCHECK,
                              tensor.is_tensor(y) and ("a Tensor of size " .. size(y)) or util.returned(y), out_size))
    end
    return (y * projection):sum():item()
  end
  -- an output that does not depend on the inputs has zero gradients
  if out.needs_grad then (out * projection):sum():backward() end
  local worst, details = 0, nil
  for i, leaf in ipairs(leaves) do
    local analytic = leaf.grad and leaf.grad:flatten():totable() or {}
    local flat = leaf:detach():clone()
    local values = flat:flatten()
    for k = 1, values:numel() do
      local original = values[k]
      local xs = {}
      for j, l in ipairs(leaves) do xs[j] = l:detach() end
      local probe = flat:clone()
      local pv = probe:flatten()
      pv[k] = original + eps; xs[i] = probe
      local up = objective(xs)
      pv[k] = original - eps
      local down = objective(xs)
      local numeric = (up - down) / (2 * eps)
      local a = analytic[k] or 0
      local err = math.abs(a - numeric)
      local excess = err - (atol + rtol * math.abs(numeric))
      if excess > worst or (details == nil and excess > 0) then
        worst = math.max(worst, excess)
        details = string.format("input %d, element %d: backward %.6g, finite difference %.6g", i, k, a, numeric)
      end
    end
  end
  return details == nil, worst, details
end

function tensor.gradcheck(f, inputs, opts)
  util.check_arg(GRADCHECK, 1, f, is_function)
  util.check_arg(GRADCHECK, 2, inputs, is_inputs)
  opts = util.check_options(GRADCHECK, opts, 3, GRADCHECK_OPTIONS)
  local state = native.rng_state()
  return util.protect(function() native.set_rng_state(state) end, gradcheck, f, inputs, opts)
end
