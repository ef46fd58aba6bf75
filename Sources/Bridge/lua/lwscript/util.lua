-- Helpers shared by lwscript's Lua library: errors that point at the user's line, option
-- checking, checks of per-class values, small table and file helpers.
--
-- Every file of the library requires this module for what it shares; no file depends on
-- another's locals, so each can be read, copied and changed on its own.
local util = {}

local fmt = string.format
local registry = debug.getregistry()
local native = require("lwscript.native")
local write_file = native.write_file
local tensor = require("tensor")
local nn = require("nn")
local data = require("data")

---------------------------------------------------------------------------------------
-- Errors. The library raises with util.fail (or util.arg_error): the message gets the
-- position of the user's line that led to it (a script, or a callback such as a W
-- function), not of a line inside the library.
--
-- Where the library must clean up or add context whatever happens (restore the gradient or
-- Ctrl-C mode, name the failing layer), it calls with util.try and raises the error again
-- with util.raise_again. An error that already names a line outside the library (raised in
-- a user's callback) goes on unchanged, and the traceback printed is the one recorded where
-- it was first raised, so the user's frames are never cut off.
---------------------------------------------------------------------------------------

-- The chunk names of the library's modules (registry "lwscript.library", filled by the
-- searcher in Bridge/Runtime/LuaLibrary.swift: chunk name -> path in the tree).
local function library_chunks() return registry["lwscript.library"] or {} end

-- where(): "source:line: " of the innermost frame outside the library, searching outwards
-- from the caller of where(): the library's frames are skipped, and a C function (pcall, say)
-- ends the search with no position, as an error raised straight under pcall has none. The
-- same search places errors of Swift functions (lws_where_user in CLua/shim.h).
local where = native.where

-- util.fail(message): raises `message` at the user's line.
function util.fail(message)
  error(where() .. message, 0)
end

-- util.arg_error(fname, position, message): "bad argument #2 to 'fname' (message)".
function util.arg_error(fname, position, message)
  error(where() .. fmt("bad argument #%d to '%s' (%s)", position, fname, message), 0)
end

