-- PNG from a plot's SVG, through a rasteriser found on the machine: Debian's librsvg2-bin
-- (rsvg-convert, fast) or headless Chromium. Notebook readers that show no SVG (nbconvert
-- 6.5 draws SVG-only outputs as blank boxes) and a Jupyter kernel use it; without a
-- rasteriser there is no PNG and the caller keeps the SVG alone.
local sys = require("sys")
local util = require("lwscript.util")

local M = {}

local fmt = string.format

-- The rasterisers, in the order tried (LWSCRIPT_RASTERISER names one, or "none").
M.KINDS = {"rsvg-convert", "chromium"}
local PROGRAMS = {["rsvg-convert"] = {"rsvg-convert"}, chromium = {"chromium", "chromium-browser", "google-chrome"}}

-- The path of an executable program on PATH, or nil.
function M.which(name)
  for dir in (sys.getenv("PATH") or "/usr/bin:/bin"):gmatch("[^:]+") do
    local path = dir .. "/" .. name
    local f = io.open(path, "rb")
    if f then
      f:close()
      local _, status = sys.run({"test", "-x", path})
      if status == 0 then return path end
    end
  end
  return nil
end

-- M.find() -> kind, program path; or nil, why not.
function M.find()
  local wanted = sys.getenv("LWSCRIPT_RASTERISER")
  if wanted == "none" then return nil, "LWSCRIPT_RASTERISER=none" end
  if wanted and wanted ~= "" and not PROGRAMS[wanted] then
    return nil, fmt("LWSCRIPT_RASTERISER must be rsvg-convert, chromium or none, got '%s'", wanted)
  end
  for _, kind in ipairs(M.KINDS) do
    if not wanted or wanted == "" or wanted == kind then
      for _, program in ipairs(PROGRAMS[kind]) do
        local path = M.which(program)
        if path then return kind, path end
      end
    end
  end
  return nil, "no rasteriser found (install librsvg2-bin for rsvg-convert, or chromium)"
end

local function read_all(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("a")
  f:close()
  return data
end

-- M.png(svg_text) -> PNG bytes (a string), or nil and why not. The picture has the SVG's
-- width and height in pixels.
function M.png(svg_text)
  if type(svg_text) ~= "string" or not svg_text:find("<svg", 1, true) then
    util.arg_error("plot.png", 1, "expected SVG markup (a string with <svg ...>), got " .. util.describe(svg_text))
  end
  local kind, program = M.find()
  if not kind then return nil, program end
  local base = os.tmpname()
  local dir = base .. ".d"
  sys.mkdir(dir)
  local input, output = dir .. "/plot.svg", dir .. "/plot.png"
  util.write_file(input, svg_text)
  local log, status
  if kind == "rsvg-convert" then
    log, status = sys.run({program, "-f", "png", "-o", output, input})
  else
    local w = tonumber(svg_text:match('<svg[^>]- width="(%d+)"')) or 760
    local h = tonumber(svg_text:match('<svg[^>]- height="(%d+)"')) or 440
    log, status = sys.run({program, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                           "--user-data-dir=" .. dir .. "/profile", fmt("--window-size=%d,%d", w, h),
                           "--screenshot=" .. output, "file://" .. input})
  end
  local png = read_all(output)
  sys.run({"rm", "-rf", dir})
  os.remove(base)
  if status ~= 0 or not png or png:sub(1, 8) ~= "\137PNG\r\n\26\n" then
    return nil, fmt("%s failed (status %s): %s", kind, tostring(status), (log or ""):sub(1, 200))
  end
  return png
end

return M
