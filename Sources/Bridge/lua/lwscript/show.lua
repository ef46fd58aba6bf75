-- How the REPL and notebooks show values: tensors as Torch prints them, tables as
-- {1, 2, 3} or {a = 1, b = {...}} (sorted keys, bounded depth and length), the rest with
-- tostring. Returns the formatter: show(...) -> one string, the values separated by tabs.
local tensor = require("tensor")
local util = require("lwscript.util")

local show_value

local function is_identifier(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
end

local function show_table(t, depth, seen)
  if seen[t] then return "<cycle>" end
  if depth > 3 then return "{...}" end
  seen[t] = true
  local parts, n = {}, #t
  local limit = 50
  for i = 1, math.min(n, limit) do
    parts[#parts + 1] = show_value(t[i], depth + 1, seen, true)
  end
  if n > limit then parts[#parts + 1] = "... (" .. n .. " items)" end
  local keys = {}
  for k in pairs(t) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  for i, k in ipairs(keys) do
    if i > limit then parts[#parts + 1] = "..."; break end
    local key = is_identifier(k) and k or ("[" .. show_value(k, depth + 1, seen, true) .. "]")
    parts[#parts + 1] = key .. " = " .. show_value(t[k], depth + 1, seen, true)
  end
  seen[t] = nil
  return "{" .. table.concat(parts, ", ") .. "}"
end

show_value = function(v, depth, seen, nested)
  local tv = type(v)
  if tv == "string" then return nested and string.format("%q", v) or v end
  if tv == "number" then
    if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 1e15 then
      return string.format("%.1f", v)
    end
    return tostring(v)
  end
  if tv == "table" and getmetatable(v) == nil then return show_table(v, depth or 0, seen or {}) end
  if nested and tensor.is_tensor(v) then
    return "Tensor(" .. util.size_text(v) .. ")"
  end
  return tostring(v)
end

return function(...)
  local out = {}
  for i = 1, select("#", ...) do out[#out + 1] = show_value((select(i, ...))) end
  return table.concat(out, "\t")
end
