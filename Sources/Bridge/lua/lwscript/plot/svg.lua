-- SVG building blocks of the plots: the palette, text escaping, number formats, nice ticks,
-- scales, the document, clip paths, axes, legends and polylines. Pure functions of their
-- arguments; each kind of plot (bars.lua, heatmap.lua, lines.lua, scatter.lua) uses them.
local fmt = string.format

-- Okabe & Ito's colour-blind-safe palette (blue, orange, green, purple, sky, vermillion,
-- black) without its yellow: #F0E442 is barely visible as a line or a small bar on white,
-- and Fashion-MNIST's Shirt (the 7th class, the one the study is about) got it. Viridis
-- stops for the heatmap's sequential scale.
local PALETTE = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"}
-- Beyond the 7 colours a series is told apart by its marker and dash pattern (lines) or a
-- hatch (bars): series k has colour k mod 7, marker k mod 6 and dash (k - 1) // 7, so that
-- no two of the first 42 look alike, nor, by colour and dash alone, of the first 21.
local MARKERS = {"circle", "square", "triangle", "diamond", "triangle-down", "cross"}
local DASHES = {"", "7 4", "2 3"}
local VIRIDIS = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}
local FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

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

-- Tick labels: a fixed number of decimals for ordinary steps (0.25, 10, 0.001); for very
-- small or very large values (string.format allows at most 99 decimals), %g with as many
-- significant digits as the step needs to tell the ticks apart.
local function tick_format(step, largest)
  local decimals = math.max(0, -math.floor(math.log(step, 10) + 1e-9))
  if decimals <= 12 and largest < 1e15 then return "%." .. decimals .. "f" end
  local digits = math.floor(math.log(math.max(largest, step), 10) + 1e-9) - math.floor(math.log(step, 10) + 1e-9) + 1
  return "%." .. math.max(1, math.min(17, digits)) .. "g"
end

