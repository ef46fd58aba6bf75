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

-- The plots (a failing plot is a warning, never the end of a study).
local function write_plots(out, study, all)
  local seeds, classes = study.seeds, study.classes

  -- per-class TPR before (baseline) and after (each method), mean over seeds
  local in_sweep = {}
  for _, sw in ipairs(study.sweep) do if sw.name ~= "tpr_weighted_ce" then in_sweep[sw.name] = true end end
  -- (controls stay out of the before/after bars too: they are in the files and the summary)
  for _, control in pairs(study.controls or {}) do in_sweep[control] = true end
  local series = {}
  for _, name in ipairs(all) do
    if not in_sweep[name] then
      local list = {}
      for _, seed in ipairs(seeds) do
        local r = (study.runs[name] or {})[seed]
        if r then list[#list + 1] = r.tpr end
      end
      local m = mean_vectors(list)
      if m then series[#series + 1] = {name = name, values = m} end
    end
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
    table.sort(study.sweep, function(p, q) return p.gamma < q.gamma end)
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

-- M.write(out, study, with_plots): the files, and the plots when with_plots and the study
-- asks for them.
function M.write(out, study, with_plots)
  local all = write_files(out, study)
  if study.plots and with_plots then write_plots(out, study, all) end
end

return M
