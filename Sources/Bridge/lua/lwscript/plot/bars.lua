-- plot.bars: grouped bars, one group per label and one bar per series.
-- Returns a Plot (lwscript/plot/object.lua): p:save(path) writes the SVG and its data as CSV.
local plot = require("plot")
local svg = require("lwscript.plot.svg")
local check = require("lwscript.plot.options")
local new_plot = require("lwscript.plot.object").new_plot

local fmt = string.format
local style, hatch, error_bar, top_of = svg.style, svg.hatch, svg.error_bar, svg.top_of
local finite, esc, num = svg.finite, svg.esc, svg.num
local short, scale, document = svg.short, svg.scale, svg.document
local clip, y_axis, category_labels, legend = svg.clip, svg.y_axis, svg.category_labels, svg.legend
local category_height = svg.category_height
local legend_width = svg.legend_width
local options, opt_string, opt_size, opt_bool = check.options, check.opt_string, check.opt_size, check.opt_bool
local opt_limits, y_ticks, names_of, series_of = check.opt_limits, check.y_ticks, check.names_of, check.series_of
local range_of, constructor = check.range_of, check.constructor

-- plot.bars{labels =, series = {{name =, values =[, lo =, hi =]}, ...}, title =, subtitle =,
--           xlabel =, ylabel =, ylim = {lo, hi}, value_labels = false, width = 760, height = 440}
-- Grouped bars: one group per label, one bar per series, side by side; a series with lo and
-- hi gets an error bar on each bar (from lo to hi).
plot.bars = constructor("bars", function(opts)
  opts = options("bars", opts, {labels = true, series = true, title = true, subtitle = true, xlabel = true, ylabel = true, ylim = true,
                                value_labels = true, width = true, height = true})
  local labels = names_of("bars", opts.labels, "option 'labels'")
  local series = series_of("bars", opts.series, #labels, "label", true)
  local title, ylabel = opt_string("bars", opts, "title", ""), opt_string("bars", opts, "ylabel", "")
  local subtitle = opt_string("bars", opts, "subtitle", "")
  local xlabel = opt_string("bars", opts, "xlabel", "")
  local show_values = opt_bool("bars", opts, "value_labels", false)
  local width, height = opt_size("bars", opts, "width", 760), opt_size("bars", opts, "height", 440)
  local limits = opt_limits("bars", opts, "ylim")
  local names, all, intervals = {}, {}, false
  for i, s in ipairs(series) do
    names[i] = s.name; all[#all + 1] = s.values
    if s.lo then intervals = true; all[#all + 1] = s.lo; all[#all + 1] = s.hi end
  end
  local lo, hi = range_of(table.unpack(all))
  local yticks, ylo, yhi = y_ticks(limits, math.min(lo, 0), math.max(hi, 0))
  local right = #series > 1 and legend_width(names) or 20
  local top = top_of(title, subtitle)
  local area = {x = 70, y = top, w = width - 70 - right}
  local slot = area.w / #labels
  local below = category_height(labels, slot, 11) + (xlabel ~= "" and 28 or 6)
  area.h = math.max(80, height - top - below)
  local out = document(width, height, title, subtitle)
  local fills = {}
  for k in ipairs(series) do
    local st = style(k)
    fills[k] = st.hatched and hatch(out, st.colour) or st.colour
  end
  local ys = scale(ylo, yhi, area.y + area.h, area.y)
  y_axis(out, area, yticks, ys, ylabel)
  local id = clip(out, area.x, area.y, area.w, area.h)
  out[#out + 1] = fmt('<g clip-path="url(#%s)">', id)
  local group = slot * 0.8
  local bar = group / #series
  local zero = ys(math.max(ylo, math.min(0, yhi)))
  local centers = {}
  local rows = {}
  for c, label in ipairs(labels) do
    local left = area.x + (c - 1) * slot + (slot - group) / 2
    centers[c] = area.x + (c - 0.5) * slot
    for k, s in ipairs(series) do
      local v = s.values[c]
      rows[#rows + 1] = {label = label, series = s.name, value = v, lo = s.lo and s.lo[c], hi = s.hi and s.hi[c]}
      if finite(v) then
        local y = ys(v)
        out[#out + 1] = fmt('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s, %s: %s</title></rect>',
          num(left + (k - 1) * bar), num(math.min(y, zero)), num(math.max(bar - 1, 0.5)), num(math.abs(zero - y)),
          fills[k], esc(label), esc(s.name), esc(short(v)))
      end
    end
  end
  -- error bars over the bars, dark so that they show on every colour
  for c = 1, #labels do
    local left = area.x + (c - 1) * slot + (slot - group) / 2
    for k, s in ipairs(series) do
      if s.lo and finite(s.lo[c]) and finite(s.hi[c]) then
        error_bar(out, left + (k - 0.5) * bar - 0.5, ys(s.lo[c]), ys(s.hi[c]), "#222", false, math.max(1.5, math.min(5, bar * 0.25)))
      end
    end
  end
  out[#out + 1] = "</g>"
  if show_values then
    for c = 1, #labels do
      local left = area.x + (c - 1) * slot + (slot - group) / 2
      for k, s in ipairs(series) do
        local v = s.values[c]
        if finite(v) then
          local y = math.max(area.y + 10, math.min(area.y + area.h - 2, ys(v) - 3))
          out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" font-size="%s">%s</text>', num(left + (k - 0.5) * bar),
                              num(y), num(math.max(5, math.min(10, bar * 0.33))), esc(short(v)))
        end
      end
    end
  end
  -- the baseline (0, or the lower limit) over the bars
  out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>', num(area.x), num(zero), num(area.x + area.w), num(zero))
  local used = category_labels(out, labels, centers, slot, area.y + area.h, 11)
  if xlabel ~= "" then
    out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" font-size="13">%s</text>', num(area.x + area.w / 2),
                        num(area.y + area.h + used + 18), esc(xlabel))
  end
  if #series > 1 then
    legend(out, area.x + area.w + 16, area.y + 4, names, {fills = fills, row = svg.legend_row(#series, area.h)})
  end
  out[#out + 1] = "</svg>"
  local columns = intervals and {"label", "series", "value", "lo", "hi"} or {"label", "series", "value"}
  return new_plot("bars", title, table.concat(out, "\n"), rows, columns,
                  fmt("%d labels x %d series", #labels, #series))
end)
