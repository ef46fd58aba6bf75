-- The Lua half of `loss`: loss.one_hot and losses written in Lua (loss.custom). A Lua loss
-- function is called from Lua here, never from a Swift frame, and its errors pass through
-- untouched (their position and traceback are the function's).
local loss = require("loss")
local util = require("lwscript.util")
local tensor = require("tensor")

local size = util.size_text

local function check_tensor(name, v, position, what)
  if not tensor.is_tensor(v) then
    util.fail(string.format("bad argument #%d to '%s' (%s: expected a Tensor, got %s)", position, name, what, type(v)))
  end
end

-- loss.one_hot(targets, C): 1-based class indices [N] -> a 0/1 tensor [N, C].
function loss.one_hot(targets, c)
  if not tensor.is_tensor(targets) or targets:dim() ~= 1 then
    util.fail("bad argument #1 to 'loss.one_hot' (expected a Tensor of class indices of size N, got "
              .. (tensor.is_tensor(targets) and ("size " .. size(targets)) or type(targets)) .. ")")
  end
  if math.type(c) == "float" and c == math.floor(c) and math.abs(c) < 2^53 then c = math.tointeger(c) end
  if math.type(c) ~= "integer" or c < 1 then
    util.fail("bad argument #2 to 'loss.one_hot' (expected the number of classes, a positive integer, got " .. tostring(c) .. ")")
  end
  local n = targets:numel()
  if n == 0 then return tensor.zeros(0, c) end
  -- whole-tensor operations (one Swift call each), not one call per element: this runs per batch
  local y = targets:detach()
  local bad = y:lt(1) + y:gt(c) + y:ne(y:floor())
  if bad:max():item() > 0 then
    local i = bad:argmax()
    util.fail(string.format("loss.one_hot: target %d is %s, expected a class index in 1..%d", i, tostring(y[i]), c))
  end
  -- an [N, C] result too large to allocate is said under this function's name
  local ok, out = pcall(function() return y:reshape(n, 1):eq(tensor.arange(1, c + 1):reshape(1, c)) end)
  if not ok then util.fail("loss.one_hot: " .. (util.strip_position(out):gsub("^Tensor:%w+: ", ""))) end
  return out
end

-- loss.custom(function(logits, targets[, sample_weights]) ... end[, {name=, per_sample=, reduction=}])
-- A loss written in Lua from tensor ops (autograd differentiates it). By default the function
-- returns the loss, a one-element tensor, and receives the sample weights (or nil) as its
-- third argument. With per_sample = true it returns per-sample losses [N] instead, and the
-- criterion applies the sample weights s and the reduction: mean = sum s_n l_n / sum s_n.
local Custom = {}
Custom.__index = Custom
Custom.__name = "Loss"

function loss.custom(f, opts)
  if type(f) ~= "function" then
    util.fail("bad argument #1 to 'loss.custom' (expected a function(logits, targets[, sample_weights]), got " .. type(f) .. ")")
  end
  if opts ~= nil and type(opts) ~= "table" then
    util.fail("bad argument #2 to 'loss.custom' (expected an options table, got " .. type(opts) .. ")")
  end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "name" and k ~= "per_sample" and k ~= "reduction" then
      util.fail("bad argument #2 to 'loss.custom' (unknown option '" .. tostring(k) .. "' (known: name, per_sample, reduction))")
    end
  end
  if opts.name ~= nil and type(opts.name) ~= "string" then
    util.fail("bad argument #2 to 'loss.custom' (option 'name' must be a string, got " .. type(opts.name) .. ")")
  end
  if opts.per_sample ~= nil and type(opts.per_sample) ~= "boolean" then
    util.fail("bad argument #2 to 'loss.custom' (option 'per_sample' must be a boolean, got " .. type(opts.per_sample) .. ")")
  end
  local reduction = opts.reduction or "mean"
  if reduction ~= "mean" and reduction ~= "sum" and reduction ~= "none" then
    util.fail("bad argument #2 to 'loss.custom' (option 'reduction' must be \"mean\", \"sum\" or \"none\", got " .. tostring(reduction) .. ")")
  end
  if opts.reduction ~= nil and not opts.per_sample then
    util.fail("bad argument #2 to 'loss.custom' (option 'reduction' needs per_sample = true)")
  end
  return setmetatable({fn = f, name = opts.name or "loss.custom", per_sample = opts.per_sample or false,
                       reduction = reduction}, Custom)
end

function Custom:forward(logits, targets, sample_weights)
  if getmetatable(self) ~= Custom then
    util.fail("calling 'Loss:forward' on bad self (expected a loss from loss.custom, got " .. util.describe(self)
              .. "; call it with a colon: crit:forward(...), or as crit(...))")
  end
  local name = self.name
  check_tensor(name, logits, 1, "logits")
  check_tensor(name, targets, 2, "targets")
  if sample_weights ~= nil then check_tensor(name, sample_weights, 3, "sample weights") end
  if not self.per_sample then
    local out = self.fn(logits, targets, sample_weights)
    if not tensor.is_tensor(out) then
      util.fail(name .. ": the loss function must return a one-element Tensor, got " .. util.describe(out))
    end
    if out:numel() ~= 1 then
      util.fail(name .. ": the loss function must return a one-element Tensor (the loss), got size "
            .. size(out) .. " (use {per_sample = true} for per-sample losses)")
    end
    return out
  end
  local n = logits:shape()[1]
  local out = self.fn(logits, targets)
  if not tensor.is_tensor(out) or out:dim() ~= 1 or out:numel() ~= n then
    util.fail(string.format("%s: the loss function must return per-sample losses, a Tensor of size %d, got %s", name, n,
          tensor.is_tensor(out) and ("size " .. size(out)) or util.describe(out)))
  end
  if sample_weights ~= nil then
    if sample_weights:dim() ~= 1 or sample_weights:numel() ~= n then
      util.fail(string.format("%s: expected %d sample weights (one per sample), got size %s", name, n,
            size(sample_weights)))
    end
    out = out * sample_weights
  end
  if self.reduction == "none" then return out end
  if self.reduction == "sum" then return out:sum() end
  local denominator = sample_weights and sample_weights:sum():item() or n
  if denominator <= 0 then util.fail(name .. ": the mean is undefined: the sample weights sum to 0") end
  return out:sum() / denominator
end

Custom.__call = Custom.forward   -- crit(...) and crit:forward(...) alike; errors point at the caller

function Custom:__tostring()
  return self.name .. (self.per_sample and "{per_sample = true}" or "")
end

-- The class of loss.custom's criteria, for help(c.forward) (lwscript/help.lua).
return {Custom = Custom}
