-- The Lua half of `weights`: W(s) functions from per-class TPRs (docs/weights.md gives every
-- formula and edge-case rule).
local weights = require("weights")
local util = require("lwscript.util")
local tensor = require("tensor")

-- Errors name the function and point at the user's line.
local function arg_error(fname, position, message)
  util.arg_error("weights." .. fname, position, message)
end
local function fail(fname, message)
  util.fail("weights." .. fname .. ": " .. message)
end

local function describe(v)
  if v ~= v then return "NaN" end
  return tostring(v)
end

-- A copy of the per-class array s (a Lua array or a 1-D Tensor) after checking that every
-- element is a finite number (and >= 0 unless `allow_negative`).
local function values(fname, s, position, what, allow_negative)
  if tensor.is_tensor(s) then
    if s:dim() ~= 1 then arg_error(fname, position, what .. " must be a 1-D Tensor or an array, got size " .. util.size_text(s)) end
    s = s:totable()
  end
  if type(s) ~= "table" then arg_error(fname, position, "expected " .. what .. " (an array of numbers), got " .. type(s)) end
  local n = #s
  if n == 0 then arg_error(fname, position, what .. " must not be empty") end
  local out = {}
  for c = 1, n do
    local v = s[c]
    if type(v) ~= "number" then arg_error(fname, position, string.format("%s[%d] is a %s, expected a number", what, c, type(v))) end
    if v ~= v or v == math.huge or v == -math.huge then
      arg_error(fname, position, string.format("%s[%d] is %s, expected a finite number", what, c, describe(v)))
    end
    if v < 0 and not allow_negative then
      arg_error(fname, position, string.format("%s[%d] is %s, expected a number >= 0", what, c, describe(v)))
    end
    out[c] = v
  end
  return out
end

local function number(fname, v, position, what)
  if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
    arg_error(fname, position, "expected " .. what .. ", a finite number, got " .. (type(v) == "number" and describe(v) or type(v)))
  end
  return v
end

local function options(fname, opts, position, known)
  return util.check_options("weights." .. fname, opts, position, known)
end

-- Results must be finite and >= 0: a loss weight that is not is an error, never passed on.
local function result(fname, w)
  for c = 1, #w do
    local v = w[c]
    if v ~= v or v == math.huge or v == -math.huge or v < 0 then
      util.fail(string.format("weights.%s: weight %d is %s (weights must be finite and >= 0)", fname, c, describe(v)))
    end
  end
  return w
end

-- Applies {floor = f}: s_c -> max(s_c, f), f > 0.
local function apply_floor(fname, s, opts, position)
  if opts.floor == nil then return s end
  local f = number(fname, opts.floor, position, "option 'floor'")
  if f <= 0 then arg_error(fname, position, "option 'floor' must be > 0, got " .. describe(f)) end
  for c = 1, #s do s[c] = math.max(s[c], f) end
  return s
end

-- weights.stats(s): {mean=, var=, min=, max=, n=} with the population variance 1/C sum (s_c - mean)^2.
local function stats(s)
  local n, sum, lo, hi = #s, 0, math.huge, -math.huge
  for c = 1, n do sum = sum + s[c]; lo = math.min(lo, s[c]); hi = math.max(hi, s[c]) end
  local mean = sum / n
  local var = 0
  for c = 1, n do var = var + (s[c] - mean) ^ 2 end
  return {mean = mean, var = var / n, min = lo, max = hi, n = n}
end
function weights.stats(s)
  return stats(values("stats", s, 1, "s", true))
end

local function ones(n)
  local w = {}
  for c = 1, n do w[c] = 1.0 end
  return w
end

-- weights.tpr_power(s, gamma[, {floor=}]): w_c = (1 - (s_c - mean(s))/s_c)^gamma = (mean(s)/s_c)^gamma.
-- All-equal TPRs (including all 0) give all ones; s_c = 0 otherwise is an error unless
-- {floor = f} clamps the TPRs to f first.
function weights.tpr_power(s, gamma, opts)
  s = values("tpr_power", s, 1, "s")
  gamma = number("tpr_power", gamma, 2, "gamma")
  opts = options("tpr_power", opts, 3, {floor = true})
  s = apply_floor("tpr_power", s, opts, 3)
  local st = stats(s)
  if st.min == st.max then return ones(st.n) end
  local w = {}
  for c = 1, st.n do
    if s[c] == 0 then
      fail("tpr_power", string.format("s[%d] is 0 and the formula divides by s_c; pass {floor = 0.01} to clamp TPRs from below", c))
    end
    w[c] = (st.mean / s[c]) ^ gamma
  end
  return result("tpr_power", w)
end

-- weights.inverse(s[, {floor=}]): w_c = 1 / s_c (s_c = 0 is an error unless {floor = f}).
function weights.inverse(s, opts)
  s = values("inverse", s, 1, "s")
  opts = options("inverse", opts, 2, {floor = true})
  s = apply_floor("inverse", s, opts, 2)
  local w = {}
  for c = 1, #s do
    if s[c] == 0 then fail("inverse", string.format("s[%d] is 0 (1/s_c is infinite); pass {floor = 0.01} to clamp TPRs from below", c)) end
    w[c] = 1 / s[c]
  end
  return result("inverse", w)
