-- The rich display protocol: how a Lua value says how it wants to be shown in a report.
-- A value whose metatable has __svg (SVG markup), __html (an HTML fragment) or __markdown
-- is shown that way; tensors of one or two dimensions and plain Lua arrays of numbers
-- become tables; every value also has its plain text, as the REPL prints it. The
-- metamethods are called here, inside Lua under the runner's protected call; a failing or
-- ill-typed one becomes a "display error" of the cell and the value is still shown as text.
-- luacheck: globals display notebook
local capture = require("lwscript.notebook.capture")
local html_views = require("lwscript.notebook.html_views")
local show = require("lwscript.show")
local tensor = require("tensor")

local M = {}

local is_tensor = tensor.is_tensor
local row_limit, col_limit, wide_vector, vector_cols, vector_limit = 100, 20, 20, 10, 1000

-- One shared number format per table: integers as integers, else 4 decimals, or
-- scientific notation for very large or very small magnitudes.
local function number_format(values)
  local integers, maxabs = true, 0
  for _, x in ipairs(values) do
    if x == x and x ~= math.huge and x ~= -math.huge then
      if x ~= math.floor(x) then integers = false end
      if math.abs(x) > maxabs then maxabs = math.abs(x) end
    end
  end
  return function(x)
    if x ~= x then return "nan" end
    if x == math.huge then return "inf" end
    if x == -math.huge then return "-inf" end
    if integers and maxabs < 1e15 then return string.format("%d", math.tointeger(x) or 0) end
    if maxabs >= 1e5 or maxabs < 1e-3 then return string.format("%.4e", x) end
    return string.format("%.4f", x)
  end
end

