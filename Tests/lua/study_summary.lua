-- The study's statistics across seeds (lwscript/experiment/summary.lua): t intervals only
-- from 3 seeds on, power and seeds needed, Holm over every method tested, verdicts in words,
-- collapsed runs; checked on runs made up here (no training), so that many repetitions are
-- cheap.
local T = require("testing")
local summary = require("lwscript.experiment.summary")
local test = T.suite("study_summary")

-- Runs of the baseline and of one method, whose Var(s) are var0[k] and var0[k] - D[k].
local function runs_of(var0, D, extra)
  local runs = {baseline = {}, m = {}}
  local seeds = {}
  for k = 1, #D do
    seeds[k] = k
    runs.baseline[k] = {accuracy = 0.8, balanced_accuracy = 0.8, min_tpr = 0.5, var_tpr = var0[k]}
    runs.m[k] = {accuracy = 0.79 + 0.001 * k, balanced_accuracy = 0.79, min_tpr = 0.55, var_tpr = var0[k] - D[k]}
    for key, v in pairs(extra or {}) do runs.m[k][key] = v end
  end
  return runs, seeds
end

function test.two_seeds_give_no_interval_and_no_test()
  local runs, seeds = runs_of({0.03, 0.031}, {0.007, 0.0072})
  local rows = summary.summarize({"m"}, runs, seeds)
  local r = rows[2]
  T.eq(r.D_lo, nil, "no interval"); T.eq(r.p_value, nil, "no test"); T.eq(r.p_holm, nil, "not in Holm's family")
  T.eq(r.note, "2 seeds: no interval or test (needs 3 or more)", "the table says why")
  local text = experiment.summary_table(rows)
  T.eq(text:find("m: 2 seeds: no interval or test (needs 3 or more)", 1, true) ~= nil, true, "note in the table")
  T.eq(experiment.verdicts(rows)[1], "m: D +0.00710 from 2 seeds; no interval or test with fewer than 3 seeds", "verdict")
end

function test.the_interval_is_the_paired_t_interval_of_D()
  local D = {0.0051, -0.002, 0.011, 0.004, 0.0087}
  local var0 = {0.03, 0.031, 0.029, 0.033, 0.03}
  local runs, seeds = runs_of(var0, D)
  local r = summary.summarize({"m"}, runs, seeds)[2]
  local ci = stats.t_interval(D)
  T.near(r.D_lo, ci.lo, 1e-12, "lo"); T.near(r.D_hi, ci.hi, 1e-12, "hi"); T.eq(r.interval, "t", "labelled")
  local b = {}
  for k = 1, 5 do b[k] = var0[k] - D[k] end
  T.near(r.p_value, stats.paired_t(var0, b).pvalue, 1e-12, "paired t")
  T.eq(r.p_wilcoxon, nil, "no signed-rank test below 6 seeds (it cannot reach 0.05)")
  -- power: the smallest |D| 5 seeds detect with the sd seen, and the seeds this D needs
  T.near(r.detectable_D, stats.t_detectable(5) * r.D_sd, 1e-12, "detectable D")
  T.eq(r.seeds_needed, (stats.t_sample_size(r.D / r.D_sd)), "seeds needed")
end

function test.holm_counts_every_method_tested_an_undefined_p_as_one()
  local runs, seeds = runs_of({0.03, 0.03, 0.03, 0.03}, {0.01, 0.011, 0.009, 0.0105})
  runs.same = {}
  -- the method changes nothing: D = 0 on every seed, and t = 0/0
  for k = 1, 4 do runs.same[k] = {accuracy = 0.8, balanced_accuracy = 0.8, min_tpr = 0.5, var_tpr = 0.03} end
  local rows = summary.summarize({"m", "same"}, runs, seeds)
  T.eq(rows[3].p_value, nil, "D = 0 on every seed: no p")
  T.eq(rows[3].note, "D is the same for every seed: the t-test is undefined", "said")
  local adjusted = stats.holm({rows[2].p_value, 1})
  T.near(rows[2].p_holm, adjusted[1], 1e-15, "m adjusted as one of two")
  T.eq(rows[3].p_holm, 1, "the undefined one counts as p = 1")
end