-- util.strip_position(err): the message without a leading "lwscript/x.lua:12: " that an
-- error raised at a library line carries (when the library adds context of its own).
function util.strip_position(err)
  if type(err) ~= "string" then return tostring(err) end
  local source, rest = err:match("^(.-):%d+: (.*)$")
  if not source then return err end
  for _, path in pairs(library_chunks()) do
    -- long chunk names are shortened to "...<end of the path>" in positions
    if source == path or source:sub(-#path) == path then return rest end
  end
  return err
end

-- Whether an error message starts with a position outside the library ("study.lua:12: ").
local function positioned(err)
  local source = err:match("^(.-):%d+: ")
  return source ~= nil and not source:find(": ", 1, true) and util.strip_position(err) == err
end

-- The traceback of where an error was raised, kept (registry "lwscript.pending_traceback")
-- until util.raise_again raises it again and the host prints it (lws_msghandler, CLua/shim.h).
local PENDING = "lwscript.pending_traceback"
local function capture(err)
  local pending = registry[PENDING]
  if pending == nil or not rawequal(pending.error, err) then
    registry[PENDING] = {error = err, traceback = debug.traceback("", 2)}
  end
  return err
end

-- util.try(f, ...): like pcall(f, ...), but an error's traceback is kept for raise_again.
function util.try(f, ...)
  return xpcall(f, capture, ...)
end

-- util.raise_again(err[, prefix[, at_user_line]]): raises an error caught by util.try again.
-- One that names a line outside the library goes on unchanged; any other gets `prefix`
-- and, with at_user_line, the position of the user's line.
function util.raise_again(err, prefix, at_user_line)
  if type(err) == "string" and not positioned(err) then
    err = (at_user_line and where() or "") .. (prefix or "") .. util.strip_position(err)
    local pending = registry[PENDING]
    if pending ~= nil then pending.error = err end
  end
  error(err, 0)
end

-- util.protect(cleanup, f, ...): f(...)'s results; cleanup() runs once f has ended, however
-- it ended. An error then goes on as util.raise_again(err, nil, true) raises it.
function util.protect(cleanup, f, ...)
  local results = table.pack(util.try(f, ...))
  cleanup()
  if not results[1] then util.raise_again(results[2], nil, true) end
  return table.unpack(results, 2, results.n)
end

---------------------------------------------------------------------------------------
-- Describing values, and checkers: small declarative descriptions of what an argument, an
-- option or the result of a user's callback must be. One checker serves all three, so every
-- message says the same things: the function, the argument or option, what was expected
-- and what came.
--
--   local is = util.is
--   util.check_options("experiment.train", opts, 3, {epochs = is.integer(1), quiet = is.boolean,
--                                                    name = true})  -- true: any value
--   util.check_arg("nn.load_into", 1, m, is.module)
--   util.check_result("experiment.train", "option 'optimizer'", opt, is.optimizer)
---------------------------------------------------------------------------------------

function util.finite(v)
  return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
end

-- util.type_name(v): "number", "string", ..., or the __name of a userdata's or a table's
-- metatable ("Tensor", "Optimizer", "Loss", "Plot", "Sequential").
function util.type_name(v)
  local tv = type(v)
  if tv == "userdata" or tv == "table" then
    local mt = getmetatable(v)
    local name = type(mt) == "table" and rawget(mt, "__name") or nil
    if type(name) == "string" then return name end
  end
  return tv
end

local function number_text(v)
  if v ~= v then return "NaN" end
  if v == math.huge then return "inf" elseif v == -math.huge then return "-inf" end
  if math.type(v) == "integer" then return tostring(v) end
  return fmt("%.14g", v)
end

-- util.describe(v): what came, for messages: a number by its value (NaN, inf), a string
-- quoted (shortened), nil and booleans as such, anything else by its type name.
function util.describe(v)
  local tv = type(v)
  if tv == "number" then return number_text(v) end
  if tv == "string" then
    if #v > 40 then v = v:sub(1, 37) .. "..." end
    return '"' .. v:gsub("[%c\"\\]", function(c) return c == '"' and '\\"' or c == "\\" and "\\\\" or "?" end) .. '"'
  end
  if tv == "nil" or tv == "boolean" then return tostring(v) end
  return util.type_name(v)
end

-- A checker: `expected` (text: "an integer >= 1") and test(v) -> ok[, what came instead of
-- util.describe(v)].
local Checker = {}
Checker.__index = Checker
Checker.__name = "Checker"

function util.checker(expected, test)
  return setmetatable({expected = expected, test = test}, Checker)
end
local checker = util.checker

local function is_checker(c) return getmetatable(c) == Checker end

-- The checkers, and constructors of checkers.
local is = {}
util.is = is

-- is.integer(min[, max]): an integer (a float with an integer value counts) in range.
function is.integer(min, max)
  local text = max and fmt("an integer in %s..%s", number_text(min), number_text(max))
    or min and fmt("an integer >= %s", number_text(min)) or "an integer"
  return checker(text, function(v)
    local i = math.type(v) and math.tointeger(v)
    return i ~= nil and (min == nil or i >= min) and (max == nil or i <= max)
  end)
end

-- is.number{min =, max =, above =, below =}: a finite number within the bounds (min and max
-- inclusive, above and below exclusive).
function is.number(r)
  r = r or {}
  local lo, hi = r.min or r.above, r.max or r.below
  local text
  if lo and hi then
    text = fmt("a number in %s%s, %s%s", r.min and "[" or "(", number_text(lo), number_text(hi), r.max and "]" or ")")
  elseif lo then
    text = fmt("a finite number %s %s", r.min and ">=" or ">", number_text(lo))
  elseif hi then
    text = fmt("a finite number %s %s", r.max and "<=" or "<", number_text(hi))
  else
    text = "a finite number"
  end
  return checker(text, function(v)
    return util.finite(v) and (r.min == nil or v >= r.min) and (r.max == nil or v <= r.max)
      and (r.above == nil or v > r.above) and (r.below == nil or v < r.below)
  end)
end

is.string = checker("a string", function(v) return type(v) == "string" end)
is.boolean = checker("true or false", function(v) return type(v) == "boolean" end)
is.table = checker("a table", function(v) return type(v) == "table" end)
is.tensor = checker("a Tensor", function(v) return tensor.is_tensor(v) end)
is.dataset = checker("a dataset", function(v) return data.is_dataset(v) end)
is.module = checker("a module", function(v) return util.is_module(v) end)
is.optimizer = checker("an optimizer (optim.SGD, optim.Adam, ...)", function(v) return util.is_optimizer(v) end)
is.schedule = checker("a learning-rate schedule (optim.StepLR, ...)", function(v) return util.type_name(v) == "LRScheduler" end)
is.sampler = checker("a sampler (sample.WeightedRandom, ...)", function(v) return util.type_name(v) == "Sampler" end)
is.path = checker("a path (a non-empty string)", function(v) return type(v) == "string" and v ~= "" end)

-- is.func(text): a function; `text` says which ("a function(params) returning an optimizer").
function is.func(text)
  return checker(text or "a function", function(v) return type(v) == "function" end)
end

-- is.callable(text): a function, or a value with a __call metamethod (a loss).
function is.callable(text)
  return checker(text or "a function", function(v) return util.is_callable(v) end)
end

-- is.one_of{"epoch", "batch"}: one of these values.
function is.one_of(values)
  local texts = {}
  for i, v in ipairs(values) do texts[i] = util.describe(v) end
  local text = #texts == 1 and texts[1] or table.concat(texts, ", ", 1, #texts - 1) .. " or " .. texts[#texts]
  local set = util.set_of(values)
  return checker(text, function(v) return set[v] == true end)
end

-- is.any(c1, c2, ...): what any of the checkers accepts. When none does, what came is the
-- first particular reason one of them gives ("element 2 = -1"), else the value.
function is.any(...)
  local list, texts = {...}, {}
  for i, c in ipairs(list) do texts[i] = c.expected end
  local text = #texts == 1 and texts[1] or table.concat(texts, ", ", 1, #texts - 1) .. " or " .. texts[#texts]
  return checker(text, function(v)
    local reason
    for _, c in ipairs(list) do
      local ok, came = c.test(v)
      if ok then return true end
      reason = reason or came
    end
    return false, reason
  end)
end

-- is.array_of(c, text[, min_length]): a Lua array (no other keys) of at least min_length
-- values (1 by default) that c accepts; `text` says it ("an array of positive integers").
function is.array_of(c, text, min_length)
  min_length = min_length or 1
  return checker(text, function(v)
    if type(v) ~= "table" or getmetatable(v) ~= nil then return false end
    local n = #v
    for k in pairs(v) do
      if math.type(k) ~= "integer" or k < 1 or k > n then return false, "a table with key " .. util.describe(k) end
    end
    if n < min_length then return false, fmt("a table of %d values", n) end
    for i = 1, n do
      local ok, came = c.test(v[i])
      if not ok then return false, fmt("a table whose element %d is %s", i, came or util.describe(v[i])) end
    end
    return true
  end)
end

-- util.check(v, c) -> ok, what came (for messages of the caller's own).
function util.check(v, c)
  local ok, came = c.test(v)
  if ok then return true end
  return false, came or util.describe(v)
end

-- util.check_arg(fname, position, v, c): v, or "bad argument #position to 'fname'
-- (expected <c>, got <v>)" at the user's line.
function util.check_arg(fname, position, v, c)
  local ok, came = util.check(v, c)
  if not ok then util.arg_error(fname, position, fmt("expected %s, got %s", c.expected, came)) end
  return v
end

-- util.check_result(fname, what, v, c): v, a value returned by a user's callback, or
-- "fname: <what> returned <v>, expected <c>" at the user's line (what: "option 'loss'").
local NOT_A_TYPE = {["nil"] = true, ["true"] = true, ["false"] = true, NaN = true, inf = true}
local function with_article(came)
  if came:match("^%a+$") and not NOT_A_TYPE[came] then return (came:match("^[aeiouAEIOU]") and "an " or "a ") .. came end
  return came
end

-- util.returned(v): what a callback returned, for messages ("a table", "2.5", "nil").
function util.returned(v)
  return with_article(util.describe(v))
end

function util.check_result(fname, what, v, c)
  local ok, came = util.check(v, c)
  if not ok then util.fail(fmt("%s: %s returned %s, expected %s", fname, what, with_article(came), c.expected)) end
  return v
end

function util.set_of(list)
  local s = {}
  for _, k in ipairs(list) do s[k] = true end
  return s
end

function util.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return keys
end

-- util.check_options(fname, opts, position, spec[, within]): an options table (nil gives {})
-- whose keys are all in `spec`, and whose values pass its checkers. `spec` is an array of
-- names, or a table name -> checker (true: any value). Otherwise "bad argument #position to
-- 'fname' (unknown option 'x' (known: ...))" or "(option 'epochs' must be an integer >= 1,
-- got "x")" at the user's line. Options are checked in sorted order, so the message does not
-- depend on the table's traversal order. `within` names the option that holds these options
-- (a study's 'train'): the messages then say "option 'train.epochs'".
function util.check_options(fname, opts, position, spec, within)
  if opts == nil then return {} end
  local prefix = within and (within .. ".") or ""
  if type(opts) ~= "table" then
    util.arg_error(fname, position, (within and ("option '" .. within .. "' must be a table of options, got ")
                                     or "expected an options table, got ") .. util.describe(opts))
  end
  if #spec > 0 then spec = util.set_of(spec) end
  local keys = {}
  for k in pairs(opts) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    local c = spec[k]
    if c == nil then
      util.arg_error(fname, position, fmt("unknown option %s (known: %s)",
        type(k) == "string" and ("'" .. prefix .. k .. "'") or util.describe(k), table.concat(util.sorted_keys(spec), ", ")))
    elseif is_checker(c) then
      local ok, came = util.check(opts[k], c)
      if not ok then
        util.arg_error(fname, position, fmt("option '%s%s' must be %s, got %s", prefix, k, c.expected, came))
      end
    end
  end
  return opts
end

-- util.class_values(w, C): a copy of the per-class array w (a Lua array or a 1-D tensor) of
-- C finite numbers >= 0, or nil and the reason (for the caller's message).
function util.class_values(w, C)
  if tensor.is_tensor(w) then w = w:totable() end
  if type(w) ~= "table" then return nil, "type", util.describe(w) end
  if #w ~= C then return nil, "count", #w end
  local out = {}
  for c = 1, C do
    local v = w[c]
    if not util.finite(v) or v < 0 then return nil, "value", c, v end
    out[c] = v
  end
  return out
end

-- A Tensor's size as messages write it: 3x4, () for a scalar.
function util.size_text(t)
  local shape = t:shape()
  return #shape == 0 and "()" or table.concat(shape, "x")
end

-- A module is anything with forward(self, x): Swift layers (userdata, nn.is_module) and
-- Lua modules (tables, as nn.Module makes them).
function util.is_module(m)
  if nn.is_module(m) then return true end
  return type(m) == "table" and type(m.forward) == "function"
end

-- An optimizer: optim's (userdata), or a table with the methods step and zero_grad.
function util.is_optimizer(o)
  if util.type_name(o) == "Optimizer" then return true end
  return type(o) == "table" and type(o.step) == "function" and type(o.zero_grad) == "function"
end

-- A function, or a table or userdata with a __call metamethod (losses, modules).
function util.is_callable(f)
  if type(f) == "function" then return true end
  local mt = (type(f) == "table" or type(f) == "userdata") and getmetatable(f) or nil
  return type(mt) == "table" and rawget(mt, "__call") ~= nil
end

---------------------------------------------------------------------------------------
-- Tables and numbers.
---------------------------------------------------------------------------------------

function util.copy(t)
  local out = {}
  for k, v in pairs(t or {}) do out[k] = v end
  return out
end

-- util.merge(a, b, ...): a new table with the fields of each in turn (later ones win).
function util.merge(...)
  local out = {}
  for _, t in ipairs({...}) do
    for k, v in pairs(t) do out[k] = v end
  end
  return out
end

function util.mean(list)
  if #list == 0 then return nil end
  local s = 0
  for _, v in ipairs(list) do s = s + v end
  return s / #list
end

-- The sample standard deviation (n - 1), nil for fewer than 2 values.
function util.sd(list)
  local n = #list
  if n < 2 then return nil end
  local m, s = util.mean(list), 0
  for _, v in ipairs(list) do s = s + (v - m) ^ 2 end
  return math.sqrt(s / (n - 1))
end

---------------------------------------------------------------------------------------
-- Files.
---------------------------------------------------------------------------------------

function util.join(a, b)
  if a:sub(-1) == "/" then return a .. b end
  return a .. "/" .. b
end

function util.file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close(); return true end
  return false
end

-- util.write_file(path, text): written atomically by Swift (a unique temporary file, fsync,
-- rename), so a reader never sees half a file. Errors carry no position.
function util.write_file(path, text)
  local ok, err = pcall(write_file, path, text)
  if not ok then error((util.strip_position(err):gsub("^lwscript%.native%.write_file: ", "")), 0) end
end

return util
