-- A module next to the sample notebook: `require` must find it.
local M = {}

-- A value following the display protocol: draws a bar chart as SVG.
function M.bars(values)
  local parts = {'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">'}
  local top = math.max(table.unpack(values))
  for i, v in ipairs(values) do
    local h = v / top * 100
    parts[#parts + 1] = string.format('<rect class="bar" x="%d" y="%.1f" width="40" height="%.1f" fill="#4c78a8"/>',
                                      (i - 1) * 60 + 10, 110 - h, h)
  end
  parts[#parts + 1] = "</svg>"
  return setmetatable({values = values}, {__svg = function() return table.concat(parts) end})
end

return M