function test.collapsed_runs_are_flagged()
  local runs, seeds = runs_of({0.03, 0.03, 0.03}, {0.01, 0.01, 0.012}, {collapsed = "accuracy 0.100, near chance (0.100)"})
  local rows = summary.summarize({"m"}, runs, seeds)
  T.eq(rows[2].collapsed, 3, "three collapsed runs")
  local text = experiment.summary_table(rows)
  T.eq(text:find("m !", 1, true) ~= nil, true, "marked in the table")
  T.eq(text:find("m !: 3 runs collapsed", 1, true) ~= nil, true, "and said")
end

-- With no true effect, the 95% t interval of D covers 0 in about 95% of studies (250 made-up
-- studies of 5 seeds, D ~ N(0, 0.005)); a percentile bootstrap of 5 seeds covered 77% of them.
function test.with_no_effect_the_interval_covers_zero_at_the_nominal_rate()
  local g = 0
  local function normal()   -- Box-Muller from a fixed LCG: the same numbers on every machine
    local function u() g = (g * 1103515245 + 12345) % 2147483648; return (g + 0.5) / 2147483648 end
    return math.sqrt(-2 * math.log(u())) * math.cos(2 * math.pi * u())
  end
  local covered, studies = 0, 250
  for _ = 1, studies do
    local D, var0 = {}, {}
    for k = 1, 5 do var0[k] = 0.03 + 0.002 * normal(); D[k] = 0.005 * normal() end
    local runs, seeds = runs_of(var0, D)
    local r = summary.summarize({"m"}, runs, seeds)[2]
    if r.D_lo <= 0 and r.D_hi >= 0 then covered = covered + 1 end
  end
  -- the binomial sd of the rate over 250 studies is 1.4 points: 95 +- 4.1 covers 3 sd
  local rate = covered / studies
  T.eq(rate > 0.909 and rate < 0.991, true, string.format("coverage %.3f", rate))
end

function test.a_planted_effect_is_detected_and_said_in_words()
  local D, var0 = {}, {}
  for k = 1, 10 do var0[k] = 0.03; D[k] = 0.006 + 0.002 * math.sin(k) end
  local runs, seeds = runs_of(var0, D)
  local rows = summary.summarize({"m"}, runs, seeds)
  T.eq(rows[2].p_holm < 0.001, true, "detected")
  local verdict = experiment.verdicts(rows)[1]
  T.eq(verdict:find("^m: Var%(s%) lower by 0%.006") ~= nil, true, verdict)
  T.eq(verdict:find("(t, 10 seeds)", 1, true) ~= nil, true, verdict)
  T.eq(verdict:find("; accuracy %-0%.") ~= nil, true, verdict)
end

