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

-- Below this many seeds the summary gives no interval and no test: a t interval from 2 seeds
-- spans t(0.975, 1) = 12.7 standard errors, and a percentile bootstrap over 2 seeds is just
-- their range (it covers the true mean about half the time).
M.MIN_SEEDS = 3
-- The power the summary plans for.
M.POWER = 0.8

-- The t interval (95%) of values, or nil.
local function t_interval(values)
  local ci = defined(stats.t_interval, values)
  if ci then return ci.lo, ci.hi end
end

-- Statistics of one method against the baseline, from its per-seed values paired by seed:
-- a (Var(s) of the baseline), b (Var(s') of the method), D = a - b, accuracy changes.
local function compare(row, a, b, D, dacc)
  local n = #D
  if n < M.MIN_SEEDS then
    row.note = fmt("%d seed%s: no interval or test (needs %d or more)", n, n == 1 and "" or "s", M.MIN_SEEDS)
    return false
  end
  row.D_lo, row.D_hi = t_interval(D)
  row.accuracy_change_lo, row.accuracy_change_hi = t_interval(dacc)
  row.interval = "t"
  local t = defined(stats.paired_t, a, b)
  if t and t.pvalue == t.pvalue then
    row.t, row.p_value = t.statistic, t.pvalue
  else
    row.note = "D is the same for every seed: the t-test is undefined"
  end
  -- the signed-rank test only where it can reach p < 0.05 (two-sided, 6 or more seeds)
  if n >= 6 then
    local w = defined(stats.wilcoxon, a, b)
    if w then row.p_wilcoxon = w.pvalue end
  end
  -- power: the smallest |D| these seeds detect at 80%, with the sd of D seen, and the seeds
  -- the D seen would need
  local sd = row.D_sd
  if sd and sd > 0 then
    row.effect_size = row.D / sd
    local d = defined(stats.t_detectable, n, {power = M.POWER})
    if d then row.detectable_D = d * sd end
    if row.D ~= 0 then
      local needed = defined(stats.t_sample_size, math.abs(row.effect_size), {power = M.POWER})
      row.seeds_needed = needed
    end
  end
  return true
end

-- A method against its control, paired by seed: control_D = Var(s') of the control minus
-- Var(s') of the method (positive: the method evens the TPRs beyond what perturbing training
-- the same way without the TPR information does), its t interval and paired t-test.
local function against_control(row, control, runs, seeds)
  local vc, vm, diff = {}, {}, {}
  for _, seed in ipairs(seeds) do
    local r, rc = (runs[row.method] or {})[seed], (runs[control] or {})[seed]
    if r and rc then vc[#vc + 1], vm[#vm + 1], diff[#diff + 1] = rc.var_tpr, r.var_tpr, rc.var_tpr - r.var_tpr end
  end
  row.control = control
  row.control_D = mean_of(diff)
  if #diff < M.MIN_SEEDS then return false end
  row.control_D_lo, row.control_D_hi = t_interval(diff)
  local t = defined(stats.paired_t, vc, vm)
  if t and t.pvalue == t.pvalue then row.control_p = t.pvalue end
  return true
end

-- The test set's share of the uncertainty (stats.bootstrap_D), from the runs' per-sample
-- predictions when every paired run has them: each run's D_se (its D's standard error from
-- the test set alone), the row's D_test_se (the mean D's, seeds fixed: the test set is one
-- for all seeds, so this part does not shrink with more seeds) and, from 10 seeds on, the
-- two-level (seed x test sample) bootstrap interval D_boot_lo, D_boot_hi.
M.TEST_RESAMPLES = 1000
local function test_noise(row, name, runs, seeds)
  local labels, bases, methods, paired = nil, {}, {}, {}
  for _, seed in ipairs(seeds) do
    local r, r0 = (runs[name] or {})[seed], (runs.baseline or {})[seed]
    if r and r0 then
      local rep, rep0 = r.report or {}, r0.report or {}
      if not (rep.predictions and rep0.predictions and rep0.labels) then return end
      labels = labels or rep0.labels
      bases[#bases + 1], methods[#methods + 1], paired[#paired + 1] = rep0.predictions, rep.predictions, r
    end
  end
  if #paired == 0 then return end
  local b = defined(stats.bootstrap_D, labels, bases, methods, {n = M.TEST_RESAMPLES, seed = 1})
  if not b then return end
  for k, r in ipairs(paired) do r.D_se = b.se[k] end
  row.D_test_se = b.se_mean
  row.D_boot_lo, row.D_boot_hi = b.lo, b.hi
end

-- Holm's adjustment of rows[k][field] over the rows given (an undefined p counting as 1).
local function holm(rows, field, adjusted)
  if #rows == 0 then return end
  local ps = {}
  for i, r in ipairs(rows) do ps[i] = r[field] or 1 end
  for i, p in ipairs(stats.holm(ps)) do rows[i][adjusted] = p end
end

-- M.summarize(method_names, runs, seeds[, controls[, {test_noise = false}]]): one row for the baseline, one per
-- method (its runs paired with the baseline's of the same seed). Holm's correction covers
-- every method that was tested (3 or more seeds), an undefined p counting as 1; the controls'
-- rows form a family of their own. `controls`
-- maps a method's name to its control's (a run of its own, also a row): the method's row then
-- holds the comparison with it (control_D, its interval, control_p, control_p_holm; Holm over
-- the methods compared with a control). test_noise = false leaves out the test-set bootstrap
-- (the summaries a study writes between seeds: it is the costly part, and the last one has it).
function M.summarize(method_names, runs, seeds, controls, opts)
  local rows = {}
  local base = runs.baseline or {}
  local acc0, var0, bal0, min0, collapsed0 = {}, {}, {}, {}, 0
  for _, seed in ipairs(seeds) do
    local b = base[seed]
    if b then
      acc0[#acc0 + 1], var0[#var0 + 1], bal0[#bal0 + 1], min0[#min0 + 1] = b.accuracy, b.var_tpr, b.balanced_accuracy, b.min_tpr
      if b.collapsed then collapsed0 = collapsed0 + 1 end
    end
  end
  rows[1] = {method = "baseline", seeds = #acc0, accuracy = mean_of(acc0), accuracy_sd = sd_of(acc0),
             balanced_accuracy = mean_of(bal0), min_tpr = mean_of(min0), var_before = mean_of(var0), var_after = mean_of(var0),
             collapsed = collapsed0 > 0 and collapsed0 or nil}
  -- Holm's families: the methods against the baseline (the study's hypotheses), the controls
  -- against the baseline (a description of what perturbing training alone does: adding them
  -- to the methods' family would double its size and hide real effects), and the methods
  -- against their controls
  local is_control = {}
  for _, c in pairs(controls or {}) do is_control[c] = true end
  local tested, tested_controls, controlled = {}, {}, {}
  for _, name in ipairs(method_names) do
    local a, b, D, acc, dacc, bal, mins, collapsed = {}, {}, {}, {}, {}, {}, {}, 0
    for _, seed in ipairs(seeds) do
      local r, r0 = (runs[name] or {})[seed], base[seed]
      if r and r0 then
        a[#a + 1], b[#b + 1], D[#D + 1] = r0.var_tpr, r.var_tpr, r0.var_tpr - r.var_tpr
        acc[#acc + 1], dacc[#dacc + 1] = r.accuracy, r.accuracy - r0.accuracy
        bal[#bal + 1], mins[#mins + 1] = r.balanced_accuracy, r.min_tpr
        if r.collapsed then collapsed = collapsed + 1 end
      end
    end
    local row = {method = name, seeds = #D, accuracy = mean_of(acc), accuracy_sd = sd_of(acc), balanced_accuracy = mean_of(bal),
                 min_tpr = mean_of(mins), var_before = mean_of(a), var_after = mean_of(b), D = mean_of(D), D_sd = sd_of(D),
                 accuracy_change = mean_of(dacc), collapsed = collapsed > 0 and collapsed or nil}
    if compare(row, a, b, D, dacc) then
      local family = is_control[name] and tested_controls or tested
      family[#family + 1] = row
    end
    if not (opts and opts.test_noise == false) then test_noise(row, name, runs, seeds) end
    if controls and controls[name] and against_control(row, controls[name], runs, seeds) then
      controlled[#controlled + 1] = row
    end
    rows[#rows + 1] = row
  end
  holm(tested, "p_value", "p_holm")
  holm(tested_controls, "p_value", "p_holm")
  holm(controlled, "control_p", "control_p_holm")
  return rows
end

M.COLUMNS = {"method", "seeds", "accuracy", "accuracy_sd", "accuracy_change", "accuracy_change_lo", "accuracy_change_hi",
  "balanced_accuracy", "min_tpr", "var_before", "var_after", "D", "D_sd", "D_lo", "D_hi", "interval", "t", "p_value", "p_holm",
  "p_wilcoxon", "effect_size", "detectable_D", "seeds_needed", "D_test_se", "D_boot_lo", "D_boot_hi",
  "control", "control_D", "control_D_lo", "control_D_hi",
  "control_p", "control_p_holm", "collapsed", "note"}

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
                     "p_value", "p_holm", "accuracy_change", "detectable_D"}
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

local function rows_of(fname, rows)
  if type(rows) == "table" and rows.summary then rows = rows.summary end
  util.check_arg(fname, 1, rows, is_rows)
  return rows
end

local function points(v) return v and fmt("%+.2f", 100 * v) or "-" end

-- The summary as a text table (printed, and saved as summary.txt): one row per method, then
-- why a row has no interval or test, and runs that collapsed.
function experiment.summary_table(rows)
  rows = rows_of("experiment.summary_table", rows)
  local width = 22
  for _, r in ipairs(rows) do width = math.max(width, #r.method + (r.collapsed and 2 or 0)) end
  local head = "%-" .. width .. "s %5s %9s %7s %8s %9s %9s %10s %22s %9s %8s %8s %11s"
  local lines = {fmt(head, "method", "seeds", "accuracy", "acc +-", "min TPR", "Var(s)", "Var(s')", "D",
                     "95% CI of D (t)", "test se", "p", "p Holm", "min |D| 80%")}
  local notes = {}
  for _, r in ipairs(rows) do
    local ci = (r.D_lo and r.D_hi) and fmt("[%+.5f, %+.5f]", r.D_lo, r.D_hi) or "-"
    local base = r.method == "baseline"
    lines[#lines + 1] = fmt(head, r.method .. (r.collapsed and " !" or ""), tostring(r.seeds or 0),
      num(r.accuracy, "%.4f"), base and "-" or points(r.accuracy_change), num(r.min_tpr, "%.4f"), num(r.var_before, "%.5f"),
      base and "-" or num(r.var_after, "%.5f"), base and "-" or num(r.D, "%+.5f"), base and "-" or ci,
      num(r.D_test_se, "%.5f"), num(r.p_value, "%.4f"), num(r.p_holm, "%.4f"), num(r.detectable_D, "%.5f"))
    if r.note then notes[#notes + 1] = fmt("  %s: %s", r.method, r.note) end
    if r.collapsed then
      notes[#notes + 1] = fmt("  %s !: %d run%s collapsed (accuracy near chance or one class predicted; runs.csv says which)",
                              r.method, r.collapsed, r.collapsed == 1 and "" or "s")
    end
  end
  if #notes > 0 then
    lines[#lines + 1] = ""
    for _, n in ipairs(notes) do lines[#lines + 1] = n end
  end
  return table.concat(lines, "\n")
end

-- What the test set's own noise says about a row's D (empty without predictions).
local function test_noise_words(r)
  if not r.D_test_se then return "" end
  local words = fmt("; test-set noise se %.5f", r.D_test_se)
  if r.D_boot_lo then words = words .. fmt(", two-level bootstrap [%+.5f, %+.5f]", r.D_boot_lo, r.D_boot_hi) end
  -- the t interval over seeds does not include the noise of the one test set they share
  if r.D and r.D_test_se >= 0.5 * math.abs(r.D) then words = words .. " (as large as half of |D| or more: the test set limits this answer)" end
  return words
end

-- experiment.verdicts(rows or study): one line per method, in words: what the seeds show
-- about Var(s) and accuracy, with the interval and the Holm-adjusted p, or why they show
-- nothing yet and how many seeds would.
function experiment.verdicts(rows)
  rows = rows_of("experiment.verdicts", rows)
  local out = {}
  for _, r in ipairs(rows) do
    if r.method ~= "baseline" and r.D then
      local line
      if not r.D_lo then
        line = fmt("%s: D %+.5f from %d seed%s; no interval or test with fewer than %d seeds", r.method, r.D, r.seeds or 0,
                   r.seeds == 1 and "" or "s", M.MIN_SEEDS) .. test_noise_words(r)
      elseif not r.p_value then
        line = fmt("%s: D %+.5f on every seed alike; no test", r.method, r.D)
      else
        local ci = fmt("[%+.5f, %+.5f] (t, %d seeds), p_holm %.3g", r.D_lo, r.D_hi, r.seeds, r.p_holm or r.p_value)
        if (r.p_holm or 1) < 0.05 then
          line = fmt("%s: Var(s) %s by %.5f %s", r.method, r.D > 0 and "lower" or "higher", math.abs(r.D), ci)
        else
          line = fmt("%s: not distinguishable from the baseline: D %+.5f %s", r.method, r.D, ci)
        end
        if r.accuracy_change_lo then
          line = line .. fmt("; accuracy %s points [%s, %s]", points(r.accuracy_change), points(r.accuracy_change_lo),
                             points(r.accuracy_change_hi))
        end
        if r.control_p_holm then
          local c = fmt("D vs control %+.5f [%+.5f, %+.5f], p_holm %.3g", r.control_D, r.control_D_lo, r.control_D_hi,
                        r.control_p_holm)
          line = line .. (r.control_p_holm < 0.05 and "; beyond its control (" or "; not distinguishable from its control (")
            .. c .. ")"
        end
        line = line .. test_noise_words(r)
        if r.detectable_D then
          line = line .. fmt("; these seeds detect |D| >= %.5f at %d%% power", r.detectable_D, 100 * M.POWER)
          if r.seeds_needed and r.seeds_needed > r.seeds then
            line = line .. fmt(" (a D of %.5f would need %d seeds)", math.abs(r.D), r.seeds_needed)
          end
        end
      end
      out[#out + 1] = line
    end
  end
  return out
end

return M
