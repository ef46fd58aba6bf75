/// Algorithm 1 of the Lua `experiment` module (`experiment.learnability`) and the files and
/// plots a study writes.
/// Part of the experiment chunk (see ExperimentModule.swift): it uses the chunk's locals.
enum ExperimentStudyLua {
    static let source = #"""
---------------------------------------------------------------------------------------
-- Study outputs
---------------------------------------------------------------------------------------
local function mean_vectors(list)
  if #list == 0 then return nil end
  local out = {}
  for c = 1, #list[1] do
    local s = 0
    for _, v in ipairs(list) do s = s + v[c] end
    out[c] = s / #list
  end
  return out
end

local function write_study(out, study, with_plots)
  sys.mkdir(out)
  local names, seeds, classes = study.method_names, study.seeds, study.classes
  experiment.write_json(join(out, "config.json"), study.config)
  experiment.write_json(join(out, "summary.json"), study.summary)
  write_csv(join(out, "summary.csv"), study.summary, present_columns(study.summary, SUMMARY_COLUMNS))
  write_file(join(out, "summary.txt"), study.text .. "\n")
  local run_rows, tpr_rows, hist_rows, epoch_rows, weight_rows = {}, {}, {}, {}, {}
  local all = {"baseline"}
  for _, n in ipairs(names) do all[#all + 1] = n end
  for _, name in ipairs(all) do
    for _, seed in ipairs(seeds) do
      local r = (study.runs[name] or {})[seed]
      if r then
        run_rows[#run_rows + 1] = {seed = seed, method = name, accuracy = r.accuracy, balanced_accuracy = r.balanced_accuracy,
          var_tpr = r.var_tpr, min_tpr = r.min_tpr, min_class = r.min_class, D = r.D, epochs = r.history.epochs_done,
          seconds = r.seconds}
        for _, row in ipairs(class_rows(r.report, {seed = seed, method = name})) do tpr_rows[#tpr_rows + 1] = row end
        for _, row in ipairs(history_rows(r.history, {seed = seed, method = name})) do hist_rows[#hist_rows + 1] = row end
        for _, row in ipairs(tpr_epoch_rows(r.history, classes, {seed = seed, method = name})) do epoch_rows[#epoch_rows + 1] = row end
      end
    end
  end
  for _, seed in ipairs(seeds) do
    local ctx = study.contexts[seed]
    if ctx then
      for c = 1, #ctx.s do weight_rows[#weight_rows + 1] = {seed = seed, class = classes[c], s = ctx.s[c], w = ctx.w[c]} end
    end
  end
  write_csv(join(out, "runs.csv"), run_rows, present_columns(run_rows, {"seed", "method", "accuracy", "balanced_accuracy",
    "var_tpr", "min_tpr", "min_class", "D", "epochs", "seconds"}))
  write_csv(join(out, "tpr.csv"), tpr_rows, {"seed", "method", "class", "tpr", "precision", "f1", "support", "predicted"})
  write_csv(join(out, "history.csv"), hist_rows, present_columns(hist_rows, {"seed", "method", table.unpack(HISTORY_COLUMNS)}))
  write_csv(join(out, "tpr_epochs.csv"), epoch_rows, present_columns(epoch_rows, {"seed", "method", "epoch", "split", "class",
    "tpr", "weight", "sampling"}))
  write_csv(join(out, "weights.csv"), weight_rows, {"seed", "class", "s", "w"})
  local results = {config = study.config, summary = study.summary, interrupted = study.interrupted, runs = {}}
  for _, row in ipairs(run_rows) do
    local r = study.runs[row.method][row.seed]
    results.runs[#results.runs + 1] = {seed = row.seed, method = row.method, accuracy = r.accuracy,
      balanced_accuracy = r.balanced_accuracy, var_tpr = r.var_tpr, min_tpr = r.min_tpr, D = r.D, tpr = r.tpr,
      confused = r.report.confused, s = study.contexts[row.seed] and study.contexts[row.seed].s,
      w = study.contexts[row.seed] and study.contexts[row.seed].w}
  end
  experiment.write_json(join(out, "results.json"), results)
  if not (study.plots and with_plots) then return end

  -- per-class TPR before (baseline) and after (each method), mean over seeds
  local in_sweep = {}
  for _, sw in ipairs(study.sweep) do if sw.name ~= "tpr_weighted_ce" then in_sweep[sw.name] = true end end
  local series = {}
  for _, name in ipairs(all) do
    local list = {}
    if in_sweep[name] then goto continue end
    for _, seed in ipairs(seeds) do
      local r = (study.runs[name] or {})[seed]
      if r then list[#list + 1] = r.tpr end
    end
    do
      local m = mean_vectors(list)
      if m then series[#series + 1] = {name = name, values = m} end
    end
    ::continue::
  end
  local label = study.name and (study.name .. ": ") or ""
  save_plot(join(out, "tpr_before_after.svg"), function()
    return plot.bars{labels = classes, series = series, ylim = {0, 1}, ylabel = "TPR (recall)",
                     title = label .. "per-class TPR, before and after (test)"}
  end)
  -- confusion matrices summed over seeds: baseline, and the method with the largest mean D
  local best, bestD = nil, -math.huge
  for _, row in ipairs(study.summary) do
    if row.method ~= "baseline" and row.D and row.D > bestD then best, bestD = row.method, row.D end
  end
  for _, name in ipairs({"baseline", best}) do
    local sum
    for _, seed in ipairs(seeds) do
      local r = (study.runs[name] or {})[seed]
      if r then sum = sum and (sum + r.report.confusion) or r.report.confusion:clone() end
    end
    if sum then
      save_plot(join(out, "confusion_" .. name .. ".svg"), function()
        return plot.heatmap{matrix = sum, labels = classes, normalize = "row",
                            title = label .. "confusion matrix, " .. name .. " (rows = true class)"}
      end)
    end
  end
  -- training curves (mean over seeds) and per-class TPR over epochs of the baseline
  local function curve(name, field)
    local per_epoch = {}
    for _, seed in ipairs(seeds) do
      local r = (study.runs[name] or {})[seed]
      if r then
        for _, e in ipairs(r.history.epoch) do
          local v = r.history[field][e]
          if v then per_epoch[e] = per_epoch[e] or {}; table.insert(per_epoch[e], v) end
        end
      end
    end
    local x, y = {}, {}
    for e = 1, #per_epoch do
      if per_epoch[e] then x[#x + 1] = e; y[#y + 1] = mean_of(per_epoch[e]) end
    end
    return x, y
  end
  local has_val = study.has_val
  for _, spec in ipairs({{"loss", "loss", "training loss"}, {has_val and "val_accuracy" or "accuracy", "accuracy",
                         has_val and "validation accuracy" or "training accuracy"}}) do
    local lines, xs = {}, nil
    for _, name in ipairs(all) do
      local x, y = curve(name, spec[1])
      if #x > 0 and (xs == nil or #x == #xs) then xs = xs or x; lines[#lines + 1] = {name = name, values = y} end
    end
    if xs and #xs > 0 then
      save_plot(join(out, "curves_" .. spec[2] .. ".svg"), function()
        return plot.lines{x = xs, series = lines, title = label .. spec[3] .. " per epoch",
                          xlabel = "epoch", ylabel = spec[2]}
      end)
    end
  end
  local first = (study.runs.baseline or {})[seeds[1]]
  if first then
    local h = first.history
    local per_class = has_val and h.val_tpr or h.tpr
    local tpr_series = {}
    for c, cname in ipairs(classes) do
      local values = {}
      for i, e in ipairs(h.epoch) do values[i] = per_class[e][c] end
      tpr_series[c] = {name = cname, values = values}
    end
    if #h.epoch > 0 then
      save_plot(join(out, "tpr_epochs_baseline.svg"), function()
        return plot.lines{x = h.epoch, series = tpr_series, xlabel = "epoch", ylabel = "TPR",
                          title = label .. "per-class TPR over epochs, baseline" .. (has_val and " (validation)" or " (training)")}
      end)
    end
  end
  -- accuracy vs Var(s'): every method, and the gamma sweep as a connected front
  local points = {}
  for _, row in ipairs(study.summary) do
    if row.accuracy and row.var_after then points[#points + 1] = {x = row.var_after, y = row.accuracy, label = row.method} end
  end
  save_plot(join(out, "accuracy_vs_var.svg"), function()
    return plot.scatter{points = points, title = label .. "accuracy vs Var(s') (test)",
                        xlabel = "Var(s') (variance of per-class TPRs)", ylabel = "accuracy"}
  end)
  if study.sweep and #study.sweep > 0 then
    local front = {}
    local b = study.summary[1]
    if b.accuracy then front[1] = {x = b.var_after, y = b.accuracy, label = "gamma=0 (baseline)"} end
    table.sort(study.sweep, function(a, b) return a.gamma < b.gamma end)
    for _, sw in ipairs(study.sweep) do
      for _, row in ipairs(study.summary) do
        if row.method == sw.name and row.accuracy then
          front[#front + 1] = {x = row.var_after, y = row.accuracy, label = fmt("gamma=%g", sw.gamma)}
        end
      end
    end
    save_plot(join(out, "tradeoff_gamma.svg"), function()
      return plot.scatter{points = front, connect = true, title = label .. "accuracy vs Var(s') across gamma",
                          xlabel = "Var(s')", ylabel = "accuracy"}
    end)
  end
end

---------------------------------------------------------------------------------------
-- experiment.learnability{...}: Algorithm 1 over seeds (docs/experiment.md)
---------------------------------------------------------------------------------------
local STUDY_OPTIONS = set_of({"data", "model", "methods", "seeds", "W", "gammas", "epochs", "batch", "optimizer",
  "lr_schedule", "train", "out", "name", "quiet", "verbose", "eval_batch", "plots", "save_runs"})

local function check_weights(w, C, where)
  if tensor.is_tensor(w) then w = w:totable() end
  if type(w) ~= "table" or #w ~= C then
    error(fmt("experiment.learnability: %s must return %d weights (one per class), got %s", where, C,
              type(w) == "table" and (#w .. " values") or type(w)), 0)
  end
  for c = 1, C do
    if type(w[c]) ~= "number" or w[c] ~= w[c] or w[c] < 0 or w[c] == math.huge then
      error(fmt("experiment.learnability: %s returned weight %d = %s (weights must be finite and >= 0)", where, c, tostring(w[c])), 0)
    end
  end
  return w
end

local function run_study(cfg)
  local d = cfg.data
  if type(d) ~= "table" or not data.is_dataset(d.train) or not data.is_dataset(d.test) then
    error("experiment.learnability: option 'data' must be {train = dataset, test = dataset[, val = dataset]}", 0)
  end
  if d.val ~= nil and not data.is_dataset(d.val) then error("experiment.learnability: data.val must be a dataset", 0) end
  if type(cfg.model) ~= "function" then
    error("experiment.learnability: option 'model' must be a function(seed) returning a new model", 0)
  end
  if cfg.optimizer ~= nil and type(cfg.optimizer) ~= "function" then
    error("experiment.learnability: option 'optimizer' must be a function(params) returning an optimizer (each run builds its own)", 0)
  end
  local seeds = cfg.seeds or {1, 2, 3}
  if type(seeds) ~= "table" or #seeds == 0 then error("experiment.learnability: option 'seeds' must be a non-empty array of integers", 0) end
  for i, s in ipairs(seeds) do
    if math.type(s) == nil or s ~= math.floor(s) or s < 0 then error(fmt("experiment.learnability: seeds[%d] must be an integer >= 0, got %s", i, tostring(s)), 0) end
  end
  local classes = d.train.classes
  local C = #classes
  local W, W_text = cfg.W, nil
  if W == nil then W = 2 end
  local W_gamma
  if type(W) == "number" then
    local gamma = W
    W_gamma = gamma
    W_text = fmt("weights.tpr_power(s, %g, {floor = 0.01})", gamma)
    W = function(s) return weights.tpr_power(s, gamma, {floor = 0.01}) end
  elseif type(W) == "function" then
    W_text = "a Lua function"
  else
    error("experiment.learnability: option 'W' must be a function(s) -> weights or a number gamma (tpr_power), got " .. type(W), 0)
  end
  local methods, names, seen = {}, {}, {baseline = true}
  for i, m in ipairs(cfg.methods or DEFAULT_METHODS) do
    local method = resolve_method(m, i, 0)
    if seen[method.name] then error("experiment.learnability: two methods are named '" .. method.name .. "'", 0) end
    seen[method.name] = true
    methods[#methods + 1], names[#names + 1] = method, method.name
  end
  -- the gamma sweep: tpr_weighted_ce with tpr_power(s, gamma) for each gamma (the run of
  -- tpr_weighted_ce itself stands for gamma = W when W is a number)
  local sweep = {}
  for _, g in ipairs(cfg.gammas or {}) do
    if type(g) ~= "number" or g < 0 then error("experiment.learnability: gammas must be numbers >= 0", 0) end
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
  local out = cfg.out
  if out ~= nil and type(out) ~= "string" then error("experiment.learnability: option 'out' must be a directory path", 0) end
  local common = merge(cfg.train or {}, {epochs = cfg.epochs, batch = cfg.batch, optimizer = cfg.optimizer,
                       lr_schedule = cfg.lr_schedule, val = d.val, quiet = not cfg.verbose, eval_batch = cfg.eval_batch})
  local tpr_source = d.val and "validation" or "test"
  local method_list = {}
  for _, m in ipairs(methods) do method_list[#method_list + 1] = {name = m.name, description = m.description} end
  local study = {name = cfg.name, method_names = names, seeds = seeds, classes = classes, runs = {baseline = {}},
                 contexts = {}, sweep = sweep, has_val = d.val ~= nil, plots = cfg.plots ~= false,
                 config = {name = cfg.name, seeds = seeds, W = W_text, gammas = cfg.gammas, gamma = W_gamma, methods = method_list,
                           epochs = common.epochs or 5, batch = common.batch or 64,
                           optimizer = cfg.optimizer and "a Lua function" or "optim.Adam(lr = 1e-3)",
                           train = d.train and tostring(d.train), test = tostring(d.test), val = d.val and tostring(d.val),
                           train_size = d.train:size(), test_size = d.test:size(), val_size = d.val and d.val:size(),
                           classes = classes, tpr_source = tpr_source, started = os.date("!%Y-%m-%dT%H:%M:%SZ")}}
  for _, n in ipairs(names) do study.runs[n] = {} end
  local quiet = cfg.quiet
  local function say(...) if not quiet then print(...) end end
  say(fmt("learnability%s: %d seeds x (baseline + %d methods), %d epochs each; W(s) = %s from the %s set; %s",
    cfg.name and (" (" .. cfg.name .. ")") or "", #seeds, #methods, study.config.epochs, W_text, tpr_source,
    out and ("results in " .. out) or "no output directory"))

  local function finish_run(name, seed, model, history, t0, base_tpr, train_options)
    local rep = evaluate(model, d.test, {batch = cfg.eval_batch or 256}, 0)
    local r = {accuracy = rep.accuracy, balanced_accuracy = rep.balanced_accuracy, var_tpr = rep.var_tpr,
               min_tpr = rep.min_tpr, min_class = rep.min_class_name or tostring(rep.min_class), tpr = rep.tpr,
               report = rep, history = history, seconds = sys.clock() - t0}
    if base_tpr then r.D = metrics.D(base_tpr, rep.tpr) end
    study.runs[name][seed] = r
    say(fmt("seed %-3s %-22s acc %.4f  bal %.4f  Var(s) %.5f  min %.3f (%s)%s  %.1fs", tostring(seed), name, r.accuracy,
      r.balanced_accuracy, r.var_tpr, r.min_tpr, r.min_class, r.D and fmt("  D %+.5f", r.D) or "", r.seconds))
    if out and cfg.save_runs ~= false then
      save_run(join(join(out, "runs"), fmt("seed%s-%s", tostring(seed), name:gsub("[^%w_.=-]", "_"))),
               {config = merge(train_options, {method = name, seed = seed}), history = history, report = rep, name = fmt("%s, seed %s", name, tostring(seed)),
                plots = study.plots})
    end
    return r
  end

  local function summarize_and_write(with_plots)
    study.summary = summarize(names, study.runs, seeds)
    study.text = experiment.summary_table(study.summary)
    if out then write_study(out, study, with_plots) end
  end

  for _, seed in ipairs(seeds) do
    if study.interrupted then break end
    -- 1. train with plain cross-entropy
    local t0 = sys.clock()
    local model = cfg.model(seed)
    local topts = merge(common, {seed = seed, name = fmt("seed %s baseline", tostring(seed))})
    local h = experiment.train(model, d.train, topts)
    if h.interrupted then study.interrupted = true; break end
    -- 2. per-class TPRs s (validation set when given, else test) and 3. w = W(s)
    local base = finish_run("baseline", seed, model, h, t0, nil, topts)
    local s_report = d.val and evaluate(model, d.val, {batch = cfg.eval_batch or 256}, 0) or base.report
    local s = s_report.tpr
    local w = check_weights(W(s), C, "W(s)")
    local ctx = {s = s, w = w, W = W, seed = seed, train = d.train, val = d.val, test = d.test, classes = classes, C = C,
                 baseline = s_report}
    study.contexts[seed] = ctx
    say(fmt("seed %-3s s = {%s}", tostring(seed), table.concat((function()
      local t = {} for c = 1, C do t[c] = fmt("%.2f", s[c]) end return t end)(), " ")))
    say(fmt("seed %-3s w = {%s}", tostring(seed), table.concat((function()
      local t = {} for c = 1, C do t[c] = fmt("%.2f", w[c]) end return t end)(), " ")))
    -- 4. retrain with each method (same seed: same initialisation and batch order) and 5. evaluate s'
    for _, m in ipairs(methods) do
      local mctx = ctx
      if m.W then mctx = merge(ctx, {w = check_weights(m.W(s), C, m.name .. ": W(s)")}) end
      local t1 = sys.clock()
      local mopts = m.options(mctx)
      if type(mopts) ~= "table" then error("experiment.learnability: method " .. m.name .. " must return a table of train options", 0) end
      local model2 = cfg.model(seed)
      local topts2 = merge(common, mopts, {seed = seed, name = fmt("seed %s %s", tostring(seed), m.name)})
      local h2 = experiment.train(model2, d.train, topts2)
      if h2.interrupted then study.interrupted = true; break end
      local r = finish_run(m.name, seed, model2, h2, t1, base.tpr, topts2)
      r.weights = mctx.w
    end
    summarize_and_write(false)
  end
  summarize_and_write(true)
  if study.interrupted then say("interrupted: results hold the runs that finished") end
  say("")
  say(study.text)
  if out then say("results: " .. out) end
  local by_method = {}
  for _, row in ipairs(study.summary) do by_method[row.method] = row end
  return {summary = study.summary, by_method = by_method, runs = study.runs, contexts = study.contexts,
          text = study.text, out = out, interrupted = study.interrupted or false, config = study.config,
          methods = names}
end

function experiment.learnability(cfg)
  if type(cfg) ~= "table" then error("bad argument #1 to 'experiment.learnability' (expected a table of options)", 2) end
  check_options("learnability", cfg, 1, STUDY_OPTIONS, 3)
  local previous = sys.on_interrupt("flag")
  local ok, result = pcall(run_study, cfg)
  sys.on_interrupt(previous)
  if not ok then rethrow(result) end
  return result
end

return experiment
"""#
}
