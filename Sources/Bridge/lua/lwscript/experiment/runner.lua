-- A study over many processes (docs/experiment.md, "Many processes"): local workers on every
-- core, or tasks of a Slurm job array. Each process runs the same script again; at the
-- experiment.learnability call of the study it serves, the library runs that process's share
-- of the cells (cells.lua) and exits, so a script needs no change beyond `workers = n` or
-- `slurm = {...}`. The process that started them collects what the cells wrote.
--
-- Roles, from the study's options and the environment the coordinator gives its workers:
--   local       this process runs every cell in turn (the default)
--   coordinate  workers = n > 1: start n local workers, show progress, then collect
--   submit      slurm = {...}: submit the cells as job arrays and a collect job
--   worker      LWSCRIPT_STUDY_WORKER names this study: run cells, then exit
--   collect     LWSCRIPT_STUDY_COLLECT names this study (or is "*"): no training, summarise
--               what is there
--   elsewhere   a worker or collector of another study in the same script: read, do not write
local util = require("lwscript.util")
local cells = require("lwscript.experiment.cells")
local literal = require("lwscript.literal")
local progress = require("lwscript.experiment.progress")
local slurm = require("lwscript.experiment.slurm")
local sys = require("sys")

local M = {}

local fmt, join = string.format, util.join
local FNAME = "experiment.learnability"

local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return nil end
  return v
end

function M.role(cfg)
  local worker, collector = env("LWSCRIPT_STUDY_WORKER"), env("LWSCRIPT_STUDY_COLLECT")
  if worker or collector then
    if cfg.out and (worker or collector) == cfg.out then return worker and "worker" or "collect" end
    -- `lwscript study collect script.lua` collects every study of the script
    if collector == "*" and cfg.out then return "collect" end
    return "elsewhere"
  end
  if cfg.slurm or env("LWSCRIPT_SLURM") then return "submit" end
  local n = cfg.workers or tonumber(env("LWSCRIPT_WORKERS") or "")
  if n and n > 1 then return "coordinate" end
  return "local"
end

