-- Lua literals as data: literal.write(value) -> text (exact floats via %q, tensors as T{...}),
-- literal.parse(text[, calls]) -> value or nil, message, and literal.read(path) -> value or
-- nil, message for a training checkpoint's state.lua (tensors as T(...)).
--
-- Checkpoints hold such text (state.lua; a model checkpoint's metadata and the constructor
-- call that rebuilds the model), and loading one must not run code: a file could loop
-- forever or change the process. So the text is parsed, never given to load(). The grammar
-- is that of Lua's table constructors over plain values:
--
--   value  := nil | true | false | number | -number | (0/0) | string | table | call
--   table  := { [field {, or ; field} [, or ;]] }      field := [value] = value | Name = value | value
--   call   := Name{.Name} ( [value {, value}] )  |  Name{.Name} table  |  Name{.Name} string
--
-- Numbers are read as Lua reads them (decimal, hex, hex floats, 1e9999); strings take every
-- escape of Lua 5.4. A call is handed to `calls(name, args, position)`, which returns the
-- value it stands for, or nil and a reason (without `calls`, any call is refused). An optional
-- leading `return` is allowed. Anything else is an error naming the line and what was found.
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

---------------------------------------------------------------------------------------
-- The parser
---------------------------------------------------------------------------------------

local MAX_DEPTH = 200   -- nesting of tables and calls (the C stack of the parser's recursion)

local escapes = {a = "\a", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", v = "\v",
                 ["\\"] = "\\", ['"'] = '"', ["'"] = "'", ["\n"] = "\n"}

local function parser(text, calls)
  local pos = 1
  local depth = 0

  local function line_at(p)
    local _, n = text:sub(1, p - 1):gsub("\n", "")
    return n + 1
  end

  local function fail(message, at)
    at = at or pos
    local near = text:sub(at, at + 11):match("^[^\n]*")
    local where = at > #text and "at the end" or fmt("near '%s'", near)
    error({literal_error = fmt("line %d: %s %s", line_at(at), message, where)}, 0)
  end

  local function skip_space()
    pos = text:find("[^ \t\r\n\f\v]", pos) or #text + 1
  end

  local function peek(pattern)
    skip_space()
    return text:match("^" .. pattern, pos)
  end

  local function take(s)
    skip_space()
    if text:sub(pos, pos + #s - 1) == s then pos = pos + #s; return true end
    return false
  end

  local function expect(s, what)
    if not take(s) then fail("expected " .. (what or ("'" .. s .. "'"))) end
  end

  local function number()
    local token = text:match("^0[xX][%x%.]*[pP][%+%-]?%d+", pos) or text:match("^0[xX][%x%.]*", pos)
                  or text:match("^%d*%.?%d*[eE][%+%-]?%d+", pos) or text:match("^%.?%d+%.?%d*", pos)
    local v = token and tonumber(token)
    if v == nil or text:match("^[%w_%.]", pos + #token) then fail("malformed number") end
    pos = pos + #token
    return v
  end

  local function quoted()
    local quote, start = text:sub(pos, pos), pos
    pos = pos + 1
    local parts = {}
    while true do
      local i = text:find("[\\\n" .. quote .. "]", pos)
      if i == nil or text:sub(i, i) == "\n" then fail("unfinished string", start) end
      parts[#parts + 1] = text:sub(pos, i - 1)
      pos = i + 1
      local c = text:sub(i, i)
      if c == quote then break end
      -- an escape
      local e = text:sub(pos, pos)
      if escapes[e] then
        parts[#parts + 1] = escapes[e]; pos = pos + 1
        if e == "\n" and text:sub(pos, pos) == "\r" then pos = pos + 1 end
      elseif e == "\r" then
        parts[#parts + 1] = "\n"; pos = pos + 1
        if text:sub(pos, pos) == "\n" then pos = pos + 1 end
      elseif e == "z" then
        pos = text:find("[^ \t\r\n\f\v]", pos + 1) or #text + 1
      elseif e == "x" then
        local hex = text:match("^%x%x", pos + 1)
        if not hex then fail("hexadecimal digits expected in a string escape", i) end
        parts[#parts + 1] = string.char(tonumber(hex, 16)); pos = pos + 3
      elseif e:match("%d") then
        local digits = text:match("^%d%d?%d?", pos)
        local code = tonumber(digits)
        if code > 255 then fail("decimal escape too large", i) end
        parts[#parts + 1] = string.char(code); pos = pos + #digits
      elseif e == "u" then
        local hex = text:match("^{(%x+)}", pos + 1)
        local code = hex and #hex <= 8 and tonumber(hex, 16)
        if not code or code >= 2 ^ 31 then fail("malformed \\u escape in a string", i) end
        parts[#parts + 1] = utf8.char(code); pos = pos + #hex + 3
      else
        fail("invalid escape sequence in a string", i)
      end
    end
    return table.concat(parts)
  end

  local value

  local function enter()
    depth = depth + 1
    if depth > MAX_DEPTH then fail("nested too deeply (more than " .. MAX_DEPTH .. " levels)") end
  end

  local function constructor()
    enter()
    expect("{")
    local t, n = {}, 0
    local function set(k, v, at)
      if k == nil or k ~= k then fail("table keys must not be nil or NaN", at) end
      if rawget(t, k) ~= nil then fail("key " .. fmt("%q", k) .. " appears twice", at) end
      t[k] = v
    end
    while not take("}") do
      skip_space()
      local at = pos
      if take("[") then
        local k = value()
        expect("]"); expect("=")
        set(k, value(), at)
      elseif peek("[%a_][%w_]*%s*=[^=]") then
        local name = text:match("^[%a_][%w_]*", pos)
        pos = pos + #name
        expect("=")
        set(name, value(), at)
      else
        n = n + 1
        local v = value()
        if v ~= nil then set(n, v, at) end
      end
      if not take(",") and not take(";") then
        expect("}", "',' or '}'")
        break
      end
    end
    depth = depth - 1
    return t
  end

  local function call(name, at)
    enter()
    local args = {n = 0}
    skip_space()
    local c = text:sub(pos, pos)
    if c == "{" then
      args = {constructor(), n = 1}
    elseif c == '"' or c == "'" then
      args = {quoted(), n = 1}
    else
      expect("(", "'(' after " .. name)
      if not take(")") then
        repeat
          args.n = args.n + 1
          args[args.n] = value()
        until not take(",")
        expect(")", "',' or ')'")
      end
    end
    depth = depth - 1
    if not calls then fail("a call of " .. name .. " is not data", at) end
    local v, why = calls(name, args, at)
    if v == nil then fail(why or ("unknown call " .. name), at) end
    return v
  end

  function value()
    skip_space()
    local at = pos
    local c = text:sub(pos, pos)
    if c == "{" then return constructor() end
    if c == '"' or c == "'" then return quoted() end
    if c == "-" then
      pos = pos + 1
      skip_space()
      if not text:match("^%.?%d", pos) then fail("expected a number after '-'") end
      return -number()
    end
    if text:match("^%.?%d", pos) then return number() end
    if text:sub(pos, pos + 4) == "(0/0)" then pos = pos + 5; return 0 / 0 end
    local name = text:match("^[%a_][%w_]*", pos)
    if name == nil then fail("expected a value") end
    pos = pos + #name
    if name == "nil" then return nil end
    if name == "true" then return true end
    if name == "false" then return false end
    while take(".") do
      local part = text:match("^[%a_][%w_]*", pos)
      if not part then fail("expected a name after '.'") end
      name = name .. "." .. part
      pos = pos + #part
    end
    return call(name, at)
  end

  return function()
    skip_space()
    if text:match("^return[^%w_]", pos) then pos = pos + 6 end
    local v = value()
    skip_space()
    if pos <= #text then fail("unexpected text after the value") end
    return v
  end
end

-- literal.parse(text[, calls]): the value the literal `text` spells, or nil and a message
-- ("line 3: expected a value near 'x = 1'"). Errors raised by `calls` go on unchanged.
function literal.parse(text, calls)
  if type(text) ~= "string" then return nil, "expected a string, got " .. type(text) end
  local ok, v = pcall(parser(text, calls))
  if ok then return v end
  if type(v) == "table" and v.literal_error then return nil, v.literal_error end
  error(v, 0)
end

-- The calls a training checkpoint's state holds: T(values) is a tensor.
local function state_calls(name, args)
  if name ~= "T" or args.n ~= 1 then return nil, "unknown call " .. name .. " (only T(values) is a tensor)" end
  local ok, t = pcall(tensor.new, args[1])
  if not ok then return nil, "T(...) does not hold a tensor" end
  return t
end

function literal.read(path)
  if path:find("\0", 1, true) then return nil, "the path contains a NUL byte" end
  local f = io.open(path, "rb")
  if not f then return nil, "cannot open " .. path end
  local text = f:read("a")
  f:close()
  if text == nil then return nil, "cannot read " .. path end
  return literal.parse(text, state_calls)
end

return literal
