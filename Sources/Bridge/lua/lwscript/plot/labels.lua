-- Point labels placed without overlap (plot.scatter): each label tries spots around its
-- point, nearest first, and takes the first whose box meets no other label, no marker and
-- stays in the plot (first also clear of the error bars, then over them if it must); a label
-- placed away from its point gets a leader line; a label with no free spot is replaced by a
-- number beside its point and listed in a key right of the plot.
local svg = require("lwscript.plot.svg")

local M = {}

-- Widths of DejaVu Sans (the plots' first font) in ems, by kind of character, a little
-- generous so that a box estimated here holds the rendered text.
local NARROW = "[%.,:;'!|il%(%)%[%]ftjrI ]"
local WIDE = "[mwMW@%%]"
local function em(ch)
  if ch:match(NARROW) then return 0.36 end
  if ch:match(WIDE) then return 0.96 end
  if ch:match("%u") then return 0.74 end
  if ch:match("[%w=+<>#&_~%-]") then return 0.66 end
  return 0.7
end

-- The width of text at a font size, in pixels.
function M.width(text, size)
  local w = 0
  for _, code in utf8.codes(tostring(text)) do
    w = w + (code < 128 and em(string.char(code)) or 0.8)
  end
  return w * size
end

local function intersects(a, b)
  return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1
end

local function free(box, taken, bounds, soft)
  if box.x0 < bounds.x0 or box.x1 > bounds.x1 or box.y0 < bounds.y0 or box.y1 > bounds.y1 then return false end
  for _, t in ipairs(taken) do if intersects(box, t) then return false end end
  for _, t in ipairs(soft or {}) do if intersects(box, t) then return false end end
  return true
end

-- Directions tried around a point: right and upper right first (where a reader looks), then
-- the others, then the ones between them.
local DIRECTIONS = {{1, -1}, {1, 0}, {1, 1}, {0, -1}, {0, 1}, {-1, -1}, {-1, 0}, {-1, 1},
                    {1, -0.5}, {1, 0.5}, {0.5, -1}, {0.5, 1}, {-0.5, -1}, {-0.5, 1}, {-1, -0.5}, {-1, 0.5}}
local DISTANCES = {4, 12, 22, 34, 48, 64, 84, 108}
-- (a number, short, may go further: its leader line ties it to its point)
local NUMBER_DISTANCES = {4, 12, 22, 34, 48, 64, 84, 108, 136, 170, 210}

-- The box of a text of width w and size `size` whose nearest side or corner is d pixels from
-- (px, py) in direction dir; its baseline point.
local function box_at(px, py, dir, d, w, size)
  local h = size * 1.25
  local cx = px + dir[1] * (d + 6 + w / 2)
  local cy = py + dir[2] * (d + 6 + h / 2)
  local box = {x0 = cx - w / 2, x1 = cx + w / 2, y0 = cy - h / 2, y1 = cy + h / 2}
  return box, box.x0 + 1, box.y1 - size * 0.32
end

-- M.place(points, bounds, size[, soft]): points = {{x =, y =, text =}, ...} in pixels, bounds
-- the box labels must stay in ({x0, y0, x1, y1}), soft boxes a label avoids when it can
-- (error bars). Returns one placement per point with a text:
-- {x, y (baseline), box, leader = {x1, y1, x2, y2} or nil}, and when no spot was free for
-- the label, number = k and text = "k" (the caller writes the number and lists the label in
-- its key); and the count of numbered labels.
function M.place(points, bounds, size, soft)
  local taken = {}
  for _, p in ipairs(points) do
    taken[#taken + 1] = {x0 = p.x - 6, x1 = p.x + 6, y0 = p.y - 6, y1 = p.y + 6}
  end
  -- the first free spot for text around p, or nil
  local function spot(p, text, avoid, distances)
    local w = M.width(text, size) + 2
    for _, d in ipairs(distances or DISTANCES) do
      for _, dir in ipairs(DIRECTIONS) do
        local box, tx, ty = box_at(p.x, p.y, dir, d, w, size)
        if free(box, taken, bounds, avoid) then
          local placed = {x = tx, y = ty, box = box}
          if d > DISTANCES[2] then
            -- from the point's edge to the nearest point of the box
            local nx = math.max(box.x0, math.min(p.x, box.x1))
            local ny = math.max(box.y0, math.min(p.y, box.y1))
            local dx, dy = nx - p.x, ny - p.y
            local len = math.max(1e-9, math.sqrt(dx * dx + dy * dy))
            placed.leader = {p.x + dx / len * 6, p.y + dy / len * 6, nx, ny}
          end
          taken[#taken + 1] = box
          return placed
        end
      end
    end
  end
  local out, numbered = {}, 0
  for i, p in ipairs(points) do
    if p.text ~= "" then out[i] = spot(p, p.text, soft) or spot(p, p.text) or false end
  end
  -- the labels with no free spot: a number beside the point (anywhere when even that finds
  -- no room), listed in the caller's key
  for i, p in ipairs(points) do
    if out[i] == false then
      numbered = numbered + 1
      local text = tostring(numbered)
      local placed = spot(p, text, soft, NUMBER_DISTANCES) or spot(p, text, nil, NUMBER_DISTANCES)
      if not placed then
        local box, tx, ty = box_at(p.x, p.y, DIRECTIONS[1], DISTANCES[1], M.width(text, size) + 2, size)
        placed = {x = tx, y = ty, box = box}
      end
      placed.number, placed.text = numbered, text
      out[i] = placed
    end
  end
  return out, numbered
end

M.intersects = intersects
M.free = free
M.box_at = box_at
M.DIRECTIONS = DIRECTIONS
M.text_width = svg.text_width

return M
