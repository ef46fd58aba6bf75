-- Assertions and a runner for the Lua tests in Tests/lua (see README.md there).
--
-- A test file is a suite: a table of named cases, returned by the file.
--
--   local T = require("testing")
--   local test = T.suite("weights")              -- named after its file; keeps definition order
--   function test.tpr_power_matches_reference() T.near(weights.variance({1, 3}), 1, 1e-12, "variance") end
--   return test
--
-- Cheap setup that cannot fail in interesting ways may stay at file level (locals); anything
-- else goes into a helper the cases call. Before loading the file and before each case the runner
-- calls tensor.seed(testing.SEED) (1), so a case draws the same random numbers alone as in a full run.
--
-- Assertions raise an error that names the caller's file:line:
--   T.eq(actual, expected, what)              actual == expected
--   T.near(actual, expected, tol, what)       |actual - expected| <= tol * max(1, |expected|); a Tensor via :item()
--   T.same_table(actual, expected, what, tol) nested tables element by element (numbers within tol)
--   T.raises(fragment, fn, ...)               fn(...) raises an error containing `fragment`; returns it
--   T.tmpdir()                                a fresh directory, removed after the case
--
-- Runner: every case runs under xpcall with a traceback; every failure is reported.
--   T.run(suite [, case [, on_case]])       runs the selected cases; returns a result (see `new_result`)
--   T.run_file(path [, filter [, on_case]]) loads a test file and runs it; a file that does not load
--                                           is reported as such (result.load_error)
--   T.main(dir, args)                       the command line (run.lua): prints, returns the exit status
--
-- Selecting cases: a filter "file.case" or "case" (a "file." prefix counts only when file.lua is a
-- test file in the same directory; other files are then skipped). A case runs when its name is
-- the case part exactly; if no name is, every case whose name contains it (plain text) or
-- matches it as a Lua pattern. An empty case part selects every case.
--   lwscript Tests/lua/run.lua                                   every file
--   lwscript Tests/lua/run.lua weights                           one file
--   lwscript Tests/lua/run.lua weights tpr_power_matches_reference   (or weights.tpr_power_matches_reference)
--   lwscript Tests/lua/run.lua weights '^rejects_'               a pattern
--   LWSCRIPT_TEST_CASE=weights.tpr_power_matches_reference \
--     swift test --disable-swift-testing --filter LuaScriptTests/testWeightFunctions
local testing = {}

testing.SEED = 1

