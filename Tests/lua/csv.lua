-- csv: tidy rows to RFC 4180 files and back.
local testing = require("testing")
local test = testing.suite("csv")

local rows = {
  {seed = 1, method = "tpr", class = "shirt", tpr = 0.71},
  {seed = 1, method = "tpr", class = "t-shirt, top", tpr = 1 / 3},
  {seed = 2, method = 'say "hi"', class = "line\nbreak", tpr = 1e-300, ok = true},
  {seed = 2, method = "007", class = "", tpr = 0 / 0, ok = false},
  {seed = 3, method = " padded ", class = "true", tpr = -math.huge},
}

-- a path in the case's scratch directory
local function scratch_csv() return testing.tmpdir() .. "/t.csv" end

local function read_text(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

local function write_text(path, text)
  local f = assert(io.open(path, "wb")); f:write(text); f:close()
end

function test.write_quotes_and_formats_every_value()
  local path = scratch_csv()
  csv.write(path, rows)
  local expected = table.concat({
    "class,method,ok,seed,tpr",
    "shirt,tpr,,1,0.71",
    "\"t-shirt, top\",tpr,,1,0.3333333333333333",
    "\"line\nbreak\",\"say \"\"hi\"\"\",true,2,1e-300",
    "\"\",\"007\",false,2,nan",
    "\"true\",\" padded \",,3,-inf",
  }, "\n") .. "\n"
  testing.eq(read_text(path), expected, "file text")
end

function test.read_gives_back_what_was_written()
  local path = scratch_csv()
  csv.write(path, rows)
  local back, header = csv.read(path)
  testing.same_table(#header, 5, "header")
  testing.eq(table.concat(header, ","), "class,method,ok,seed,tpr", "header names")
  testing.eq(#back, #rows, "row count")
  for i, row in ipairs(rows) do
    for k, v in pairs(row) do
      local got = back[i][k]
      if v ~= v then
        testing.eq(got ~= got, true, "NaN row " .. i)
      else
        testing.eq(got, v, string.format("row %d column %s", i, k))
      end
    end
  end
  testing.eq(back[1].ok, nil, "missing values read back as nil")
  testing.eq(math.type(back[1].seed), "integer", "integers stay integers")
  testing.eq(back[2].tpr, 1 / 3, "full precision")
end

-- columns in a given order; a whole float is written as an integer
function test.given_columns_and_whole_floats()
  local path = scratch_csv()
  csv.write(path, {{b = 2.0, a = "x"}, {a = "y"}}, {columns = {"b", "a"}})
  testing.eq(read_text(path), "b,a\n2,x\n,y\n", "given columns")
end

function test.header_only_file()
  local path = scratch_csv()
  csv.write(path, {}, {columns = {"seed", "D"}})
  local none, h2 = csv.read(path)
  testing.eq(#none, 0, "header only")
  testing.eq(h2[2], "D", "header only names")
end

-- files from other tools: CRLF, BOM, unquoted text
function test.reads_crlf_bom_and_doubled_quotes()
  local path = scratch_csv()
  write_text(path, "\239\187\191name,score\r\nann,1.5e2\r\n\"bo\"\"b\",-3\r\n")
  local other = csv.read(path)
  testing.eq(other[1].score, 150, "exponent")
  testing.eq(other[2].name, 'bo"b', "doubled quote")
  testing.eq(other[2].score, -3, "negative integer")
end

-- errors
function test.write_rejects_bad_rows_options_and_paths()
  local path = scratch_csv()
  local dir = path:match("^(.*)/")
  testing.raises("bad argument #1 to 'csv.write' (expected a file path, got number)", csv.write, 1, rows)
  testing.raises("row 2 must be a table", csv.write, path, {{a = 1}, 5})
  testing.raises("row 1 has key 1", csv.write, path, {{1, 2}})
  testing.raises("row 1, column 'a': expected a number, string or boolean, got table", csv.write, path, {{a = {}}})
  testing.raises("row 1 has column 'c', which is not in option 'columns'", csv.write, path, {{c = 1}}, {columns = {"a"}})
  testing.raises("no columns", csv.write, path, {})
  testing.raises("unknown option 'cols'", csv.write, path, rows, {cols = {"a"}})
  testing.raises("csv.write: cannot write /nonexistent-dir/x.csv", csv.write, "/nonexistent-dir/x.csv", rows)
  local missing = dir .. "/missing"   -- a path ending in "/" names a directory, whether or not it exists
  testing.raises("csv.write: cannot write " .. missing .. "/: it is a directory", csv.write, missing .. "/", rows)
  testing.raises("csv.write: cannot write " .. dir .. "/: it is a directory", csv.write, dir .. "/", rows)
end

function test.read_rejects_missing_and_malformed_files()
  local path = scratch_csv()
  testing.raises("csv.read: cannot open /nonexistent-dir/x.csv (no such file)", csv.read, "/nonexistent-dir/x.csv")
  write_text(path, "a,b\n1,2,3\n")
  testing.raises(path .. ":2: 3 fields, but the header has 2 columns", csv.read, path)
  write_text(path, "a,b\n\"1,2\n")
  testing.raises("quoted field is never closed", csv.read, path)
  write_text(path, "")
  testing.raises("the file is empty", csv.read, path)
  write_text(path, "a,a\n1,2\n")
  testing.raises("column 'a' appears twice", csv.read, path)
end

-- a failed write leaves the previous file in place
function test.failed_write_leaves_the_old_file()
  local path = scratch_csv()
  csv.write(path, {{a = 1}})
  pcall(csv.write, path, {{a = {}}})
  testing.eq(csv.read(path)[1].a, 1, "atomic: old file intact")
end

return test
