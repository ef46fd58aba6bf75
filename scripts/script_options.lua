-- Command-line options of the scripts in scripts/ (one parser instead of a loop in each):
--
--   local options = require("script_options").parse(arg, {
--     script = "learnability.lua",
--     usage = "[--full] [--seeds N] [--out DIR]",
--     flags = {"--full"}, numbers = {"--seeds"}, strings = {"--out"},
--   }, {out = "runs/x"})
--
-- "--per-class" sets options.per_class. Flags take no value; numbers must be numbers.
-- --help / -h prints the usage and exits; a bad option prints what is wrong and exits with 2.
local M = {}

local function fail(spec, message)
  io.stderr:write(spec.script, ": ", message, " (try --help)\n")
  os.exit(2)
end

-- The options of a study's processes (spec.study = true adds them; docs/experiment.md, "Many
-- processes"): --workers N local workers, --slurm OPTIONS a Slurm cluster ("default", or
-- "partition=P,time=T,cpus=N,mem=M,wait"), --resume to go on with a study begun (after Ctrl-C,
-- or a failed cell), --fresh to start afresh (the default, but for --slurm); --methods all or
-- a comma-separated list of built-in methods, --controls to run each method's control.
M.STUDY_USAGE = "[--methods all|m1,m2] [--controls] [--workers N] [--slurm OPTIONS] [--resume] [--fresh]"

-- The experiment.learnability options they set (workers: one per core unless --workers).
function M.study(options)
  local slurm = options.slurm
  -- a script starts afresh unless told (--resume), so that a second run after a change of
  -- code never reports the first run's cells; a Slurm submission goes on by default (a
  -- resubmission runs only what is missing)
  local resume = false
  if options.resume then resume = true elseif slurm and not options.fresh then resume = nil end
  if slurm == "default" then slurm = {} end
  -- one worker process per core by default: the runs of a study are independent, and two
  -- 1-thread workers train the main job's MLP 2.1 times as fast as one 2-thread process
  local workers = options.workers or (sys.threads() > 1 and sys.threads() or nil)
  if workers == 1 then workers = nil end
  local methods = options.methods
  if methods and methods ~= "all" then
    local list = {}
    for name in methods:gmatch("[^,%s]+") do list[#list + 1] = name end
    methods = list
  end
  return {workers = workers, slurm = slurm, resume = resume, methods = methods, controls = options.controls or nil}
end

-- The seeds 1..n of a study.
function M.seeds(n)
  local seeds = {}
  for s = 1, n do seeds[s] = s end
  return seeds
end

function M.parse(args, spec, defaults)
  if spec.study then
    local function add(list, items)
      local out = {}
      for _, v in ipairs(list or {}) do out[#out + 1] = v end
      for _, v in ipairs(items) do out[#out + 1] = v end
      return out
    end
    spec = {script = spec.script, usage = spec.usage .. " " .. M.STUDY_USAGE, flags = add(spec.flags, {"--resume", "--fresh", "--controls"}),
            numbers = add(spec.numbers, {"--workers"}), strings = add(spec.strings, {"--slurm", "--methods"})}
  end
  local options, kinds = {}, {}
  for k, v in pairs(defaults or {}) do options[k] = v end
  for kind, names in pairs({flag = spec.flags, number = spec.numbers, string = spec.strings}) do
    for _, name in ipairs(names) do kinds[name] = kind end
  end
  local i = 1
  while i <= #args do
    local a = args[i]
    local kind, field = kinds[a], a:gsub("^%-%-", ""):gsub("%-", "_")
    if a == "--help" or a == "-h" then
      print("usage: lwscript scripts/" .. spec.script .. " " .. spec.usage)
      os.exit(0)
    elseif kind == nil then
      fail(spec, "unknown option " .. a)
    elseif kind == "flag" then
      options[field] = true
    else
      i = i + 1
      local v = args[i]
      if v == nil then fail(spec, a .. " needs a value") end
      if kind == "number" then v = tonumber(v) or fail(spec, a .. " needs a number, got " .. v) end
      options[field] = v
    end
    i = i + 1
  end
  return options
end

return M
