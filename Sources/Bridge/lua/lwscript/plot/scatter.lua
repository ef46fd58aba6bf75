-- plot.scatter: labelled points, joined in order when asked (trade-off fronts), with
-- optional error bars in x and y; labels placed without overlap (labels.lua).
-- Returns a Plot (lwscript/plot/object.lua): p:save(path) writes the SVG and its data as CSV.
local plot = require("plot")
local svg = require("lwscript.plot.svg")
local labels_layout = require("lwscript.plot.labels")
local check = require("lwscript.plot.options")
local new_plot = require("lwscript.plot.object").new_plot
local util = require("lwscript.util")

local fmt = string.format
local PALETTE, finite, esc, num = svg.PALETTE, svg.finite, svg.esc, svg.num
local short, ticks, scale, document, top_of = svg.short, svg.ticks, svg.scale, svg.document, svg.top_of
local y_axis, x_axis, polyline, error_bar = svg.y_axis, svg.x_axis, svg.polyline, svg.error_bar
local options, opt_string, opt_size, opt_bool = check.options, check.opt_string, check.opt_size, check.opt_bool
local range_of, fail, constructor = check.range_of, check.fail, check.constructor

local POINT_KEYS = {x = true, y = true, label = true, xlo = true, xhi = true, ylo = true, yhi = true}
local LABEL_SIZE = 11
local KEY_ROW, KEY_TEXT = 15, 160   -- the key's row height and widest text, in pixels

-- One point, checked: {x, y, label, xlo, xhi, ylo, yhi}.
local function point_of(i, pt)
  if type(pt) ~= "table" then fail("scatter", fmt("points[%d] must be a table {x =, y =, label =}, got %s", i, type(pt))) end
  for k in pairs(pt) do
    if not POINT_KEYS[k] then
      fail("scatter", fmt("points[%d] has unknown key '%s' (known: x, y, label, xlo, xhi, ylo, yhi)", i, tostring(k)))
    end
  end
  if type(pt.x) ~= "number" or type(pt.y) ~= "number" then fail("scatter", fmt("points[%d] needs numbers x and y", i)) end
  local label = pt.label
  if type(label) == "number" then label = short(label) end
  if label ~= nil and type(label) ~= "string" then fail("scatter", fmt("points[%d].label must be a string, got %s", i, type(label))) end
  for _, axis in ipairs({"x", "y"}) do
    local lo, hi = pt[axis .. "lo"], pt[axis .. "hi"]
    if (lo == nil) ~= (hi == nil) then fail("scatter", fmt("points[%d] needs both %slo and %shi, or neither", i, axis, axis)) end
    if lo ~= nil and (type(lo) ~= "number" or type(hi) ~= "number") then
      fail("scatter", fmt("points[%d].%slo and %shi must be numbers, got %s and %s", i, axis, axis, type(lo), type(hi)))
    end
  end
  return {x = pt.x, y = pt.y, label = label or "", xlo = pt.xlo, xhi = pt.xhi, ylo = pt.ylo, yhi = pt.yhi}
end

