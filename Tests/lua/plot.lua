-- plot: SVG structure, the data CSV next to each plot, the notebook protocol, errors.
local testing = require("testing")
local test = testing.suite("plot")

local fmt = string.format

local function count(s, pattern) local n = 0 for _ in s:gmatch(pattern) do n = n + 1 end return n end

-- a path prefix in the case's scratch directory
local function scratch_base() return testing.tmpdir() .. "/plot" end

-- bars: grouped bars, one rect per (label, series), legend, ticks, escaped text
local function bars()
  return plot.bars{labels = {"shirt", "t-shirt & top", "coat"},
    series = {{name = "before", values = {0.6, 0.9, 0.8}}, {name = "<after>", values = {0.75, 0.88, 0 / 0}}},
    title = "TPR \"per class\"", ylabel = "TPR", ylim = {0, 1}, value_labels = true}
end

function test.bars_svg_structure_and_escaped_text()
  local p = bars()
  local svg = p:svg()
  testing.eq(svg:sub(1, 4), "<svg", "an SVG document")
  testing.eq(svg:find('viewBox="0 0 760 440"', 1, true) ~= nil, true, "viewBox")
  testing.eq(svg:find('xmlns="http://www.w3.org/2000/svg"', 1, true) ~= nil, true, "namespace")
  testing.eq(svg:find("t-shirt &amp; top", 1, true) ~= nil, true, "labels escaped")
  testing.eq(svg:find("&lt;after&gt;", 1, true) ~= nil, true, "series names escaped")
  testing.eq(svg:find("TPR &quot;per class&quot;", 1, true) ~= nil, true, "title escaped")
  testing.eq(svg:find("<after>", 1, true), nil, "no raw markup from user text")
  testing.eq(count(svg, 'fill="#0072B2"><title>'), 3, "three 'before' bars")
  testing.eq(count(svg, 'fill="#E69F00"><title>'), 2, "NaN bar not drawn")
  for _, tick in ipairs({"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}) do
    testing.eq(svg:find(">" .. tick .. "</text>", 1, true) ~= nil, true, "tick " .. tick)
  end
  testing.eq(svg:sub(-6), "</svg>", "closed")
  testing.eq(getmetatable(p).__svg(p), svg, "__svg for notebooks")
  testing.eq(tostring(p), "Plot(bars 'TPR \"per class\"', 3 labels x 2 series)", "tostring")
end

function test.bars_save_writes_the_svg_and_a_data_csv()
  local p, base = bars(), scratch_base()
  local svg = p:svg()
  local svg_path, csv_path = p:save(base .. ".svg")
  testing.eq(svg_path, base .. ".svg", "svg path")
  testing.eq(csv_path, base .. ".csv", "csv path")
  local f = assert(io.open(svg_path, "rb")); testing.eq(f:read("a"), svg, "svg file"); f:close()
  local rows, header = csv.read(csv_path)
  testing.eq(table.concat(header, ","), "label,series,value", "bars csv header")
  testing.eq(#rows, 6, "one row per bar")
  testing.eq(rows[3].label, "t-shirt & top", "row label")
  testing.eq(rows[4].series, "<after>", "row series")
  testing.eq(rows[6].value ~= rows[6].value, true, "NaN kept in the data")
  local _, other = p:save(base)
  testing.eq(other, base .. ".csv", "no extension: .csv appended")
end

-- Issue 12: values of magnitude 1e-99 or smaller failed ("invalid conversion specification:
-- '%.101f'"): tick labels of tiny or huge values switch to %g with the digits the step needs
-- the texts of an SVG that a pattern captures, space-separated (tick labels)
local function texts(svg, pattern)
  local out = {}
  for t in svg:gmatch(pattern) do out[#out + 1] = t end
  return table.concat(out, " ")
end
-- the y axis's tick labels
local function ticks_of(svg) return texts(svg, 'dominant%-baseline="middle">([^<]*)</text>') end

function test.plots_of_tiny_and_huge_values()
  testing.eq(ticks_of(plot.lines{x = {1, 2}, series = {{values = {1e-99, 2e-99}}}}:svg()),
             "1e-99 1.2e-99 1.4e-99 1.6e-99 1.8e-99 2e-99", "ticks of values near 1e-99")
  testing.eq(ticks_of(plot.bars{labels = {"a", "b"}, series = {{values = {1e-300, 3e-300}}}}:svg()),
             "0 5e-301 1e-300 1.5e-300 2e-300 2.5e-300 3e-300", "ticks of values near 1e-300")
  testing.eq(ticks_of(plot.scatter{points = {{x = 1, y = 1e300}, {x = 2, y = 2e300}}}:svg()),
             "8e+299 1e+300 1.2e+300 1.4e+300 1.6e+300 1.8e+300 2e+300 2.2e+300", "ticks of values near 1e300")
  testing.eq(ticks_of(plot.lines{x = {1, 2}, series = {{values = {1, 1 + 1e-12}}}}:svg()),
             "1 1.0000000000002 1.0000000000004 1.0000000000006 1.0000000000008 1.000000000001", "a narrow range")
  testing.eq(ticks_of(plot.lines{x = {1, 2}, series = {{values = {-1e308, 1e308}}}}:svg()), "-1e+308 1e+308",
             "a range wider than the largest double: its two ends")
  local h = plot.heatmap{matrix = {{1e-320, 2e-320}, {0, 5e-324}}}:svg()
  testing.eq(h:find("</svg>", 1, true) ~= nil, true, "a heatmap of subnormal values")
  -- ordinary ranges keep their fixed decimals
  testing.eq(ticks_of(plot.lines{x = {1, 2}, series = {{values = {0.001, 0.0042}}}}:svg()),
             "0.0010 0.0015 0.0020 0.0025 0.0030 0.0035 0.0040 0.0045", "ticks of an ordinary range")
end

-- heatmap: one cell per entry, values written, row normalisation, colour bar
local function heatmap()
  return plot.heatmap{matrix = tensor.new({{8, 2}, {1, 9}}), labels = {"cat", "dog"}, title = "cm", normalize = "row"}
end

function test.heatmap_cells_values_and_axis_titles()
  local h = heatmap()
  local svg = h:svg()
  testing.eq(count(svg, "<title>cat %-> "), 2, "cells of row cat")
  testing.eq(svg:find(">0.80</text>", 1, true) ~= nil, true, "normalised value in a cell")
  testing.eq(svg:find(">predicted</text>", 1, true) ~= nil, true, "x axis title")
  testing.eq(svg:find(">true class</text>", 1, true) ~= nil, true, "y axis title")
  testing.eq(tostring(h), "Plot(heatmap 'cm', 2x2, row-normalised)", "heatmap tostring")
end

-- Long class names are rotated under the columns; the x axis title goes below them and
-- inside the picture (the layout once reserved room for 180 px of label while the title
-- followed the full length).
function test.heatmap_x_title_below_long_column_labels_and_inside()
  local long = string.rep("a very long class name ", 3)
  local svg = plot.heatmap{matrix = {{1, 2}, {3, 4}}, labels = {long .. "1", long .. "2"}}:svg()
  local height = tonumber(svg:match('viewBox="0 0 %d+ (%d+)"'))
  local title_y = tonumber(svg:match('<text x="[%d.]+" y="([%d.]+)"[^>]*>predicted</text>'))
  testing.eq(title_y ~= nil and height ~= nil, true, "the x title and the picture's height found")
  testing.eq(title_y < height, true, "the x axis title inside the picture (" .. tostring(title_y) .. " < " .. tostring(height) .. ")")
  local label_bottom = 0
  for y in svg:gmatch('<text x="[%d.]+" y="([%d.]+)" text%-anchor="end" font%-size="11" transform="rotate%(%-40') do
    label_bottom = math.max(label_bottom, tonumber(y))
  end
  testing.eq(label_bottom > 0, true, "rotated column labels")
  -- a label rotated 40 degrees reaches sin 40 of its width below its anchor
  local reach = 0.64 * require("lwscript.plot.svg").text_width(long .. "1", 11)
  testing.eq(title_y > label_bottom + reach, true,
    "the title below the labels (" .. tostring(title_y) .. " > " .. tostring(label_bottom + reach) .. ")")
end

function test.heatmap_save_writes_one_row_per_cell()
  local h, base = heatmap(), scratch_base()
  h:save(base .. ".svg")
  local rows = csv.read(base .. ".csv")
  testing.eq(#rows, 4, "one row per cell")
  testing.near(rows[2].value, 0.2, 1e-12, "normalised value")
  testing.eq(rows[2].count, 2, "raw count kept")
end

function test.heatmap_counts_are_written_as_integers()
  local counts = plot.heatmap{matrix = {{50, 3, 1}, {7, 40, 2}}, row_labels = {"a", "b"}, col_labels = {"x", "y", "z"}}:svg()
  testing.eq(counts:find(">50</text>", 1, true) ~= nil, true, "counts written as integers")
end

-- lines: a polyline per series, gaps at NaN, legend
function test.lines_break_at_nan_and_x_defaults_to_1_to_n()
  local l = plot.lines{x = {1, 2, 3, 4},
    series = {{name = "shirt", values = {0.5, 0.6, 0 / 0, 0.7}}, {name = "coat", values = {0.4, 0.5, 0.6, 0.65}}},
    title = "TPR over epochs", xlabel = "epoch", ylabel = "TPR"}
  local svg = l:svg()
  testing.eq(count(svg, "<polyline"), 2, "shirt's line broken at NaN (one run of 2 points), coat whole")
  testing.eq(svg:find(">epoch</text>", 1, true) ~= nil, true, "x label")
  testing.eq(#l.rows, 8, "lines data rows")
  testing.eq(tostring(plot.lines{series = {{name = "loss", values = {3, 2, 1}}}}), "Plot(lines, 1 series x 3 points)", "x defaults to 1..n")
end

-- scatter: labelled points, dashed connection
function test.scatter_labelled_points_and_connection()
  local s = plot.scatter{points = {{x = 0.004, y = 0.91, label = "gamma=0"}, {x = 0.003, y = 0.9, label = "gamma=1"},
                                   {x = 0.002, y = 0.88, label = "gamma=2"}},
    connect = true, title = "front", xlabel = "Var(s)", ylabel = "accuracy"}
  local svg = s:svg()
  testing.eq(count(svg, "<circle"), 3, "points")
  testing.eq(count(svg, "stroke%-dasharray"), 1, "connected")
  testing.eq(svg:find(">gamma=1</text>", 1, true) ~= nil, true, "point labels")
end

-- Issue 18: 10 classes had 8 colours (Bag and T-shirt/top alike) and Shirt, the 7th, the pale
-- yellow: the first 12 series (and more) differ in colour and marker or dash, no yellow
local svglib = require("lwscript.plot.svg")

local function twelve_lines()
  local series = {}
  for k = 1, 12 do series[k] = {name = "class " .. k, values = {k, k + 1, k + 0.5}} end
  return plot.lines{x = {1, 2, 3}, series = series, title = "12 series", xlabel = "epoch"}
end

function test.twelve_series_are_told_apart_and_no_pale_yellow()
  local seen = {}
  for k = 1, 12 do
    local st = svglib.style(k)
    testing.eq(st.colour ~= "#F0E442", true, "no pale yellow for series " .. k)
    local key = st.colour .. "/" .. st.marker .. "/" .. st.dash
    testing.eq(seen[key], nil, "series " .. k .. " looks like series " .. tostring(seen[key]))
    seen[key] = k
    local look = st.colour .. "/" .. st.dash
    testing.eq(seen[look], nil, "series " .. k .. " has the colour and dash of series " .. tostring(seen[look]))
    seen[look] = k
  end
  testing.eq(svglib.style(7).colour, "#000000", "the 7th series (Fashion-MNIST's Shirt) is black")
  local svg = twelve_lines():svg()
  -- the lines: 7 solid, 5 dashed; each line's look in the drawing
  local looks = {}
  for colour, dash in svg:gmatch('<polyline points="[^"]*" fill="none" stroke="(#%x+)" stroke%-width="2"([^/]*)/>') do
    looks[#looks + 1] = colour .. (dash:match('dasharray="([^"]*)"') and (" " .. dash:match('dasharray="([^"]*)"')) or "")
  end
  testing.eq(table.concat(looks, ","), "#0072B2,#E69F00,#009E73,#CC79A7,#56B4E9,#D55E00,#000000,"
    .. "#0072B2 7 4,#E69F00 7 4,#009E73 7 4,#CC79A7 7 4,#56B4E9 7 4", "colours and dashes of the 12 lines")
  -- triangles, diamonds, down-triangles and crosses (series 3-6 and 9-12): 3 points each and
  -- a legend sample
  testing.eq(count(svg, "<polygon points"), 8 * 3 + 8, "markers of shapes other than circles and squares")
end

-- the legend is right of the plot area, never over the data
function test.legend_is_outside_the_plot_area()
  for _, p in ipairs({twelve_lines(), bars()}) do
    local svg = p:svg()
    local cx, cw = svg:match('<clipPath id="[^"]*"><rect x="([%d.]+)" y="[%d.]+" width="([%d.]+)"')
    local legend = svg:match('<g class="legend">(.-)</g>')
    testing.eq(legend ~= nil, true, p.kind .. ": a legend")
    local leftmost = math.huge
    for x in legend:gmatch(' x1?="([%d.]+)"') do leftmost = math.min(leftmost, tonumber(x)) end
    for x in legend:gmatch(' cx="([%d.]+)"') do leftmost = math.min(leftmost, tonumber(x) - 5) end
    testing.eq(leftmost > tonumber(cx) + tonumber(cw), true,
      fmt("%s: legend from x %s, plot area to %s", p.kind, leftmost, tonumber(cx) + tonumber(cw)))
  end
end

function test.bars_of_more_series_than_colours_are_hatched()
  local series = {}
  for k = 1, 9 do series[k] = {name = "s" .. k, values = {k, 1}} end
  local svg = plot.bars{labels = {"a", "b"}, series = series}:svg()
  testing.eq(count(svg, "<pattern "), 2, "series 8 and 9 hatched")
  testing.eq(count(svg, 'fill="url%(#lws%-plot%-hatch%-%d+%)"><title>'), 4, "their bars")
end

-- epochs get integer ticks (3 epochs had ticks at 1.5 and 2.5)
local function x_ticks_of(svg) return texts(svg, '<text x="[%d.]+" y="[%d.]+" text%-anchor="middle">([^<]*)</text>') end

function test.integer_x_gets_integer_ticks()
  local three = plot.lines{x = {1, 2, 3}, series = {{values = {0.5, 0.6, 0.7}}}}:svg()
  testing.eq(x_ticks_of(three), "1 2 3", "ticks of 3 epochs")
  local two = plot.lines{x = {1, 2}, series = {{values = {0.5, 0.6}}}}:svg()
  testing.eq(x_ticks_of(two), "1 2", "ticks of 2 epochs")
  local halves = plot.lines{x = {0.5, 1, 1.5}, series = {{values = {0.5, 0.6, 0.7}}}}:svg()
  testing.eq(x_ticks_of(halves), "0.4 0.6 0.8 1.0 1.2 1.4 1.6", "fractional x keeps fractional ticks")
end

-- error bars and bands, drawn where asked and kept in the CSV
function test.bars_with_error_bars_and_their_csv()
  local p = plot.bars{labels = {"shirt", "coat"}, series = {
    {name = "before", values = {0.6, 0.8}, lo = {0.5, 0.75}, hi = {0.7, 0.85}},
    {name = "after", values = {0.7, 0.8}}}, ylim = {0, 1}, subtitle = "mean over 3 seeds"}
  local svg = p:svg()
  testing.eq(count(svg, 'class="error%-bar"'), 2 * 3, "two error bars (a line and two caps each)")
  testing.eq(svg:find('class="subtitle"[^>]*>mean over 3 seeds</text>') ~= nil, true, "subtitle")
  local base = scratch_base()
  local _, csv_path = p:save(base .. ".svg")
  local rows, header = csv.read(csv_path)
  testing.eq(table.concat(header, ","), "label,series,value,lo,hi", "interval columns")
  testing.eq(rows[1].lo, 0.5, "lo kept"); testing.eq(rows[3].hi, 0.85, "hi kept")
  testing.eq(rows[2].lo, nil, "no interval: empty")
  -- the y range covers the bars' ends
  local high = plot.bars{labels = {"a"}, series = {{values = {1}, lo = {0.5}, hi = {3}}}}:svg()
  testing.eq(high:find(">3.0</text>", 1, true) ~= nil, true, "the axis reaches hi")
end

function test.lines_with_bands_and_highlight()
  local p = plot.lines{x = {1, 2, 3}, series = {
    {name = "shirt", values = {0.4, 0.5, 0.6}, lo = {0.3, 0.45, 0.5}, hi = {0.5, 0.55, 0.7}},
    {name = "coat", values = {0.6, 0.7, 0.8}}}, highlight = "shirt"}
  local svg = p:svg()
  testing.eq(count(svg, 'class="band"'), 1, "a band")
  testing.eq(count(svg, 'stroke%-width="3.5"/>'), 2, "the highlighted line and its legend sample are thick")
  testing.eq(count(svg, 'stroke="#222222" stroke%-width="5.5"/>'), 2, "with a dark outline (even a pale colour stands out)")
  testing.eq(svg:find('font%-weight="bold">shirt</text>') ~= nil, true, "highlighted name in bold")
  -- emphasised lines are drawn last (on top)
  testing.eq(svg:find('stroke="#E69F00" stroke-width="2"', 1, true) < svg:find('stroke="#0072B2" stroke-width="3.5"', 1, true), true,
             "shirt over coat")
  testing.eq(table.concat(p.columns, ","), "series,x,y,lo,hi", "band columns")
  testing.raises("plot.lines: option 'highlight'[1] must be the name of a series, got 'dress'", plot.lines,
                 {series = {{name = "shirt", values = {1, 2}}}, highlight = "dress"})
  testing.raises("plot.lines: series[1] needs both lo and hi, or neither", plot.lines, {series = {{values = {1, 2}, lo = {0, 1}}}})
  testing.raises("plot.lines: series[1].hi has 1 values, expected 2", plot.lines, {series = {{values = {1, 2}, lo = {0, 1}, hi = {3}}}})
end

function test.scatter_error_bars_and_their_csv()
  local p = plot.scatter{points = {{x = 0.03, y = 0.7, label = "a", xlo = 0.02, xhi = 0.04, ylo = 0.65, yhi = 0.72},
                                   {x = 0.05, y = 0.6, label = "b", ylo = 0.55, yhi = 0.62}}}
  testing.eq(count(p:svg(), 'class="error%-bar"'), 3 * 3, "x and y bars of a, y bar of b")
  testing.eq(table.concat(p.columns, ","), "label,x,y,xlo,xhi,ylo,yhi", "interval columns")
  testing.eq(p.rows[2].xlo, nil, "b has no x interval")
  testing.raises("plot.scatter: points[1] needs both xlo and xhi, or neither", plot.scatter, {points = {{x = 1, y = 2, xlo = 0}}})
end

-- Issue 18: the labels of a cluster overlapped into an unreadable block. Boxes estimated
-- here; PlotRenderTests measures the rendered ones in Chromium.
local labels_layout = require("lwscript.plot.labels")

local function label_boxes(svg)
  local boxes = {}
  for x, y, size, text in svg:gmatch('<text class="point%-[lk][ae][by][^"]*" x="([%d.]+)" y="([%d.]+)" font%-size="(%d+)"[^>]*>(.-)</text>') do
    text = text:gsub("<[^>]*>", "")
    x, y, size = tonumber(x), tonumber(y), tonumber(size)
    boxes[#boxes + 1] = {x0 = x, x1 = x + labels_layout.width(text, size), y0 = y - size * 0.9, y1 = y + size * 0.25, text = text}
  end
  return boxes
end

function test.crowded_scatter_labels_do_not_overlap()
  for _, n in ipairs({14, 40}) do
    local pts = {}
    for i = 1, n do pts[i] = {x = 0.03 + 0.002 * math.sin(i), y = 0.72 + 0.01 * math.cos(i * 1.7), label = "method_" .. i} end
    pts[#pts + 1] = {x = 0.09, y = 0.55, label = "gamma=4"}
    local svg = plot.scatter{points = pts}:svg()
    local boxes = label_boxes(svg)
    local keyed = count(svg, 'class="point%-key"')
    testing.eq(count(svg, 'class="point%-label"'), n + 1, n .. " points: one label (or number) per point")
    for i = 1, #boxes do
      for j = i + 1, #boxes do
        testing.eq(labels_layout.intersects(boxes[i], boxes[j]), false, fmt("%d points: '%s' and '%s' overlap", n, boxes[i].text, boxes[j].text))
      end
    end
    if n == 14 then testing.eq(keyed, 0, "14 points: every label beside its point") end
    if n == 40 then testing.eq(keyed > 0, true, "40 points: some labels numbered and listed in the key") end
  end
end

-- A long title ran off both sides of the picture (the study's confusion matrices): it now
-- shrinks to fit; so does a subtitle, which every plot takes
function test.long_titles_shrink_to_fit()
  local long = string.rep("confusion matrix, class_balanced_tpr ", 3)
  local svg = plot.heatmap{matrix = {{1, 2}, {3, 4}}, title = long, subtitle = "counts summed over 3 seeds", width = 700}:svg()
  local width = tonumber(svg:match('viewBox="0 0 (%d+)'))
  local size = tonumber(svg:match('font%-size="([%d.]+)" font%-weight="bold">confusion'))
  testing.eq(size < 16 and size * 0.66 * utf8.len(long) <= width - 16 + 0.1, true,
             fmt("title font %s px for %d characters in %d px", tostring(size), utf8.len(long), width))
  testing.eq(svg:find('class="subtitle"[^>]*>counts summed over 3 seeds</text>') ~= nil, true, "heatmap subtitle")
  local short_title = plot.lines{series = {{values = {1, 2}}}, title = "TPR"}:svg()
  testing.eq(short_title:find('font-size="16.0" font-weight="bold">TPR</text>', 1, true) ~= nil, true, "a short title keeps 16 px")
end

-- Issue 18: a plot could not be seen from the REPL. p:show() writes a temporary SVG and
-- opens it with a viewer (here a script that copies what it is given), or prints the path.
local sys = require("sys")

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("a"); f:close()
  return data
end

function test.show_opens_a_temporary_svg_with_the_viewer()
  local p = bars()
  local dir = testing.tmpdir()
  local seen, viewer = dir .. "/seen.svg", dir .. "/viewer.sh"
  local f = assert(io.open(viewer, "w"))
  f:write("#!/bin/sh\ncp \"$1\" " .. seen .. ".part && mv " .. seen .. ".part " .. seen .. "\n"); f:close()
  sys.run({"chmod", "+x", viewer})
  local path = p:show{viewer = viewer}
  testing.eq(path:sub(-4), ".svg", "a temporary .svg file")
  testing.eq(read_file(path), p:svg(), "the file holds the plot")
  -- the viewer runs on its own: wait (up to 30 s) for its copy
  for _ = 1, 600 do
    if read_file(seen) then break end
    sys.sleep(0.05)
  end
  testing.eq(read_file(seen), p:svg(), "the viewer was given the file")
  os.remove(path)
  local none = p:show{viewer = false}
  testing.eq(read_file(none), p:svg(), "no viewer: the file is written all the same")
  os.remove(none)
  testing.raises("bad argument #1 to 'Plot:show' (expected an options table {viewer = ...} or nothing, got number)", p.show, p, 5)
  testing.raises("option 'viewer' must be a command or false, got true", p.show, p, {viewer = true})
  testing.raises("unknown option 'view'", p.show, p, {view = "x"})
  testing.raises("calling 'Plot:show' on bad self", p.show, {})
end

-- tostring stays one short line (the REPL prints it for every plot)
function test.tostring_of_a_long_title_is_cut()
  local p = plot.lines{series = {{values = {3, 2, 1}}}, title = string.rep("a long title ", 6)}
  testing.eq(tostring(p), "Plot(lines 'a long title a long title a long titl...', 1 series x 3 points)", "cut at 40 characters")
end

-- p:png(): the plot as PNG of its size through rsvg-convert or Chromium, when the machine
-- has one (scripts/setup-test installs both); else nil and why
function test.png_of_a_plot()
  local raster = require("lwscript.plot.raster")
  local p = plot.bars{labels = {"a"}, series = {{values = {1}}}, width = 300, height = 200}
  local png, why = p:png()
  if raster.find() then
    testing.eq(png:sub(1, 8), "\137PNG\r\n\26\n", "PNG signature (" .. tostring(why) .. ")")
    testing.same_table({string.unpack(">I4I4", png, 17)}, {300, 200, 25}, "width and height from the IHDR chunk")
  else
    testing.eq(png, nil, "no rasteriser: no PNG")
    testing.eq(why:find("no rasteriser", 1, true) ~= nil or why:find("LWSCRIPT_RASTERISER", 1, true) ~= nil, true, why)
  end
  testing.raises("bad argument #1 to 'plot.png' (expected SVG markup", plot.png, "no svg here")
end

-- errors name the function and the problem, at the caller's line
function test.bars_reject_bad_options()
  testing.raises("bad argument #1 to 'plot.bars' (expected an options table {...}, got nil)", plot.bars)
  testing.raises("plot.bars: series[1].values has 2 values, expected 3 (one per label)", plot.bars,
                 {labels = {"a", "b", "c"}, series = {{name = "x", values = {1, 2}}}})
  testing.raises("bad argument #1 to 'plot.bars' (unknown option 'colour' (known: ", plot.bars,
                 {labels = {"a"}, series = {{values = {1}}}, colour = "red"})
  testing.raises("option 'ylim' must be {lo, hi}", plot.bars, {labels = {"a"}, series = {{values = {1}}}, ylim = {1, 0}})
  testing.raises("series[1].values[1] must be a number, got string", plot.bars, {labels = {"a"}, series = {{values = {"x"}}}})
  testing.raises("option 'labels' must not be empty", plot.bars, {labels = {}, series = {{values = {}}}})
end

function test.heatmap_rejects_bad_options()
  testing.raises("plot.heatmap: matrix[2] has 1 values, expected 2", plot.heatmap, {matrix = {{1, 2}, {3}}})
  testing.raises("option 'normalize' must be \"row\" or nil", plot.heatmap, {matrix = {{1}}, normalize = "col"})
  testing.raises("option 'labels' has 1 names, expected 2", plot.heatmap, {matrix = {{1, 2}, {3, 4}}, labels = {"a"}})
end

function test.lines_and_scatter_reject_bad_options()
  testing.raises("plot.lines: series[2].values has 1 values, expected 2", plot.lines, {x = {1, 2}, series = {{values = {1, 2}}, {values = {1}}}})
  testing.raises("plot.scatter: points[1] needs numbers x and y", plot.scatter, {points = {{x = 1}}})
  testing.raises("option 'width' must be a number of pixels", plot.scatter, {points = {{x = 1, y = 2}}, width = 1e9})
end

function test.plot_methods_check_their_arguments()
  local p = bars()
  testing.raises("bad argument #1 to 'Plot:save' (expected a file path, got nil)", p.save, p)
  testing.raises("Plot:save: cannot write /nonexistent-dir/p.svg", p.save, p, "/nonexistent-dir/p.svg")
  testing.raises("calling 'Plot:svg' on bad self", p.svg, {})
end

-- the error points at the caller's line
function test.errors_point_at_the_callers_line()
  local err = testing.raises("plot.bars", function() plot.bars(5) end)
  testing.eq(err:find("plot.lua:%d+: bad argument #1 to 'plot.bars'") ~= nil, true, "position of the caller: " .. err)
end

return test