end

-- weights.softmax(s[, temperature = 1]): w_c = C exp(-s_c/T) / sum_j exp(-s_j/T); sums to C,
-- lower TPR -> larger weight; T -> infinity gives all ones, T -> 0 all weight on the hardest.
function weights.softmax(s, temperature)
  s = values("softmax", s, 1, "s")
  local t = temperature == nil and 1 or number("softmax", temperature, 2, "the temperature")
  if t <= 0 then arg_error("softmax", 2, "the temperature must be > 0, got " .. describe(t)) end
  local lo = math.huge
  for c = 1, #s do lo = math.min(lo, s[c]) end
  local w, sum = {}, 0
  for c = 1, #s do w[c] = math.exp(-(s[c] - lo) / t); sum = sum + w[c] end
  for c = 1, #s do w[c] = #s * w[c] / sum end
  return result("softmax", w)
end

-- weights.normalize(w[, mode = "sum_to_C"]): "sum_to_C" (alias "mean_one": the same weights,
-- mean 1), "sum_one", "max_one". Negative weights and an all-zero w are errors.
function weights.normalize(w, mode)
  w = values("normalize", w, 1, "w")
  mode = mode or "sum_to_C"
  local n, sum, hi = #w, 0, 0
  for c = 1, n do sum = sum + w[c]; hi = math.max(hi, w[c]) end
  if sum == 0 then fail("normalize", "all weights are 0: nothing to normalise") end
  local scale
  if mode == "sum_to_C" or mode == "mean_one" then scale = n / sum
  elseif mode == "sum_one" then scale = 1 / sum
  elseif mode == "max_one" then scale = 1 / hi
  else arg_error("normalize", 2, "mode must be \"sum_to_C\", \"mean_one\", \"sum_one\" or \"max_one\", got " .. tostring(mode)) end
  local out = {}
  for c = 1, n do out[c] = w[c] * scale end
  return result("normalize", out)
end

-- weights.clamp(w, lo, hi): min(max(w_c, lo), hi); lo or hi may be nil.
function weights.clamp(w, lo, hi)
  w = values("clamp", w, 1, "w")
  if lo ~= nil then lo = number("clamp", lo, 2, "lo") end
  if hi ~= nil then hi = number("clamp", hi, 3, "hi") end
  if lo ~= nil and hi ~= nil and lo > hi then arg_error("clamp", 3, string.format("hi (%s) is below lo (%s)", describe(hi), describe(lo))) end
  local out = {}
  for c = 1, #w do
    local v = w[c]
    if lo ~= nil then v = math.max(v, lo) end
    if hi ~= nil then v = math.min(v, hi) end
    out[c] = v
  end
  return result("clamp", out)
end

-- weights.map(s, function(s_c, c, stats) return w_c end): any formula, with
-- stats = {mean=, var=, min=, max=, n=} of s at hand. Each result must be a finite number >= 0.
function weights.map(s, f)
  s = values("map", s, 1, "s")
  if type(f) ~= "function" then arg_error("map", 2, "expected a function(s_c, c, stats), got " .. type(f)) end
  local st = stats(s)
  local w = {}
  for c = 1, #s do
    local copy = {mean = st.mean, var = st.var, min = st.min, max = st.max, n = st.n}
    local v = f(s[c], c, copy)
    if type(v) ~= "number" then
      util.fail(string.format("weights.map: the function returned %s for class %d, expected a number", util.returned(v), c))
    end
    w[c] = v
  end
  return result("map", w)
end

-- weights.pseudo_counts(s[, {total=, power=1, floor=0.01}]): per-class pseudo-counts for the
-- count-driven losses, n_c = total * max(s_c, floor)^power / sum_j max(s_j, floor)^power.
-- A class learned worse (lower TPR) gets a smaller pseudo-count, so the methods that favour
-- rare classes favour hard ones. total defaults to 1000 C; pass the training-set size to
-- mirror real counts (it matters for class_balanced, whose beta^n_c depends on the scale).
function weights.pseudo_counts(s, opts)
  s = values("pseudo_counts", s, 1, "s")
  opts = options("pseudo_counts", opts, 2, {total = true, power = true, floor = true})
  local total = opts.total == nil and 1000 * #s or number("pseudo_counts", opts.total, 2, "option 'total'")
  if total <= 0 then arg_error("pseudo_counts", 2, "option 'total' must be > 0, got " .. describe(total)) end
  local power = opts.power == nil and 1 or number("pseudo_counts", opts.power, 2, "option 'power'")
  if power < 0 then arg_error("pseudo_counts", 2, "option 'power' must be >= 0, got " .. describe(power)) end
  if opts.floor == nil then opts = {floor = 0.01} end
  s = apply_floor("pseudo_counts", s, opts, 2)
  local x, sum = {}, 0
  for c = 1, #s do x[c] = s[c] ^ power; sum = sum + x[c] end
  local n = {}
  for c = 1, #s do n[c] = total * x[c] / sum end
  return result("pseudo_counts", n)
end

-- weights.variance(s): Var(s) = 1/C sum (s_c - mean)^2, the imbalance measure of the study.
function weights.variance(s)
  return stats(values("variance", s, 1, "s", true)).var
end
