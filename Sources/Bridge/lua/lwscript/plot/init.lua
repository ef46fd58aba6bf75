-- The Lua half of `plot`: SVG plots that also save their data as tidy CSV (docs/plots.md).
-- Short enough for a researcher to read and adapt: svg.lua holds the building blocks,
-- options.lua the checks, object.lua the Plot object, and one file per kind of plot.
local plot = require("plot")
require("lwscript.plot.bars")
require("lwscript.plot.heatmap")
require("lwscript.plot.lines")
require("lwscript.plot.scatter")
plot.Plot = require("lwscript.plot.object").Plot
-- plot.png(svg_text) -> PNG bytes, or nil and why not (raster.lua)
plot.png = require("lwscript.plot.raster").png
