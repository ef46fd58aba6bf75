-- plot.lines: one line per series over shared x values (training curves).
-- Returns a Plot (lwscript/plot/object.lua): p:save(path) writes the SVG and its data as CSV.
local plot = require("plot")
local svg = require("lwscript.plot.svg")
local check = require("lwscript.plot.options")
local new_plot = require("lwscript.plot.object").new_plot

local fmt = string.format
local PALETTE, finite, esc, num = svg.PALETTE, svg.finite, svg.esc, svg.num
local short, ticks, scale, document = svg.short, svg.ticks, svg.scale, svg.document
local clip, y_axis, x_axis, legend = svg.clip, svg.y_axis, svg.x_axis, svg.legend
local legend_width, polyline = svg.legend_width, svg.polyline
local options, opt_string, opt_size, opt_bool = check.options, check.opt_string, check.opt_size, check.opt_bool
local opt_limits, y_ticks, numbers_of, series_of = check.opt_limits, check.y_ticks, check.numbers_of, check.series_of
local range_of, fail, constructor = check.range_of, check.fail, check.constructor

-- plot.lines{x = {...}, series = {{name =, values =}, ...}, title =, xlabel =, ylabel =,
--            ylim = {lo, hi}, markers = (#x <= 30), width = 760, height = 440}
plot.lines = constructor("lines", function(opts)
  opts = options("lines", opts, {x = true, series = true, title = true, xlabel = true, ylabel = true, ylim = true,
                                 markers = true, width = true, height = true})
  local series
  local x
  if opts.x ~= nil then
    x = numbers_of("lines", opts.x, "option 'x'")
    series = series_of("lines", opts.series, #x, "x value")
  else
    series = series_of("lines", opts.series)
    x = {}
    for i = 1, #series[1].values do x[i] = i end
    for i, s in ipairs(series) do
      if #s.values ~= #x then fail("lines", fmt("series[%d].values has %d values, expected %d (as series[1]; or give x)", i, #s.values, #x)) end
    end
  end
  local title = opt_string("lines", opts, "title", "")
  local xlabel, ylabel = opt_string("lines", opts, "xlabel", ""), opt_string("lines", opts, "ylabel", "")
  local width, height = opt_size("lines", opts, "width", 760), opt_size("lines", opts, "height", 440)
  local markers = opt_bool("lines", opts, "markers", #x <= 30)
  local limits = opt_limits("lines", opts, "ylim")
  local names, all = {}, {}
  for i, s in ipairs(series) do names[i] = s.name; all[i] = s.values end
  local xticks, xlo, xhi = ticks(range_of(x))
  local yticks, ylo, yhi = y_ticks(limits, range_of(table.unpack(all)))
  local right = #series > 1 and legend_width(names) or 24
  local top = title ~= "" and 44 or 20
  local area = {x = 70, y = top, w = width - 70 - right, h = height - top - (xlabel ~= "" and 58 or 36)}
  local out = document(width, height, title)
  local xs, ys = scale(xlo, xhi, area.x, area.x + area.w), scale(ylo, yhi, area.y + area.h, area.y)
  y_axis(out, area, yticks, ys, ylabel)
  x_axis(out, area, xticks, xs, xlabel)
  local id = clip(out, area.x - 4, area.y - 4, area.w + 8, area.h + 8)
  out[#out + 1] = fmt('<g clip-path="url(#%s)">', id)
  local rows = {}
  for k, s in ipairs(series) do
    local colour = PALETTE[(k - 1) % #PALETTE + 1]
    polyline(out, xs, ys, x, s.values, colour)
    for i = 1, #x do
      rows[#rows + 1] = {series = s.name, x = x[i], y = s.values[i]}
      if markers and finite(x[i]) and finite(s.values[i]) then
        out[#out + 1] = fmt('<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s: %s, %s</title></circle>', num(xs(x[i])), num(ys(s.values[i])), colour,
          esc(s.name), esc(short(x[i])), esc(short(s.values[i])))
      end
    end
  end
  out[#out + 1] = "</g>"
  if #series > 1 then legend(out, area.x + area.w + 16, area.y + 4, names, true) end
  out[#out + 1] = "</svg>"
  return new_plot("lines", title, table.concat(out, "\n"), rows, {"series", "x", "y"},
                  fmt("%d series x %d points", #series, #x))
end)
