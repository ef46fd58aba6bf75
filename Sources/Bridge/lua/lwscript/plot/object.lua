-- The Plot object every plot function returns: kind, title, rows (the tidy data it shows),
-- columns and the SVG text. p:svg(), p:save(path) (SVG and CSV, atomically), tostring(p),
-- and __svg, which notebooks use to show it.
local util = require("lwscript.util")
local csv = require("csv")

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

function Plot.__tostring(self)
  return fmt("Plot(%s%s, %s)", self.kind, self.title ~= "" and fmt(" '%s'", self.title) or "", self.summary)
end

return {Plot = Plot, new_plot = new_plot}
