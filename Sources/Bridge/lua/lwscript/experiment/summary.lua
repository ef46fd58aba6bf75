-- Statistics across seeds (paired by seed), from the stats module: the study's summary rows,
-- experiment.summary_table (the printed table) and experiment.most_confused.
local experiment = require("experiment")
local util = require("lwscript.util")
local stats = require("stats")

local M = {}

local fmt = string.format
local mean_of, sd_of = util.mean, util.sd

-- A test may be undefined for the data at hand (e.g. identical values across seeds): it
-- then gives nil instead of stopping the study.
local function defined(test, ...)
  local ok, result = pcall(test, ...)
  if ok then return result end
  return nil
end

-- M.summarize(method_names, runs, seeds): one row for the baseline, one per method (its runs
-- paired with the baseline's of the same seed).
function M.summarize(method_names, runs, seeds)
  local rows = {}
  local base = runs.baseline or {}
  local acc0, var0, bal0, min0 = {}, {}, {}, {}
  for _, seed in ipairs(seeds) do
    local b = base[seed]
    if b then acc0[#acc0 + 1], var0[#var0 + 1], bal0[#bal0 + 1], min0[#min0 + 1] = b.accuracy, b.var_tpr, b.balanced_accuracy, b.min_tpr end
  end
  rows[1] = {method = "baseline", seeds = #acc0, accuracy = mean_of(acc0), accuracy_sd = sd_of(acc0),
             balanced_accuracy = mean_of(bal0), min_tpr = mean_of(min0), var_before = mean_of(var0), var_after = mean_of(var0)}
  local tested = {}
  for _, name in ipairs(method_names) do
    local a, b, D, acc, dacc, bal, mins = {}, {}, {}, {}, {}, {}, {}
    local acc_base = {}
    for _, seed in ipairs(seeds) do
      local r, r0 = (runs[name] or {})[seed], base[seed]
      if r and r0 then
        a[#a + 1], b[#b + 1], D[#D + 1] = r0.var_tpr, r.var_tpr, r0.var_tpr - r.var_tpr
        acc[#acc + 1], acc_base[#acc_base + 1], dacc[#dacc + 1] = r.accuracy, r0.accuracy, r.accuracy - r0.accuracy
        bal[#bal + 1], mins[#mins + 1] = r.balanced_accuracy, r.min_tpr
      end
    end
    local row = {method = name, seeds = #D, accuracy = mean_of(acc), accuracy_sd = sd_of(acc), balanced_accuracy = mean_of(bal),
                 min_tpr = mean_of(mins), var_before = mean_of(a), var_after = mean_of(b), D = mean_of(D), D_sd = sd_of(D),
                 accuracy_change = mean_of(dacc)}
    if #D >= 2 then
      local t = defined(stats.paired_t, a, b)
      if t then row.t, row.p_value = t.statistic, t.pvalue end
      local w = defined(stats.wilcoxon, a, b)
      if w then row.p_wilcoxon = w.pvalue end
      row.effect_size = defined(stats.cohens_d, a, b, {paired = true})
      local ci = defined(stats.bootstrap_ci, D, {level = 0.95, n = 2000, seed = 1})
      if ci then row.D_lo, row.D_hi = ci.lo, ci.hi end
      local ta = defined(stats.paired_t, acc, acc_base)
      if ta then row.accuracy_p = ta.pvalue end
    end
    rows[#rows + 1] = row
    if row.p_value and row.p_value == row.p_value then tested[#tested + 1] = row end
  end
  if #tested > 0 then
    local ps = {}
    for i, r in ipairs(tested) do ps[i] = r.p_value end
    local adj = stats.holm(ps)
    for i, r in ipairs(tested) do r.p_holm = adj[i] end
  end
  return rows
end

M.COLUMNS = {"method", "seeds", "accuracy", "accuracy_sd", "accuracy_change", "accuracy_p", "balanced_accuracy",
  "min_tpr", "var_before", "var_after", "D", "D_sd", "D_lo", "D_hi", "t", "p_value", "p_holm", "p_wilcoxon", "effect_size"}

local function num(v, pattern) if v == nil or v ~= v then return "-" end return fmt(pattern, v) end

local is = util.is

local is_study = util.checker("a study (what experiment.learnability returns)", function(v)
  return type(v) == "table" and (v.config == nil or type(v.config) == "table") and (v.runs == nil or type(v.runs) == "table")
end)

-- experiment.most_confused(study[, n = 3]): "most confused (baseline, seed 1): Shirt ->
-- T-shirt/top 25%, ..." from the first seed's baseline run, or nil when there is none.
function experiment.most_confused(study, n)
  util.check_arg("experiment.most_confused", 1, study, is_study)
  if n ~= nil then util.check_arg("experiment.most_confused", 2, n, is.integer(0)) end
  for _, seed in ipairs(study.config and study.config.seeds or {}) do
    local run = type(study.runs) == "table" and type(study.runs.baseline) == "table" and study.runs.baseline[seed]
    if run then
      if type(run) ~= "table" or type(run.report) ~= "table" or type(run.report.confused) ~= "table" then
        util.arg_error("experiment.most_confused", 1, "expected a study (what experiment.learnability returns), got one "
                       .. "whose baseline run of seed " .. tostring(seed) .. " has no report.confused")
      end
      local texts = {}
      for k = 1, math.min(n or 3, #run.report.confused) do texts[k] = run.report.confused[k].text end
      return "most confused (baseline, seed " .. seed .. "): " .. table.concat(texts, ", ")
    end
  end
  return nil
end

-- Summary rows: tables whose method is a name, seeds a count, and the statistics numbers.
local ROW_NUMBERS = {"accuracy", "balanced_accuracy", "min_tpr", "var_before", "var_after", "D", "D_lo", "D_hi",
                     "p_value", "p_holm"}
local is_row = util.checker("a summary row", function(r)
  if type(r) ~= "table" then return false end
  if type(r.method) ~= "string" then return false, "a row whose method is " .. util.describe(r.method) end
  if r.seeds ~= nil and not is.integer(0).test(r.seeds) then return false, "a row whose seeds is " .. util.describe(r.seeds) end
  for _, k in ipairs(ROW_NUMBERS) do
    if r[k] ~= nil and type(r[k]) ~= "number" then return false, fmt("a row whose %s is %s", k, util.describe(r[k])) end
  end
  return true
end)
local is_rows = is.array_of(is_row, "an array of summary rows ({method = name, seeds = n, accuracy = ...}) or a study", 0)

-- The summary as a text table (printed, and saved as summary.txt).
function experiment.summary_table(rows)
  if type(rows) == "table" and rows.summary then rows = rows.summary end
  util.check_arg("experiment.summary_table", 1, rows, is_rows)
  local lines = {fmt("%-22s %5s %9s %8s %8s %9s %9s %11s %24s %8s %8s", "method", "seeds", "accuracy", "bal.acc",
                     "min TPR", "Var(s)", "Var(s')", "D", "95% CI of D", "p", "p Holm")}
  for _, r in ipairs(rows) do
    local ci = (r.D_lo and r.D_hi) and fmt("[%+.5f, %+.5f]", r.D_lo, r.D_hi) or "-"
    lines[#lines + 1] = fmt("%-22s %5d %9s %8s %8s %9s %9s %11s %24s %8s %8s", r.method, r.seeds or 0,
      num(r.accuracy, "%.4f"), num(r.balanced_accuracy, "%.4f"), num(r.min_tpr, "%.4f"), num(r.var_before, "%.5f"),
      r.method == "baseline" and "-" or num(r.var_after, "%.5f"), r.method == "baseline" and "-" or num(r.D, "%+.5f"),
      ci, num(r.p_value, "%.4f"), num(r.p_holm, "%.4f"))
  end
  return table.concat(lines, "\n")
end

return M
