-- The Jupyter kernel's Lua side (Sources/Kernel/KernelExecutor.swift calls these): what a
-- cell prints and displays goes to the frontend as it comes (capture.live), io.read asks the
-- frontend for a line (input_request), and the global `jupyter` offers clear_output.
-- It replaces io.read on purpose, hence:
-- luacheck: globals io notebook jupyter
local capture = require("lwscript.notebook.capture")
local sys = require("sys")

local M = {}

-- One line from the frontend, read as io.read's formats ask ("l", "L", "n", "a", a count).
local function read_formats(input, ...)
  local formats = table.pack(...)
  if formats.n == 0 then formats = {n = 1, "l"} end
  local out = {}
  for i = 1, formats.n do
    local f = formats[i]
    local line = input("", false)
    if f == nil then return nil end
    if type(f) == "string" then f = f:gsub("^%*", "") end
    if f == "l" then out[i] = line
    elseif f == "L" then out[i] = line .. "\n"
    elseif f == "a" then out[i] = line
    elseif f == "n" then out[i] = tonumber(line)
    elseif math.type(f) == "integer" then out[i] = line:sub(1, f)
    else
      error(string.format("bad argument #%d to 'read' (invalid format %s)", i, tostring(f)), 3)
    end
  end
  return table.unpack(out, 1, formats.n)
end

-- install(send, input, clear): Swift functions of the kernel. send(kind, text or event)
-- publishes output; input(prompt, password) asks the frontend for a line (an error when the
-- frontend does not allow input); clear(wait) clears the cell's output.
function M.install(send, input, clear)
  capture.live(send)
  notebook.live = true
  io.read = function(...) return read_formats(input, ...) end
  jupyter = {
    -- jupyter.clear_output([wait]): clears the cell's output (with wait = true, when the next
    -- output comes: a redrawn plot does not flicker).
    clear_output = function(wait) clear(wait == true) end,
    -- jupyter.input([prompt [, password]]) -> the line the user typed in the frontend.
    input = function(prompt, password) return input(prompt and tostring(prompt) or "", password == true) end,
  }
end

-- begin(): a new cell; no interrupt seen yet.
function M.begin() sys.interrupted(false) end

-- interrupted(): whether an interrupt came while training ran (it stopped at a batch
-- boundary and the cell went on).
function M.interrupted() return sys.interrupted() end

-- describe(v, name): what inspect_request shows for a name: its help text (help(v)), else its
-- kind and, for values that are not functions, the value as the REPL shows it. nil for an
-- unknown name.
function M.describe(v, name)
  if v == nil then return nil end
  local help = require("lwscript.help").text(v, name)
  if help then return help end
  local kind = type(v)
  local mt = getmetatable(v)
  if type(mt) == "table" and type(rawget(mt, "__name")) == "string" then kind = rawget(mt, "__name") end
  if type(v) == "function" then
    return string.format("%s: a %s", name, name:find(":", 1, true) and "method" or "function")
  end
  local ok, text = pcall(require("lwscript.show"), v)
  return string.format("%s: %s\n\n%s", name, kind, ok and text or tostring(v))
end

return M
