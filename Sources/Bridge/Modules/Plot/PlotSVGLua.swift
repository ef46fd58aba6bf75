/// The first half of the Lua `plot` module: SVG text, scales, ticks, axes and legends, the
/// Plot object (`__svg` for notebooks, `svg`, `save`, `tostring`) and option checking.
enum PlotSVGLua {
    static let source = #"""
local plot = ...
local write_file = plot._write_file
plot._write_file = nil
local csv_write = csv.write
local fmt = string.format

-- Okabe & Ito's colour-blind-safe palette (blue, orange, green, purple, sky, vermillion,
-- yellow, black) and viridis stops for the heatmap's sequential scale.
local PALETTE = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}
local VIRIDIS = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}
local FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

-- Errors raised inside a constructor carry no position (level 0); the public wrapper
-- re-raises them at the caller's line.
local function fail(fname, message) error("plot." .. fname .. ": " .. message, 0) end

local function finite(v) return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge end

-- XML text: markup characters escaped, control characters and invalid UTF-8 replaced.
local function esc(s)
  s = tostring(s)
  if not utf8.len(s) then s = s:gsub("[\128-\255]", "?") end
  s = s:gsub("[%z\1-\8\11\12\14-\31]", "?")
  return (s:gsub("[&<>\"']", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;"}))
end

local function num(v) return fmt("%.1f", v) end

-- Short value text: integers as integers, others with 3 significant digits.
local function short(v)
  if not finite(v) then return v ~= v and "NaN" or (v > 0 and "inf" or "-inf") end
  if v == math.floor(v) and math.abs(v) < 1e9 then return fmt("%d", v) end
  return (fmt("%.3g", v))
end

-- Approximate width of text in pixels at a font size (for layout only).
local function text_width(s, size) return utf8.len(tostring(s)) and utf8.len(tostring(s)) * size * 0.6 or #tostring(s) * size * 0.6 end

-- "Nice" tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
local function ticks(lo, hi, n)
  if not (finite(lo) and finite(hi)) then lo, hi = 0, 1 end
  if hi < lo then lo, hi = hi, lo end
  if hi == lo then
    local pad = lo == 0 and 1 or math.abs(lo) * 0.1
    lo, hi = lo - pad, hi + pad
  end
  local raw = (hi - lo) / (n or 5)
  local mag = 10 ^ math.floor(math.log(raw, 10))
  local f = raw / mag
  local step = (f < 1.5 and 1 or f < 3 and 2 or f < 7 and 5 or 10) * mag
  local first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
  local decimals = math.max(0, -math.floor(math.log(step, 10) + 1e-9))
  local out = {}
  for k = first, last do
    local v = k * step
    out[#out + 1] = {value = v, text = fmt("%." .. decimals .. "f", v)}
  end
  return out, first * step, last * step
end

local function scale(lo, hi, a, b)
  return function(v) return a + (v - lo) / (hi - lo) * (b - a) end
end

local function viridis(t)
  if not finite(t) then return "#cccccc" end
  t = math.max(0, math.min(1, t)) * (#VIRIDIS - 1)
  local i = math.min(math.floor(t), #VIRIDIS - 2)
  local f, a, b = t - i, VIRIDIS[i + 1], VIRIDIS[i + 2]
  return fmt("#%02x%02x%02x", math.floor(a[1] + f * (b[1] - a[1]) + 0.5),
             math.floor(a[2] + f * (b[2] - a[2]) + 0.5), math.floor(a[3] + f * (b[3] - a[3]) + 0.5))
end

-- An SVG document being built: a list of strings.
local function document(width, height, title)
  local out = {
    fmt('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="%s" font-size="12">',
        width, height, width, height, FONT),
    "<title>" .. esc(title ~= "" and title or "plot") .. "</title>",
    '<rect x="0" y="0" width="100%" height="100%" fill="white"/>',
  }
  if title ~= "" then
    out[#out + 1] = fmt('<text x="%s" y="24" text-anchor="middle" font-size="16" font-weight="bold">%s</text>', num(width / 2), esc(title))
  end
  return out
end

local clip_count = 0
-- A clip path for the plot area (ids unique within the process, so that several plots in
-- one notebook page do not clash).
local function clip(out, x, y, w, h)
  clip_count = clip_count + 1
  local id = fmt("lws-plot-clip-%d", clip_count)
  out[#out + 1] = fmt('<clipPath id="%s"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>', id, num(x), num(y), num(w), num(h))
  return id
end

-- The y axis: grid lines, ticks, tick labels and the rotated axis title.
local function y_axis(out, area, yticks, ys, label)
  for _, t in ipairs(yticks) do
    local y = ys(t.value)
    out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e0e0e0"/>', num(area.x), num(y), num(area.x + area.w), num(y))
    out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>', num(area.x - 5), num(y), num(area.x), num(y))
    out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>', num(area.x - 8), num(y), esc(t.text))
  end
  out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>', num(area.x), num(area.y), num(area.x), num(area.y + area.h))
  if label ~= "" then
    local x, y = 16, area.y + area.h / 2
    out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" transform="rotate(-90 %s %s)" font-size="13">%s</text>', num(x), num(y), num(x), num(y), esc(label))
  end
end

-- A numeric x axis: ticks and labels below the area, and the axis title.
local function x_axis(out, area, xticks, xs, label)
  local base = area.y + area.h
  out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>', num(area.x), num(base), num(area.x + area.w), num(base))
  for _, t in ipairs(xticks) do
    local x = xs(t.value)
    out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e0e0e0"/>', num(x), num(area.y), num(x), num(base))
    out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>', num(x), num(base), num(x), num(base + 5))
    out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle">%s</text>', num(x), num(base + 18), esc(t.text))
  end
  if label ~= "" then
    out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" font-size="13">%s</text>', num(area.x + area.w / 2), num(base + 40), esc(label))
  end
end

-- Class-name labels under slots (bars, heatmap columns), rotated when they do not fit.
local function category_labels(out, names, centers, slot, base, size)
  local widest = 0
  for _, name in ipairs(names) do widest = math.max(widest, text_width(name, size)) end
  local rotate = widest > slot - 4
  for i, name in ipairs(names) do
    local x, y = centers[i], base + 16
    if rotate then
      out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="end" font-size="%d" transform="rotate(-40 %s %s)">%s</text>', num(x), num(y - 4), size, num(x), num(y - 4), esc(name))
    else
      out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" font-size="%d">%s</text>', num(x), num(y), size, esc(name))
    end
  end
  return rotate and widest * 0.64 + 16 or 22   -- the height the labels take
end

-- A legend of coloured swatches (lines when `as_lines`), top-left at (x, y).
local function legend(out, x, y, names, as_lines)
  for i, name in ipairs(names) do
    local colour = PALETTE[(i - 1) % #PALETTE + 1]
    local yy = y + (i - 1) * 20
    if as_lines then
      out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2.5"/>', num(x), num(yy + 6), num(x + 18), num(yy + 6), colour)
    else
      out[#out + 1] = fmt('<rect x="%s" y="%s" width="14" height="12" fill="%s"/>', num(x), num(yy), colour)
    end
    out[#out + 1] = fmt('<text x="%s" y="%s" dominant-baseline="middle">%s</text>', num(x + 24), num(yy + 6), esc(name))
  end
end

local function legend_width(names)
  local w = 0
  for _, name in ipairs(names) do w = math.max(w, text_width(name, 12)) end
  return math.min(w, 220) + 44
end

-- The Plot object: kind, title, rows (tidy data for the CSV), columns, and the SVG text.
local Plot = {}
Plot.__index = Plot
Plot.__name = "Plot"

local function new_plot(kind, title, svg_text, rows, columns, summary)
  return setmetatable({kind = kind, title = title, rows = rows, columns = columns, svg_text = svg_text, summary = summary}, Plot)
end

local function check_plot(self, method)
  if getmetatable(self) ~= Plot then
    error(fmt("calling 'Plot:%s' on bad self (expected a Plot, got %s)", method, type(self)), 3)
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
    error(fmt("bad argument #1 to 'Plot:save' (expected a file path, got %s)", path == "" and "an empty string" or type(path)), 2)
  end
  local data = csv_path(path)
  if data == path then data = path .. ".csv" end
  local ok, err = pcall(write_file, path, self.svg_text)
  if not ok then error("Plot:save: " .. tostring(err):gsub("^plot%._write_file: ", ""), 2) end
  ok, err = pcall(csv_write, data, self.rows, {columns = self.columns})
  if not ok then error("Plot:save: " .. tostring(err):gsub("^csv%.write: ", ""), 2) end
  return path, data
end

function Plot.__tostring(self)
  return fmt("Plot(%s%s, %s)", self.kind, self.title ~= "" and fmt(" '%s'", self.title) or "", self.summary)
end

-- Option checking shared by the constructors.
local function options(fname, opts, known)
  if type(opts) ~= "table" then fail(fname, "expected an options table {...}, got " .. type(opts)) end
  for k in pairs(opts) do
    if not known[k] then
      local names = {}
      for name in pairs(known) do names[#names + 1] = name end
      table.sort(names)
      fail(fname, fmt("unknown option '%s' (known: %s)", tostring(k), table.concat(names, ", ")))
    end
  end
  return opts
end

local function opt_string(fname, opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if type(v) == "number" then return tostring(v) end
  if type(v) ~= "string" then fail(fname, fmt("option '%s' must be a string, got %s", key, type(v))) end
  return v
end

local function opt_size(fname, opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if not finite(v) or v < 200 or v > 4000 then fail(fname, fmt("option '%s' must be a number of pixels in 200..4000, got %s", key, tostring(v))) end
  return math.floor(v)
end

local function opt_bool(fname, opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if type(v) ~= "boolean" then fail(fname, fmt("option '%s' must be true or false, got %s", key, type(v))) end
  return v
end

-- {lo, hi} with lo < hi, finite.
local function opt_limits(fname, opts, key)
  local v = opts[key]
  if v == nil then return nil end
  if type(v) ~= "table" or not finite(v[1]) or not finite(v[2]) or v[1] >= v[2] then
    fail(fname, fmt("option '%s' must be {lo, hi} with finite lo < hi", key))
  end
  return {v[1], v[2]}
end

-- The y axis: the ticks inside user limits {lo, hi} when given, else nice ticks around
-- [lo, hi] (which then widen to them). Returns ticks, lo, hi.
local function y_ticks(limits, lo, hi)
  if not limits then return ticks(lo, hi) end
  local ylo, yhi, yticks = limits[1], limits[2], {}
  for _, t in ipairs((ticks(ylo, yhi))) do
    if t.value >= ylo - 1e-12 and t.value <= yhi + 1e-12 then yticks[#yticks + 1] = t end
  end
  return yticks, ylo, yhi
end

-- An array of names (strings or numbers), non-empty.
local function names_of(fname, v, what, count)
  if type(v) ~= "table" then fail(fname, fmt("%s must be an array of names, got %s", what, type(v))) end
  local out = {}
  for i = 1, #v do
    local s = v[i]
    if type(s) == "number" then s = short(s) end
    if type(s) ~= "string" then fail(fname, fmt("%s[%d] must be a string, got %s", what, i, type(v[i]))) end
    out[i] = s
  end
  if #out == 0 then fail(fname, what .. " must not be empty") end
  if count and #out ~= count then fail(fname, fmt("%s has %d names, expected %d", what, #out, count)) end
  return out
end

-- An array of numbers (a Lua array or a 1-D tensor); NaN and infinities are kept (drawn as gaps).
local function numbers_of(fname, v, what, count)
  if tensor.is_tensor(v) then
    if v:dim() ~= 1 then fail(fname, fmt("%s must be a 1-D Tensor or an array of numbers", what)) end
    v = v:totable()
  end
  if type(v) ~= "table" then fail(fname, fmt("%s must be an array of numbers, got %s", what, type(v))) end
  local out = {}
  for i = 1, #v do
    if type(v[i]) ~= "number" then fail(fname, fmt("%s[%d] must be a number, got %s", what, i, type(v[i]))) end
    out[i] = v[i]
  end
  if #out == 0 then fail(fname, what .. " must not be empty") end
  if count and #out ~= count then fail(fname, fmt("%s has %d values, expected %d", what, #out, count)) end
  return out
end

-- series = {{name =, values =}, ...}, each with `count` values.
local function series_of(fname, v, count, count_what)
  if type(v) ~= "table" or #v == 0 then fail(fname, "option 'series' must be a non-empty array of {name =, values =}") end
  local out = {}
  for i = 1, #v do
    local s = v[i]
    if type(s) ~= "table" then fail(fname, fmt("series[%d] must be a table {name =, values =}, got %s", i, type(s))) end
    for k in pairs(s) do
      if k ~= "name" and k ~= "values" then fail(fname, fmt("series[%d] has unknown key '%s' (known: name, values)", i, tostring(k))) end
    end
    local name = s.name == nil and ("series " .. i) or s.name
    if type(name) == "number" then name = short(name) end
    if type(name) ~= "string" then fail(fname, fmt("series[%d].name must be a string, got %s", i, type(name))) end
    local values = numbers_of(fname, s.values, fmt("series[%d].values", i))
    if count and #values ~= count then
      fail(fname, fmt("series[%d].values has %d values, expected %d (one per %s)", i, #values, count, count_what))
    end
    out[i] = {name = name, values = values}
  end
  return out
end

-- Range of the finite values in arrays.
local function range_of(...)
  local lo, hi = math.huge, -math.huge
  for _, arr in ipairs({...}) do
    for _, v in ipairs(arr) do
      if finite(v) then lo = math.min(lo, v); hi = math.max(hi, v) end
    end
  end
  if lo > hi then return 0, 1 end
  return lo, hi
end

-- The public constructor: checks that opts is given, re-raises errors at the caller's line.
local function constructor(fname, build)
  return function(opts, ...)
    if select("#", ...) > 0 then
      error(fmt("plot.%s: expected one options table, got %d arguments", fname, select("#", ...) + 1), 2)
    end
    local ok, result = pcall(build, opts)
    if not ok then error(result, 2) end
    return result
  end
end
"""#
}
