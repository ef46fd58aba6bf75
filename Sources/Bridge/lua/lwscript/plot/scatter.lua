-- plot.scatter: labelled points, joined in order when asked (trade-off fronts).
-- Returns a Plot (lwscript/plot/object.lua): p:save(path) writes the SVG and its data as CSV.
local plot = require("plot")
local svg = require("lwscript.plot.svg")
local check = require("lwscript.plot.options")
local new_plot = require("lwscript.plot.object").new_plot
local util = require("lwscript.util")

local fmt = string.format
local PALETTE, finite, esc, num = svg.PALETTE, svg.finite, svg.esc, svg.num
local short, ticks, scale, document = svg.short, svg.ticks, svg.scale, svg.document
local y_axis, x_axis, polyline = svg.y_axis, svg.x_axis, svg.polyline
local options, opt_string, opt_size, opt_bool = check.options, check.opt_string, check.opt_size, check.opt_bool
local range_of, fail, constructor = check.range_of, check.fail, check.constructor

-- plot.scatter{points = {{x =, y =, label =}, ...}, connect = false, title =, xlabel =, ylabel =,
--              width = 760, height = 440}: labelled points, joined in the given order when connect.
plot.scatter = constructor("scatter", function(opts)
  opts = options("scatter", opts, {points = true, connect = true, title = true, xlabel = true, ylabel = true, width = true, height = true})
  local p = opts.points
  if type(p) ~= "table" or #p == 0 then
    fail("scatter", "option 'points' must be a non-empty array of {x =, y =, label =}, got "
                    .. (type(p) == "table" and "an empty table" or util.describe(p)))
  end
  local x, y, labels = {}, {}, {}
  for i = 1, #p do
    local pt = p[i]
    if type(pt) ~= "table" then fail("scatter", fmt("points[%d] must be a table {x =, y =, label =}, got %s", i, type(pt))) end
    for k in pairs(pt) do
      if k ~= "x" and k ~= "y" and k ~= "label" then fail("scatter", fmt("points[%d] has unknown key '%s' (known: x, y, label)", i, tostring(k))) end
    end
    if type(pt.x) ~= "number" or type(pt.y) ~= "number" then fail("scatter", fmt("points[%d] needs numbers x and y", i)) end
    local label = pt.label
    if type(label) == "number" then label = short(label) end
    if label ~= nil and type(label) ~= "string" then fail("scatter", fmt("points[%d].label must be a string, got %s", i, type(label))) end
    x[i], y[i], labels[i] = pt.x, pt.y, label or ""
  end
  local connect = opt_bool("scatter", opts, "connect", false)
  local title = opt_string("scatter", opts, "title", "")
  local xlabel, ylabel = opt_string("scatter", opts, "xlabel", ""), opt_string("scatter", opts, "ylabel", "")
  local width, height = opt_size("scatter", opts, "width", 760), opt_size("scatter", opts, "height", 440)
  -- 6% margins, so that points and their labels stay clear of the frame
  local function padded(lo, hi) local pad = (hi - lo) * 0.06 return lo - pad, hi + pad end
  local xticks, xlo, xhi = ticks(padded(range_of(x)))
  local yticks, ylo, yhi = ticks(padded(range_of(y)))
  local top = title ~= "" and 44 or 20
  local area = {x = 80, y = top, w = width - 80 - 90, h = height - top - (xlabel ~= "" and 58 or 36)}
  local out = document(width, height, title)
  local xs, ys = scale(xlo, xhi, area.x, area.x + area.w), scale(ylo, yhi, area.y + area.h, area.y)
  y_axis(out, area, yticks, ys, ylabel)
  x_axis(out, area, xticks, xs, xlabel)
  if connect then polyline(out, xs, ys, x, y, "#888888", ' stroke-dasharray="5 3"') end
  local rows = {}
  for i = 1, #x do
    rows[#rows + 1] = {label = labels[i], x = x[i], y = y[i]}
    if finite(x[i]) and finite(y[i]) then
      local px, py = xs(x[i]), ys(y[i])
      out[#out + 1] = fmt('<circle cx="%s" cy="%s" r="5" fill="%s" stroke="white"><title>%s (%s, %s)</title></circle>', num(px), num(py), PALETTE[1],
        esc(labels[i]), esc(short(x[i])), esc(short(y[i])))
      if labels[i] ~= "" then
        out[#out + 1] = fmt('<text x="%s" y="%s" font-size="11">%s</text>', num(px + 7), num(py - 7), esc(labels[i]))
      end
    end
  end
  out[#out + 1] = "</svg>"
  return new_plot("scatter", title, table.concat(out, "\n"), rows, {"label", "x", "y"},
                  fmt("%d points", #x))
end)
