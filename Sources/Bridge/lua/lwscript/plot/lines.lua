-- plot.lines: one line per series over shared x values (training curves), with optional
-- bands (seed spread) and emphasised series.
-- Returns a Plot (lwscript/plot/object.lua): p:save(path) writes the SVG and its data as CSV.
local plot = require("plot")
local svg = require("lwscript.plot.svg")
local check = require("lwscript.plot.options")
local new_plot = require("lwscript.plot.object").new_plot

local fmt = string.format
local finite, esc, style, marker = svg.finite, svg.esc, svg.style, svg.marker
local short, ticks, scale, document, top_of = svg.short, svg.ticks, svg.scale, svg.document, svg.top_of
local clip, y_axis, x_axis, legend, band = svg.clip, svg.y_axis, svg.x_axis, svg.legend, svg.band
local legend_width, polyline = svg.legend_width, svg.polyline
local options, opt_string, opt_size, opt_bool = check.options, check.opt_string, check.opt_size, check.opt_bool
local opt_limits, y_ticks, numbers_of, series_of = check.opt_limits, check.y_ticks, check.numbers_of, check.series_of
local range_of, fail, constructor = check.range_of, check.fail, check.constructor

-- The names to emphasise: a name, an array of names, or nil; each must be a series'.
local function highlighted(v, series)
  if v == nil then return {} end
  if type(v) ~= "table" then v = {v} end
  local known, out = {}, {}
  for _, s in ipairs(series) do known[s.name] = true end
  for i, name in ipairs(v) do
    if type(name) == "number" then name = short(name) end
    if type(name) ~= "string" or not known[name] then
      local came = type(name) == "string" and ("'" .. name .. "'") or type(name)
      fail("lines", fmt("option 'highlight'[%d] must be the name of a series, got %s", i, came))
    end
    out[name] = true
  end
  return out
end

-- plot.lines{x = {...}, series = {{name =, values =[, lo =, hi =]}, ...}, title =, subtitle =,
--            xlabel =, ylabel =, ylim = {lo, hi}, markers = (#x <= 30), highlight = name(s),
--            width = 760, height = 440}
-- A series with lo and hi gets a translucent band between them. Series beyond the 7 colours
-- differ by marker and dash; `highlight` draws the named series thicker and on top. When
-- every x is an integer (epochs) the x ticks are integers.
plot.lines = constructor("lines", function(opts)
  opts = options("lines", opts, {x = true, series = true, title = true, subtitle = true, xlabel = true, ylabel = true,
                                 ylim = true, markers = true, highlight = true, width = true, height = true})
  local series
  local x
  if opts.x ~= nil then
    x = numbers_of("lines", opts.x, "option 'x'")
    series = series_of("lines", opts.series, #x, "x value", true)
  else
    series = series_of("lines", opts.series, nil, nil, true)
    x = {}
    for i = 1, #series[1].values do x[i] = i end
    for i, s in ipairs(series) do
      if #s.values ~= #x then fail("lines", fmt("series[%d].values has %d values, expected %d (as series[1]; or give x)", i, #s.values, #x)) end
    end
  end
  local title, subtitle = opt_string("lines", opts, "title", ""), opt_string("lines", opts, "subtitle", "")
  local xlabel, ylabel = opt_string("lines", opts, "xlabel", ""), opt_string("lines", opts, "ylabel", "")
  local width, height = opt_size("lines", opts, "width", 760), opt_size("lines", opts, "height", 440)
  local markers = opt_bool("lines", opts, "markers", #x <= 30)
  local limits = opt_limits("lines", opts, "ylim")
  local bold = highlighted(opts.highlight, series)
  local names, all, bands, emphasis = {}, {}, false, {}
  for i, s in ipairs(series) do
    names[i], emphasis[i] = s.name, bold[s.name] or false
    all[#all + 1] = s.values
    if s.lo then bands = true; all[#all + 1] = s.lo; all[#all + 1] = s.hi end
  end
  local integer = true
  for _, v in ipairs(x) do if finite(v) and v ~= math.floor(v) then integer = false end end
  local xlo0, xhi0 = range_of(x)
  local xticks, xlo, xhi = ticks(xlo0, xhi0, nil, integer)
  local yticks, ylo, yhi = y_ticks(limits, range_of(table.unpack(all)))
  local right = #series > 1 and legend_width(names) or 24
  local top = top_of(title, subtitle)
  local area = {x = 70, y = top, w = width - 70 - right, h = height - top - (xlabel ~= "" and 58 or 36)}
  local out = document(width, height, title, subtitle)
  local xs, ys = scale(xlo, xhi, area.x, area.x + area.w), scale(ylo, yhi, area.y + area.h, area.y)
  y_axis(out, area, yticks, ys, ylabel)
  x_axis(out, area, xticks, xs, xlabel)
  local id = clip(out, area.x - 4, area.y - 4, area.w + 8, area.h + 8)
  out[#out + 1] = fmt('<g clip-path="url(#%s)">', id)
  -- bands first (under every line), then the lines, emphasised ones last (on top)
  local nbands = 0
  for _, s in ipairs(series) do if s.lo then nbands = nbands + 1 end end
  for k, s in ipairs(series) do
    if s.lo then band(out, xs, ys, x, s.lo, s.hi, style(k).colour, nbands > 4 and "0.1" or "0.18") end
  end
  local order = {}
  for k in ipairs(series) do if not emphasis[k] then order[#order + 1] = k end end
  for k in ipairs(series) do if emphasis[k] then order[#order + 1] = k end end
  for _, k in ipairs(order) do
    local s, st = series[k], style(k)
    local dash = st.dash ~= "" and fmt(' stroke-dasharray="%s"', st.dash) or nil
    -- an emphasised line has a dark outline: whatever its colour, it is the strongest line
    if emphasis[k] then polyline(out, xs, ys, x, s.values, "#222222", dash, "5.5") end
    polyline(out, xs, ys, x, s.values, st.colour, dash, emphasis[k] and "3.5" or "2")
    if markers then
      for i = 1, #x do
        if finite(x[i]) and finite(s.values[i]) then
          marker(out, st.marker, xs(x[i]), ys(s.values[i]), emphasis[k] and 4.5 or 3.5, st.colour,
                 fmt("<title>%s: %s, %s</title>", esc(s.name), esc(short(x[i])), esc(short(s.values[i]))))
        end
      end
    end
  end
  local rows = {}
  for _, s in ipairs(series) do
    for i = 1, #x do rows[#rows + 1] = {series = s.name, x = x[i], y = s.values[i], lo = s.lo and s.lo[i], hi = s.hi and s.hi[i]} end
  end
  out[#out + 1] = "</g>"
  if #series > 1 then
    legend(out, area.x + area.w + 16, area.y + 4, names, {kind = "lines", markers = markers, bold = emphasis,
                                                          row = svg.legend_row(#series, area.h)})
  end
  out[#out + 1] = "</svg>"
  return new_plot("lines", title, table.concat(out, "\n"), rows, bands and {"series", "x", "y", "lo", "hi"} or {"series", "x", "y"},
                  fmt("%d series x %d points", #series, #x))
end)
