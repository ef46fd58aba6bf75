-- Calls every tensor function and method with hostile argument combinations under pcall.
-- Passing means the process is still alive at the end: errors are fine, crashes are not.
-- Run by CLITests in a subprocess, so a crash is reported as a signal, not lost, and in a
-- scratch directory: functions that write files receive relative paths such as "x". Run it
-- by hand from an empty directory too.
--
-- Then the adversarial probes of fuzz_probes.lua (callbacks returning wrong types, wrong
-- `self`, sizes that overflow, overlapping views, abandoned coroutines, deep nesting) run in
-- child processes and their unexpected findings are counted and listed. They do not fail the
-- run unless LWSCRIPT_FUZZ_STRICT=1 (then any finding gives exit status 1).
--
--   lwscript tensor_fuzz.lua [seed]            both parts
--   lwscript tensor_fuzz.lua seed args         the argument fuzz only
--   lwscript tensor_fuzz.lua seed probes [GROUP]   the probes only (of one group: callback, self,
--                                                  size, overlap, coroutine, nesting)
--   (lwscript tensor_fuzz.lua seed probe-child FROM GROUP|all DIR: a child running probes FROM,
--   FROM + 1, ... and writing files in DIR)
local seed = tonumber(arg and arg[1]) or 1
local mode = arg and arg[2]
math.randomseed(seed)

-- The probes' child: runs probe FROM and the following ones, a line before and after each.
if mode == "probe-child" then
  local P = require("fuzz_probes")
  P.scratch_dir = arg[5] or "."
  local list = P.probes(seed)
  for i = tonumber(arg[3]) or 1, #list do
    if arg[4] ~= "all" and list[i].group ~= arg[4] then goto next_probe end
    io.stdout:write("\n@@begin ", i, "\n")
    io.stdout:flush()
    local started = sys.clock()
    local finding = P.run(list[i], seed)
    io.stdout:write("\n@@end ", i, " ", string.format("%.3f", sys.clock() - started), " ",
      finding and finding[1] or "ok", "|", finding and finding[2] or "", "\n")
    io.stdout:flush()
    ::next_probe::
  end
  os.exit(0)
end

