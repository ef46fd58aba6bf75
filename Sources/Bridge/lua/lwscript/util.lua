-- Helpers shared by lwscript's Lua library: errors that point at the user's line, option
-- checking, checks of per-class values, small table and file helpers.
--
-- Every file of the library requires this module for what it shares; no file depends on
-- another's locals, so each can be read, copied and changed on its own.
local util = {}

local fmt = string.format
local registry = debug.getregistry()
local write_file = require("lwscript.native").write_file
local tensor = require("tensor")
local nn = require("nn")

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

-- "source:line: " of the innermost frame outside the library, searching from stack level
-- `level` (as debug.getinfo counts inside this function) outwards: the library's frames are
-- skipped, and a C function (pcall, say) ends the search with no position, as an error
-- raised straight under pcall has none. lws_where_user (CLua/shim.h) does the same for
-- errors of Swift functions.
local function where(level)
  while true do
    local info = debug.getinfo(level, "Sl")
    if info == nil or info.what == "C" then return "" end
    if library_chunks()[info.source] == nil then
      return info.currentline > 0 and fmt("%s:%d: ", info.short_src, info.currentline) or ""
    end
    level = level + 1
  end
end

-- util.fail(message): raises `message` at the user's line.
function util.fail(message)
  error(where(3) .. message, 0)
end

-- util.arg_error(fname, position, message): "bad argument #2 to 'fname' (message)".
function util.arg_error(fname, position, message)
  error(where(3) .. fmt("bad argument #%d to '%s' (%s)", position, fname, message), 0)
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
    err = (at_user_line and where(3) or "") .. (prefix or "") .. util.strip_position(err)
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
-- Options and values.
---------------------------------------------------------------------------------------

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

-- util.check_options(fname, opts, position, known): an options table (nil gives {}) whose
-- keys are all in `known` (a set or an array of names); otherwise "bad argument #position
-- to 'fname' (unknown option 'x' (known: ...))" at the user's line.
function util.check_options(fname, opts, position, known)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    util.arg_error(fname, position, "expected an options table, got " .. type(opts))
  end
  if #known > 0 then known = util.set_of(known) end
  for k in pairs(opts) do
    if not known[k] then
      util.arg_error(fname, position, fmt("unknown option '%s' (known: %s)", tostring(k),
                                          table.concat(util.sorted_keys(known), ", ")))
    end
  end
  return opts
end

-- util.option_integer(fname, opts, name, default, minimum): opts[name] as an integer >=
-- minimum (1 by default), or `default` when absent.
function util.option_integer(fname, opts, name, default, minimum)
  local v = opts[name]
  if v == nil then return default end
  minimum = minimum or 1
  if math.type(v) == nil or v ~= math.floor(v) or v < minimum then
    util.fail(fmt("%s: option '%s' must be an integer >= %d, got %s", fname, name, minimum, tostring(v)))
  end
  return math.tointeger(v)
end

function util.finite(v)
  return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
end

-- util.class_values(w, C): a copy of the per-class array w (a Lua array or a 1-D tensor) of
-- C finite numbers >= 0, or nil and the reason (for the caller's message).
function util.class_values(w, C)
  if tensor.is_tensor(w) then w = w:totable() end
  if type(w) ~= "table" then return nil, "type", type(w) end
  if #w ~= C then return nil, "count", #w end
  local out = {}
  for c = 1, C do
    local v = w[c]
    if not util.finite(v) or v < 0 then return nil, "value", c, v end
    out[c] = v
  end
  return out
end

-- A module is anything with forward(self, x): Swift layers (userdata, nn.is_module) and
-- Lua modules (tables, as nn.Module makes them).
function util.is_module(m)
  if nn.is_module(m) then return true end
  return type(m) == "table" and type(m.forward) == "function"
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
