-- Option and data checking shared by the plot constructors: options tables, strings, sizes,
-- limits, arrays of names and numbers, series; errors name the plot function and point at
-- the user's line.
local util = require("lwscript.util")
local svg = require("lwscript.plot.svg")
local tensor = require("tensor")

local fmt = string.format
local finite, short, ticks = svg.finite, svg.short, svg.ticks

-- Raises "plot.<fname>: message" at the user's line.
local function fail(fname, message) util.fail("plot." .. fname .. ": " .. message) end

local function options(fname, opts, known)
  if type(opts) ~= "table" then
    util.arg_error("plot." .. fname, 1, "expected an options table {...}, got " .. type(opts))
  end
  return util.check_options("plot." .. fname, opts, 1, known)
end

local function opt_string(fname, opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if type(v) == "number" then return tostring(v) end
  if type(v) ~= "string" then fail(fname, fmt("option '%s' must be a string, got %s", key, type(v))) end
  return v
end

local function opt_size(fname, opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if not finite(v) or v < 200 or v > 4000 then fail(fname, fmt("option '%s' must be a number of pixels in 200..4000, got %s", key, tostring(v))) end
  return math.floor(v)
end

local function opt_bool(fname, opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if type(v) ~= "boolean" then fail(fname, fmt("option '%s' must be true or false, got %s", key, type(v))) end
  return v
end

-- {lo, hi} with lo < hi, finite.
local function opt_limits(fname, opts, key)
  local v = opts[key]
  if v == nil then return nil end
  if type(v) ~= "table" or not finite(v[1]) or not finite(v[2]) or v[1] >= v[2] then
    fail(fname, fmt("option '%s' must be {lo, hi} with finite lo < hi", key))
  end
  return {v[1], v[2]}
end

-- The y axis: the ticks inside user limits {lo, hi} when given, else nice ticks around
-- [lo, hi] (which then widen to them). Returns ticks, lo, hi.
local function y_ticks(limits, lo, hi)
  if not limits then return ticks(lo, hi) end
  local ylo, yhi, yticks = limits[1], limits[2], {}
  for _, t in ipairs((ticks(ylo, yhi))) do
    if t.value >= ylo - 1e-12 and t.value <= yhi + 1e-12 then yticks[#yticks + 1] = t end
  end
  return yticks, ylo, yhi
end

-- An array of names (strings or numbers), non-empty.
local function names_of(fname, v, what, count)
  if type(v) ~= "table" then fail(fname, fmt("%s must be an array of names, got %s", what, type(v))) end
  local out = {}
  for i = 1, #v do
    local s = v[i]
    if type(s) == "number" then s = short(s) end
    if type(s) ~= "string" then fail(fname, fmt("%s[%d] must be a string, got %s", what, i, type(v[i]))) end
    out[i] = s
  end
  if #out == 0 then fail(fname, what .. " must not be empty") end
  if count and #out ~= count then fail(fname, fmt("%s has %d names, expected %d", what, #out, count)) end
  return out
end

-- An array of numbers (a Lua array or a 1-D tensor); NaN and infinities are kept (drawn as gaps).
local function numbers_of(fname, v, what, count)
  if tensor.is_tensor(v) then
    if v:dim() ~= 1 then fail(fname, fmt("%s must be a 1-D Tensor or an array of numbers", what)) end
    v = v:totable()
  end
  if type(v) ~= "table" then fail(fname, fmt("%s must be an array of numbers, got %s", what, type(v))) end
  local out = {}
  for i = 1, #v do
    if type(v[i]) ~= "number" then fail(fname, fmt("%s[%d] must be a number, got %s", what, i, type(v[i]))) end
    out[i] = v[i]
  end
  if #out == 0 then fail(fname, what .. " must not be empty") end
  if count and #out ~= count then fail(fname, fmt("%s has %d values, expected %d", what, #out, count)) end
  return out
end

-- series = {{name =, values =[, lo =, hi =]}, ...}, each with `count` values; lo and hi
-- (the ends of an error bar or band, per value) only where `intervals` is true, both or
-- neither.
local function series_of(fname, v, count, count_what, intervals)
  if type(v) ~= "table" or #v == 0 then fail(fname, "option 'series' must be a non-empty array of {name =, values =}") end
  local known = intervals and "name, values, lo, hi" or "name, values"
  local out = {}
  for i = 1, #v do
    local s = v[i]
    if type(s) ~= "table" then fail(fname, fmt("series[%d] must be a table {name =, values =}, got %s", i, type(s))) end
    for k in pairs(s) do
      if not (k == "name" or k == "values" or (intervals and (k == "lo" or k == "hi"))) then
        fail(fname, fmt("series[%d] has unknown key '%s' (known: %s)", i, tostring(k), known))
      end
    end
    local name = s.name == nil and ("series " .. i) or s.name
    if type(name) == "number" then name = short(name) end
    if type(name) ~= "string" then fail(fname, fmt("series[%d].name must be a string, got %s", i, type(name))) end
    local values = numbers_of(fname, s.values, fmt("series[%d].values", i))
    if count and #values ~= count then
      fail(fname, fmt("series[%d].values has %d values, expected %d (one per %s)", i, #values, count, count_what))
    end
    local lo, hi
    if (s.lo == nil) ~= (s.hi == nil) then fail(fname, fmt("series[%d] needs both lo and hi, or neither", i)) end
    if s.lo ~= nil then
      lo = numbers_of(fname, s.lo, fmt("series[%d].lo", i), #values)
      hi = numbers_of(fname, s.hi, fmt("series[%d].hi", i), #values)
    end
    out[i] = {name = name, values = values, lo = lo, hi = hi}
  end
  return out
end

-- Range of the finite values in arrays.
local function range_of(...)
  local lo, hi = math.huge, -math.huge
  for _, arr in ipairs({...}) do
    for _, v in ipairs(arr) do
      if finite(v) then lo = math.min(lo, v); hi = math.max(hi, v) end
    end
  end
  if lo > hi then return 0, 1 end
  return lo, hi
end

-- The public constructor: one options table, nothing else.
local function constructor(fname, build)
  return function(opts, ...)
    if select("#", ...) > 0 then
      fail(fname, fmt("expected one options table, got %d arguments", select("#", ...) + 1))
    end
    return build(opts)
  end
end

return {
  options = options,
  opt_string = opt_string,
  opt_size = opt_size,
  opt_bool = opt_bool,
  opt_limits = opt_limits,
  y_ticks = y_ticks,
  names_of = names_of,
  numbers_of = numbers_of,
  series_of = series_of,
  range_of = range_of,
  fail = fail,
  constructor = constructor,
}