-- The probes, each in a child process until one dies: a death is a "crash" finding of the
-- probe that began last, and the next child starts after it. Children get 1 GB of address
-- space (a size that overflows fails at once instead of filling the machine's memory), no
-- core files, no Swift backtraces, and 40 s for all the probes it runs (a few seconds on an
-- idle machine; a loaded one is slower).
local function run_probes(group)
  local P = require("fuzz_probes")
  local list = P.probes(seed)
  local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
  local timeout = os.execute("command -v timeout >/dev/null 2>&1") and "timeout -s KILL 40 " or ""
  local errors_file = os.tmpname()
  local scratch_dir = errors_file .. ".d"
  sys.mkdir(scratch_dir)
  local findings, counts, groups, children, times = {}, {}, {}, 0, {}
  local function record(i, kind, detail)
    findings[#findings + 1] = {i = i, kind = kind, detail = detail}
    counts[kind] = (counts[kind] or 0) + 1
  end
  local function stderr_line()
    local f = io.open(errors_file, "r")
    if not f then return "" end
    local text = f:read("a")
    f:close()
    local line = text:match("Fatal error[^\n]*") or text:match("lwscript: [^\n]*") or text:match("([^\n]+)%s*$") or ""
    return P.first_line(line)
  end
  local started = sys.clock()
  local from = 1
  while from <= #list do
    children = children + 1
    local command = string.format("ulimit -v 1000000 2>/dev/null; ulimit -c 0 2>/dev/null; " ..
      "SWIFT_BACKTRACE=enable=no exec %s%s %s %d probe-child %d %s %s 2>%s", timeout, quote(arg[-1]), quote(arg[0]),
      seed, from, quote(group or "all"), quote(scratch_dir), quote(errors_file))
    local pipe = assert(io.popen(command, "r"))
    local current, last = nil, from - 1
    for line in pipe:lines() do
      local b = line:match("^@@begin (%d+)$")
      if b then current = tonumber(b) end
      local e, seconds, kind, detail = line:match("^@@end (%d+) ([%d.]+) ([^|]*)|(.*)$")
      if e then
        current, last = nil, tonumber(e)
        times[last] = tonumber(seconds)
        if kind ~= "ok" then record(last, kind, detail) end
      end
    end
    local _, how, code = pipe:close()
    if current then
      local why
      -- timeout kills its whole process group with SIGKILL (then exits 124 or 137, or dies of it)
      if (how == "signal" and code == 9) or code == 124 or code == 137 then why = "no answer after 40 s (killed)"
      elseif how == "signal" then why = "signal " .. code
      elseif code > 128 then why = "signal " .. (code - 128)
      else why = "exit status " .. code end
      local line = stderr_line()
      record(current, "crash", why .. (line ~= "" and (": " .. line) or ""))
      from = current + 1
    else
      -- the child ran to the end (or, having run nothing, could not start)
      if last < from and not group then record(from, "crash", "the probe process did not start: " .. stderr_line()) end
      break
    end
  end
  os.remove(errors_file)
  os.execute("rm -rf " .. quote(scratch_dir))
  local seconds = {}
  for i, p in ipairs(list) do
    if not group or p.group == group then
      groups[p.group] = (groups[p.group] or 0) + 1
      seconds[p.group] = (seconds[p.group] or 0) + (times[i] or 0)
    end
  end
  local kinds = {}
  for _, k in ipairs({"crash", "raw error", "accepted", "wrong", "state"}) do
    if counts[k] then kinds[#kinds + 1] = k .. " " .. counts[k] end
  end
  local per_group = {}
  for _, g in ipairs(P.GROUPS) do
    if groups[g] then per_group[#per_group + 1] = string.format("%s %d in %.1f s", g, groups[g], seconds[g]) end
  end
  print(string.format("fuzz: adversarial probes (seed %d): %d probes (%s), %d unexpected findings%s, %d child processes, %.1f s",
    seed, group and groups[group] or #list, table.concat(per_group, ", "), #findings, #kinds > 0 and (" (" .. table.concat(kinds, ", ") .. ")") or "",
    children, sys.clock() - started))
  local slowest = {}
  for i in pairs(times) do slowest[#slowest + 1] = i end
  table.sort(slowest, function(a, b) return times[a] > times[b] or (times[a] == times[b] and a < b) end)
  local slow = {}
  for k = 1, math.min(3, #slowest) do slow[k] = string.format("%s %.2f s", list[slowest[k]].name, times[slowest[k]]) end
  print("fuzz:   slowest probes: " .. table.concat(slow, "; "))
  table.sort(findings, function(a, b) return a.i < b.i end)
  for _, f in ipairs(findings) do
    local p = list[f.i]
    print(string.format("fuzz:   %-9s %-9s %s: %s", f.kind, p.group, p.name, f.detail))
  end
  return #findings
end

if mode == "probes" then
  local found = run_probes(arg[3])
  if found > 0 and os.getenv("LWSCRIPT_FUZZ_STRICT") == "1" then os.exit(1) end
  return
end

local function pool()
  return {
    nil, 0, 1, 2, 3, -1, -2, 0.5, 1e300, -1e300, 0 / 0, math.huge, -math.huge,
    math.maxinteger, math.mininteger, "x", "", true, {}, {1, 2}, {{1}, {2, 3}}, {-1, 2},
    {0 / 0}, {1e300}, {keepdim = true}, {keepdim = 1}, {unbiased = false}, print,
    tensor.new(2.5), tensor.new({1, 2, 3}), tensor.new({{1, 2}, {3, 4}}), tensor.zeros(0),
    tensor.zeros(2, 0, 3), tensor.new({0 / 0, 1}), tensor.ones(2, 3):t(),
    tensor.ones(1, 3, 1), tensor.new({1e30, -1e30}),
    100000, tensor.ones(2, 3, 8, 8), tensor.ones(2, 5, 3), nn.Linear(3, 2), nn.ReLU(),
    nn.Sequential(nn.Linear(2, 2)), loss.cross_entropy(), {1, 2, 3, 4, 5, 6, 7},
  }
end
local values = pool()
local n = 45  -- #values with the nil hole counted

local function pick() return values[math.random(n)] end

local targets = {}
-- tensor.save writes where it is told: fuzz it with every string path sent to a scratch file.
local scratch, save = os.tmpname(), tensor.save
local function redirected_save(path, ...) return save(type(path) == "string" and scratch or path, ...) end
for name, fn in pairs(tensor) do
  targets[#targets + 1] = {"tensor." .. name, name == "save" and redirected_save or fn, false}
end
local methods = debug.getregistry()["lwscript.Tensor.methods"]
for name, fn in pairs(methods) do targets[#targets + 1] = {"Tensor:" .. name, fn, true} end
local mt = debug.getregistry()["lwscript.Tensor"]
for _, name in ipairs({"__add", "__sub", "__mul", "__div", "__pow", "__unm", "__len", "__index",
                       "__newindex", "__lt", "__le", "__tostring"}) do
  targets[#targets + 1] = {"Tensor " .. name, mt[name], false}
end
-- nn.save(m, path) and nn.write_state(path, ...) write files too: paths go to the scratch file.
local function redirect(fn, position)
  return function(...)
    local args = table.pack(...)
    if type(args[position]) == "string" then args[position] = scratch end
    return fn(table.unpack(args, 1, args.n))
  end
end
for name, fn in pairs(nn) do
  local target = name == "save" and redirect(fn, 2) or name == "write_state" and redirect(fn, 1) or fn
  targets[#targets + 1] = {"nn." .. name, target, false}
end
for name, fn in pairs(loss) do targets[#targets + 1] = {"loss." .. name, fn, false} end
for name, fn in pairs(weights) do targets[#targets + 1] = {"weights." .. name, fn, false} end
for name, fn in pairs(metrics) do targets[#targets + 1] = {"metrics." .. name, fn, false} end
for name, fn in pairs(stats or {}) do targets[#targets + 1] = {"stats." .. name, fn, false} end
-- csv.write and Plot:save write where they are told: every string path goes to the scratch file.
targets[#targets + 1] = {"csv.write", function(path, ...) return csv.write(type(path) == "string" and scratch or path, ...) end, false}
targets[#targets + 1] = {"csv.read", function(path) return csv.read(type(path) == "string" and scratch or path) end, false}
for _, name in ipairs({"bars", "heatmap", "lines", "scatter"}) do targets[#targets + 1] = {"plot." .. name, plot[name], false} end
local a_plot = plot.bars{labels = {"a", "b"}, series = {{name = "s", values = {0.5, 0 / 0}}}}
targets[#targets + 1] = {"Plot:save", function(p, path)
  return a_plot.save(math.random(2) == 1 and a_plot or p, type(path) == "string" and scratch .. ".svg" or path)
end, false}
targets[#targets + 1] = {"Plot:svg", a_plot.svg, false}
for name, fn in pairs(debug.getregistry()["lwscript.Module.methods"]) do
  -- Module:save too writes where it is told (it left a file "x" in the working directory)
  local target = fn
  if name == "save" then target = redirect(fn, 2) end
  targets[#targets + 1] = {"Module:" .. name, target, true}
end
-- Left out: what acts on other processes or waits as long as it is told (random arguments
-- would start commands, signal the test runner, or sleep for a day); their checks are in
-- Tests/lua/sys_processes.lua. sys.claim writes where it is told: redirected below.
local PROCESSES = {spawn = true, wait = true, kill = true, run = true, sleep = true, claim = true}
for name, fn in pairs(sys) do
  if name ~= "threads" and name ~= "mkdir" and not PROCESSES[name] then targets[#targets + 1] = {"sys." .. name, fn, false} end
end
-- functions that write files write where they are told: every string path goes to scratch
local scratch_dir = scratch .. ".d"
local function to_scratch_dir(fn) return function(path, ...) return fn(type(path) == "string" and scratch_dir or path, ...) end end
targets[#targets + 1] = {"sys.mkdir", to_scratch_dir(sys.mkdir), false}
targets[#targets + 1] = {"sys.claim", function(path, ...)
  return sys.claim(type(path) == "string" and scratch .. ".claim" or path, ...)
end, false}
for _, name in ipairs({"json", "summary_table", "evaluate", "train", "learnability"}) do
  targets[#targets + 1] = {"experiment." .. name, experiment[name], false}
end
targets[#targets + 1] = {"experiment.save_run", to_scratch_dir(experiment.save_run), false}
targets[#targets + 1] = {"experiment.write_json", to_scratch_dir(experiment.write_json), false}
for name, fn in pairs(experiment.methods) do targets[#targets + 1] = {"experiment.methods." .. name, fn, false} end
table.sort(targets, function(a, b) return a[1] < b[1] end)

local calls, errors = 0, 0
for _, target in ipairs(targets) do
  local fn = target[2]
  -- every pair of pool values, then random triples and quadruples
  for i = 1, n do
    for j = 1, n do
      local ok = pcall(fn, values[i], values[j])
      calls = calls + 1
      if not ok then errors = errors + 1 end
    end
  end
  for _ = 1, 600 do
    local ok = pcall(fn, pick(), pick(), pick(), pick())
    calls = calls + 1
    if not ok then errors = errors + 1 end
  end
end
-- the state still works
assert((tensor.ones(2) + 1):sum():item() == 4)
os.remove(scratch)
os.remove(scratch .. ".svg")
os.remove(scratch .. ".csv")
os.execute("rm -rf '" .. scratch_dir .. "'")
local found = mode ~= "args" and run_probes() or 0
print(string.format("fuzz: %d targets, %d calls, %d raised errors, no crash", #targets, calls, errors))
if found > 0 and os.getenv("LWSCRIPT_FUZZ_STRICT") == "1" then os.exit(1) end
