-- Helpers for the data tests: a scratch directory and writers of small files in the exact
-- formats the loaders read (IDX, CIFAR binary, CSV, NPY).
local M = {}

function M.tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p '" .. d .. "'"))
  return d
end

function M.write(path, bytes)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
  return path
end

function M.unhex(h)
  return (h:gsub("%x%x", function(b) return string.char(tonumber(b, 16)) end))
end

-- IDX: magic 00 00 08 <rank>, big-endian sizes, unsigned bytes.
function M.idx(path, dims, values)
  local parts = {string.char(0, 0, 8, #dims)}
  for _, d in ipairs(dims) do parts[#parts + 1] = string.pack(">I4", d) end
  parts[#parts + 1] = string.char(table.unpack(values))
  return M.write(path, table.concat(parts))
end

-- CIFAR records: label byte(s) then 3072 pixel bytes; image i has value (i * 7 + channel) % 256.
function M.cifar_records(labels, fine)
  local parts = {}
  for i, l in ipairs(labels) do
    if fine then parts[#parts + 1] = string.char(l[1], l[2]) else parts[#parts + 1] = string.char(l) end
    for ch = 0, 2 do parts[#parts + 1] = string.rep(string.char((i * 7 + ch) % 256), 1024) end
  end
  return table.concat(parts)
end

-- Like testing.same_table, but also for strings: nested tables compared element by element.
function M.same(actual, expected, what, tol)
  tol = tol or 0
  local function walk(a, e, path)
    if type(e) == "table" then
      if type(a) ~= "table" or #a ~= #e then
        error(string.format("%s%s: expected a table of %d, got %s", what or "table", path, #e,
          type(a) == "table" and ("a table of " .. #a) or tostring(a)), 4)
      end
      for i = 1, #e do walk(a[i], e[i], path .. "[" .. i .. "]") end
    elseif type(e) == "string" or type(a) ~= "number" then
      if a ~= e then error(string.format("%s%s: expected %q, got %s", what or "table", path, e, tostring(a)), 4) end
    elseif math.abs(a - e) > tol then
      error(string.format("%s%s: expected %s, got %s", what or "table", path, tostring(e), tostring(a)), 4)
    end
  end
  walk(actual, expected, "")
end

return M
