-- JSON: experiment.json(value[, {indent = "  "}]) -> text, experiment.write_json(path, value).
-- Tables with keys 1..n are arrays (an empty table is []), other tables objects with sorted
-- keys; tensors become nested arrays; NaN and infinities become null (JSON has neither);
-- functions become "<function>"; userdata (optimizers, losses, datasets) the text tostring gives.
local experiment = require("experiment")
local util = require("lwscript.util")
local tensor = require("tensor")

local fmt = string.format
local function json_number(v)
  if v ~= v or v == math.huge or v == -math.huge then return "null" end
  if math.type(v) == "integer" then return tostring(v) end
  if v == math.floor(v) and math.abs(v) < 2^53 then return fmt("%d", v) end
  for digits = 15, 16 do
    local s = fmt("%." .. digits .. "g", v)
    if tonumber(s) == v then return s end
  end
  return fmt("%.17g", v)
end

local escapes = {['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t'}
local function json_string(s)
  return '"' .. (s:gsub('[%c"\\]', function(c) return escapes[c] or fmt("\\u%04x", c:byte()) end)) .. '"'
end

local function is_array(t)
  local n, count = #t, 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
    count = count + 1
  end
  return count == n
end

local function plain_table(v)
  if type(v) ~= "table" then return false end
  local mt = getmetatable(v)
  return mt == nil or type(mt) ~= "table" or rawget(mt, "__tostring") == nil
end

local function json_encode(v, indent, depth, seen)
  local tv = type(v)
  if v == nil then return "null" end
  if tv == "boolean" then return tostring(v) end
  if tv == "number" then return json_number(v) end
  if tv == "string" then return json_string(v) end
  if tensor.is_tensor(v) then
    if v:dim() == 0 then return json_number(v:item()) end
    return json_encode(v:totable(), indent, depth, seen)
  end
  if tv == "function" then return '"<function>"' end
  if not plain_table(v) then return json_string(tostring(v)) end
  if seen[v] then error("experiment.json: a table contains itself", 0) end
  -- (results are a few levels deep; the limit keeps a runaway structure from the C stack)
  if depth >= 200 then error("experiment.json: tables are nested more than 200 deep", 0) end
  seen[v] = true
  local nl, pad, inner = "", "", ""
  if indent then nl = "\n"; pad = string.rep(indent, depth); inner = pad .. indent end
  local parts, out = {}
  if is_array(v) then
    if #v == 0 then seen[v] = nil; return "[]" end
    local flat = true
    for i = 1, #v do
      if type(v[i]) == "table" or tensor.is_tensor(v[i]) then flat = false end
      parts[i] = json_encode(v[i], indent, depth + 1, seen)
    end
    if flat or not indent then
      out = "[" .. table.concat(parts, indent and ", " or ",") .. "]"
    else
      out = "[" .. nl .. inner .. table.concat(parts, "," .. nl .. inner) .. nl .. pad .. "]"
    end
  else
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for i, k in ipairs(keys) do
      parts[i] = json_string(tostring(k)) .. (indent and ": " or ":") .. json_encode(v[k], indent, depth + 1, seen)
    end
    out = "{" .. nl .. inner .. table.concat(parts, "," .. nl .. inner) .. nl .. pad .. "}"
  end
  seen[v] = nil
  return out
end

function experiment.json(v, opts)
  opts = util.check_options("experiment.json", opts, 2, {indent = util.is.any(util.is.string, util.is.one_of({true}))})
  local indent = opts.indent
  if indent == true then indent = "  " end
  local ok, text = pcall(json_encode, v, indent, 0, {})
  if not ok then util.fail(util.strip_position(text)) end
  return text
end

-- experiment.write_json(path, value): JSON (indented) written atomically.
function experiment.write_json(path, v)
  util.check_arg("experiment.write_json", 1, path, util.is.path)
  local ok, err = pcall(function() util.write_file(path, json_encode(v, "  ", 0, {}) .. "\n") end)
  if not ok then util.fail("experiment.write_json: " .. util.strip_position(err)) end
end
