-- A study's runs as cells in its directory, so that many processes (local workers, Slurm
-- tasks) can share one study and a study can be collected or resumed at any time
-- (docs/experiment.md, "Many processes"). A cell is one run: a seed's baseline, or a method
-- (or its control) on that seed. In the study directory:
--
--   cells/<id>.lua     the finished run's record (read as data, never run); written last and
--                      atomically, so its presence means the cell is done
--   cells/<id>.claim   who runs the cell ("host pid slurm-job"), created only if absent
--                      (O_EXCL), so two processes never run one cell
--   cells/<id>.failed  why a cell failed (its error, or that its process died), and its log
--   plan.lua           every cell of the study and the configuration they belong to
local util = require("lwscript.util")
local literal = require("lwscript.literal")
local sys = require("sys")

local M = {}

local fmt, join = string.format, util.join

-- The cell of a method's run on a seed ("seed3-tpr_weighted_ce"), also its run directory's name.
function M.id(seed, name)
  return fmt("seed%s-%s", tostring(seed), (name:gsub("[^%w_.=-]", "_")))
end

local function path(out, id, ext) return join(join(out, "cells"), id .. ext) end
M.path = path

-- What the study's files need of a run, as data: the test report keeps its confusion matrix
-- and per-sample predictions (the test-set bootstrap) but not the test labels (the same for
-- every run: the study puts them back when it reads the record), the history drops its last
-- report (the study keeps the one s came from, without predictions).
function M.record(r)
  local out = util.copy(r)
  if r.report then
    out.report = util.copy(r.report)
    out.report.labels = nil
  end
  if r.history then
    out.history = util.copy(r.history)
    out.history.last_report = nil
  end
  if r.s_report then
    out.s_report = util.copy(r.s_report)
    out.s_report.predictions, out.s_report.labels = nil, nil
  end
  return out
end

-- Runs f(...), which writes into the study directory; its error says so and names the study.
local function writing(f, ...)
  local ok, err = pcall(f, ...)
  if not ok then util.fail("experiment.learnability: cannot write the study's cells: " .. util.strip_position(tostring(err))) end
end

-- Where and from what a cell's numbers came: the commit (LWSCRIPT_COMMIT, which scripts/run
-- and scripts/findings-run set), the host, its CPU and the threads; kept in the record, so that
-- a study collected later, elsewhere or by newer code still names what trained each cell.
function M.made()
  return {commit = sys.getenv("LWSCRIPT_COMMIT"), host = sys.hostname(), cpu = sys.machine().cpu, threads = sys.threads()}
end

function M.save(out, id, r, key)
  local rec = M.record(r)
  rec.key = key
  writing(function()
    sys.mkdir(join(out, "cells"))
    util.write_file(path(out, id, ".lua"), "return " .. literal.write(rec) .. "\n")
  end)
end

