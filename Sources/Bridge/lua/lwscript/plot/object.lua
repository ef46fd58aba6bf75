-- The Plot object every plot function returns: kind, title, rows (the tidy data it shows),
-- columns and the SVG text. p:svg(), p:save(path) (SVG and CSV, atomically), p:png() (via
-- raster.lua), p:show() (a viewer from the REPL), tostring(p), and __svg, which notebooks
-- and the Jupyter kernel use to show it.
local util = require("lwscript.util")
local csv = require("csv")
local sys = require("sys")
local raster = require("lwscript.plot.raster")

local fmt = string.format

-- The Plot object: kind, title, rows (tidy data for the CSV), columns, and the SVG text.
local Plot = {}
Plot.__index = Plot
Plot.__name = "Plot"

local function new_plot(kind, title, svg_text, rows, columns, summary)
  return setmetatable({kind = kind, title = title, rows = rows, columns = columns, svg_text = svg_text, summary = summary}, Plot)
end

local function check_plot(self, method)
  if getmetatable(self) ~= Plot then
    util.fail(fmt("calling 'Plot:%s' on bad self (expected a Plot, got %s)", method, type(self)))
  end
end

-- p:svg() -> the SVG document as a string.
function Plot.svg(self)
  check_plot(self, "svg")
  return self.svg_text
end
Plot.__svg = Plot.svg

-- The CSV path of a plot saved at `path`: the extension replaced by .csv (or .csv appended).
local function csv_path(path)
  local stem = path:match("^(.*)%.[^./]*$")
  return (stem or path) .. ".csv"
end

-- p:save(path) writes the SVG to path and the plot's data to path with a .csv extension,
-- both atomically; returns the two paths.
function Plot.save(self, path)
  check_plot(self, "save")
  if type(path) ~= "string" or path == "" then
    util.arg_error("Plot:save", 1, fmt("expected a file path, got %s", path == "" and "an empty string" or type(path)))
  end
  local data = csv_path(path)
  if data == path then data = path .. ".csv" end
  local ok, err = pcall(util.write_file, path, self.svg_text)
  if not ok then util.fail("Plot:save: " .. tostring(err)) end
  ok, err = pcall(csv.write, data, self.rows, {columns = self.columns})
  if not ok then util.fail("Plot:save: " .. (util.strip_position(err):gsub("^csv%.write: ", ""))) end
  return path, data
end

-- p:png() -> PNG bytes of the plot, or nil and why not (no rasteriser: raster.lua).
function Plot.png(self)
  check_plot(self, "png")
  return raster.png(self.svg_text)
end

-- The viewer p:show() opens a file with: option `viewer` (false: none), else
-- LWSCRIPT_VIEWER, else xdg-open when there is a display, else macOS's open; as an argv
-- prefix (a command with its arguments, split at spaces), or nil.
local function viewer_of(opts)
  local v = opts.viewer
  if v == false then return nil end
  if v == nil then v = sys.getenv("LWSCRIPT_VIEWER") end
  if v == "" or v == "none" then return nil end
  if v == nil then
    local display = (sys.getenv("DISPLAY") or "") ~= "" or (sys.getenv("WAYLAND_DISPLAY") or "") ~= ""
    if display and raster.which("xdg-open") then
      v = "xdg-open"
    elseif util.file_exists("/usr/bin/open") and util.file_exists("/System/Library") then
      v = "/usr/bin/open"
    else
      return nil
    end
  end
  local argv = {}
  for word in v:gmatch("%S+") do argv[#argv + 1] = word end
  return #argv > 0 and argv or nil
end

local viewers = {}   -- viewer processes started, reaped by later calls (no zombies)

-- p:show([{viewer =}]) writes the plot to a temporary .svg file and opens it with the
-- system's viewer when there is one; prints the path (and the viewer) and returns it.
function Plot.show(self, opts)
  check_plot(self, "show")
  if opts ~= nil and type(opts) ~= "table" then
    util.arg_error("Plot:show", 1, "expected an options table {viewer = ...} or nothing, got " .. type(opts))
  end
  opts = util.check_options("Plot:show", opts or {}, 1, {viewer = util.is.any(util.is.string, util.is.boolean)})
  if opts.viewer == true then util.arg_error("Plot:show", 1, "option 'viewer' must be a command or false, got true") end
  for i = #viewers, 1, -1 do
    if sys.wait(viewers[i]) then table.remove(viewers, i) end
  end
  local base = os.tmpname()
  local path = base .. ".svg"
  local ok, err = pcall(util.write_file, path, self.svg_text)
  os.remove(base)
  if not ok then util.fail("Plot:show: " .. tostring(err)) end
  local argv = viewer_of(opts)
  if argv then
    argv[#argv + 1] = path
    local started, pid = pcall(sys.spawn, argv, {log = "/dev/null"})
    if started then
      viewers[#viewers + 1] = pid
      print(fmt("%s: %s (opened with %s)", tostring(self), path, argv[1]))
      return path
    end
    print(fmt("%s: %s (%s could not start: open the file in a browser)", tostring(self), path, argv[1]))
    return path
  end
  print(fmt("%s: %s (no viewer here: open the file in a browser)", tostring(self), path))
  return path
end

-- Short: a long title is cut (the REPL prints this for every plot made).
local TITLE_CHARS = 40
function Plot.__tostring(self)
  local title = self.title
  if utf8.len(title) and utf8.len(title) > TITLE_CHARS then
    title = title:sub(1, utf8.offset(title, TITLE_CHARS - 2) - 1) .. "..."
  end
  return fmt("Plot(%s%s, %s)", self.kind, title ~= "" and fmt(" '%s'", title) or "", self.summary)
end

return {Plot = Plot, new_plot = new_plot}
