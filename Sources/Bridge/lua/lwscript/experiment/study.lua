-- experiment.learnability{...}: Algorithm 1 over seeds (docs/experiment.md).
--
-- For each seed: train with plain cross-entropy, measure the per-class TPRs s, compute
-- w = W(s), retrain with each method from the same seed, and compare Var(s) with Var(s') on
-- the test set; then the statistics across seeds (summary.lua) and the files and plots
-- (study_outputs.lua).
local experiment = require("experiment")
local util = require("lwscript.util")
local evaluate = require("lwscript.experiment.evaluate").evaluate
local outputs = require("lwscript.experiment.outputs")
local methods_lib = require("lwscript.experiment.methods")
local summary = require("lwscript.experiment.summary")
local study_outputs = require("lwscript.experiment.study_outputs")
local cells = require("lwscript.experiment.cells")
local runner = require("lwscript.experiment.runner")
local literal = require("lwscript.literal")
local weights = require("weights")
local data = require("data")
local metrics = require("metrics")
local sys = require("sys")

local fmt = string.format
local join, merge = util.join, util.merge

local FNAME = "experiment.learnability"
local is = util.is
local TRAIN_OPTIONS = require("lwscript.experiment.train").OPTIONS

local is_data = util.checker("{train = dataset, test = dataset[, val = dataset]}", function(d)
  return type(d) == "table" and data.is_dataset(d.train) and data.is_dataset(d.test)
    and (d.val == nil or data.is_dataset(d.val))
end)
local is_method = util.checker("a method", function(m)
  return type(m) == "string" or type(m) == "function" or (type(m) == "table" and type(m.options) == "function")
end)

local STUDY_OPTIONS = {
  data = is_data,
  model = is.func("a function(seed) returning a new model"),
  methods = is.any(util.checker("\"all\" (every built-in method the data allows)", function(v) return v == "all" end),
                   is.array_of(is_method, "an array of methods (names of built-in methods, tables {name =, options = "
                                          .. "function(ctx)} or functions(ctx) returning train options)", 0)),
  seeds = is.array_of(is.integer(0), "a non-empty array of integers >= 0"),
  W = is.any(is.func("a function(s) returning per-class weights"), util.checker("a number gamma (for tpr_power)",
      function(v) return util.finite(v) end)),
  gammas = is.array_of(is.number({min = 0}), "an array of numbers >= 0 (gammas of tpr_power)", 0),
  epochs = TRAIN_OPTIONS.epochs, batch = TRAIN_OPTIONS.batch, eval_batch = TRAIN_OPTIONS.eval_batch,
  optimizer = is.func("a function(params) returning an optimizer (each run builds its own)"),
  lr_schedule = TRAIN_OPTIONS.lr_schedule,
  train = is.table,
  out = is.path, name = is.string,
  quiet = is.boolean, verbose = is.boolean, plots = is.boolean, save_runs = is.boolean, controls = is.boolean,
  s_from_test = is.boolean,
  train_subset = is.any(is.integer(1), is.array_of(is.integer(0), "an array of per-class sizes")),
  W_cap = is.any(is.number({min = 1}), util.checker("false (no cap)", function(v) return v == false end)),
  -- many processes (runner.lua): local workers, a Slurm cluster, threads per run, resume
  workers = is.integer(1),
  slurm = is.any(is.table, is.string),
  threads = is.integer(1, 256),
  resume = is.boolean,
}

-- W(s) weights are capped at this many times their median: a class with TPR near 0 would
-- otherwise get a weight in the thousands (tpr_power with the floor 0.01 gives up to
-- (mean / 0.01)^gamma), and training then chases that class alone. (The median, not the mean:
-- no weight exceeds C times the mean, so a cap on the mean would never bind for 10 classes.)
local DEFAULT_W_CAP = 10

local function median(values)
  local sorted = {table.unpack(values)}
  table.sort(sorted)
  local n = #sorted
  return n % 2 == 1 and sorted[(n + 1) // 2] or (sorted[n // 2] + sorted[n // 2 + 1]) / 2
end

-- Caps weights at cap times their median.
local function capped(w, cap)
  if not cap then return w end
  local limit = cap * median(w)
  local out = {}
  for c, v in ipairs(w) do out[c] = limit > 0 and math.min(v, limit) or v end
  return out
end

-- The weights a W function returned: C finite numbers >= 0.
local function check_weights(w, C, where)
  local out, problem, a, b = util.class_values(w, C)
  if problem == "type" or problem == "count" then
    util.fail(fmt("experiment.learnability: %s must return %d weights (one per class), got %s", where, C,
                  problem == "count" and (a .. " values") or a))
  elseif problem == "value" then
    util.fail(fmt("experiment.learnability: %s returned weight %d = %s (weights must be finite and >= 0)", where, a, tostring(b)))
  end
  return out
end

-- A new model from option 'model'.
local function new_model(cfg, seed)
  return util.check_result(FNAME, fmt("option 'model' (seed %s)", tostring(seed)), cfg.model(seed), is.module)
end

-- writing(f, ...): f(...), which writes the study's files; its error says so.
local function writing(f, ...)
  local ok, err = util.try(f, ...)
  if not ok then util.raise_again(err, FNAME .. ": cannot write the results: ") end
end

-- The command that ran the study's script ("scripts/learnability.lua --seeds 10"), for its
-- provenance; nil in the REPL or -e.
local function command_line()
  if type(arg) ~= "table" or type(arg[0]) ~= "string" then return nil end
  local parts = {arg[0]}
  for i = 1, #arg do
    local a = tostring(arg[i])
    parts[#parts + 1] = a:find("[^%w%-_./=:,]") and ("'" .. a:gsub("'", "'\\''") .. "'") or a
  end
  return table.concat(parts, " ")
end

local function run_study(cfg)
  -- who runs what: this process, its workers, Slurm (runner.lua); threads and resume follow
  local role = runner.role(cfg)
  cfg = runner.effective(cfg, role)
  local d = cfg.data
  local seeds = cfg.seeds or {1, 2, 3}
  local classes = d.train.classes
  local C = #classes
  local W, W_text = cfg.W, "a Lua function"
  local W_cap = cfg.W_cap
  if W_cap == nil then W_cap = DEFAULT_W_CAP end
  if W == nil then W = 2 end
  local W_gamma
  if type(W) == "number" then
    local gamma = W
    W_gamma = gamma
    W_text = fmt("weights.tpr_power(s, %g, {floor = 0.01})", gamma)
    W = function(s) return weights.tpr_power(s, gamma, {floor = 0.01}) end
  end
  local methods, names, seen = {}, {}, {baseline = true}
  for i, m in ipairs(methods_lib.listed(cfg.methods, d.train.kind)) do
    local method = methods_lib.resolve(m, i)
    if seen[method.name] then util.fail("experiment.learnability: two methods are named '" .. method.name .. "'") end
    seen[method.name] = true
    methods[#methods + 1], names[#names + 1] = method, method.name
  end
  for _, m in ipairs(methods) do
    if m.requires and m.requires ~= d.train.kind then
      util.fail(fmt("%s: method '%s' works on %s datasets; the training set holds %s", FNAME, m.name, m.requires,
                    d.train.kind == "image" and "images" or d.train.kind .. "s"))
    end
  end
  -- the gamma sweep: tpr_weighted_ce with tpr_power(s, gamma) for each gamma (the run of
  -- tpr_weighted_ce itself stands for gamma = W when W is a number)
  local sweep = {}
  for _, g in ipairs(cfg.gammas or {}) do
    if g == W_gamma and seen.tpr_weighted_ce then
      sweep[#sweep + 1] = {name = "tpr_weighted_ce", gamma = g}
    else
      local m = experiment.methods.tpr_weighted_ce{name = fmt("gamma=%g", g), gamma = g}
      if not seen[m.name] then
        seen[m.name] = true
        methods[#methods + 1], names[#names + 1] = m, m.name
      end
      sweep[#sweep + 1] = {name = m.name, gamma = g}
    end
  end
  -- each method's control (cfg.controls): run right after the method, as "<name> (control)"
  local controls = {}
  if cfg.controls then
    local all = {}
    for _, m in ipairs(methods) do
      all[#all + 1] = m.name
      if m.control then
        controls[m.name] = m.name .. " (control)"
        all[#all + 1] = controls[m.name]
      end
    end
    names = all
  end
  local out = cfg.out
  local common = merge(cfg.train or {}, {epochs = cfg.epochs, batch = cfg.batch, optimizer = cfg.optimizer,
                       lr_schedule = cfg.lr_schedule, val = d.val, quiet = not cfg.verbose, eval_batch = cfg.eval_batch})
  -- s measured on the test set that the study then reports on is a double use of it: only
  -- when asked for
  if not d.val and not cfg.s_from_test then
    util.fail(FNAME .. ": option 'data' has no val set, so W(s) would be measured on the test set the study reports "
              .. "on; give data.val (e.g. train:split(0.9)), or s_from_test = true to use the test set anyway")
  end
  local tpr_source = d.val and "validation" or "test"
  local method_list = {}
  for _, m in ipairs(methods) do method_list[#method_list + 1] = {name = m.name, description = m.description} end
  local study = {name = cfg.name, method_names = names, controls = controls, seeds = seeds, classes = classes, runs = {baseline = {}},
                 contexts = {}, sweep = sweep, has_val = d.val ~= nil, plots = cfg.plots ~= false,
                 config = {name = cfg.name, seeds = seeds, W = W_text, gammas = cfg.gammas, gamma = W_gamma, methods = method_list,
                           epochs = common.epochs or 5, batch = common.batch or 64,
                           optimizer = cfg.optimizer and "a Lua function" or "optim.Adam(lr = 1e-3)",
                           train = d.train and tostring(d.train), test = tostring(d.test), val = d.val and tostring(d.val),
                           train_size = d.train:size(), test_size = d.test:size(), val_size = d.val and d.val:size(),
                           train_subset = cfg.train_subset,
                           classes = classes, tpr_source = tpr_source, started = os.date("!%Y-%m-%dT%H:%M:%SZ"),
                           controls = cfg.controls or false, W_cap = W_cap,
                           -- threads per run (a run's numbers depend on them) and how the cells were spread
                           threads = cfg.threads or sys.threads(), workers = cfg.workers, slurm = cfg.slurm and true or nil,
                           -- where the numbers came from: the same seeds give other numbers on
                           -- another CPU or BLAS kernel (docs/experiment.md, provenance)
                           machine = sys.machine(), commit = sys.getenv("LWSCRIPT_COMMIT"), command = command_line()}}
  for _, n in ipairs(names) do study.runs[n] = {} end
  local quiet = cfg.quiet
  local function say(...) if not quiet then print(...) end end
  say(fmt("learnability%s: %d seeds x (baseline + %d methods), %d epochs each; W(s) = %s from the %s set; %s",
    cfg.name and (" (" .. cfg.name .. ")") or "", #seeds, #methods, study.config.epochs, W_text, tpr_source,
    out and ("results in " .. out) or "no output directory"))

  local function two_places(v, n)
    local t = {}
    for c = 1, n do t[c] = fmt("%.2f", v[c]) end
    return table.concat(t, " ")
  end

  -- A run that collapsed: accuracy near chance, or (nearly) one class predicted for all.
  local function collapse(rep)
    if rep.accuracy < 1.5 / C then return fmt("accuracy %.3f, near chance (%.3f)", rep.accuracy, 1 / C) end
    local n, top = 0, 0
    for _, k in ipairs(rep.predicted or {}) do n, top = n + k, math.max(top, k) end
    if C > 1 and n > 0 and top / n > 0.9 then return fmt("%.0f%% of the test set predicted as one class", 100 * top / n) end
    return nil
  end

  local function finish_run(name, seed, model, history, t0, base_tpr, train_options)
    local rep = evaluate(model, d.test, {batch = cfg.eval_batch or 256})
    local r = {accuracy = rep.accuracy, balanced_accuracy = rep.balanced_accuracy, var_tpr = rep.var_tpr,
               min_tpr = rep.min_tpr, min_class = rep.min_class_name or tostring(rep.min_class), tpr = rep.tpr,
               report = rep, history = history, seconds = sys.clock() - t0}
    if base_tpr then r.D = metrics.D(base_tpr, rep.tpr) end
    r.collapsed = collapse(rep)
    study.runs[name][seed] = r
    say(fmt("seed %-3s %-22s acc %.4f  bal %.4f  Var(s) %.5f  min %.3f (%s)%s  %.1fs", tostring(seed), name, r.accuracy,
      r.balanced_accuracy, r.var_tpr, r.min_tpr, r.min_class, r.D and fmt("  D %+.5f", r.D) or "", r.seconds))
    if r.collapsed then say(fmt("seed %-3s %-22s collapsed: %s", tostring(seed), name, r.collapsed)) end
    if out and cfg.save_runs ~= false then
      writing(outputs.save_run, join(join(out, "runs"), cells.id(seed, name)),
               {config = merge(train_options, {method = name, seed = seed}), history = history, report = rep,
                name = fmt("%s, seed %s", name, tostring(seed)),
                plots = study.plots})
    end
    return r
  end

  -- each seed's own draw of the training set, when asked (the same for all its runs)
  local function training_set(seed)
    if not cfg.train_subset then return d.train end
    local ok, subset = pcall(d.train.subset, d.train, cfg.train_subset, {seed = seed})
    if not ok then util.fail(FNAME .. ": option 'train_subset': " .. util.strip_position(subset)) end
    return subset
  end

  -- The context of a seed's methods, from its baseline's record: s, w = W(s), the training
  -- set, and the controls' permutation of classes (fixed per seed, no class keeps its own value).
  local function context(seed, base)
    local permute = methods_lib.permuter(methods_lib.derangement(C, seed * 7919 + 17))
    local ctx = {s = base.s, w = base.w, W = W, seed = seed, train = training_set(seed), val = d.val, test = d.test,
                 classes = classes, C = C, baseline = base.s_report, permute = permute}
    study.contexts[seed] = ctx
    return ctx
  end

  -- 1. train with plain cross-entropy, 2. per-class TPRs s (validation set when given, else
  -- test) and 3. w = W(s); nil when interrupted.
  local function run_baseline(seed)
    local t0 = sys.clock()
    local model = new_model(cfg, seed)
    local topts = merge(common, {seed = seed, name = fmt("seed %s baseline", tostring(seed))})
    local h = experiment.train(model, training_set(seed), topts)
    if h.interrupted then study.interrupted = true; return nil end
    local base = finish_run("baseline", seed, model, h, t0, nil, topts)
    -- with a val set, training's last report is the final model on it (train evaluates val
    -- after every epoch): no second pass
    base.s_report = d.val and (h.last_report or evaluate(model, d.val, {batch = cfg.eval_batch or 256})) or base.report
    base.s = base.s_report.tpr
    base.w = capped(check_weights(W(base.s), C, "W(s)"), W_cap)
    say(fmt("seed %-3s s = {%s}", tostring(seed), two_places(base.s, C)))
    say(fmt("seed %-3s w = {%s}", tostring(seed), two_places(base.w, C)))
    return base
  end

  -- 4. retrain with a method (same seed: same initialisation and batch order) and 5. evaluate
  -- s'; nil when interrupted.
  local function run_method(cell, base)
    local t1 = sys.clock()
    local ctx = study.contexts[cell.seed]   -- made when its baseline ran or was read
    local m, name = cell.method, cell.name
    if m.W then ctx = merge(ctx, {w = capped(check_weights(m.W(ctx.s), C, m.name .. ": W(s)"), W_cap)}) end
    local mopts = cell.make(ctx)
    util.check_result(FNAME, fmt("method '%s'", name), mopts, util.checker("a table of train options", function(v)
      return type(v) == "table"
    end))
    -- a training set of the method's own (augmented copies, SMOTE samples), of the same classes
    local method_train = mopts.train_set or ctx.train
    if mopts.train_set ~= nil then
      if not (data.is_dataset(method_train) and #method_train.classes == C) then
        util.fail(fmt("%s: method '%s' returned train_set = %s, expected a dataset of the %d classes", FNAME, name,
                      util.describe(method_train), C))
      end
      mopts = merge(mopts, {})
      mopts.train_set = nil
    end
    local ok, err = pcall(util.check_options, "experiment.train", mopts, 3, TRAIN_OPTIONS)
    if not ok then util.fail(fmt("%s: method '%s' returned options that experiment.train refuses: %s", FNAME, name,
                                 util.strip_position(err):match("%((.*)%)$") or util.strip_position(err))) end
    local model = new_model(cfg, cell.seed)
    local topts = merge(common, mopts, {seed = cell.seed, name = fmt("seed %s %s", tostring(cell.seed), name)})
    local h = experiment.train(model, method_train, topts)
    if h.interrupted then study.interrupted = true; return nil end
    -- (the run's config.json names the training set the method made)
    local own = method_train ~= ctx.train and tostring(method_train) or nil
    local r = finish_run(name, cell.seed, model, h, t1, base.tpr, merge(topts, {train_set = own}))
    r.weights = ctx.w
    return r
  end

  -- The cells, in the order one process runs them: each seed's baseline, then its methods
  -- (each control right after its method).
  local plan = {}
  for _, seed in ipairs(seeds) do
    plan[#plan + 1] = {id = cells.id(seed, "baseline"), seed = seed, name = "baseline"}
    for _, m in ipairs(methods) do
      plan[#plan + 1] = {id = cells.id(seed, m.name), seed = seed, name = m.name, method = m, make = m.options}
      if controls[m.name] then
        plan[#plan + 1] = {id = cells.id(seed, controls[m.name]), seed = seed, name = controls[m.name], method = m, make = m.control}
      end
    end
  end
  for _, cell in ipairs(plan) do cell.baseline_id = cells.id(cell.seed, "baseline") end
  -- what a cell's record must have been made with (another configuration's cells are refused)
  local key = literal.write({epochs = study.config.epochs, batch = study.config.batch, W = W_text, W_cap = W_cap,
    train = study.config.train, test = study.config.test, val = study.config.val, train_subset = cfg.train_subset,
    methods = method_list, optimizer = study.config.optimizer, threads = cfg.threads})

  -- Runs a cell in this process and keeps its record (in the study directory too): the
  -- record, or nil when interrupted.
  local function run_cell(cell, base)
    local r
    if cell.name == "baseline" then r = run_baseline(cell.seed) else r = run_method(cell, base) end
    if r and cell.name == "baseline" then context(cell.seed, r) end
    if r then r.made = cells.made() end
    if r and out then cells.save(out, cell.id, r, key) end
    return r
  end

  -- Takes a finished cell's record from the study directory into the study (with the test
  -- labels, which records leave out).
  local test_labels
  local function adopt(cell, r)
    test_labels = test_labels or d.test:labels()
    if r.report then r.report.labels = test_labels end
    study.runs[cell.name][cell.seed] = r
    if cell.name == "baseline" then context(cell.seed, r) end
  end

  -- (between_seeds: the summary written after each seed, without the test-set bootstrap)
  local function summarize_and_write(with_plots, write, between_seeds)
    study.summary = summary.summarize(names, study.runs, seeds, controls, {test_noise = not between_seeds})
    study.text = experiment.summary_table(study.summary) .. "\n\n" .. table.concat(experiment.verdicts(study.summary), "\n")
    if study.interrupted then
      study.text = study.text .. "\n\ninterrupted: these results hold only the runs that finished"
    end
    if study.missing then study.text = study.text .. "\n\n" .. study.missing end
    if out and write ~= false then writing(study_outputs.write, out, study, with_plots) end
  end

  local ops = {study = study, plan = plan, key = key, out = out, cfg = cfg, run_cell = run_cell, adopt = adopt, say = say,
               summarize_and_write = summarize_and_write}
  if role == "worker" then return runner.work(ops) end
  if role == "submit" then return runner.submit_slurm(ops) end
  if role == "elsewhere" then
    -- a worker or collector of another study of this script: nothing to run or read here
    study.text = "(another study of this script is being run or collected in this process)"
    return runner.result(ops)
  elseif role == "collect" then
    runner.collect(ops, true)
  elseif role == "coordinate" then
    runner.coordinate(ops)
  else
    -- in this process: each cell in turn (a finished one taken from the directory with resume)
    if out then
      if cfg.resume then
        cells.clear(out, runner.ids(plan), true)
        runner.say_resumed(ops)
      else
        cells.clear(out, runner.ids(plan))
      end
      cells.write_plan(out, runner.plan_data(ops))
    end
    if cfg.threads then sys.threads(cfg.threads) end
    for i, cell in ipairs(plan) do
      if study.interrupted then break end
      local base = study.runs.baseline[cell.seed]
      if cell.name == "baseline" or base then
        local r = out and cfg.resume and cells.load(out, cell.id, key)
        if r then adopt(cell, r) else r = run_cell(cell, base) end
        if not r then break end
      end
      local nxt = plan[i + 1]
      if not nxt or nxt.seed ~= cell.seed then summarize_and_write(false, true, true) end
    end
    summarize_and_write(true)
  end
  say("")
  say(study.text)
  if out then say("results: " .. out) end
  return runner.result(ops)
end

function experiment.learnability(cfg)
  if type(cfg) ~= "table" then util.arg_error(FNAME, 1, "expected a table of options, got " .. util.describe(cfg)) end
  util.check_options(FNAME, cfg, 1, STUDY_OPTIONS)
  if cfg.data == nil then util.arg_error(FNAME, 1, "option 'data' is required: " .. is_data.expected) end
  if cfg.model == nil then util.arg_error(FNAME, 1, "option 'model' is required: " .. STUDY_OPTIONS.model.expected) end
  util.check_options(FNAME, cfg.train, 1, TRAIN_OPTIONS, "train")
  -- Ctrl-C stops the run in progress at a batch boundary and ends the study with what is
  -- done; the previous mode comes back however the study ends.
  local previous = sys.on_interrupt("flag")
  return util.protect(function() sys.on_interrupt(previous) end, run_study, cfg)
end