-- plot.scatter{points = {{x =, y =, label =[, xlo =, xhi =][, ylo =, yhi =]}, ...}, connect = false,
--              title =, subtitle =, xlabel =, ylabel =, width = 760, height = 440}: labelled
-- points, joined in the given order when connect; xlo/xhi and ylo/yhi draw error bars.
plot.scatter = constructor("scatter", function(opts)
  opts = options("scatter", opts, {points = true, connect = true, title = true, subtitle = true, xlabel = true, ylabel = true,
                                   width = true, height = true})
  local p = opts.points
  if type(p) ~= "table" or #p == 0 then
    fail("scatter", "option 'points' must be a non-empty array of {x =, y =, label =}, got "
                    .. (type(p) == "table" and "an empty table" or util.describe(p)))
  end
  local pts, x, y, xr, yr, intervals = {}, {}, {}, {}, {}, {x = false, y = false}
  for i = 1, #p do
    local pt = point_of(i, p[i])
    pts[i], x[i], y[i] = pt, pt.x, pt.y
    xr[#xr + 1], yr[#yr + 1] = pt.x, pt.y
    if pt.xlo then intervals.x = true; xr[#xr + 1] = pt.xlo; xr[#xr + 1] = pt.xhi end
    if pt.ylo then intervals.y = true; yr[#yr + 1] = pt.ylo; yr[#yr + 1] = pt.yhi end
  end
  local connect = opt_bool("scatter", opts, "connect", false)
  local title, subtitle = opt_string("scatter", opts, "title", ""), opt_string("scatter", opts, "subtitle", "")
  local xlabel, ylabel = opt_string("scatter", opts, "xlabel", ""), opt_string("scatter", opts, "ylabel", "")
  local width, height = opt_size("scatter", opts, "width", 760), opt_size("scatter", opts, "height", 440)
  -- 6% margins, so that points and their labels stay clear of the frame
  local function padded(lo, hi) local pad = (hi - lo) * 0.06 return lo - pad, hi + pad end
  local xticks, xlo, xhi = ticks(padded(range_of(xr)))
  local yticks, ylo, yhi = ticks(padded(range_of(yr)))
  local top = top_of(title, subtitle)

  -- the layout for a right margin: the area, scales and label placements
  local function layout(right)
    local area = {x = 80, y = top, w = width - 80 - right, h = height - top - (xlabel ~= "" and 58 or 36)}
    local xs, ys = scale(xlo, xhi, area.x, area.x + area.w), scale(ylo, yhi, area.y + area.h, area.y)
    local spots = {}
    for i, pt in ipairs(pts) do
      spots[i] = {x = finite(pt.x) and xs(pt.x) or -1e6, y = finite(pt.y) and ys(pt.y) or -1e6,
                  text = (finite(pt.x) and finite(pt.y)) and pt.label or ""}
    end
    -- error bars: boxes a label avoids when it can
    local soft = {}
    for _, pt in ipairs(pts) do
      if finite(pt.x) and finite(pt.y) then
        local px, py = xs(pt.x), ys(pt.y)
        if pt.xlo and finite(pt.xlo) and finite(pt.xhi) then
          soft[#soft + 1] = {x0 = math.min(xs(pt.xlo), xs(pt.xhi)), x1 = math.max(xs(pt.xlo), xs(pt.xhi)), y0 = py - 3, y1 = py + 3}
        end
        if pt.ylo and finite(pt.ylo) and finite(pt.yhi) then
          soft[#soft + 1] = {x0 = px - 3, x1 = px + 3, y0 = math.min(ys(pt.ylo), ys(pt.yhi)), y1 = math.max(ys(pt.ylo), ys(pt.yhi))}
        end
      end
    end
    local bounds = {x0 = area.x + 2, y0 = area.y, x1 = width - 4 - (right > 90 and right - 90 or 0), y1 = area.y + area.h}
    local placed, numbered = labels_layout.place(spots, bounds, LABEL_SIZE, soft)
    return area, xs, ys, placed, numbered
  end
  -- the labels that find no room are numbered and listed in a key right of the plot, in as
  -- many columns of KEY_ROW-pixel rows as they need (the layout is made again with the room
  -- the key takes, which may number more labels: at most three rounds)
  local key_col = 0
  for _, pt in ipairs(pts) do key_col = math.max(key_col, math.min(labels_layout.width(pt.label, LABEL_SIZE), KEY_TEXT) + 30) end
  local rows_per_col = math.max(1, math.floor((height - top - 40) / KEY_ROW))
  local area, xs, ys, placed, numbered = layout(90)
  local key_width, sized_for = 0, 0
  for _ = 1, 3 do
    if numbered <= sized_for then break end
    sized_for = numbered
    key_width = math.min(width // 2, math.ceil(numbered / rows_per_col) * key_col)
    area, xs, ys, placed, numbered = layout(90 + key_width)
  end

  local out = document(width, height, title, subtitle)
  y_axis(out, area, yticks, ys, ylabel)
  x_axis(out, area, xticks, xs, xlabel)
  if connect then polyline(out, xs, ys, x, y, "#888888", ' stroke-dasharray="5 3"') end
  local rows = {}
  for i, pt in ipairs(pts) do
    rows[i] = {label = pt.label, x = pt.x, y = pt.y, xlo = pt.xlo, xhi = pt.xhi, ylo = pt.ylo, yhi = pt.yhi}
    if finite(pt.x) and finite(pt.y) then
      local px, py = xs(pt.x), ys(pt.y)
      if pt.xlo and finite(pt.xlo) and finite(pt.xhi) then error_bar(out, py, xs(pt.xlo), xs(pt.xhi), "#555", true, 3) end
      if pt.ylo and finite(pt.ylo) and finite(pt.yhi) then error_bar(out, px, ys(pt.ylo), ys(pt.yhi), "#555", false, 3) end
    end
  end
  local keyed = {}
  for i, pt in ipairs(pts) do
    if finite(pt.x) and finite(pt.y) then
      local px, py = xs(pt.x), ys(pt.y)
      out[#out + 1] = fmt('<circle class="point" cx="%s" cy="%s" r="5" fill="%s" stroke="white"><title>%s (%s, %s)</title></circle>',
        num(px), num(py), PALETTE[1], esc(pt.label), esc(short(pt.x)), esc(short(pt.y)))
      local at = placed[i]
      if at then
        if at.leader then
          local l = at.leader
          out[#out + 1] = fmt('<line class="leader" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#666" stroke-width="0.8"/>',
                              num(l[1]), num(l[2]), num(l[3]), num(l[4]))
        end
        -- a white halo keeps a label readable over a grid line or an error bar
        out[#out + 1] = fmt('<text class="point-label" x="%s" y="%s" font-size="%d" stroke="white" stroke-width="3" '
                            .. 'stroke-linejoin="round" paint-order="stroke"%s>%s</text>', num(at.x), num(at.y), LABEL_SIZE,
                            at.number and ' font-weight="bold"' or "", esc(at.number and at.text or pt.label))
        if at.number then keyed[at.number] = pt.label end
      end
    end
  end
  if #keyed > 0 then
    for k, text in ipairs(keyed) do
      local col, row = (k - 1) // rows_per_col, (k - 1) % rows_per_col
      -- a text too wide for its column is cut, with an ellipsis
      if labels_layout.width(text, LABEL_SIZE) > KEY_TEXT then
        local cut = {}
        for _, code in utf8.codes(text) do
          cut[#cut + 1] = utf8.char(code)
          if labels_layout.width(table.concat(cut) .. "...", LABEL_SIZE) > KEY_TEXT then cut[#cut] = nil; break end
        end
        text = table.concat(cut) .. "..."
      end
      out[#out + 1] = fmt('<text class="point-key" x="%s" y="%s" font-size="%d"><tspan font-weight="bold">%d</tspan> %s</text>',
                          num(width - key_width + col * key_col), num(area.y + row * KEY_ROW + 10), LABEL_SIZE, k, esc(text))
    end
  end
  out[#out + 1] = "</svg>"
  local columns = {"label", "x", "y"}
  if intervals.x then columns[#columns + 1] = "xlo"; columns[#columns + 1] = "xhi" end
  if intervals.y then columns[#columns + 1] = "ylo"; columns[#columns + 1] = "yhi" end
  return new_plot("scatter", title, table.concat(out, "\n"), rows, columns, fmt("%d points", #pts))
end)