local function labels(from, to, offset)
  local out = {}
  for i = from, to do out[#out + 1] = tostring(i + (offset or 0)) end
  return out
end

-- values: the first `#values` numbers of a vector of length n.
local function vector_table(values, n, caption)
  local fmt = number_format(values)
  local t = {caption = caption}
  if n <= wide_vector then
    local row = {}
    for i, x in ipairs(values) do row[i] = fmt(x) end
    t.header, t.row_labels, t.rows = labels(1, n), {""}, {row}
    return t
  end
  -- Long vectors wrap into rows of ten: element index = row label + column heading.
  t.header, t.row_labels, t.rows = labels(1, vector_cols), {}, {}
  for start = 1, #values, vector_cols do
    local row = {}
    for i = start, math.min(start + vector_cols - 1, #values) do row[#row + 1] = fmt(values[i]) end
    t.rows[#t.rows + 1] = row
    t.row_labels[#t.row_labels + 1] = tostring(start - 1)
  end
  if #values < n then t.note = string.format("showing %d of %d elements", #values, n) end
  return t
end

-- rows: the first rows/columns of an r x c matrix.
local function matrix_table(rows, r, c, caption)
  local flat = {}
  for _, row in ipairs(rows) do for _, x in ipairs(row) do flat[#flat + 1] = x end end
  local fmt = number_format(flat)
  local t = {caption = caption, header = labels(1, #rows[1]), row_labels = labels(1, #rows), rows = {}}
  for i, row in ipairs(rows) do
    local out = {}
    for j, x in ipairs(row) do out[j] = fmt(x) end
    t.rows[i] = out
  end
  local notes = {}
  if #rows < r then notes[#notes + 1] = string.format("rows 1-%d of %d", #rows, r) end
  if #rows[1] < c then notes[#notes + 1] = string.format("columns 1-%d of %d", #rows[1], c) end
  if #notes > 0 then t.note = "showing " .. table.concat(notes, ", ") end
  return t
end

local function tensor_table(t)
  local shape = t:shape()
  local caption = "FloatTensor of size " .. table.concat(shape, "x")
  if #shape == 1 and shape[1] > 0 then
    local n = shape[1]
    local part = n > vector_limit and t:narrow(1, 1, vector_limit) or t
    return vector_table(part:totable(), n, caption)
  elseif #shape == 2 and shape[1] > 0 and shape[2] > 0 then
    local part = t
    if shape[1] > row_limit then part = part:narrow(1, 1, row_limit) end
    if shape[2] > col_limit then part = part:narrow(2, 1, col_limit) end
    return matrix_table(part:totable(), shape[1], shape[2], caption)
  end
end

-- A plain table whose keys are exactly 1..n: its values, else nil.
local function sequence(v)
  local n = #v
  if n == 0 then return nil end
  local count = 0
  for _ in pairs(v) do
    count = count + 1
    if count > n then return nil end
  end
  return count == n and n or nil
end

-- Plain Lua arrays of numbers (per-class results) and arrays of equal-length number arrays.
local function array_table(v)
  local n = sequence(v)
  if not n then return nil end
  if type(v[1]) == "number" then
    for i = 1, n do if type(v[i]) ~= "number" then return nil end end
    local values = {}
    for i = 1, math.min(n, vector_limit) do values[i] = v[i] end
    return vector_table(values, n, string.format("Lua array of %d number%s", n, n == 1 and "" or "s"))
  end
  if type(v[1]) == "table" and getmetatable(v[1]) == nil then
    local c = sequence(v[1])
    if not c then return nil end
    for i = 1, n do
      local row = v[i]
      if type(row) ~= "table" or getmetatable(row) ~= nil or sequence(row) ~= c then return nil end
      for j = 1, c do if type(row[j]) ~= "number" then return nil end end
    end
    local rows = {}
    for i = 1, math.min(n, row_limit) do
      local row = {}
      for j = 1, math.min(c, col_limit) do row[j] = v[i][j] end
      rows[i] = row
    end
    return matrix_table(rows, n, c, string.format("Lua table of %d x %d numbers", n, c))
  end
end

local function cut(s)
  local limit = capture.limit()
  if #s <= limit then return s end
  local keep = limit
  while keep > 0 and ((s:byte(keep + 1) or 0) & 0xC0) == 0x80 do keep = keep - 1 end
  return s:sub(1, keep) .. string.format("\n... [truncated: %d more bytes]", #s - keep)
end

local rich_keys = {"__svg", "__html", "__markdown"}

-- Everything a report may need to show `v`: {plain =, svg =, html =, markdown =, table =,
-- error =}. Rich metamethods are looked up with rawget on the metatable and called here,
-- inside Lua, under the runner's protected call.
function M.describe(v)
  local d = {}
  local ok, plain = pcall(show, v)
  d.plain = cut(ok and plain or ("<" .. type(v) .. ": " .. tostring(plain) .. ">"))
  local mt = debug.getmetatable(v)
  if type(mt) == "table" and type(v) ~= "string" then
    for _, key in ipairs(rich_keys) do
      local f = rawget(mt, key)
      if f ~= nil then
        local ok2, r = xpcall(f, debug.traceback, v)
        local name = key:sub(3)
        if not ok2 then
          d.error = key .. " failed: " .. tostring(r)
          break
        elseif type(r) ~= "string" then
          d.error = key .. " must return a string, got " .. type(r)
          break
        elseif #r > 50 * capture.limit() then
          d.error = string.format("%s returned %d bytes, more than the %d a cell may show", key, #r, 50 * capture.limit())
          break
        elseif key == "__svg" and not r:find("<svg", 1, true) then
          d.error = "__svg must return SVG markup (<svg ...>...</svg>), got: " .. r:sub(1, 40)
          break
        end
        d[name] = r
      end
    end
  end
  -- datasets and studies have views of their own (html_views.lua)
  if d.error == nil and d.html == nil and d.svg == nil then
    local ok4, h = pcall(html_views.of, v)
    if ok4 and h then d.html = h end
  end
  if d.error == nil then
    local ok3, t
    if is_tensor(v) then
      ok3, t = pcall(tensor_table, v)
    elseif type(v) == "table" and mt == nil then
      ok3, t = pcall(array_table, v)
    end
    if ok3 then d.table = t end
  end
  return d
end

-- Shows each argument in the current cell's report, where display is called (plots made
-- in a loop, several tables in one cell).
local function display_values(...)
  for i = 1, select("#", ...) do
    local d = M.describe((select(i, ...)))
    d.kind = "display"
    capture.push(d)
  end
end

-- Defines the globals `display` and `notebook` ({display =, cell =, path =}).
function M.install(path)
  display = display_values
  notebook = {display = display_values, cell = 0, path = path}
end

return M
