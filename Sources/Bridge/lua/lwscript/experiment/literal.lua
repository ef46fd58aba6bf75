-- Lua literals for checkpoint state: literal.write(value) -> text (exact floats via %q, tensors
-- as T{...}), literal.read(path) -> value or nil, message (evaluated with only T in scope).
local tensor = require("tensor")
local fmt = string.format
local literal = {}

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

function literal.write(v) return table.concat(serialize(v, {}, {})) end

function literal.read(path)
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

return literal
