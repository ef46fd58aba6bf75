/// The first part of the Lua `experiment` module: option checking, seeds, atomic files, a
/// JSON encoder and a Lua-literal serializer for checkpoint state. Its locals are shared with
/// the parts that follow (ExperimentTrainLua, ExperimentStudyLua): the three are one chunk.
enum ExperimentSupportLua {
    static let source = #"""
local experiment = ...

local fmt = string.format

-- Strips the "[lwscript experiment]:12: " position that errors raised in this chunk carry.
local function strip_position(err)
  if type(err) ~= "string" then return tostring(err) end
  return (err:gsub("^%[lwscript experiment%]:%d+: ", ""))
end

-- Re-raises an error caught by a public function: the caller's position is added unless the
-- message already carries one (an error raised in the user's own callback).
local function rethrow(err)
  local message = strip_position(err)
  if message:match("^[^%s:]+:%d+: ") then error(message, 0) end
  error(message, 3)
end

local function set_of(list)
  local s = {}
  for _, k in ipairs(list) do s[k] = true end
  return s
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return keys
end

-- Checks an options table against the known names; `level` points the error at the caller.
local function check_options(fname, opts, position, known, level)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(fmt("bad argument #%d to 'experiment.%s' (expected an options table, got %s)", position, fname, type(opts)), level)
  end
  for k in pairs(opts) do
    if not known[k] then
      error(fmt("bad argument #%d to 'experiment.%s' (unknown option '%s' (known: %s))", position, fname, tostring(k),
                table.concat(sorted_keys(known), ", ")), level)
    end
  end
  return opts
end

local function option_integer(fname, opts, name, default, minimum, level)
  local v = opts[name]
  if v == nil then return default end
  if math.type(v) == nil or v ~= math.floor(v) or v < (minimum or 1) then
    error(fmt("experiment.%s: option '%s' must be an integer >= %d, got %s", fname, name, minimum or 1, tostring(v)), level)
  end
  return math.tointeger(v)
end

local function is_module(m)
  if nn.is_module(m) then return true end
  return type(m) == "table" and type(m.forward) == "function"
end

-- Derived seeds: one stream per purpose (shuffle, sampler, per-batch randomness), so that a
-- run resumed at any batch draws exactly what the uninterrupted run drew.
local function derive(seed, ...)
  local h = math.tointeger(seed) or math.floor(seed)
  for _, v in ipairs({...}) do h = (h * 1000003 + v * 7919 + 12345) % 2147483629 end
  return math.tointeger(h)
end

---------------------------------------------------------------------------------------
-- Files: directories, atomic writes (temporary file, then rename).
---------------------------------------------------------------------------------------
local function join(a, b)
  if a:sub(-1) == "/" then return a .. b end
  return a .. "/" .. b
end

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close(); return true end
  return false
end

-- Files are written by Swift's AtomicFile (a unique temporary file, fsync, rename), taken
-- private here like plot's writer.
local atomic_write = experiment._write_file
experiment._write_file = nil
local function write_file(path, text)
  local ok, err = pcall(atomic_write, path, text)
  if not ok then error((tostring(err):gsub("^.-experiment%._write_file: ", "")), 0) end
end

---------------------------------------------------------------------------------------
-- JSON: experiment.json(value[, {indent = "  "}]) -> text.
-- Tables with keys 1..n are arrays (an empty table is []), other tables objects with sorted
-- keys; tensors become nested arrays; NaN and infinities become null (JSON has neither);
-- functions become "<function>"; userdata (optimizers, losses, datasets) the text tostring gives.
---------------------------------------------------------------------------------------
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
  seen[v] = true
  local nl, pad, inner = "", "", ""
  if indent then nl = "\n"; pad = string.rep(indent, depth); inner = pad .. indent end
  local parts, out = {}, nil
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
  opts = check_options("json", opts, 2, {indent = true}, 3)
  local indent = opts.indent
  if indent == true then indent = "  " end
  if indent ~= nil and type(indent) ~= "string" then
    error("bad argument #2 to 'experiment.json' (option 'indent' must be a string or true)", 2)
  end
  local ok, text = pcall(json_encode, v, indent, 0, {})
  if not ok then error(strip_position(text), 2) end
  return text
end

-- experiment.write_json(path, value): JSON (indented) written atomically.
function experiment.write_json(path, v)
  if type(path) ~= "string" or path == "" then error("bad argument #1 to 'experiment.write_json' (expected a file path)", 2) end
  local ok, err = pcall(function() write_file(path, json_encode(v, "  ", 0, {}) .. "\n") end)
  if not ok then error("experiment.write_json: " .. strip_position(err), 2) end
end

---------------------------------------------------------------------------------------
-- Lua literals for checkpoint state (exact floats via %q; tensors as T{...}).
---------------------------------------------------------------------------------------
local function serialize(v, out, seen)
  local tv = type(v)
  if v == nil then out[#out + 1] = "nil"
  elseif tv == "boolean" or tv == "number" then out[#out + 1] = fmt("%q", v)
  elseif tv == "string" then out[#out + 1] = fmt("%q", v)
  elseif tensor.is_tensor(v) then
    out[#out + 1] = "T("
    serialize(v:dim() == 0 and v:item() or v:totable(), out, seen)
    out[#out + 1] = ")"
  elseif tv == "table" then
    if seen[v] then error("a table contains itself", 0) end
    seen[v] = true
    out[#out + 1] = "{"
    local n = #v
    for i = 1, n do serialize(v[i], out, seen); out[#out + 1] = "," end
    local keys = {}
    for k in pairs(v) do
      if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
    end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      if type(k) == "string" or type(k) == "number" then
        out[#out + 1] = "["; serialize(k, out, seen); out[#out + 1] = "]="
        serialize(v[k], out, seen); out[#out + 1] = ",\n"
      end
    end
    out[#out + 1] = "}"
    seen[v] = nil
  else
    out[#out + 1] = "nil" -- functions and userdata are not state
  end
  return out
end

local function to_literal(v) return table.concat(serialize(v, {}, {})) end

local function read_literal(path)
  local f = io.open(path, "rb")
  if not f then return nil, "cannot open " .. path end
  local text = f:read("a")
  f:close()
  local chunk, err = load(text, "=" .. path, "t", {T = tensor.new})
  if not chunk then return nil, err end
  local ok, value = pcall(chunk)
  if not ok then return nil, tostring(value) end
  return value
end

local function mean_of(list)
  if #list == 0 then return nil end
  local s = 0
  for _, v in ipairs(list) do s = s + v end
  return s / #list
end

local function sd_of(list)
  local n = #list
  if n < 2 then return nil end
  local m, s = mean_of(list), 0
  for _, v in ipairs(list) do s = s + (v - m) ^ 2 end
  return math.sqrt(s / (n - 1))
end

local function copy_table(t)
  local out = {}
  for k, v in pairs(t or {}) do out[k] = v end
  return out
end

local function merge(...)
  local out = {}
  for _, t in ipairs({...}) do
    for k, v in pairs(t) do out[k] = v end
  end
  return out
end
"""#
}
