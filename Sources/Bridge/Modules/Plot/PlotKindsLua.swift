/// The second half of the Lua `plot` module: the four kinds of plot. Each builds its SVG and
/// its tidy rows (the data it shows) and returns a Plot.
enum PlotKindsLua {
    static let source = #"""
-- plot.bars{labels =, series = {{name =, values =}, ...}, title =, xlabel =, ylabel =,
--           ylim = {lo, hi}, value_labels = false, width = 760, height = 440}
-- Grouped bars: one group per label, one bar per series, side by side.
plot.bars = constructor("bars", function(opts)
  opts = options("bars", opts, {labels = true, series = true, title = true, xlabel = true, ylabel = true, ylim = true,
                                value_labels = true, width = true, height = true})
  local labels = names_of("bars", opts.labels, "option 'labels'")
  local series = series_of("bars", opts.series, #labels, "label")
  local title, ylabel = opt_string("bars", opts, "title", ""), opt_string("bars", opts, "ylabel", "")
  local xlabel = opt_string("bars", opts, "xlabel", "")
  local show_values = opt_bool("bars", opts, "value_labels", false)
  local width, height = opt_size("bars", opts, "width", 760), opt_size("bars", opts, "height", 440)
  local limits = opt_limits("bars", opts, "ylim")
  local names, all = {}, {}
  for i, s in ipairs(series) do names[i] = s.name; all[i] = s.values end
  local lo, hi = range_of(table.unpack(all))
  local yticks, ylo, yhi = y_ticks(limits, math.min(lo, 0), math.max(hi, 0))
  local right = #series > 1 and legend_width(names) or 20
  local top = title ~= "" and 44 or 20
  local area = {x = 70, y = top, w = width - 70 - right}
  local slot = area.w / #labels
  local widest = 0
  for _, l in ipairs(labels) do widest = math.max(widest, text_width(l, 11)) end
  local below = (widest > slot - 4 and widest * 0.64 + 16 or 22) + (xlabel ~= "" and 28 or 6)
  area.h = math.max(80, height - top - below)
  local out = document(width, height, title)
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
      rows[#rows + 1] = {label = label, series = s.name, value = v}
      if finite(v) then
        local y = ys(v)
        out[#out + 1] = fmt('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s, %s: %s</title></rect>',
          num(left + (k - 1) * bar), num(math.min(y, zero)), num(math.max(bar - 1, 0.5)), num(math.abs(zero - y)),
          PALETTE[(k - 1) % #PALETTE + 1], esc(label), esc(s.name), esc(short(v)))
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
          out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" font-size="%s">%s</text>', num(left + (k - 0.5) * bar), num(y), num(math.max(5, math.min(10, bar * 0.33))), esc(short(v)))
        end
      end
    end
  end
  -- the baseline (0, or the lower limit) over the bars
  out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>', num(area.x), num(zero), num(area.x + area.w), num(zero))
  local used = category_labels(out, labels, centers, slot, area.y + area.h, 11)
  if xlabel ~= "" then
    out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" font-size="13">%s</text>', num(area.x + area.w / 2), num(area.y + area.h + used + 18), esc(xlabel))
  end
  if #series > 1 then legend(out, area.x + area.w + 16, area.y + 4, names) end
  out[#out + 1] = "</svg>"
  return new_plot("bars", title, table.concat(out, "\n"), rows, {"label", "series", "value"},
                  fmt("%d labels x %d series", #labels, #series))
end)

-- The matrix of a heatmap: a 2-D tensor or a nested array, as rows of numbers.
local function matrix_of(v)
  if tensor.is_tensor(v) then
    if v:dim() ~= 2 or v:size(1) == 0 or v:size(2) == 0 then fail("heatmap", "option 'matrix' must be a non-empty 2-D Tensor or a nested array") end
    v = v:totable()
  end
  if type(v) ~= "table" or #v == 0 then fail("heatmap", "option 'matrix' must be a non-empty 2-D Tensor or a nested array {{...}, ...}") end
  local out, cols = {}, nil
  for r = 1, #v do
    local row = numbers_of("heatmap", v[r], fmt("matrix[%d]", r))
    cols = cols or #row
    if #row ~= cols then fail("heatmap", fmt("matrix[%d] has %d values, expected %d (every row as long as the first)", r, #row, cols)) end
    out[r] = row
  end
  return out, #out, cols
end

-- plot.heatmap{matrix =, labels = {...} | row_labels =, col_labels =, normalize = "row",
--              title =, xlabel = "predicted", ylabel = "true class", width =, height =}
-- Rows top to bottom, columns left to right; each cell shows its value; a colour bar on the right.
plot.heatmap = constructor("heatmap", function(opts)
  opts = options("heatmap", opts, {matrix = true, labels = true, row_labels = true, col_labels = true, normalize = true,
                                   title = true, xlabel = true, ylabel = true, width = true, height = true})
  local m, nr, nc = matrix_of(opts.matrix)
  local row_labels, col_labels
  if opts.labels ~= nil then
    if nr ~= nc then fail("heatmap", fmt("option 'labels' names both axes of a square matrix; this one is %dx%d (use row_labels and col_labels)", nr, nc)) end
    row_labels = names_of("heatmap", opts.labels, "option 'labels'", nr)
    col_labels = row_labels
  end
  if opts.row_labels ~= nil then row_labels = names_of("heatmap", opts.row_labels, "option 'row_labels'", nr) end
  if opts.col_labels ~= nil then col_labels = names_of("heatmap", opts.col_labels, "option 'col_labels'", nc) end
  if not row_labels then row_labels = {} for r = 1, nr do row_labels[r] = tostring(r) end end
  if not col_labels then col_labels = {} for c = 1, nc do col_labels[c] = tostring(c) end end
  local normalize = opts.normalize
  if normalize ~= nil and normalize ~= "row" then fail("heatmap", "option 'normalize' must be \"row\" or nil, got " .. tostring(normalize)) end
  local title = opt_string("heatmap", opts, "title", "")
  local xlabel, ylabel = opt_string("heatmap", opts, "xlabel", "predicted"), opt_string("heatmap", opts, "ylabel", "true class")
  local shown = m
  if normalize == "row" then
    shown = {}
    for r = 1, nr do
      local sum = 0
      for c = 1, nc do if finite(m[r][c]) then sum = sum + m[r][c] end end
      shown[r] = {}
      for c = 1, nc do shown[r][c] = sum ~= 0 and m[r][c] / sum or 0 end
    end
  end
  local lo, hi = range_of(table.unpack(shown))
  if normalize == "row" then lo, hi = 0, 1 end
  lo = math.min(lo, 0)
  if hi <= lo then hi = lo + 1 end
  local widest_row, widest_col = 0, 0
  for _, l in ipairs(row_labels) do widest_row = math.max(widest_row, text_width(l, 11)) end
  for _, l in ipairs(col_labels) do widest_col = math.max(widest_col, text_width(l, 11)) end
  local top = title ~= "" and 44 or 16
  local left = math.min(widest_row, 180) + 44
  local cell = math.max(4, math.min(64, 560 / nc, 480 / nr))
  local rotate = widest_col > cell - 4
  local below = (rotate and math.min(widest_col, 180) * 0.64 + 16 or 22) + 28
  local width = opt_size("heatmap", opts, "width", math.max(360, math.floor(left + nc * cell + 110)))
  local height = opt_size("heatmap", opts, "height", math.max(240, math.floor(top + nr * cell + below + 10)))
  cell = math.max(2, math.min(cell, (width - left - 110) / nc, (height - top - below - 10) / nr))
  local area = {x = left, y = top, w = nc * cell, h = nr * cell}
  local out = document(width, height, title)
  local integers = true
  for r = 1, nr do for c = 1, nc do local v = shown[r][c]; if finite(v) and v ~= math.floor(v) then integers = false end end end
  local size = math.floor(math.min(12, cell * 0.3))
  local rows = {}
  for r = 1, nr do
    for c = 1, nc do
      local v = shown[r][c]
      local t = (v - lo) / (hi - lo)
      local x, y = area.x + (c - 1) * cell, area.y + (r - 1) * cell
      out[#out + 1] = fmt('<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="white" stroke-width="0.5"><title>%s -> %s: %s</title></rect>',
        num(x), num(y), num(cell), num(cell), viridis(t), esc(row_labels[r]), esc(col_labels[c]), esc(short(v)))
      if size >= 7 then
        local text = integers and short(v) or (finite(v) and fmt("%.2f", v) or short(v))
        out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" dominant-baseline="central" font-size="%d" fill="%s">%s</text>',
          num(x + cell / 2), num(y + cell / 2), size, (finite(t) and t > 0.6) and "black" or "white", esc(text))
      end
      local row = {row = row_labels[r], column = col_labels[c], value = v}
      if normalize then row.count = m[r][c] end
      rows[#rows + 1] = row
    end
  end
  -- row labels on the left, column labels below, axis titles
  for r, l in ipairs(row_labels) do
    out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="end" dominant-baseline="central" font-size="11">%s</text>', num(area.x - 6), num(area.y + (r - 0.5) * cell), esc(l))
  end
  local centers = {}
  for c = 1, nc do centers[c] = area.x + (c - 0.5) * cell end
  local used = category_labels(out, col_labels, centers, cell, area.y + area.h, 11)
  out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" font-size="13">%s</text>', num(area.x + area.w / 2), num(area.y + area.h + used + 18), esc(xlabel))
  local ly = area.y + area.h / 2
  out[#out + 1] = fmt('<text x="16" y="%s" text-anchor="middle" transform="rotate(-90 16 %s)" font-size="13">%s</text>', num(ly), num(ly), esc(ylabel))
  -- the colour bar: 40 steps from lo (bottom) to hi (top), with ticks
  local bx, bh = area.x + area.w + 24, math.max(area.h, 80)
  for k = 0, 39 do
    out[#out + 1] = fmt('<rect x="%s" y="%s" width="14" height="%s" fill="%s"/>', num(bx), num(area.y + bh - (k + 1) * bh / 40), num(bh / 40 + 0.5), viridis((k + 0.5) / 40))
  end
  out[#out + 1] = fmt('<rect x="%s" y="%s" width="14" height="%s" fill="none" stroke="#333"/>', num(bx), num(area.y), num(bh))
  local bs = scale(lo, hi, area.y + bh, area.y)
  for _, t in ipairs((ticks(lo, hi, 4))) do
    if t.value >= lo - 1e-12 and t.value <= hi + 1e-12 then
      out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>', num(bx + 14), num(bs(t.value)), num(bx + 18), num(bs(t.value)))
      out[#out + 1] = fmt('<text x="%s" y="%s" dominant-baseline="middle" font-size="11">%s</text>', num(bx + 21), num(bs(t.value)), esc(t.text))
    end
  end
  out[#out + 1] = "</svg>"
  local columns = normalize and {"row", "column", "value", "count"} or {"row", "column", "value"}
  return new_plot("heatmap", title, table.concat(out, "\n"), rows, columns,
                  fmt("%dx%d%s", nr, nc, normalize and ", row-normalised" or ""))
end)

-- A polyline through the finite points; a non-finite value breaks the line.
local function polyline(out, xs, ys, x, y, colour, dash)
  local run = {}
  local function flush()
    if #run > 1 then
      out[#out + 1] = fmt('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>', table.concat(run, " "), colour, dash or "")
    end
    run = {}
  end
  for i = 1, #x do
    if finite(x[i]) and finite(y[i]) then run[#run + 1] = num(xs(x[i])) .. "," .. num(ys(y[i])) else flush() end
  end
  flush()
end

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

-- plot.scatter{points = {{x =, y =, label =}, ...}, connect = false, title =, xlabel =, ylabel =,
--              width = 760, height = 440}: labelled points, joined in the given order when connect.
plot.scatter = constructor("scatter", function(opts)
  opts = options("scatter", opts, {points = true, connect = true, title = true, xlabel = true, ylabel = true, width = true, height = true})
  local p = opts.points
  if type(p) ~= "table" or #p == 0 then fail("scatter", "option 'points' must be a non-empty array of {x =, y =, label =}") end
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

plot.Plot = Plot
"""#
}