-- Wall-clock seconds (lwscript's monotonic clock; os.clock counts CPU time of every thread).
local clock = sys and sys.clock or os.clock

-- Assertions ------------------------------------------------------------------------------

function testing.eq(actual, expected, what)
  if actual ~= expected then
    error(string.format("%s: expected %s, got %s", what or "value", tostring(expected), tostring(actual)), 2)
  end
end

function testing.near(actual, expected, tol, what)
  tol = tol or 1e-5
  if type(actual) ~= "number" then actual = actual:item() end
  if math.abs(actual - expected) > tol * math.max(1, math.abs(expected)) then
    error(string.format("%s: expected %.8g, got %.8g", what or "value", expected, actual), 2)
  end
end

-- Nested tables compared element by element: numbers within `tol`, anything else (strings,
-- booleans) equal. The error names the first differing path, e.g. "totable[2][3]".
function testing.same_table(actual, expected, what, tol)
  tol = tol or 0
  local function walk(a, e, path)
    if type(e) == "table" then
      if type(a) ~= "table" or #a ~= #e then
        return string.format("%s%s: expected a table of %d, got %s", what or "table", path, #e,
          type(a) == "table" and ("a table of " .. #a) or tostring(a))
      end
      for i = 1, #e do
        local diff = walk(a[i], e[i], path .. "[" .. i .. "]")
        if diff then return diff end
      end
    else
      local numbers = type(e) == "number" and type(a) == "number"
      if numbers and math.abs(a - e) > tol or not numbers and a ~= e then
        return string.format("%s%s: expected %s, got %s", what or "table", path, tostring(e), tostring(a))
      end
    end
    return nil
  end
  local diff = walk(actual, expected, "")
  if diff then error(diff, 2) end
end

-- Calls fn and checks that it raises an error whose message contains `fragment` (plain).
function testing.raises(fragment, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error containing '" .. fragment .. "', but the call succeeded", 2) end
  if not tostring(err):find(fragment, 1, true) then
    error("expected an error containing '" .. fragment .. "', got: " .. tostring(err), 2)
  end
  return err
end

-- Scratch directories: each belongs to the case (or file load) that made it ---------------

local scratch = {}

local function quote(path) return "'" .. path:gsub("'", "'\\''") .. "'" end

function testing.tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p " .. quote(d)))
  scratch[#scratch + 1] = d
  return d
end

local function remove_scratch(from)
  for i = #scratch, from + 1, -1 do
    os.execute("rm -rf " .. quote(scratch[i]))
    scratch[i] = nil
  end
end

-- Suites ----------------------------------------------------------------------------------

local suite_meta = {}   -- suite -> {name = ..., order = {case names}}

-- A table of named cases that remembers the order in which they are defined.
function testing.suite(name)
  assert(type(name) == "string" and name ~= "", "testing.suite: expected the suite's name (its file's name)")
  local info = {name = name, order = {}}
  local suite = setmetatable({}, {
    __newindex = function(t, case, fn)
      if type(case) ~= "string" or type(fn) ~= "function" then
        error("suite '" .. name .. "': a case is a function stored under a name, got " .. tostring(case), 2)
      end
      if rawget(t, case) ~= nil then error("suite '" .. name .. "': case '" .. case .. "' is defined twice", 2) end
      info.order[#info.order + 1] = case
      rawset(t, case, fn)
    end,
  })
  suite_meta[suite] = info
  return suite
end

-- Names of `names` selected by the case filter (see the header).
local function select_cases(names, filter)
  if filter == nil or filter == "" then return names end
  for _, n in ipairs(names) do
    if n == filter then return {n} end
  end
  local picked = {}
  for _, n in ipairs(names) do
    local ok, at = pcall(string.find, n, filter)
    if n:find(filter, 1, true) or (ok and at) then picked[#picked + 1] = n end
  end
  return picked
end

-- Tracebacks: the frames between the failing assertion and the runner, without the
-- assertion helpers' own frames.
local here = debug.getinfo(1, "S").short_src
local TRACE_LINES = 4

local function relevant_traceback(tb)
  local kept = {}
  for line in tb:gmatch("[^\n]+") do
    local l = line:gsub("^%s+", "")
    if l:find("[C]: in function 'xpcall'", 1, true) or l:find(here, 1, true) == 1 and l:find("in function 'testing.run'", 1, true) then
      break
    end
    if l ~= "stack traceback:" and l:find(here, 1, true) ~= 1 and l ~= "[C]: in function 'error'"
        and l ~= "(...tail calls...)" then
      kept[#kept + 1] = l
      if #kept == TRACE_LINES then break end
    end
  end
  return table.concat(kept, "\n")
end

local function on_error(e)
  local message = type(e) == "string" and e or tostring(e)
  return {message = message, traceback = relevant_traceback(debug.traceback("", 2))}
end

-- A run's result:
--   name      the suite's (file's) name
--   selected  false when the filter names another file (nothing ran)
--   load_error the message when the file did not load (syntax error, setup error, no suite)
--   cases     how many cases the suite defines; ran, failed: how many ran and failed
--   failures  {name = case, message = "file:line: what", traceback = "frames"} per failed case
--   results   {name = case, ok = bool, seconds = n} per case run, in order
local function new_result(name)
  return {name = name, selected = true, cases = 0, ran = 0, failed = 0, failures = {}, results = {}}
end

-- Runs the selected cases of `suite`; `on_case(result_entry, failure_or_nil)` is called after each.
function testing.run(suite, filter, on_case)
  local info = assert(suite_meta[suite], "testing.run: expected a suite (testing.suite)")
  local result = new_result(info.name)
  result.cases = #info.order
  for _, name in ipairs(select_cases(info.order, filter)) do
    if tensor then tensor.seed(testing.SEED) end
    local mark = #scratch
    local t0 = clock()
    local ok, failure = xpcall(suite[name], on_error)
    remove_scratch(mark)
    local entry = {name = name, ok = ok, seconds = clock() - t0}
    result.ran = result.ran + 1
    result.results[#result.results + 1] = entry
    if not ok then
      failure.name = name
      result.failed = result.failed + 1
      result.failures[#result.failures + 1] = failure
    end
    if on_case then on_case(entry, not ok and failure or nil) end
  end
  return result
end

-- Files -----------------------------------------------------------------------------------

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function split_path(path)
  local dir, base = path:match("^(.*)/([^/]*)$")
  if not dir then dir, base = ".", path end
  return dir, (base:gsub("%.lua$", ""))
end

-- The case filter for file `name` in `dir`, or false when the filter selects another file.
local function case_filter_for(filter, dir, name)
  if filter == nil or filter == "" then return "" end
  local file, rest = filter:match("^([%w_]+)%.(.*)$")
  if file == name then return rest end
  if file and file_exists(dir .. "/" .. file .. ".lua") then return false end
  return filter
end

-- Loads the test file at `path` and runs its cases selected by `filter` (see the header).
function testing.run_file(path, filter, on_case)
  local dir, name = split_path(path)
  local result = new_result(name)
  local case_filter = case_filter_for(filter, dir, name)
  if case_filter == false then
    result.selected = false
    return result
  end
  local mark = #scratch
  if tensor then tensor.seed(testing.SEED) end
  local chunk, err = loadfile(path)
  local ok, suite = false, err
  if chunk then
    ok, suite = xpcall(chunk, on_error)
    if not ok then suite = suite.message .. (suite.traceback ~= "" and "\n" .. suite.traceback or "") end
  end
  if ok and not suite_meta[suite] then
    ok, suite = false, path .. " returned " .. type(suite) .. ", not a suite (end the file with `return test`)"
  elseif ok and suite_meta[suite].name ~= name then
    ok, suite = false, path .. " defines suite '" .. suite_meta[suite].name .. "'; name it after its file: '" .. name .. "'"
  end
  if not ok then
    remove_scratch(mark)
    result.load_error = suite
    return result
  end
  result = testing.run(suite, case_filter, on_case)
  remove_scratch(mark)
  return result
end

-- Command line (run.lua) --------------------------------------------------------------------

-- Files in `dir` that are not test suites: the helpers and the generated reference data.
local helpers = {testing = true, run = true, datafiles = true}

local function test_files(dir)
  local files = {}
  local p = assert(io.popen("ls -1 " .. quote(dir)))
  for f in p:lines() do
    local name = f:match("^(.*)%.lua$")
    if name and not helpers[name] and not name:find("_data$") then files[#files + 1] = name end
  end
  p:close()
  table.sort(files)
  return files
end

local function indent(text, by)
  return by .. text:gsub("\n", "\n" .. by)
end

local USAGE = [==[
usage: lwscript Tests/lua/run.lua [file [case]]
       lwscript Tests/lua/run.lua file.case
  Runs the test files in Tests/lua (all of them when no file is named) and reports every failed
  case. `case` is a case name, or a plain fragment or Lua pattern of names. Exit status 1 when a
  case failed, a file did not load, or nothing matched; 2 for an unknown file or extra arguments.]==]

-- Runs the files named by `args` (see USAGE) from `dir`; prints a report and returns the
-- exit status.
function testing.main(dir, args)
  local file, filter = args[1], args[2]
  if file == "-h" or file == "--help" then print(USAGE) return 0 end
  if #args > 2 then io.stderr:write(USAGE, "\n") return 2 end
  local files
  if file == nil then
    files = test_files(dir)
  else
    file = file:gsub("%.lua$", "")
    if not filter and not file_exists(dir .. "/" .. file .. ".lua") then
      local f, rest = file:match("^([%w_]+)%.(.*)$")
      if f then file, filter = f, rest end
    end
    if helpers[file] or not file_exists(dir .. "/" .. file .. ".lua") then
      io.stderr:write("run.lua: no test file '", file, ".lua' in ", dir, "\n")
      return 2
    end
    files = {file}
  end
  local verbose = #files == 1           -- one file: a line per case; else failures and a line per file
  local total, failed, broken, failed_names = 0, 0, 0, {}
  local t0 = clock()
  for _, name in ipairs(files) do
    local r = testing.run_file(dir .. "/" .. name .. ".lua", filter and name .. "." .. filter, function(entry, failure)
      if verbose or failure then
        print(string.format("%-4s %s.%s (%.2f s)", entry.ok and "ok" or "FAIL", name, entry.name, entry.seconds))
      end
      if failure then
        print(indent(failure.message, "     "))
        if failure.traceback ~= "" then print(indent(failure.traceback, "       ")) end
      end
    end)
    if r.load_error then
      broken = broken + 1
      failed_names[#failed_names + 1] = name .. " (did not load)"
      print(string.format("LOAD %s: the file did not load:", name))
      print(indent(r.load_error, "     "))
    else
      total, failed = total + r.ran, failed + r.failed
      for _, f in ipairs(r.failures) do failed_names[#failed_names + 1] = name .. "." .. f.name end
      print(string.format("%-16s %3d of %3d cases run, %d failed", name, r.ran, r.cases, r.failed))
    end
  end
  if #files > 1 then
    print(string.format("%d cases run in %d files (%.1f s), %d failed%s", total, #files, clock() - t0, failed,
      broken > 0 and string.format(", %d file%s did not load", broken, broken == 1 and "" or "s") or ""))
  end
  if #failed_names > 0 then print("failed: " .. table.concat(failed_names, ", ")) end
  if total == 0 and broken == 0 then
    print("no case matches '" .. tostring(filter) .. "'")
    return 1
  end
  return (failed > 0 or broken > 0) and 1 or 0
end

return testing
