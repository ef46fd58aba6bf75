-- What a study writes to its directory: config, summary (JSON, CSV, text), every run's rows
-- (runs.csv, tpr.csv, history.csv, tpr_epochs.csv, weights.csv), results.json, and plots.
-- Everything is computed from the study's runs, so it can be written again at any time.
local experiment = require("experiment")
local util = require("lwscript.util")
local outputs = require("lwscript.experiment.outputs")
local summary = require("lwscript.experiment.summary")
local plot = require("plot")
local sys = require("sys")

local M = {}

local fmt = string.format
local join, mean_of = util.join, util.mean
local save_plot, write_csv, present_columns = outputs.save_plot, outputs.write_csv, outputs.present_columns

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

-- How many of the study's runs each commit, host and CPU made (cells.made): config.json's
-- cells_made, the provenance of a study collected from cells trained elsewhere or earlier.
local function made_by(study)
  local counts = {commits = {}, hosts = {}, cpus = {}, threads = {}}
  local any = false
  for _, per_seed in pairs(study.runs) do
    for _, r in pairs(per_seed) do
      local m = r.made
      if m then
        any = true
        for field, key in pairs({commits = m.commit or "not recorded", hosts = m.host, cpus = m.cpu,
                                 threads = m.threads and tostring(m.threads)}) do
          if key then counts[field][key] = (counts[field][key] or 0) + 1 end
        end
      end
    end
  end
  return any and counts or nil
end