-- "Nice" tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
-- integer = true: steps of at least 1 (an axis of epochs gets no tick at 1.5).
local function ticks(lo, hi, n, integer)
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
  if integer and step < 1 then step = 1 end
  local first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
  if not (finite(step) and step > 0 and finite(first * step) and finite(last * step) and last - first <= 1000) then
    -- a range beyond what nice steps can cover (near the ends of the doubles): its two ends
    return {{value = lo, text = fmt("%.3g", lo)}, {value = hi, text = fmt("%.3g", hi)}}, lo, hi
  end
  local pattern = tick_format(step, math.max(math.abs(first * step), math.abs(last * step)))
  local out = {}
  for k = first, last do
    local v = k * step
    out[#out + 1] = {value = v, text = fmt(pattern, v)}
  end
  return out, first * step, last * step
end

-- The look of series k: colour, marker, dash (a stroke-dasharray or ""), and whether a
-- bar is hatched (the second and later rounds of colours).
local function style(k)
  local round = (k - 1) // #PALETTE
  return {colour = PALETTE[(k - 1) % #PALETTE + 1], marker = MARKERS[(k - 1) % #MARKERS + 1],
          dash = DASHES[round % #DASHES + 1], hatched = round > 0}
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

-- A font size at most `size` at which text fits in `width` less a margin (a long title
-- shrinks rather than runs off both sides); em is the text's mean width per character.
local function fitting(text, size, width, em)
  local chars = utf8.len(text) or #text
  local fit = (width - 16) / math.max(chars * em, 1)
  return num(math.max(7, math.min(size, fit)))
end

-- The top of the plot area under a title and a subtitle.
local function top_of(title, subtitle)
  return (title ~= "" and 44 or 20) + ((subtitle or "") ~= "" and 18 or 0)
end

-- An SVG document being built: a list of strings. The subtitle (smaller, grey, under the
-- title) says what is shown: the aggregation, what the error bars are.
local function document(width, height, title, subtitle)
  local out = {
    fmt('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="%s" font-size="12">',
        width, height, width, height, FONT),
    "<title>" .. esc(title ~= "" and title or "plot") .. "</title>",
    '<rect x="0" y="0" width="100%" height="100%" fill="white"/>',
  }
  if title ~= "" then
    out[#out + 1] = fmt('<text x="%s" y="24" text-anchor="middle" font-size="%s" font-weight="bold">%s</text>', num(width / 2),
                        fitting(title, 16, width, 0.66), esc(title))
  end
  if (subtitle or "") ~= "" then
    out[#out + 1] = fmt('<text class="subtitle" x="%s" y="%d" text-anchor="middle" font-size="%s" fill="#444">%s</text>',
                        num(width / 2), title ~= "" and 44 or 26, fitting(subtitle, 12, width, 0.6), esc(subtitle))
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
    out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" transform="rotate(-90 %s %s)" font-size="13">%s</text>',
                        num(x), num(y), num(x), num(y), esc(label))
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

-- Class-name labels under slots of width `slot` (bars, heatmap columns): whether they are
-- rotated (when the widest does not fit) and the height they take, which the layout
-- reserves and category_labels draws in.
local function category_layout(names, slot, size)
  local widest = 0
  for _, name in ipairs(names) do widest = math.max(widest, text_width(name, size)) end
  local rotate = widest > slot - 4
  return rotate, rotate and widest * 0.64 + 16 or 22   -- sin 40deg of the widest, rotated
end

local function category_height(names, slot, size)
  local _, height = category_layout(names, slot, size)
  return height
end

-- Draws the labels; returns the height they take.
local function category_labels(out, names, centers, slot, base, size)
  local rotate, height = category_layout(names, slot, size)
  for i, name in ipairs(names) do
    local x, y = centers[i], base + 16
    if rotate then
      out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="end" font-size="%d" transform="rotate(-40 %s %s)">%s</text>',
                          num(x), num(y - 4), size, num(x), num(y - 4), esc(name))
    else
      out[#out + 1] = fmt('<text x="%s" y="%s" text-anchor="middle" font-size="%d">%s</text>', num(x), num(y), size, esc(name))
    end
  end
  return height
end

local defs_count = 0
-- A hatched fill of a colour (white diagonal stripes): bars of the second round of colours.
-- Returns the fill attribute's value.
local function hatch(out, colour)
  defs_count = defs_count + 1
  local id = fmt("lws-plot-hatch-%d", defs_count)
  out[#out + 1] = fmt('<defs><pattern id="%s" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    .. '<rect width="6" height="6" fill="%s"/><line x1="0" y1="0" x2="0" y2="6" stroke="white" stroke-width="2.5"/></pattern></defs>',
    id, colour)
  return fmt("url(#%s)", id)
end

-- A marker of a shape centred at (x, y), radius r; `inner` goes inside the element (a
-- <title> tooltip). Filled shapes get a white edge so that overlapping markers stay apart.
local function marker(out, shape, x, y, r, colour, inner)
  inner = inner or ""
  local function tail(tag) return inner ~= "" and (">" .. inner .. "</" .. tag .. ">") or "/>" end
  local paint = fmt('fill="%s" stroke="white" stroke-width="0.8"', colour)
  if shape == "square" then
    out[#out + 1] = fmt('<rect x="%s" y="%s" width="%s" height="%s" %s%s', num(x - r * 0.85), num(y - r * 0.85), num(r * 1.7),
                        num(r * 1.7), paint, tail("rect"))
    return
  end
  local pts
  if shape == "triangle" then
    pts = {x, y - r * 1.15, x + r, y + r * 0.7, x - r, y + r * 0.7}
  elseif shape == "triangle-down" then
    pts = {x, y + r * 1.15, x + r, y - r * 0.7, x - r, y - r * 0.7}
  elseif shape == "diamond" then
    pts = {x, y - r * 1.2, x + r, y, x, y + r * 1.2, x - r, y}
  elseif shape == "cross" then
    local a, b = r * 1.1, r * 0.4
    pts = {x - b, y - a, x + b, y - a, x + b, y - b, x + a, y - b, x + a, y + b, x + b, y + b, x + b, y + a, x - b, y + a,
           x - b, y + b, x - a, y + b, x - a, y - b, x - b, y - b}
  end
  if pts then
    local text = {}
    for i = 1, #pts, 2 do text[#text + 1] = num(pts[i]) .. "," .. num(pts[i + 1]) end
    out[#out + 1] = fmt('<polygon points="%s" %s%s', table.concat(text, " "), paint, tail("polygon"))
  else
    out[#out + 1] = fmt('<circle cx="%s" cy="%s" r="%s" %s%s', num(x), num(y), num(r), paint, tail("circle"))
  end
end

-- The height of a legend row for n entries in `room` pixels (20, or less when crowded).
local function legend_row(n, room)
  return math.max(12, math.min(20, room / math.max(n, 1)))
end

-- A legend, top-left at (x, y), in a column right of the plot area (never over the data):
-- swatches for bars (`fills`, the bars' fill values), line-and-marker samples for lines
-- (`styles`, series looks; `markers` false leaves the marker out), markers for points.
local function legend(out, x, y, names, opts)
  opts = opts or {}
  local row = opts.row or 20
  out[#out + 1] = '<g class="legend">'
  for i, name in ipairs(names) do
    local st = style(i)
    local yy = y + (i - 1) * row
    if opts.kind == "lines" then
      local dash = st.dash ~= "" and fmt(' stroke-dasharray="%s"', st.dash) or ""
      local bold = opts.bold and opts.bold[i]
      if bold then
        out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#222222" stroke-width="5.5"%s/>',
                            num(x), num(yy + 6), num(x + 22), num(yy + 6), dash)
      end
      out[#out + 1] = fmt('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>',
                          num(x), num(yy + 6), num(x + 22), num(yy + 6), st.colour, bold and "3.5" or "2", dash)
      if opts.markers ~= false then marker(out, st.marker, x + 11, yy + 6, 3.5, st.colour) end
    elseif opts.kind == "points" then
      marker(out, st.marker, x + 11, yy + 6, 5, st.colour)
    else
      out[#out + 1] = fmt('<rect x="%s" y="%s" width="16" height="12" fill="%s"/>', num(x), num(yy), opts.fills and opts.fills[i] or st.colour)
    end
    out[#out + 1] = fmt('<text x="%s" y="%s" dominant-baseline="middle"%s>%s</text>', num(x + 28), num(yy + 6),
                        opts.bold and opts.bold[i] and ' font-weight="bold"' or "", esc(name))
  end
  out[#out + 1] = "</g>"
end

local function legend_width(names)
  local w = 0
  for _, name in ipairs(names) do w = math.max(w, text_width(name, 12)) end
  return math.min(w, 220) + 48
end

-- A vertical (or, with horizontal = true, horizontal) error bar from a to b at c, with caps.
local function error_bar(out, c, a, b, colour, horizontal, cap)
  cap = cap or 4
  local function line(x1, y1, x2, y2)
    out[#out + 1] = fmt('<line class="error-bar" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.4"/>',
                        num(x1), num(y1), num(x2), num(y2), colour)
  end
  if horizontal then
    line(a, c, b, c); line(a, c - cap, a, c + cap); line(b, c - cap, b, c + cap)
  else
    line(c, a, c, b); line(c - cap, a, c + cap, a); line(c - cap, b, c + cap, b)
  end
end

-- A band between lo and hi over x (translucent, in the series' colour, fainter when many
-- bands overlap); a non-finite bound breaks it, as in polyline.
local function band(out, xs, ys, x, lo, hi, colour, opacity)
  local top, bottom = {}, {}
  local function flush()
    if #top > 1 then
      for i = #bottom, 1, -1 do top[#top + 1] = bottom[i] end
      out[#out + 1] = fmt('<polygon class="band" points="%s" fill="%s" fill-opacity="%s" stroke="none"/>', table.concat(top, " "), colour,
                          opacity or "0.18")
    end
    top, bottom = {}, {}
  end
  for i = 1, #x do
    if finite(x[i]) and finite(lo[i]) and finite(hi[i]) then
      top[#top + 1] = num(xs(x[i])) .. "," .. num(ys(hi[i]))
      bottom[#bottom + 1] = num(xs(x[i])) .. "," .. num(ys(lo[i]))
    else
      flush()
    end
  end
  flush()
end

-- A polyline through the finite points; a non-finite value breaks the line.
local function polyline(out, xs, ys, x, y, colour, dash, stroke_width)
  local run = {}
  local function flush()
    if #run > 1 then
      out[#out + 1] = fmt('<polyline points="%s" fill="none" stroke="%s" stroke-width="%s"%s/>', table.concat(run, " "), colour,
                          stroke_width or "2", dash or "")
    end
    run = {}
  end
  for i = 1, #x do
    if finite(x[i]) and finite(y[i]) then run[#run + 1] = num(xs(x[i])) .. "," .. num(ys(y[i])) else flush() end
  end
  flush()
end

return {
  PALETTE = PALETTE,
  MARKERS = MARKERS,
  DASHES = DASHES,
  style = style,
  hatch = hatch,
  marker = marker,
  legend_row = legend_row,
  error_bar = error_bar,
  band = band,
  top_of = top_of,
  VIRIDIS = VIRIDIS,
  FONT = FONT,
  finite = finite,
  esc = esc,
  num = num,
  short = short,
  text_width = text_width,
  ticks = ticks,
  scale = scale,
  viridis = viridis,
  document = document,
  clip = clip,
  y_axis = y_axis,
  x_axis = x_axis,
  category_labels = category_labels,
  category_height = category_height,
  legend = legend,
  legend_width = legend_width,
  polyline = polyline,
}
