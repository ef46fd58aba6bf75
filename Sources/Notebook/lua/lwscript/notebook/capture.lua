-- Capturing what a notebook cell prints. Once install(limit) has run, print, io.write,
-- io.stdout:write, io.stderr:write and warn append to the current cell's events instead of
-- the terminal, so each cell's report shows its own output in order. At most `limit` bytes
-- of text are kept per cell; the rest is counted and reported as truncated.
-- It replaces standard functions on purpose, hence:
-- luacheck: globals print warn notebook io os

local M = {}

local limit = 100000
local events, used, dropped = {}, 0, 0
-- The Jupyter kernel's sink(kind, text_or_event): output goes out at once (see M.live).
local live = nil

-- Appends text to the current cell's stream `kind` ("stdout" or "stderr"), merging runs.
local function append(kind, s)
  if s == "" then return end
  if live then return live(kind, s) end
  if used >= limit then dropped = dropped + #s; return end
  if used + #s > limit then
    local keep = limit - used
    -- never cut inside a UTF-8 sequence
    while keep > 0 and ((s:byte(keep + 1) or 0) & 0xC0) == 0x80 do keep = keep - 1 end
    dropped = dropped + #s - keep
    s = s:sub(1, keep)
  end
  used = used + #s
  local last = events[#events]
  if last and last.kind == kind and last.parts then
    last.parts[#last.parts + 1] = s
  else
    events[#events + 1] = {kind = kind, parts = {s}}
  end
end

-- The per-cell byte limit of printed text (display.lua bounds rich output by it too).
function M.limit() return limit end

-- Adds an event (a value to display, a cell result) after the text printed so far.
function M.push(event)
  if live then return live(event.kind, event) end
  events[#events + 1] = event
end

-- live(sink): from now on printed text and events are not kept for a report but handed to
-- sink(kind, text or event) as they come (the Jupyter kernel streams them to the frontend,
-- so a long cell shows its progress). The per-cell limit does not apply then.
function M.live(sink) live = sink end

-- Starts cell number `cell`: no events yet.
function M.begin(cell)
  events, used, dropped = {}, 0, 0
  if type(notebook) == "table" then notebook.cell = cell end
end

-- The cell's events (streams joined into `text`) and the number of bytes dropped.
function M.collect()
  local out = events
  for _, e in ipairs(out) do
    if e.parts then e.text = table.concat(e.parts); e.parts = nil end
  end
  events = {}
  return out, dropped
end

-- What io.write accepts: strings, and numbers formatted as io.write formats them.
local function text_arg(v, i, fname)
  local tv = type(v)
  if tv == "string" then return v end
  if tv == "number" then
    return math.type(v) == "integer" and string.format("%d", v) or string.format("%.14g", v)
  end
  return nil, string.format("bad argument #%d to '%s' (string expected, got %s)", i, fname, tv)
end
local function write_to(kind, fname, ...)
  for i = 1, select("#", ...) do
    local s, err = text_arg((select(i, ...)), i, fname)
    if not s then return err end
    append(kind, s)
  end
end

-- Replaces the output functions (once per state).
function M.install(max_bytes)
  limit = max_bytes
  local real = {stdout = io.stdout, stderr = io.stderr, write = io.write, output = io.output, type = io.type}

  -- io.stdout and io.stderr become tables that capture `write`; other file methods go to the
  -- real file.
  local function proxy(kind, file)
    local methods = {}
    function methods.write(self, ...)
      local err = write_to(kind, "write", ...)
      if err then error(err, 2) end
      return self
    end
    function methods.flush(self) return self end
    function methods.setvbuf() return true end
    function methods.close() return nil, "cannot close standard file" end
    return setmetatable({}, {
      __name = "FILE*",
      __tostring = function() return tostring(file) end,
      __index = function(_, k)
        if methods[k] then return methods[k] end
        local f = file[k]
        if type(f) == "function" then return function(_, ...) return f(file, ...) end end
      end,
    })
  end
  local out_proxy, err_proxy = proxy("stdout", real.stdout), proxy("stderr", real.stderr)
  local function unproxy(f)
    if rawequal(f, out_proxy) then return real.stdout end
    if rawequal(f, err_proxy) then return real.stderr end
    return f
  end
  local function reproxy(f)
    if rawequal(f, real.stdout) then return out_proxy end
    if rawequal(f, real.stderr) then return err_proxy end
    return f
  end
  io.stdout, io.stderr = out_proxy, err_proxy
  io.output = function(f) return reproxy(real.output(unproxy(f))) end
  io.type = function(f) return real.type(unproxy(f)) end
  io.write = function(...)
    -- After io.output("file.txt"), io.write goes to that file as usual.
    if not rawequal(real.output(), real.stdout) then return real.write(...) end
    local err = write_to("stdout", "write", ...)
    if err then error(err, 2) end
    return out_proxy
  end

  print = function(...)
    local n = select("#", ...)
    local parts = {}
    for i = 1, n do parts[i] = tostring((select(i, ...))) end
    append("stdout", table.concat(parts, "\t") .. "\n")
  end

  -- warn("@on") turns warnings on, as in lua; they go to the cell's stderr.
  local warnings = false
  warn = function(...)
    local n = select("#", ...)
    if n == 0 then error("bad argument #1 to 'warn' (string expected, got no value)", 2) end
    local parts = {}
    for i = 1, n do
      local s, err = text_arg((select(i, ...)), i, "warn")
      if not s then error(err, 2) end
      parts[i] = s
    end
    local msg = table.concat(parts)
    if n == 1 and msg:sub(1, 1) == "@" then
      if msg == "@on" then warnings = true elseif msg == "@off" then warnings = false end
      return
    end
    if warnings then append("stderr", "Lua warning: " .. msg .. "\n") end
  end

  -- Ending the process would lose the report.
  os.exit = function()
    error("os.exit is not available in a notebook (it would end the report); use error() to stop a cell", 2)
  end
end

return M