-- The study's options as this role runs them: threads per run (the option, else what the
-- coordinator or the Slurm task was given, else cores / workers locally and 1 on Slurm) and
-- resume (by default workers and Slurm go on with a study begun; LWSCRIPT_STUDY_FRESH, set
-- by --fresh, starts afresh).
function M.effective(cfg, role)
  local o = {}
  for k, v in pairs(cfg) do o[k] = v end
  o.threads = cfg.threads or tonumber(env("LWSCRIPT_STUDY_THREADS") or "")
  if not o.threads and role == "coordinate" then
    o.threads = math.max(1, sys.threads() // (cfg.workers or tonumber(env("LWSCRIPT_WORKERS"))))
  elseif not o.threads and role == "submit" then
    o.threads = slurm.options(cfg).cpus or 1
  elseif not o.threads and role == "collect" and cfg.out then
    -- a collect trains nothing: it takes the threads the cells were made with (plan.lua's
    -- key), so that `lwscript study collect` works on a study its workers ran
    local plan = cells.read_plan(cfg.out)
    local key = plan and type(plan.key) == "string" and literal.parse(plan.key)
    o.threads = type(key) == "table" and key.threads or nil
  end
  if env("LWSCRIPT_STUDY_FRESH") then o.resume = false
  elseif o.resume == nil and (role == "coordinate" or role == "submit") then o.resume = true end
  return o
end

function M.ids(plan)
  local out = {}
  for i, cell in ipairs(plan) do out[i] = cell.id end
  return out
end

-- plan.lua's data: the cells (id, seed, name) and the key of their configuration.
function M.plan_data(ops)
  local list = {}
  for i, cell in ipairs(ops.plan) do list[i] = {id = cell.id, seed = cell.seed, name = cell.name} end
  return {name = ops.cfg.name, cells = list, key = ops.key}
end

-- The table experiment.learnability returns.
function M.result(ops)
  local study = ops.study
  local by_method = {}
  for _, row in ipairs(study.summary or {}) do by_method[row.method] = row end
  return {summary = study.summary or {}, by_method = by_method, runs = study.runs, contexts = study.contexts,
          text = study.text or "", out = ops.out, interrupted = study.interrupted or false, config = study.config,
          methods = study.method_names, missing = study.missing_cells, submitted = study.submitted}
end

-- Reads every finished cell into the study; says which are missing, and why.
local function load_all(ops)
  local missing, failed = {}, {}
  for _, cell in ipairs(ops.plan) do
    local r = cells.load(ops.out, cell.id, ops.key)
    if r then
      ops.adopt(cell, r)
    else
      local state = cells.state(ops.out, cell.id)
      missing[#missing + 1] = cell.id
      if state == "failed" then failed[#failed + 1] = fmt("  %s: %s", cell.id, cells.failure(ops.out, cell.id)) end
    end
  end
  if #missing > 0 then
    local lines = {fmt("partial: %d of %d cells have no results (%s); `lwscript study status %s` lists them, and running the "
                       .. "study again with resume = true (--resume) runs only those", #missing, #ops.plan,
                       #failed > 0 and (#failed .. " failed") or "not run yet", ops.out)}
    for _, f in ipairs(failed) do lines[#lines + 1] = f end
    ops.study.missing = table.concat(lines, "\n")
    ops.study.missing_cells = missing
  end
end

function M.collect(ops, write)
  if not ops.out then util.fail(FNAME .. ": collecting a study needs its 'out' directory") end
  load_all(ops)
  ops.summarize_and_write(write, write)
end

-- The cells this process may run: all, or the list a Slurm task was given.
local function assigned(ops)
  local only = env("LWSCRIPT_STUDY_CELLS")
  if not only then return ops.plan end
  local want, out = {}, {}
  for id in only:gmatch("[^,]+") do want[id] = true end
  for _, cell in ipairs(ops.plan) do if want[cell.id] then out[#out + 1] = cell end end
  return out
end

-- Runs one claimed cell; a failure is written down (with the log it went to), never raised:
-- the other cells go on.
local function run_claimed(ops, cell)
  local base
  if cell.name ~= "baseline" then
    base = cells.load(ops.out, cell.baseline_id, ops.key)
    if not base then
      cells.fail(ops.out, cell.id, fmt("its baseline (%s) did not finish", cell.baseline_id))
      return
    end
    ops.adopt({name = "baseline", seed = cell.seed}, base)
  end
  local ok, err = util.try(ops.run_cell, cell, base)
  if not ok then
    cells.fail(ops.out, cell.id, fmt("%s (log: %s)", util.strip_position(tostring(err)), env("LWSCRIPT_STUDY_LOG") or "stderr"))
  elseif ops.study.interrupted then
    -- stopped by Ctrl-C: not failed, free for a later run
    os.remove(cells.path(ops.out, cell.id, ".claim"))
  end
end

-- Seconds until the study ends, from the cells this run has finished in `elapsed` seconds, or
-- nil before the first. Cells a resumed study found done took no time in this run: counting
-- them made a resumed study promise "28/130 done, about 2 s left".
function M.time_left(elapsed, finished, todo)
  if finished <= 0 then return nil end
  return elapsed / finished * todo
end

-- A worker: claims and runs cells whose baseline is done until none is left, then exits.
function M.work(ops)
  if not ops.out then util.fail(FNAME .. ": a study worker needs the study's 'out' directory") end
  if ops.cfg.threads then sys.threads(ops.cfg.threads) end
  local mine = assigned(ops)
  while not ops.study.interrupted do
    local ran, waiting = false, false
    for _, cell in ipairs(mine) do
      local state = cells.state(ops.out, cell.id)
      if state == "missing" then
        local base_state = cell.name == "baseline" and "done" or cells.state(ops.out, cell.baseline_id)
        -- a Slurm task is started after its baselines ended: it never waits for one
        if base_state == "done" or env("LWSCRIPT_STUDY_CELLS") or base_state == "failed" or base_state == "died" then
          if cells.claim(ops.out, cell.id) then
            run_claimed(ops, cell)
            ran = true
            break
          end
        else
          waiting = true
        end
      elseif state == "running" then
        waiting = true
      end
    end
    if not ran then
      if not waiting or env("LWSCRIPT_STUDY_CELLS") then break end
      sys.sleep(0.2)
    end
  end
  io.stdout:flush()
  os.exit(ops.study.interrupted and 130 or 0)
end

-- The command that runs this script again, as the workers run it.
local function script_argv()
  local script = type(arg) == "table" and arg[0]
  if type(script) ~= "string" or script == "" or script == "-" then
    util.fail(FNAME .. ": workers and Slurm tasks run the script again, so the study must be run from a script file "
              .. "(lwscript script.lua), not from the REPL, -e or standard input")
  end
  local argv = {sys.executable(), script}
  for i = 1, #arg do argv[#argv + 1] = arg[i] end
  return argv
end
M.script_argv = script_argv

-- "resuming: 12 of 27 cells are done" when a study directory holds finished cells (after
-- checking that they are of this configuration).
function M.say_resumed(ops)
  cells.check_plan(ops.out, ops.key)
  local done = 0
  for _, cell in ipairs(ops.plan) do
    if cells.done(ops.out, cell.id) then done = done + 1 end
  end
  if done > 0 then
    ops.say(fmt("resuming: %d of %d cells are done already in %s (resume = false starts afresh)", done, #ops.plan, ops.out))
  end
end

-- Counts of the cells' states.
local function census(ops)
  local n = {done = 0, failed = 0, running = 0, died = 0, missing = 0}
  for _, cell in ipairs(ops.plan) do
    local s = cells.state(ops.out, cell.id)
    n[s] = n[s] + 1
  end
  return n
end

local function minutes(s) return s < 90 and fmt("%.0f s", s) or fmt("%.1f min", s / 60) end

-- Starts the workers, shows one progress line for the whole study, stops them cleanly on
-- Ctrl-C (a later run with resume goes on), and collects.
function M.coordinate(ops)
  local cfg, out = ops.cfg, ops.out
  if not out then util.fail(FNAME .. ": option 'workers' needs option 'out' (the workers share the study through it)") end
  local workers = cfg.workers or tonumber(env("LWSCRIPT_WORKERS"))
  local threads = cfg.threads
  local argv = script_argv()
  -- a study already begun goes on (resume = false starts afresh); failed and abandoned cells
  -- run again
  if cfg.resume == false then cells.clear(out, M.ids(ops.plan)) else M.say_resumed(ops) end
  cells.clear(out, M.ids(ops.plan), true)
  cells.write_plan(out, M.plan_data(ops))
  sys.mkdir(join(out, "logs"))
  if census(ops).done == #ops.plan then
    M.collect(ops, true)
    return
  end
  local pids, logs = {}, {}
  for k = 1, workers do
    logs[k] = join(join(out, "logs"), fmt("worker%d.log", k))
    pids[k] = sys.spawn(argv, {log = logs[k], env = {LWSCRIPT_STUDY_WORKER = out, LWSCRIPT_STUDY_LOG = logs[k],
      LWSCRIPT_STUDY_THREADS = tostring(threads), LWSCRIPT_THREADS = tostring(threads),
      OPENBLAS_NUM_THREADS = tostring(threads), LWSCRIPT_WORKERS = "", LWSCRIPT_STUDY_FRESH = "",
      LWSCRIPT_SLURM = ""}})
  end
  ops.say(fmt("%d workers x %d thread%s on %d cells (logs in %s)", workers, threads, threads == 1 and "" or "s", #ops.plan,
              join(out, "logs")))
  local bar = progress.new(cfg.quiet, cfg.name)
  local started, last, alive, stopping = sys.clock(), nil, workers, false
  local done_before = census(ops).done
  local printed, failures = nil, 0
  local ended = {}
  -- the first status line comes at once, then every half second on a terminal
  while alive > 0 do
    if sys.interrupted() and not stopping then
      stopping = true
      for k, pid in ipairs(pids) do if not ended[k] then sys.kill(pid, 2) end end
      ops.study.interrupted = true
    end
    for k, pid in ipairs(pids) do
      if not ended[k] then
        local how, code = sys.wait(pid)
        if how then
          ended[k] = {how = how, code = code}
          alive = alive - 1
        end
      end
    end
    local n = census(ops)
    local elapsed = sys.clock() - started
    local left = M.time_left(elapsed, n.done - done_before, #ops.plan - n.done - n.failed)
    local line = fmt("cells %d/%d done, %d failed, %d running; %s elapsed%s", n.done, #ops.plan, n.failed + n.died, n.running,
                     minutes(elapsed), left and fmt(", about %s left", minutes(left)) or "")
    -- on a terminal the line is redrawn as it changes; in a log, every 10 s and at a failure
    local now = sys.clock()
    if line ~= last and (bar.tty or now - (printed or 0) >= 10 or n.failed + n.died ~= failures or alive == 0) then
      bar.status(line)
      last, printed, failures = line, now, n.failed + n.died
    end
    if alive > 0 then sys.sleep(0.5) end
  end
  if bar.tty then io.stdout:write("\n") end
  -- a cell whose worker died while running it (SIGKILL, out of memory) is reported failed
  for _, cell in ipairs(ops.plan) do
    if cells.state(out, cell.id) == "died" then
      local _, pid = cells.claimant(out, cell.id)
      local log = "?"
      for k, p in ipairs(pids) do
        if p == pid then log = fmt("%s; the worker %s %s", logs[k], ended[k].how == "signal" and "was killed by signal"
                                   or "exited with status", tostring(ended[k].code)) end
      end
      cells.fail(out, cell.id, fmt("its process (pid %s) ended without finishing it (log: %s)", tostring(pid), log))
    end
  end
  M.collect(ops, true)
end

function M.submit_slurm(ops)
  return slurm.submit(ops, M)
end

return M
