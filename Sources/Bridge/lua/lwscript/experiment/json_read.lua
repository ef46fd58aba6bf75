-- Reading JSON: experiment.parse_json(text) -> value and experiment.read_json(path) -> value,
-- for a study's config.json, summary.json and results.json (what scripts that compare or
-- report studies read back). Objects become tables, arrays Lua arrays, null becomes nil (in
-- an array: a hole, so #t may stop there; results written by lwscript use null only for NaN),
-- numbers Lua numbers (integers when written without fraction or exponent). Malformed text
-- is an error naming the position.
local experiment = require("experiment")
local util = require("lwscript.util")

local fmt = string.format

local ESCAPES = {['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t'}

local function decode(text)
  local pos = 1
  local function fail(what)
    local line = select(2, text:sub(1, pos):gsub("\n", "")) + 1
    error({json_error = fmt("%s at line %d (character %d)", what, line, pos)}, 0)
  end
  local function skip() pos = text:find("[^ \t\r\n]", pos) or #text + 1 end
  local value
  local function string_value()
    local out = {}
    pos = pos + 1
    while true do
      local c = text:sub(pos, pos)
      if c == "" then fail("unfinished string") end
      if c == '"' then pos = pos + 1; break end
      if c == "\\" then
        local e = text:sub(pos + 1, pos + 1)
        if e == "u" then
          local hex = text:sub(pos + 2, pos + 5)
          if not hex:match("^%x%x%x%x$") then fail("bad \\u escape") end
          local code = tonumber(hex, 16)
          -- a surrogate pair
          if code >= 0xD800 and code <= 0xDBFF and text:sub(pos + 6, pos + 7) == "\\u" then
            local low = tonumber(text:sub(pos + 8, pos + 11), 16)
            if low and low >= 0xDC00 and low <= 0xDFFF then
              code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
              pos = pos + 6
            end
          end
          out[#out + 1] = utf8.char(code)
          pos = pos + 6
        elseif ESCAPES[e] then
          out[#out + 1] = ESCAPES[e]
          pos = pos + 2
        else
          fail("bad escape \\" .. e)
        end
      else
        local stop = text:find('["\\]', pos) or #text + 1
        out[#out + 1] = text:sub(pos, stop - 1)
        pos = stop
      end
    end
    return table.concat(out)
  end
  -- the items of an object or array up to `close`, separated by commas; item() reads one
  local function sequence(close, item)
    pos = pos + 1
    skip()
    if text:sub(pos, pos) == close then pos = pos + 1; return end
    while true do
      item()
      skip()
      local d = text:sub(pos, pos)
      pos = pos + 1
      if d == close then return end
      if d ~= "," then pos = pos - 1; fail("expected ',' or '" .. close .. "'") end
    end
  end
  function value()
    skip()
    local c = text:sub(pos, pos)
    if c == "{" then
      local t = {}
      sequence("}", function()
        skip()
        if text:sub(pos, pos) ~= '"' then fail("expected a string key") end
        local k = string_value()
        skip()
        if text:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        t[k] = value()
      end)
      return t
    elseif c == "[" then
      local t, n = {}, 0
      sequence("]", function()
        n = n + 1
        t[n] = value()
      end)
      return t
    elseif c == '"' then
      return string_value()
    end
    for word, v in pairs({["true"] = true, ["false"] = false, null = "null"}) do
      if text:sub(pos, pos + #word - 1) == word then
        pos = pos + #word
        if v == "null" then return nil end
        return v
      end
    end
    local num = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if num and num ~= "" and num ~= "-" then
      pos = pos + #num
      -- an integer when written as one (and small enough), else a float
      local v = tonumber(num)
      if v and not num:find("[.eE]") then v = math.tointeger(v) or v end
      if v == nil then fail("bad number " .. num) end
      return v
    end
    fail(c == "" and "unexpected end of text" or ("unexpected '" .. c .. "'"))
  end
  local ok, v = pcall(value)
  if not ok then
    if type(v) == "table" and v.json_error then return nil, v.json_error end
    error(v, 0)
  end
  skip()
  if pos <= #text then return nil, fmt("unexpected text after the value at character %d", pos) end
  return v
end

function experiment.parse_json(text)
  util.check_arg("experiment.parse_json", 1, text, util.is.string)
  local v, err = decode(text)
  if err then util.fail("experiment.parse_json: " .. err) end
  return v
end

function experiment.read_json(path)
  util.check_arg("experiment.read_json", 1, path, util.is.path)
  local f, why = io.open(path, "rb")
  if not f then util.fail("experiment.read_json: cannot open " .. path .. " (" .. tostring(why) .. ")") end
  local text = f:read("a")
  f:close()
  local v, err = decode(text)
  if err then util.fail("experiment.read_json: " .. path .. ": " .. err) end
  return v
end

return {decode = decode}
