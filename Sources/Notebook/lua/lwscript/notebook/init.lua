-- The notebook runner's Lua side (Sources/Notebook/NotebookRunner.swift calls these through
-- the Bridge): output capture (capture.lua) and the display protocol (display.lua).
local capture = require("lwscript.notebook.capture")
local display = require("lwscript.notebook.display")

local M = {}

-- install(limit, path): capture printed output (at most `limit` bytes per cell) and define
-- the globals `display` and `notebook`.
function M.install(limit, path)
  capture.install(limit)
  display.install(path)
end

-- begin(cell): a new cell, numbered as in the report.
M.begin = capture.begin

-- finish(results): the cell's values (table.pack'ed, or nil when there are none to show)
-- become result events; returns the cell's events and the number of bytes of output
-- dropped. A cell whose only value is nil shows nothing.
function M.finish(results)
  if results and not (results.n == 1 and results[1] == nil) then
    for i = 1, results.n do
      local d = display.describe(results[i])
      d.kind = "result"
      capture.push(d)
    end
  end
  return capture.collect()
end

return M
