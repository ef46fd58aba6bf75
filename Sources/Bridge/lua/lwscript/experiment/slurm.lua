-- A study on a Slurm cluster (docs/experiment.md, "Many processes"): the cells not yet done
-- become two job arrays, the seeds' baselines first and then the methods (which need their
-- baseline's TPRs; `--dependency=afterany`, so one failed baseline fails only its seed), and
-- a collect job that writes the summary, statistics and plots when both have ended. Every
-- task runs the study's script again with the cells of its line of a list file. The study
-- directory must be on storage that every node sees (a shared home or project directory).
local util = require("lwscript.util")
local cells = require("lwscript.experiment.cells")
local sys = require("sys")

local M = {}

local fmt, join = string.format, util.join
local FNAME = "experiment.learnability"

local is = util.is
M.OPTIONS = {
  partition = is.string, time = is.string, mem = is.string, account = is.string, qos = is.string,
  cpus = is.integer(1, 1024),
  cells_per_task = is.integer(1),
  args = is.array_of(is.string, "an array of extra sbatch arguments", 0),
  wait = is.boolean,
  poll = is.number({above = 0}),
}

-- The options from the study's `slurm` table, or its text ("partition=debug,time=1:00:00,
-- cpus=2,wait"; what the scripts' --slurm gives), else from LWSCRIPT_SLURM (the same text,
-- set by `lwscript study slurm`).
function M.options(cfg)
  local o = cfg.slurm
  if o == nil or type(o) == "string" then
    local text = o or os.getenv("LWSCRIPT_SLURM") or ""
    o = {}
    for item in text:gmatch("[^,]+") do
      local k, v = item:match("^%s*([%w_]+)%s*=%s*(.-)%s*$")
      k = k or item:match("^%s*([%w_]+)%s*$")
      if k == "default" then -- luacheck: ignore 542 (LWSCRIPT_SLURM=default: no options)
      elseif k == "wait" then o.wait = v == nil or v == "true" or v == "1"
      elseif k == "cpus" or k == "cells_per_task" then o[k] = math.tointeger(tonumber(v or ""))
      elseif k == "args" then o.args = {}; for a in (v or ""):gmatch("%S+") do o.args[#o.args + 1] = a end
      elseif k == "poll" then o.poll = tonumber(v or "")
      elseif k then o[k] = v end
    end
  end
  return util.check_options(FNAME, o, 1, M.OPTIONS, "slurm")
end

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function argv_text(argv)
  local q = {}
  for i, a in ipairs(argv) do q[i] = quote(a) end
  return table.concat(q, " ")
end

-- sbatch's answer, or an error naming what was submitted and what sbatch said.
local function sbatch(args, what)
  local argv = {"sbatch", "--parsable"}
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local text, status = sys.run(argv)
  if text == nil or status ~= 0 then
    util.fail(fmt("%s: sbatch refused the %s: %s", FNAME, what, ((text or tostring(status)):gsub("%s+$", ""))))
  end
  return (text:match("^(%d+)"))
end

-- What is wrong before anything is submitted: no sbatch, an unknown partition, a study
-- directory this process cannot write.
local function check(o, out)
  local text, why = sys.run({"sbatch", "--version"})
  if text == nil then
    util.fail(FNAME .. ": option 'slurm': " .. tostring(why) .. "; run on a Slurm login node, or use workers = n for this "
              .. "machine's cores")
  end
  if o.partition then
    local parts = sys.run({"sinfo", "-h", "-o", "%R"}) or ""
    local known = {}
    for p in parts:gmatch("%S+") do known[#known + 1] = p end
    local found = false
    for _, p in ipairs(known) do if p == o.partition then found = true end end
    if not found then
      util.fail(fmt("%s: option 'slurm.partition': no partition '%s' on this cluster (sinfo lists: %s)", FNAME, o.partition,
                    #known > 0 and table.concat(known, ", ") or "none"))
    end
  end
  local probe = join(out, fmt(".write-test-%d", sys.pid()))
  local ok = pcall(function() sys.mkdir(out); util.write_file(probe, "") end)
  if not ok then util.fail(fmt("%s: option 'out': cannot write in %s, which the Slurm tasks must write to", FNAME, out)) end
  os.remove(probe)
end

-- Writes a job script that runs the study's script with the environment given.
local function job_script(path, argv, exports)
  local lines = {"#!/bin/sh", "# A task of an lwscript study (written by experiment.learnability; docs/experiment.md)."}
  for _, e in ipairs(exports) do lines[#lines + 1] = e end
  lines[#lines + 1] = "cd " .. quote(sys.cwd())
  lines[#lines + 1] = "exec " .. argv_text(argv)
  util.write_file(path, table.concat(lines, "\n") .. "\n")   -- (sbatch reads it: no exec bit needed)
end

function M.submit(ops, runner)
  local cfg, out, study = ops.cfg, ops.out, ops.study
  if not out then util.fail(FNAME .. ": option 'slurm' needs option 'out' (the tasks share the study through it)") end
  local o = M.options(cfg)
  check(o, out)
  local argv = runner.script_argv()
  if cfg.resume == false then cells.clear(out, runner.ids(ops.plan)) else cells.check_plan(out, ops.key) end
  -- failed and abandoned cells run again: also those claimed by a task (on any node) whose
  -- job has left the queue without finishing them
  for _, cell in ipairs(ops.plan) do
    local _, _, job = cells.claimant(out, cell.id)
    if job and not cells.done(out, cell.id) then
      local text = sys.run({"squeue", "-h", "-j", job, "-o", "%i"})
      if text and not text:find("%d") then os.remove(cells.path(out, cell.id, ".claim")) end
    end
  end
  cells.clear(out, runner.ids(ops.plan), true)
  cells.write_plan(out, runner.plan_data(ops))
  -- what is left: baselines, then methods, per task `cells_per_task` cells
  local per = o.cells_per_task or 1
  local lists = {baselines = {}, methods = {}}
  local done = 0
  for _, cell in ipairs(ops.plan) do
    if cells.done(out, cell.id) then done = done + 1 else
      local list = cell.name == "baseline" and lists.baselines or lists.methods
      if #list == 0 or #list[#list] >= per then list[#list + 1] = {} end
      table.insert(list[#list], cell.id)
    end
  end
  local dir, logs = join(out, "slurm"), join(out, "logs")
  sys.mkdir(dir)
  sys.mkdir(logs)
  local name = (cfg.name or out:match("([^/]+)/*$") or "study"):gsub("[^%w_.-]", "_")
  local threads = cfg.threads
  local common = {}
  for _, k in ipairs({"partition", "time", "mem", "account", "qos"}) do
    if o[k] then common[#common + 1] = "--" .. k .. "=" .. o[k] end
  end
  common[#common + 1] = "--cpus-per-task=" .. (o.cpus or threads)
  for _, a in ipairs(o.args or {}) do common[#common + 1] = a end
  local function with(extra)
    local a = {}
    for _, v in ipairs(common) do a[#a + 1] = v end
    for _, v in ipairs(extra) do a[#a + 1] = v end
    return a
  end
  -- the task: the cells on line SLURM_ARRAY_TASK_ID + 1 of the list given, named in squeue
  local task = join(dir, "task.sh")
  job_script(task, argv, {
    'cells=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$1")',
    'scontrol update JobId="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}" JobName="lws:' .. name .. ':$cells" >/dev/null 2>&1 || true',
    "export LWSCRIPT_STUDY_WORKER=" .. quote(out) .. ' LWSCRIPT_STUDY_CELLS="$cells"',
    "export LWSCRIPT_STUDY_LOG=" .. quote(logs) .. '"/slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.log"',
    "export LWSCRIPT_STUDY_THREADS=" .. threads .. " LWSCRIPT_THREADS=" .. threads .. " OPENBLAS_NUM_THREADS=" .. threads,
    "export LWSCRIPT_SLURM= LWSCRIPT_WORKERS= LWSCRIPT_STUDY_FRESH=",
  })
  local collect = join(dir, "collect.sh")
  job_script(collect, argv, {"export LWSCRIPT_STUDY_COLLECT=" .. quote(out) .. " LWSCRIPT_STUDY_THREADS=" .. threads,
                             "export LWSCRIPT_SLURM= LWSCRIPT_WORKERS= LWSCRIPT_STUDY_FRESH="})
  local jobs = {}
  local after
  for _, phase in ipairs({"baselines", "methods"}) do
    local list = lists[phase]
    if #list > 0 then
      local file = join(dir, phase .. ".txt")
      local text = {}
      for i, ids in ipairs(list) do text[i] = table.concat(ids, ",") end
      util.write_file(file, table.concat(text, "\n") .. "\n")
      local args = with({"--array=0-" .. (#list - 1), "--job-name=lws:" .. name .. ":" .. phase,
                         "--output=" .. join(logs, "slurm-%A_%a.log")})
      if after then args[#args + 1] = "--dependency=afterany:" .. after end
      args[#args + 1] = task
      args[#args + 1] = file
      jobs[phase] = sbatch(args, phase .. " array (" .. #list .. " tasks)")
      after = jobs[phase]
    end
  end
  local cargs = with({"--job-name=lws:" .. name .. ":collect", "--output=" .. join(logs, "slurm-collect-%j.log")})
  if after then cargs[#cargs + 1] = "--dependency=afterany:" .. after end
  cargs[#cargs + 1] = collect
  jobs.collect = sbatch(cargs, "collect job")
  study.submitted = jobs
  ops.say(fmt("submitted %s: %d baseline and %d method tasks%s, then collect (jobs %s); %d of %d cells were done already",
    name, #lists.baselines, #lists.methods, per > 1 and fmt(" of up to %d cells", per) or "",
    table.concat({jobs.baselines or "-", jobs.methods or "-", jobs.collect}, ", "), done, #ops.plan))
  ops.say(fmt("  progress: lwscript study status %s   (squeue -n lws:%s:baselines,lws:%s:methods,lws:%s:collect)", out,
              name, name, name))
  if not o.wait then
    study.text = fmt("submitted to Slurm (jobs %s, %s, %s): `lwscript study status %s` shows progress; the collect job "
                     .. "writes the summary to %s", jobs.baselines or "-", jobs.methods or "-", jobs.collect, out, out)
    return runner.result(ops)
  end
  -- wait = true: until every job has left the queue, then read what the collect job wrote
  local ids = {}
  for _, id in pairs(jobs) do ids[#ids + 1] = id end
  while true do
    local text = sys.run({"squeue", "-h", "-j", table.concat(ids, ","), "-o", "%i"})
    if not text or not text:find("%d") then break end
    if sys.interrupted() then
      study.interrupted = true
      ops.say("interrupted: the jobs go on (scancel " .. table.concat(ids, " ") .. " stops them)")
      break
    end
    sys.sleep(o.poll or 2)
  end
  runner.collect(ops, false)
  ops.say(study.text)
  return runner.result(ops)
end

return M