-- The top-level fields in which two configuration keys (literal text) differ, as
-- "threads 1 there, 2 here"; "" when they cannot be read.
local function differences(theirs, ours)
  local a, b = literal.parse(tostring(theirs or "")), literal.parse(tostring(ours or ""))
  if type(a) ~= "table" or type(b) ~= "table" then return "" end
  local names, seen = {}, {}
  for k in pairs(a) do seen[k] = true; names[#names + 1] = k end
  for k in pairs(b) do if not seen[k] then names[#names + 1] = k end end
  table.sort(names, function(x, y) return tostring(x) < tostring(y) end)
  local function show(v)
    if v == nil then return "none" end
    local text = type(v) == "table" and literal.write(v) or tostring(v)
    return #text > 60 and text:sub(1, 57) .. "..." or text
  end
  local out = {}
  for _, k in ipairs(names) do
    if literal.write(a[k]) ~= literal.write(b[k]) then
      out[#out + 1] = fmt("%s %s there, %s here", tostring(k), show(a[k]), show(b[k]))
    end
  end
  return #out > 0 and (" (" .. table.concat(out, "; ") .. ")") or ""
end

-- A file of a study with another configuration: its cells do not belong to this one.
local function foreign(out, p, theirs, ours)
  util.fail(fmt("experiment.learnability: %s was made by a study with another configuration%s; give the study another "
                .. "'out' directory, or remove %s to start it afresh", p, differences(theirs, ours), join(out, "cells")))
end

-- The record of a finished cell, or nil. A record made under another configuration (key) is
-- an error: its numbers do not belong to this study.
function M.load(out, id, key)
  local p = path(out, id, ".lua")
  if not util.file_exists(p) then return nil end
  local rec, err = literal.read(p)
  if type(rec) ~= "table" then util.fail(fmt("experiment.learnability: %s is damaged (%s); remove it to run the cell again", p, tostring(err))) end
  if key and rec.key ~= key then foreign(out, p, rec.key, key) end
  rec.key = nil
  return rec
end

function M.done(out, id) return util.file_exists(path(out, id, ".lua")) end

-- Claims a cell for this process: true if it was free.
function M.claim(out, id)
  writing(sys.mkdir, join(out, "cells"))
  return sys.claim(path(out, id, ".claim"), fmt("%s %d %s\n", sys.hostname(), sys.pid(), os.getenv("SLURM_JOB_ID") or ""))
end

-- Who claimed a cell: host, pid, slurm job id (or nil when unclaimed).
function M.claimant(out, id)
  local f = io.open(path(out, id, ".claim"), "r")
  if not f then return nil end
  local text = f:read("a") or ""
  f:close()
  local host, pid, job = text:match("^(%S+) (%d+) ?(%S*)")
  return host, tonumber(pid), job ~= "" and job or nil
end

function M.fail(out, id, message)
  writing(function()
    sys.mkdir(join(out, "cells"))
    util.write_file(path(out, id, ".failed"), message .. "\n")
  end)
end

function M.failure(out, id)
  local f = io.open(path(out, id, ".failed"), "r")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return (text:gsub("\n$", ""))
end

-- A cell's state: "done", "failed", "running" (claimed by a live process, or by a process on
-- another host), "died" (claimed here by a process that no longer runs), or "missing".
function M.state(out, id)
  if M.done(out, id) then return "done" end
  if M.failure(out, id) then return "failed" end
  local host, pid = M.claimant(out, id)
  if not host then return "missing" end
  if host == sys.hostname() and not sys.alive(pid) then return "died" end
  return "running"
end

-- Forgets the given cells: every trace (a fresh start), or with `retry` only the failed and
-- abandoned ones (failed, or claimed here by a process that died), so that they run again;
-- a cell another live process is running keeps its claim.
function M.clear(out, ids, retry)
  for _, id in ipairs(ids) do
    local state = retry and M.state(out, id)
    if not retry or state == "failed" or state == "died" then
      if not retry then os.remove(path(out, id, ".lua")) end
      os.remove(path(out, id, ".claim"))
      os.remove(path(out, id, ".failed"))
    end
  end
end

-- plan.lua: the cells (ids, seeds, names, in run order) and the configuration key.
function M.write_plan(out, plan)
  writing(function()
    sys.mkdir(out)
    util.write_file(join(out, "plan.lua"), "return " .. literal.write(plan) .. "\n")
  end)
end

-- The cells in `out` belong to this study's configuration (checked once, on plan.lua, before
-- any cell is taken as done; each record is checked again when it is read).
function M.check_plan(out, key)
  local plan = M.read_plan(out)
  if plan and plan.key ~= key then foreign(out, join(out, "plan.lua"), plan.key, key) end
end

function M.read_plan(out)
  local p = join(out, "plan.lua")
  if not util.file_exists(p) then return nil, p .. " does not exist (not a study directory, or one written before studies kept a plan)" end
  local plan, err = literal.read(p)
  if type(plan) ~= "table" or type(plan.cells) ~= "table" then return nil, p .. " is damaged (" .. tostring(err) .. ")" end
  return plan
end

return M
