-- plot.heatmap: a matrix of coloured cells (a confusion matrix, row-normalised or not).
-- Returns a Plot (lwscript/plot/object.lua): p:save(path) writes the SVG and its data as CSV.
local plot = require("plot")
local svg = require("lwscript.plot.svg")
local check = require("lwscript.plot.options")
local new_plot = require("lwscript.plot.object").new_plot
local tensor = require("tensor")
local util = require("lwscript.util")

local fmt = string.format
local finite, esc, num, short = svg.finite, svg.esc, svg.num, svg.short
local text_width, ticks, scale, viridis = svg.text_width, svg.ticks, svg.scale, svg.viridis
local document, category_labels, category_height = svg.document, svg.category_labels, svg.category_height
local options, opt_string, opt_size, names_of = check.options, check.opt_string, check.opt_size, check.names_of
local numbers_of, range_of, fail, constructor = check.numbers_of, check.range_of, check.fail, check.constructor

-- The matrix of a heatmap: a 2-D tensor or a nested array, as rows of numbers.
local function matrix_of(v)
  if tensor.is_tensor(v) then
    if v:dim() ~= 2 or v:size(1) == 0 or v:size(2) == 0 then
      fail("heatmap", "option 'matrix' must be a non-empty 2-D Tensor or a nested array, got a Tensor of size "
                      .. util.size_text(v))
    end
    v = v:totable()
  end
  if type(v) ~= "table" or #v == 0 then
    fail("heatmap", "option 'matrix' must be a non-empty 2-D Tensor or a nested array {{...}, ...}, got "
                    .. (type(v) == "table" and "an empty table" or util.describe(v)))
  end
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
--              title =, subtitle =, xlabel = "predicted", ylabel = "true class", width =, height =}
-- Rows top to bottom, columns left to right; each cell shows its value; a colour bar on the right.
plot.heatmap = constructor("heatmap", function(opts)
  opts = options("heatmap", opts, {matrix = true, labels = true, row_labels = true, col_labels = true, normalize = true,
                                   title = true, subtitle = true, xlabel = true, ylabel = true, width = true, height = true})
  local m, nr, nc = matrix_of(opts.matrix)
  local row_labels, col_labels
  if opts.labels ~= nil then
    if nr ~= nc then
      fail("heatmap", fmt("option 'labels' names both axes of a square matrix; this one is %dx%d (use row_labels and col_labels)", nr, nc))
    end
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
  local subtitle = opt_string("heatmap", opts, "subtitle", "")
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
  local widest_row = 0
  for _, l in ipairs(row_labels) do widest_row = math.max(widest_row, text_width(l, 11)) end
  local top = title ~= "" and 44 or 16
  if subtitle ~= "" then top = top + 18 end
  local left = math.min(widest_row, 180) + 44
  local cell = math.max(4, math.min(64, 560 / nc, 480 / nr))
  -- the column labels' height at this cell size (the x label goes below them)
  local below = category_height(col_labels, cell, 11) + 28
  local width = opt_size("heatmap", opts, "width", math.max(360, math.floor(left + nc * cell + 110)))
  local height = opt_size("heatmap", opts, "height", math.max(240, math.floor(top + nr * cell + below + 10)))
  cell = math.max(2, math.min(cell, (width - left - 110) / nc, (height - top - below - 10) / nr))
  local area = {x = left, y = top, w = nc * cell, h = nr * cell}
  local out = document(width, height, title, subtitle)
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
    out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="end" dominant-baseline="central" font-size="11">%s</text>', num(area.x - 6),
                        num(area.y + (r - 0.5) * cell), esc(l))
  end
  local centers = {}
  for c = 1, nc do centers[c] = area.x + (c - 0.5) * cell end
  local used = category_labels(out, col_labels, centers, cell, area.y + area.h, 11)
  out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" font-size="13">%s</text>', num(area.x + area.w / 2),
                      num(area.y + area.h + used + 18), esc(xlabel))
  local ly = area.y + area.h / 2
  out[#out + 1] = fmt('<text x="16" y="%s" text-anchor="middle" transform="rotate(-90 16 %s)" font-size="13">%s</text>',
                      num(ly), num(ly), esc(ylabel))
  -- the colour bar: 40 steps from lo (bottom) to hi (top), with ticks
  local bx, bh = area.x + area.w + 24, math.max(area.h, 80)
  for k = 0, 39 do
    out[#out + 1] = fmt('<rect x="%s" y="%s" width="14" height="%s" fill="%s"/>', num(bx), num(area.y + bh - (k + 1) * bh / 40),
                        num(bh / 40 + 0.5), viridis((k + 0.5) / 40))
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
