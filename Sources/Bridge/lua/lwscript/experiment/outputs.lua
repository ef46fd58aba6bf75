-- What a run writes: tidy rows of its history and report (CSV), its plots, and
-- experiment.save_run(dir, {config =, history =, report =, name =, plots =}), the run's
-- directory. The study (study_outputs.lua) writes the same rows for every run.
local experiment = require("experiment")
local util = require("lwscript.util")
local stats = require("stats")
local tensor = require("tensor")
local csv = require("csv")
local plot = require("plot")
local sys = require("sys")

local M = {}

local join = util.join

-- Tidy rows of a history and a report (for CSV files and plots).
function M.history_rows(history, extra)
  local rows = {}
  for _, e in ipairs(history.epoch) do
    local r = util.copy(extra)
    r.epoch, r.loss, r.accuracy, r.balanced_accuracy = e, history.loss[e], history.accuracy[e], history.balanced_accuracy[e]
    r.lr, r.time = history.lr[e], history.time[e]
    r.val_loss, r.val_accuracy = history.val_loss[e], history.val_accuracy[e]
    r.val_balanced_accuracy, r.val_var_tpr, r.val_min_tpr = history.val_balanced_accuracy[e], history.val_var_tpr[e], history.val_min_tpr[e]
    rows[#rows + 1] = r
  end
  return rows
end

M.HISTORY_COLUMNS = {"epoch", "loss", "accuracy", "balanced_accuracy", "val_loss", "val_accuracy",
                         "val_balanced_accuracy", "val_var_tpr", "val_min_tpr", "lr", "time"}

-- epoch, split (train/val), class, tpr; and the weights and sampling probabilities used
function M.tpr_epoch_rows(history, classes, extra)
  local rows = {}
  for _, e in ipairs(history.epoch) do
    for _, split in ipairs({"train", "val"}) do
      local s = split == "train" and history.tpr[e] or history.val_tpr[e]
      if s then
        for c, v in ipairs(s) do
          local r = util.copy(extra)
          r.epoch, r.split, r.class, r.tpr = e, split, classes[c] or tostring(c), v
          r.weight = history.weights[e] and history.weights[e][c] or nil
          r.sampling = history.sampling[e] and history.sampling[e][c] or nil
          rows[#rows + 1] = r
        end
      end
    end
  end
  return rows
end

function M.class_rows(report, extra)
  local rows = {}
  for c = 1, #report.tpr do
    local r = util.copy(extra)
    r.class, r.tpr, r.precision, r.f1 = report.classes[c], report.tpr[c], report.precision[c], report.f1[c]
    r.support, r.predicted = report.support[c], report.predicted[c]
    -- the Wilson interval (95%) of the TPR: how much of a class's TPR is test-set noise
    if r.support and r.support > 0 and r.tpr then
      r.tpr_lo, r.tpr_hi = stats.wilson(math.floor(r.tpr * r.support + 0.5), r.support)
    end
    rows[#rows + 1] = r
  end
  return rows
end

function M.confusion_rows(report)
  local rows, cm = {}, report.confusion
  if not cm then return rows end
  local t = tensor.is_tensor(cm) and cm:totable() or cm
  for i, row in ipairs(t) do
    for j, v in ipairs(row) do
      rows[#rows + 1] = {true_class = report.classes[i], predicted_class = report.classes[j], count = v}
    end
  end
  return rows
end

local function warn_failure(what, err)
  io.stderr:write("experiment: ", what, " failed: ", util.strip_position(err), "\n")
end

-- Saves a plot (SVG and its data as CSV) and never stops a study over a picture.
function M.save_plot(path, build)
  local ok, err = pcall(function() build():save(path) end)
  if not ok then warn_failure("plot " .. path, err) end
  return ok
end

function M.write_csv(path, rows, columns)
  if #rows == 0 then return end
  csv.write(path, rows, columns and {columns = columns} or nil)
end

-- Columns present in at least one row, in the preferred order.
function M.present_columns(rows, preferred)
  local has = {}
  for _, r in ipairs(rows) do for k in pairs(r) do has[k] = true end end
  local out = {}
  for _, c in ipairs(preferred) do if has[c] then out[#out + 1] = c; has[c] = nil end end
  for _, k in ipairs(util.sorted_keys(has)) do out[#out + 1] = k end
  return out
end

-- Whether a run trained on plain cross-entropy (no loss, loss_for or weights in its
-- config): only then are its training and validation losses the same function, and share
-- an axis.
local function plain_cross_entropy(config)
  return type(config) == "table" and config.loss == nil and config.loss_for == nil and config.weights == nil
end

-- The class of a report with the lowest TPR (the one a reader looks for), or nil.
local function lowest_class(report, classes)
  if not (report and report.tpr and #report.tpr > 0) then return nil end
  local worst = 1
  for c = 2, #report.tpr do if report.tpr[c] < report.tpr[worst] then worst = c end end
  return classes[worst]
end

local function history_plots(dir, history, classes, title, config, report)
  local epochs = history.epoch
  if #epochs == 0 then return end
  local has_val = #history.val_loss > 0
  if plain_cross_entropy(config) then
    local loss_series = {{name = "train", values = history.loss}}
    if has_val then loss_series[2] = {name = "validation", values = history.val_loss} end
    M.save_plot(join(dir, "loss.svg"), function()
      return plot.lines{x = epochs, series = loss_series, title = title .. ": loss", xlabel = "epoch", ylabel = "cross-entropy"}
    end)
  else
    -- the run's own loss (weighted, focal, ...) and the validation cross-entropy are different
    -- functions: a plot each
    M.save_plot(join(dir, "loss.svg"), function()
      return plot.lines{x = epochs, series = {{name = "train", values = history.loss}}, title = title .. ": training loss",
                        subtitle = "the run's own loss function", xlabel = "epoch", ylabel = "training loss"}
    end)
    if has_val then
      M.save_plot(join(dir, "val_loss.svg"), function()
        return plot.lines{x = epochs, series = {{name = "validation", values = history.val_loss}}, xlabel = "epoch",
                          title = title .. ": validation cross-entropy", ylabel = "cross-entropy (validation)"}
      end)
    end
  end
  local acc_series = {{name = "train", values = history.accuracy}}
  if #history.val_accuracy > 0 then
    acc_series[2] = {name = "validation", values = history.val_accuracy}
    acc_series[3] = {name = "validation (balanced)", values = history.val_balanced_accuracy}
  end
  M.save_plot(join(dir, "accuracy.svg"), function()
    return plot.lines{x = epochs, series = acc_series, title = title .. ": accuracy", xlabel = "epoch", ylabel = "accuracy"}
  end)
  local per_class = #history.val_tpr > 0 and history.val_tpr or history.tpr
  local series = {}
  for c, name in ipairs(classes) do
    local values = {}
    for i, e in ipairs(epochs) do values[i] = per_class[e][c] end
    series[c] = {name = name, values = values}
  end
  local lowest = lowest_class(report, classes)
  M.save_plot(join(dir, "tpr_epochs.svg"), function()
    return plot.lines{x = epochs, series = series, xlabel = "epoch", ylabel = "TPR", highlight = lowest,
                      title = title .. ": per-class TPR over epochs (" .. (#history.val_tpr > 0 and "validation" or "training") .. ")",
                      subtitle = lowest and ("bold: " .. lowest .. ", the lowest test TPR") or nil}
  end)
end

-- The per-class TPR of one run with the Wilson interval (95%) of each: how much of a TPR
-- is test-set noise.
local function report_plots(dir, report, title)
  local lo, hi = {}, {}
  for c, row in ipairs(M.class_rows(report, {})) do lo[c], hi[c] = row.tpr_lo or (0 / 0), row.tpr_hi or (0 / 0) end
  M.save_plot(join(dir, "tpr.svg"), function()
    return plot.bars{labels = report.classes, series = {{name = "TPR", values = report.tpr, lo = lo, hi = hi}}, ylim = {0, 1},
                     title = title .. ": per-class TPR", subtitle = "test set; error bars: Wilson 95% interval of each TPR",
                     ylabel = "TPR (recall)"}
  end)
  if report.confusion then
    M.save_plot(join(dir, "confusion.svg"), function()
      return plot.heatmap{matrix = report.confusion, labels = report.classes, normalize = "row",
                          title = title .. ": confusion matrix (rows = true class)"}
    end)
  end
end

-- experiment.save_run(dir, {config =, history =, report =, name =}): a run's directory.
local is = util.is

-- A table with these fields, each a table (what came otherwise: "a table without field 'x'").
local function table_with(expected, fields)
  return util.checker(expected, function(v)
    if type(v) ~= "table" then return false end
    for _, k in ipairs(fields) do
      if type(v[k]) ~= "table" then
        return false, "a table whose field '" .. k .. "' is " .. util.describe(v[k])
      end
    end
    return true
  end)
end

-- One row per evaluated sample, in the set's order: its class and the predicted one (names).
function M.prediction_rows(r)
  local rows, classes = {}, r.classes or {}
  local y, p = r.labels:totable(), r.predictions:totable()
  for i = 1, #y do
    rows[i] = {sample = i, label = classes[y[i]] or y[i], predicted = classes[p[i]] or p[i]}
  end
  return rows
end

local SAVE_RUN_OPTIONS = {
  config = is.table,
  history = table_with("a training history (what experiment.train returns)", {"epoch", "loss", "accuracy",
    "balanced_accuracy", "lr", "time", "tpr", "weights", "sampling", "val_loss", "val_accuracy",
    "val_balanced_accuracy", "val_tpr", "val_var_tpr", "val_min_tpr"}),
  report = table_with("a metrics report (what experiment.evaluate returns)", {"classes", "tpr", "precision", "f1",
    "support", "predicted"}),
  name = is.string,
  plots = is.boolean,
}

function M.save_run(dir, run)
  sys.mkdir(dir)
  local title = run.name or dir:match("([^/]+)/?$") or "run"
  if run.config then experiment.write_json(join(dir, "config.json"), run.config) end
  local h = run.history
  if h then
    local plain = util.copy(h)
    plain.last_report = nil
    experiment.write_json(join(dir, "history.json"), plain)
    local rows = M.history_rows(h)
    M.write_csv(join(dir, "history.csv"), rows, M.present_columns(rows, M.HISTORY_COLUMNS))
    local classes = (run.report and run.report.classes) or (h.last_report and h.last_report.classes) or {}
    local tpr_rows = M.tpr_epoch_rows(h, classes)
    M.write_csv(join(dir, "tpr_epochs.csv"), tpr_rows,
              M.present_columns(tpr_rows, {"epoch", "split", "class", "tpr", "weight", "sampling"}))
    if run.plots ~= false then history_plots(dir, h, classes, title, run.config, run.report) end
  end
  local r = run.report
  if r then
    -- the per-sample classes go to predictions.csv, not into the JSON
    local plain = util.copy(r)
    plain.predictions, plain.labels = nil, nil
    experiment.write_json(join(dir, "metrics.json"), plain)
    if tensor.is_tensor(r.predictions) and tensor.is_tensor(r.labels) then
      M.write_csv(join(dir, "predictions.csv"), M.prediction_rows(r), {"sample", "label", "predicted"})
    end
    M.write_csv(join(dir, "metrics.csv"), M.class_rows(r), {"class", "tpr", "tpr_lo", "tpr_hi", "precision", "f1", "support",
                                                             "predicted"})
    M.write_csv(join(dir, "confusion.csv"), M.confusion_rows(r), {"true_class", "predicted_class", "count"})
    if run.plots ~= false then report_plots(dir, r, title) end
  end
end

function experiment.save_run(dir, run)
  util.check_arg("experiment.save_run", 1, dir, is.path)
  run = util.check_options("experiment.save_run", run, 2, SAVE_RUN_OPTIONS)
  local ok, err = pcall(M.save_run, dir, run)
  if not ok then util.fail("experiment.save_run: " .. util.strip_position(err)) end
  return dir
end

return M