-- The files; returns the names of every method, baseline first.
local function write_files(out, study)
  sys.mkdir(out)
  local names, seeds, classes = study.method_names, study.seeds, study.classes
  study.config.cells_made = made_by(study)
  experiment.write_json(join(out, "config.json"), study.config)
  experiment.write_json(join(out, "summary.json"), study.summary)
  write_csv(join(out, "summary.csv"), study.summary, present_columns(study.summary, summary.COLUMNS))
  util.write_file(join(out, "summary.txt"), study.text .. "\n")
  local run_rows, tpr_rows, hist_rows, epoch_rows, weight_rows = {}, {}, {}, {}, {}
  local all = {"baseline"}
  for _, n in ipairs(names) do all[#all + 1] = n end
  for _, name in ipairs(all) do
    for _, seed in ipairs(seeds) do
      local r = (study.runs[name] or {})[seed]
      if r then
        run_rows[#run_rows + 1] = {seed = seed, method = name, accuracy = r.accuracy, balanced_accuracy = r.balanced_accuracy,
          var_tpr = r.var_tpr, min_tpr = r.min_tpr, min_class = r.min_class, D = r.D, D_se = r.D_se, epochs = r.history.epochs_done,
          seconds = r.seconds, collapsed = r.collapsed}
        for _, row in ipairs(outputs.class_rows(r.report, {seed = seed, method = name})) do tpr_rows[#tpr_rows + 1] = row end
        for _, row in ipairs(outputs.history_rows(r.history, {seed = seed, method = name})) do hist_rows[#hist_rows + 1] = row end
        for _, row in ipairs(outputs.tpr_epoch_rows(r.history, classes, {seed = seed, method = name})) do epoch_rows[#epoch_rows + 1] = row end
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
    "var_tpr", "min_tpr", "min_class", "D", "D_se", "epochs", "seconds", "collapsed"}))
  write_csv(join(out, "tpr.csv"), tpr_rows, {"seed", "method", "class", "tpr", "tpr_lo", "tpr_hi", "precision", "f1",
                                             "support", "predicted"})
  write_csv(join(out, "history.csv"), hist_rows, present_columns(hist_rows, {"seed", "method", table.unpack(outputs.HISTORY_COLUMNS)}))
  write_csv(join(out, "tpr_epochs.csv"), epoch_rows, present_columns(epoch_rows, {"seed", "method", "epoch", "split", "class",
    "tpr", "weight", "sampling"}))
  write_csv(join(out, "weights.csv"), weight_rows, {"seed", "class", "s", "w"})
  local results = {config = study.config, summary = study.summary, interrupted = study.interrupted, runs = {}}
  for _, row in ipairs(run_rows) do
    local r = study.runs[row.method][row.seed]
    results.runs[#results.runs + 1] = {seed = row.seed, method = row.method, accuracy = r.accuracy,
      balanced_accuracy = r.balanced_accuracy, var_tpr = r.var_tpr, min_tpr = r.min_tpr, D = r.D, D_se = r.D_se, tpr = r.tpr,
      confused = r.report.confused, s = study.contexts[row.seed] and study.contexts[row.seed].s,
      w = study.contexts[row.seed] and study.contexts[row.seed].w}
  end
  experiment.write_json(join(out, "results.json"), results)
  return all
end

-- A method's runs over the study's seeds (those that finished), and their seeds.
local function runs_of(study, name)
  local list, seeds = {}, {}
  for _, seed in ipairs(study.seeds) do
    local r = (study.runs[name] or {})[seed]
    if r then list[#list + 1], seeds[#seeds + 1] = r, seed end
  end
  return list, seeds
end

-- What a plot of these runs shows: "mean over 3 seeds" or "seed 1".
local function aggregation(seeds)
  if #seeds == 1 then return fmt("seed %s", tostring(seeds[1])) end
  return fmt("mean over %d seeds", #seeds)
end

-- The smallest and largest of the numbers (the spread over seeds), or nil for none.
local function spread(values)
  if #values == 0 then return nil end
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(values) do lo, hi = math.min(lo, v), math.max(hi, v) end
  return lo, hi
end

-- Per index c, the spread over seeds of vectors[seed][c].
local function spread_vectors(list)
  local lo, hi = {}, {}
  for c = 1, #list[1] do
    local col = {}
    for _, v in ipairs(list) do col[#col + 1] = v[c] end
    lo[c], hi[c] = spread(col)
  end
  return lo, hi
end

-- The class the study is about: the lowest mean TPR of the baseline.
local function hardest_class(study)
  local list = runs_of(study, "baseline")
  if #list == 0 then return nil end
  local tprs = {}
  for _, r in ipairs(list) do tprs[#tprs + 1] = r.tpr end
  local m, worst = mean_vectors(tprs), 1
  for c = 2, #m do if m[c] < m[worst] then worst = c end end
  return study.classes[worst]
end

-- The plots (a failing plot is a warning, never the end of a study). Each says in its
-- subtitle what it shows (mean over n seeds or one seed, what the bars and bands are);
-- the intervals it draws are in its CSV.
local function write_plots(out, study, all)
  local classes = study.classes
  local label = study.name and (study.name .. ": ") or ""

  -- per-class TPR before (baseline) and after (each method), mean over seeds, error bars the
  -- spread over seeds (min to max), or for a single run the Wilson interval (95%) of each TPR
  local in_sweep = {}
  for _, sw in ipairs(study.sweep) do if sw.name ~= "tpr_weighted_ce" then in_sweep[sw.name] = true end end
  -- (controls stay out of the before/after bars too: they are in the files and the summary)
  for _, control in pairs(study.controls or {}) do in_sweep[control] = true end
  local series, shown_seeds = {}, {}
  for _, name in ipairs(all) do
    if not in_sweep[name] then
      local list, seeds = runs_of(study, name)
      if #list > 0 then
        local tprs = {}
        for _, r in ipairs(list) do tprs[#tprs + 1] = r.tpr end
        local s = {name = name, values = mean_vectors(tprs)}
        if #list > 1 then
          s.lo, s.hi = spread_vectors(tprs)
        else
          s.lo, s.hi = {}, {}
          for c, row in ipairs(outputs.class_rows(list[1].report, {})) do
            s.lo[c], s.hi[c] = row.tpr_lo or (0 / 0), row.tpr_hi or (0 / 0)
          end
        end
        series[#series + 1] = s
        if #seeds > #shown_seeds then shown_seeds = seeds end
      end
    end
  end
  local bars_note = #shown_seeds > 1 and fmt("%s; error bars: min to max over seeds (test)", aggregation(shown_seeds))
                    or fmt("%s; error bars: Wilson 95%% interval of each TPR (test)", aggregation(shown_seeds))
  save_plot(join(out, "tpr_before_after.svg"), function()
    return plot.bars{labels = classes, series = series, ylim = {0, 1}, ylabel = "TPR (recall)",
                     title = label .. "per-class TPR, before and after", subtitle = bars_note}
  end)
  -- confusion matrices summed over seeds: baseline, and the method with the largest mean D
  local best, bestD = nil, -math.huge
  for _, row in ipairs(study.summary) do
    if row.method ~= "baseline" and row.D and row.D > bestD then best, bestD = row.method, row.D end
  end
  for _, name in ipairs({"baseline", best}) do
    local list, seeds = runs_of(study, name)
    local sum
    for _, r in ipairs(list) do sum = sum and (sum + r.report.confusion) or r.report.confusion:clone() end
    if sum then
      save_plot(join(out, "confusion_" .. name .. ".svg"), function()
        return plot.heatmap{matrix = sum, labels = classes, normalize = "row", title = label .. "confusion matrix, " .. name,
                            subtitle = "rows = true class, each row divided by its sum (test); "
                                       .. (#seeds > 1 and fmt("counts summed over %d seeds", #seeds) or fmt("seed %s", tostring(seeds[1])))}
      end)
    end
  end
  -- training curves: the mean over seeds with a band from the lowest to the highest seed;
  -- `relative` divides each run's values by its first epoch's (training losses of different
  -- loss functions are not on one scale)
  local function curve(name, field, relative)
    local per_epoch = {}
    for _, r in ipairs((runs_of(study, name))) do
      local first = r.history[field][r.history.epoch[1]]
      for _, e in ipairs(r.history.epoch) do
        local v = r.history[field][e]
        if v and relative then v = (first and first ~= 0) and v / first or nil end
        if v then per_epoch[e] = per_epoch[e] or {}; table.insert(per_epoch[e], v) end
      end
    end
    local x, y, lo, hi = {}, {}, {}, {}
    for e = 1, #per_epoch do
      if per_epoch[e] then
        x[#x + 1] = e; y[#y + 1] = mean_of(per_epoch[e])
        lo[#lo + 1], hi[#hi + 1] = spread(per_epoch[e])
      end
    end
    return x, y, lo, hi
  end
  local has_val = study.has_val
  local _, base_seeds = runs_of(study, "baseline")
  local band_note = #base_seeds > 1 and fmt("%s, band: min to max over seeds", aggregation(base_seeds)) or aggregation(base_seeds)
  local specs = {
    {field = "loss", file = "loss", relative = true, title = "training loss per epoch, relative to epoch 1",
     ylabel = "training loss / epoch-1 loss", note = "each method's own loss function, divided by its epoch-1 value"},
    {field = has_val and "val_accuracy" or "accuracy", file = "accuracy",
     title = (has_val and "validation accuracy" or "training accuracy") .. " per epoch", ylabel = "accuracy"},
  }
  if has_val then
    table.insert(specs, 2, {field = "val_loss", file = "val_loss", title = "validation cross-entropy per epoch",
      ylabel = "cross-entropy (validation)", note = "the same unweighted cross-entropy for every method"})
  end
  for _, spec in ipairs(specs) do
    local lines, xs = {}, nil
    for _, name in ipairs(all) do
      local x, y, lo, hi = curve(name, spec.field, spec.relative)
      if #x > 0 and (xs == nil or #x == #xs) then
        xs = xs or x
        lines[#lines + 1] = {name = name, values = y, lo = #base_seeds > 1 and lo or nil, hi = #base_seeds > 1 and hi or nil}
      end
    end
    if xs and #xs > 0 then
      save_plot(join(out, "curves_" .. spec.file .. ".svg"), function()
        return plot.lines{x = xs, series = lines, title = label .. spec.title,
                          subtitle = band_note .. (spec.note and ("; " .. spec.note) or ""), xlabel = "epoch", ylabel = spec.ylabel}
      end)
    end
  end
  -- per-class TPR over epochs of the baseline (mean over seeds), the hardest class in bold
  local base_runs = runs_of(study, "baseline")
  local first = base_runs[1]
  if first and #first.history.epoch > 0 then
    local tpr_series = {}
    for c, cname in ipairs(classes) do
      local values = {}
      for i, e in ipairs(first.history.epoch) do
        local sum, n = 0, 0
        for _, r in ipairs(base_runs) do
          local per_class = has_val and r.history.val_tpr or r.history.tpr
          if per_class[e] then sum, n = sum + per_class[e][c], n + 1 end
        end
        values[i] = n > 0 and sum / n or 0 / 0
      end
      tpr_series[c] = {name = cname, values = values}
    end
    local hardest = hardest_class(study)
    save_plot(join(out, "tpr_epochs_baseline.svg"), function()
      return plot.lines{x = first.history.epoch, series = tpr_series, xlabel = "epoch", ylabel = "TPR", highlight = hardest,
                        title = label .. "per-class TPR over epochs, baseline" .. (has_val and " (validation)" or " (training)"),
                        subtitle = aggregation(base_seeds) .. (hardest and fmt("; bold: %s, the lowest test TPR", hardest) or "")}
    end)
  end
  -- accuracy vs Var(s'): every method, and the gamma sweep as a connected front; error bars
  -- the spread over seeds of each
  local function point(row, text)
    local pt = {x = row.var_after, y = row.accuracy, label = text}
    local accs, vars = {}, {}
    for _, r in ipairs((runs_of(study, row.method))) do accs[#accs + 1], vars[#vars + 1] = r.accuracy, r.var_tpr end
    if #accs > 1 then
      pt.xlo, pt.xhi = spread(vars)
      pt.ylo, pt.yhi = spread(accs)
    end
    return pt
  end
  local point_note = #base_seeds > 1 and fmt("%s; error bars: min to max over seeds (test)", aggregation(base_seeds))
                     or aggregation(base_seeds) .. " (test)"
  local points = {}
  for _, row in ipairs(study.summary) do
    if row.accuracy and row.var_after then points[#points + 1] = point(row, row.method) end
  end
  save_plot(join(out, "accuracy_vs_var.svg"), function()
    return plot.scatter{points = points, title = label .. "accuracy vs Var(s')", subtitle = point_note,
                        xlabel = "Var(s') (variance of per-class TPRs)", ylabel = "accuracy"}
  end)
  if study.sweep and #study.sweep > 0 then
    local front = {}
    local b = study.summary[1]
    if b.accuracy then front[1] = point(b, "gamma=0 (baseline)") end
    table.sort(study.sweep, function(p, q) return p.gamma < q.gamma end)
    for _, sw in ipairs(study.sweep) do
      for _, row in ipairs(study.summary) do
        if row.method == sw.name and row.accuracy then front[#front + 1] = point(row, fmt("gamma=%g", sw.gamma)) end
      end
    end
    save_plot(join(out, "tradeoff_gamma.svg"), function()
      return plot.scatter{points = front, connect = true, title = label .. "accuracy vs Var(s') across gamma", subtitle = point_note,
                          xlabel = "Var(s')", ylabel = "accuracy"}
    end)
  end
end

-- M.write(out, study, with_plots): the files, and the plots when with_plots and the study
-- asks for them.
function M.write(out, study, with_plots)
  local all = write_files(out, study)
  if study.plots and with_plots then write_plots(out, study, all) end
end

return M
