-- Helpers for the data tests: a scratch directory and writers of small files in the exact
-- formats the loaders read (IDX, CIFAR binary, CSV, NPY).
local M = {}

-- A scratch directory, removed after the test case that made it (testing.tmpdir).
M.tmpdir = require("testing").tmpdir

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

-- Nested tables compared element by element (numbers within a tolerance, strings equal).
M.same = require("testing").same_table

return M