function test.a_method_is_compared_with_its_control()
  local runs, seeds = runs_of({0.03, 0.03, 0.03, 0.03}, {0.01, 0.011, 0.009, 0.0105})
  runs["m (control)"] = {}
  local vc, vm = {}, {}
  for k = 1, 4 do
    runs["m (control)"][k] = {accuracy = 0.8, balanced_accuracy = 0.8, min_tpr = 0.5, var_tpr = 0.029 - 0.0003 * k}
    vc[k], vm[k] = runs["m (control)"][k].var_tpr, runs.m[k].var_tpr
  end
  local rows = summary.summarize({"m", "m (control)"}, runs, seeds, {m = "m (control)"})
  local r = rows[2]
  T.eq(r.control, "m (control)", "its control"); T.eq(#rows, 3, "the control is a row of its own")
  local diff = {}
  for k = 1, 4 do diff[k] = vc[k] - vm[k] end
  T.near(r.control_D, (diff[1] + diff[2] + diff[3] + diff[4]) / 4, 1e-15, "D against the control")
  T.near(r.control_D_lo, stats.t_interval(diff).lo, 1e-12, "its interval")
  T.near(r.control_p, stats.paired_t(vc, vm).pvalue, 1e-12, "its test")
  T.eq(r.control_p_holm, r.control_p, "Holm over the one method with a control")
  T.eq(experiment.verdicts(rows)[1]:find("; beyond its control (D vs control +0.0", 1, true) ~= nil, true,
       experiment.verdicts(rows)[1])
end

-- The controls' own rows (against the baseline) are a Holm family of their own: with them in
-- the methods' family, 20 seeds of the Fashion-MNIST MLP put tpr_weighted_ce (p 0.015) at
-- p_holm 0.16 among 18 rows instead of 10.
function test.controls_are_a_holm_family_of_their_own()
  local runs, seeds = runs_of({0.03, 0.03, 0.03, 0.03}, {0.01, 0.011, 0.009, 0.0105})
  runs.n = {}
  runs["m (control)"] = {}
  for k = 1, 4 do
    runs.n[k] = {accuracy = 0.8, balanced_accuracy = 0.8, min_tpr = 0.5, var_tpr = 0.03 - 0.002 * k + 0.0035}
    runs["m (control)"][k] = {accuracy = 0.8, balanced_accuracy = 0.8, min_tpr = 0.5, var_tpr = 0.031 + 0.0007 * k}
  end
  local rows = summary.summarize({"m", "m (control)", "n"}, runs, seeds, {m = "m (control)"})
  local m, c, n = rows[2], rows[3], rows[4]
  local adjusted = stats.holm({m.p_value, n.p_value})
  T.near(m.p_holm, adjusted[1], 1e-15, "m adjusted among the two methods")
  T.near(n.p_holm, adjusted[2], 1e-15, "n adjusted among the two methods")
  T.near(c.p_holm, c.p_value, 1e-15, "the control alone in its family")
end

function test.controls_permute_the_weights_without_fixed_points()
  local methods = require("lwscript.experiment.methods")
  for C = 2, 12 do
    for seed = 1, 20 do
      local p = methods.derangement(C, seed)
      local seen = {}
      for c = 1, C do
        T.eq(p[c] ~= c, true, "no class keeps its own value")
        seen[p[c]] = true
      end
      for c = 1, C do T.eq(seen[c], true, "a permutation") end
    end
  end
  T.same_table(methods.derangement(10, 3), methods.derangement(10, 3), "fixed per seed")
  T.same_table(methods.permuter({2, 3, 1})({0.1, 0.2, 0.3}), {0.2, 0.3, 0.1}, "class c gets values[p[c]]")
end

-- A study with controls: each method with TPR information runs beside its control, trained
-- as the method but with the weights given to other classes, a uniform sampler, or every
-- class augmented alike; focal without alpha has none.
function test.a_study_runs_the_controls()
  tensor.seed(3)
  local x, y = tensor.randn(90, 3), tensor.zeros(90)
  for i = 1, 90 do local c = (i - 1) % 3 + 1; y[i] = c; x[i][c] = x[i][c] + 2 end
  local set = data.tensors(x, y, {classes = {"a", "b", "c"}})
  local study = experiment.learnability{data = {train = set, test = set}, s_from_test = true, seeds = {1, 2, 3}, epochs = 1, quiet = true,
    model = function() return nn.mlp{inputs = 3, hidden = {4}, classes = 3} end, controls = true,
    methods = {"tpr_weighted_ce", "focal", "tpr_oversampling", "tpr_augmentation"}}
  T.same_table(study.methods, {"tpr_weighted_ce", "tpr_weighted_ce (control)", "focal", "tpr_oversampling",
                               "tpr_oversampling (control)", "tpr_augmentation", "tpr_augmentation (control)"}, "runs")
  for seed = 1, 3 do
    local w = study.contexts[seed].w
    local permute = require("lwscript.experiment.methods").permuter(
      require("lwscript.experiment.methods").derangement(3, seed * 7919 + 17))
    T.same_table(study.runs["tpr_weighted_ce (control)"][seed].history.weights[1], permute(w), "permuted weights", 1e-12)
    T.same_table(study.runs["tpr_oversampling (control)"][seed].history.sampling[1], {1 / 3, 1 / 3, 1 / 3}, "uniform", 1e-12)
  end
  T.eq(study.by_method.tpr_weighted_ce.control, "tpr_weighted_ce (control)", "compared in the summary")
  T.eq(study.by_method.focal.control, nil, "focal without alpha uses no TPR information: no control")
  T.eq(study.config.controls, true, "recorded")
end

function test.weights_are_capped_at_ten_times_their_median()
  tensor.seed(4)
  local x, y = tensor.randn(60, 3), tensor.zeros(60)
  for i = 1, 60 do local c = (i - 1) % 3 + 1; y[i] = c; x[i][c] = x[i][c] + 2 end
  local set = data.tensors(x, y, {classes = {"a", "b", "c"}})
  local function study(cap)
    return experiment.learnability{data = {train = set, test = set}, s_from_test = true, seeds = {1}, epochs = 1, quiet = true,
      model = function() return nn.mlp{inputs = 3, classes = 3} end, methods = {"tpr_weighted_ce"},
      W = function() return {1000, 2, 1} end, W_cap = cap}
  end
  T.same_table(study(nil).contexts[1].w, {20, 2, 1}, "capped at 10 x the median (2)")
  T.same_table(study(false).contexts[1].w, {1000, 2, 1}, "no cap")
  T.raises("option 'W_cap' must be", study, 0.5)
end

-- Test-set noise: runs whose reports carry per-sample predictions (two classes of 500 test
-- samples; the baseline gets 350 + k and 450 of them right on seed k, the method 400 and 420).
local function predicted_runs(n_seeds)
  local runs, seeds = {baseline = {}, m = {}}, {}
  local y = {}
  for i = 1, 1000 do y[i] = i <= 500 and 1 or 2 end
  local function run(right1, right2)
    local p, right = {}, {0, 0}
    for i = 1, 1000 do
      local c = y[i]
      local k = c == 1 and i or i - 500
      p[i] = k <= (c == 1 and right1 or right2) and c or 3 - c
      if p[i] == c then right[c] = right[c] + 1 end
    end
    local tpr = {right[1] / 500, right[2] / 500}
    return {accuracy = (right[1] + right[2]) / 1000, balanced_accuracy = 0.8, min_tpr = tpr[1], var_tpr = metrics.variance(tpr),
            report = {predictions = tensor.new(p), labels = tensor.new(y)}}
  end
  for k = 1, n_seeds do
    seeds[k] = k
    runs.baseline[k], runs.m[k] = run(350 + k, 450), run(400, 420 + (k % 3))
  end
  return runs, seeds
end

function test.test_set_noise_from_per_sample_predictions()
  local runs, seeds = predicted_runs(4)
  local r = summary.summarize({"m"}, runs, seeds)[2]
  T.eq(r.D_test_se ~= nil and r.D_test_se > 0, true, "the mean D's se from the test set")
  for k = 1, 4 do T.eq(runs.m[k].D_se > 0, true, "each run's D_se") end
  T.eq(r.D_boot_lo, nil, "no two-level interval from 4 seeds")
  local b = stats.bootstrap_D(runs.baseline[1].report.labels, {runs.baseline[1].report.predictions, runs.baseline[2].report.predictions,
    runs.baseline[3].report.predictions, runs.baseline[4].report.predictions}, {runs.m[1].report.predictions,
    runs.m[2].report.predictions, runs.m[3].report.predictions, runs.m[4].report.predictions}, {n = summary.TEST_RESAMPLES, seed = 1})
  T.near(r.D_test_se, b.se_mean, 1e-15, "what stats.bootstrap_D gives")
  T.eq(experiment.verdicts({summary.summarize({"m"}, runs, seeds)[1], r})[1]:find("; test-set noise se " .. string.format("%.5f", r.D_test_se),
       1, true) ~= nil, true, "in the verdict")
  local text = experiment.summary_table({r})
  T.eq(text:find("test se", 1, true) ~= nil and text:find(string.format("%.5f", r.D_test_se), 1, true) ~= nil, true, "in the table")
  local runs10, seeds10 = predicted_runs(10)
  local r10 = summary.summarize({"m"}, runs10, seeds10)[2]
  T.eq(r10.D_boot_lo < r10.D and r10.D < r10.D_boot_hi, true, "two-level interval from 10 seeds")
  -- runs without predictions (made by hand, or read from an old study): no test-set columns
  local plain = summary.summarize({"m"}, runs_of({0.03, 0.031, 0.03}, {0.007, 0.0072, 0.006}))[2]
  T.eq(plain.D_test_se, nil, "nothing to resample")
end

return test
