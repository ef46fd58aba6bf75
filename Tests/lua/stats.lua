-- stats: tests, intervals and effect sizes against SciPy 1.10
-- (Tests/lua/stats_reference_data.lua, made by scripts/reference/stats.py).
local testing = require("testing")
local ref = require("stats_reference_data")
local test = testing.suite("stats")

-- A checker against SciPy: check(got, want, what[, tol]) raises when the relative difference
-- exceeds tol; report(what) prints the largest relative difference it saw.
local function scipy_checker()
  local worst = 0
  local function check(got, want, what, tol)
    tol = tol or 1e-9
    if want ~= want then
      testing.eq(got ~= got, true, what .. " is NaN")
      return
    end
    local diff = math.abs(got - want)
    worst = math.max(worst, diff / math.max(1, math.abs(want)))
    if diff > tol * math.max(1, math.abs(want)) then
      error(string.format("%s: expected %.17g, got %.17g", what, want, got), 2)
    end
  end
  local function report(what)
    print(string.format("  %s: largest relative difference from SciPy %.3g", what, worst))
  end
  return check, report
end

-- the hypothesis tests: one case per kind (welch_t, paired_t, ...), its reference cases in order
local kinds, by_kind = {}, {}
for i, case in ipairs(ref.tests) do
  if not by_kind[case.kind] then kinds[#kinds + 1] = case.kind; by_kind[case.kind] = {} end
  table.insert(by_kind[case.kind], i)
end

for _, kind in ipairs(kinds) do
  test[kind .. "_matches_scipy"] = function()
    local check, report = scipy_checker()
    for _, i in ipairs(by_kind[kind]) do
      local case = ref.tests[i]
      local what = string.format("case %d (%s, %s)", i, case.kind, case.alternative or "")
      local r
      if case.kind == "levene" or case.kind == "brown_forsythe" then
        r = stats[case.kind](table.unpack(case.groups))
        local r2 = stats[case.kind](case.groups)
        testing.eq(r2.statistic, r.statistic, what .. " groups as one table")
      elseif case.kind == "permutation_test" then
        r = stats.permutation_test(case.a, case.b, {paired = case.paired, alternative = case.alternative, n = 10000})
        testing.eq(r.exact, 1, what .. " exact")
      else
        r = stats[case.kind](case.a, case.b, {alternative = case.alternative})
      end
      check(r.statistic, case.expect.statistic, what .. " statistic")
      check(r.pvalue, case.expect.pvalue, what .. " p-value")
      if case.expect.df then check(r.df, case.expect.df, what .. " df") end
      if case.expect.df2 then check(r.df2, case.expect.df2, what .. " df2") end
      testing.eq(type(r.method), "string", what .. " method")
    end
    report(kind)
  end
end

function test.wilson_intervals_match_scipy()
  local check, report = scipy_checker()
  for _, w in ipairs(ref.wilson) do
    local lo, hi = stats.wilson(w.k, w.n, {level = w.level})
    check(lo, w.lo, "wilson lo " .. w.k .. "/" .. w.n, 1e-12)
    check(hi, w.hi, "wilson hi " .. w.k .. "/" .. w.n, 1e-12)
  end
  -- per-class: arrays of successes and trials give arrays of bounds
  local los, his = stats.wilson({ref.wilson[2].k, ref.wilson[4].k}, {ref.wilson[2].n, ref.wilson[4].n})
  check(los[2], ref.wilson[4].lo, "wilson array lo", 1e-12)
  check(his[1], ref.wilson[2].hi, "wilson array hi", 1e-12)
  report("wilson")
end

function test.holm_matches_scipy()
  testing.same_table(stats.holm(ref.holm.p), ref.holm.adjusted, "holm", 1e-15)
end

function test.effect_sizes_match_scipy()
  local check, report = scipy_checker()
  local e = ref.effect
  check(stats.cohens_d(e.a, e.b), e.d, "cohens_d", 1e-12)
  check(stats.hedges_g(e.a, e.b), e.g, "hedges_g", 1e-12)
  check(stats.cohens_d(e.pa, e.pb, {paired = true}), e.dz, "cohens_d paired", 1e-12)
  check(stats.hedges_g(e.pa, e.pb, {paired = true}), e.gz, "hedges_g paired", 1e-12)
  report("effect sizes")
end

-- resampling: reproducible for a seed, sensible
local x = {}
for i = 1, 30 do x[i] = math.sin(i) + i / 30 end

function test.bootstrap_is_reproducible_and_near_the_t_interval()
  local ci = stats.bootstrap_ci(x, {seed = 7, n = 2000})
  local ci2 = stats.bootstrap_ci(x, {seed = 7, n = 2000})
  testing.eq(ci.lo, ci2.lo, "bootstrap reproducible")
  testing.eq(ci.lo < ci.estimate and ci.estimate < ci.hi, true, "estimate inside the interval")
  testing.eq(ci.method, "percentile bootstrap", "method named")
  -- the percentile interval of the mean is close to the t interval for a symmetric sample
  local se = math.sqrt(metrics.variance(x) * #x / (#x - 1) / #x)
  testing.near(ci.hi - ci.lo, 2 * 2.045 * se, 0.15, "bootstrap width near the t interval")
  local med = stats.bootstrap_ci(x, {statistic = "median", level = 0.9, n = 500})
  testing.eq(med.lo <= med.hi, true, "median interval")
end

-- BCa against SciPy's bootstrap(method="BCa") on skewed samples, where it moves the interval
-- away from the percentile one; both sides resample at random (SciPy 200,000 times, here 100,000), so the check
-- allows for that error and asks that ours is much nearer SciPy's BCa than its percentile one.
function test.bca_matches_scipy()
  for k, case in ipairs(ref.bca) do
    local ci = stats.bootstrap_ci(case.x, {statistic = case.statistic, method = "bca", n = 100000, seed = k})
    testing.eq(ci.method, "BCa bootstrap", "method named")
    for _, side in ipairs({"lo", "hi"}) do
      local shift = math.abs(case[side] - case["percentile_" .. side])
      local off = math.abs(ci[side] - case[side])
      if off > 0.02 * (case.hi - case.lo) or off > 0.2 * shift then
        error(string.format("case %d (%s, n %d): BCa %s %.5f, SciPy %.5f (its percentile bound %.5f)", k, case.statistic,
                            #case.x, side, ci[side], case[side], case["percentile_" .. side]))
      end
    end
  end
end

function test.permutation_test_samples_when_there_are_too_many()
  local b = {0.1, 0.2, 0.3, 0.2, 0.5, 0.4, 0.3, 0.1, 0.0, 0.2, 0.3, 0.2}
  local p1 = stats.permutation_test(x, b, {seed = 3, n = 999})
  testing.eq(p1.exact, 0, "random permutations when there are too many")
  testing.eq(p1.resamples, 999, "resamples")
  testing.eq(p1.pvalue, stats.permutation_test(x, b, {seed = 3, n = 999}).pvalue, "permutation reproducible")
  testing.eq(p1.pvalue >= 1 / 1000, true, "p >= 1/(n+1)")
end

-- D across seeds: the workflow's paired comparison
function test.paired_t_on_D_across_seeds()
  local D_base, D_method = {0.010, 0.012, 0.009, 0.011, 0.013}, {0.004, 0.006, 0.005, 0.003, 0.007}
  local t = stats.paired_t(D_base, D_method)
  testing.eq(t.df, 4, "paired df")
  testing.eq(t.pvalue < 0.01, true, "clear paired difference")
end

-- The test set's noise in D (stats.bootstrap_D): two classes of 1000 test samples; the
-- baseline gets 700 and 900 right, the method every one. D = Var(s) = (0.7 - 0.9)^2 / 4 and
-- by the delta method its sd from the test set alone is |p1 - p2| / 2 * sd(p1 - p2) =
-- 0.1 * sqrt(0.7 * 0.3 / 1000 + 0.9 * 0.1 / 1000) = 0.00173.
local function noise_case(right1, right2)
  local y, base, perfect = {}, {}, {}
  for i = 1, 2000 do
    local c = i <= 1000 and 1 or 2
    local k = c == 1 and i or i - 1000
    y[i], perfect[i] = c, c
    base[i] = k <= (c == 1 and right1 or right2) and c or 3 - c
  end
  return y, base, perfect
end

function test.bootstrap_D_gives_the_test_sets_standard_error()
  local y, base, perfect = noise_case(700, 900)
  local r = stats.bootstrap_D(y, base, perfect, {n = 2000, seed = 3})
  testing.near(r.D[1], 0.01, 1e-12, "D on the test set as it is")
  testing.near(r.se[1], 0.1 * math.sqrt(0.7 * 0.3 / 1000 + 0.9 * 0.1 / 1000), 0.00017, "se near the delta method's")
  testing.eq(r.se_mean, r.se[1], "one seed: the se of the mean is the seed's")
  testing.eq(r.lo, nil, "no two-level interval from one seed")
  testing.eq(r.note:find("needs 10 or more", 1, true) ~= nil, true, "says why")
  -- the same predictions on both sides: D is 0 on every redrawn test set
  local same = stats.bootstrap_D(tensor.new(y), tensor.new(base), tensor.new(base), {n = 50})
  testing.eq(same.D[1], 0, "D 0")
  testing.eq(same.se[1], 0, "se 0")
end

function test.bootstrap_D_two_level_interval_from_ten_seeds()
  local y = noise_case(700, 900)
  local bases, methods = {}, {}
  for k = 1, 10 do
    -- seeds that differ: the baseline's second class gets 880 + 4k right
    local _, base, perfect = noise_case(700, 880 + 4 * k)
    bases[k], methods[k] = base, perfect
  end
  local r = stats.bootstrap_D(y, bases, methods, {n = 1000, seed = 1})
  testing.eq(#r.D, 10, "one D per seed")
  testing.eq(r.seeds, 10, "seeds")
  testing.eq(r.lo < r.mean and r.mean < r.hi, true, "the interval holds the mean D")
  -- shared test noise does not shrink with more seeds: the mean's se stays near one seed's
  testing.eq(r.se_mean > 0.5 * r.se[1], true, "the test set's noise is shared by the seeds")
  testing.eq(r.method, "two-level bootstrap (seeds x test samples, stratified by class)", "method named")
  local r2 = stats.bootstrap_D(y, bases, methods, {n = 1000, seed = 1})
  testing.eq(r2.lo, r.lo, "reproducible for a seed")
end

function test.bootstrap_D_rejects_mismatched_runs()
  local y, base, perfect = noise_case(700, 900)
  testing.raises("1 runs of the method for 2 of the baseline", stats.bootstrap_D, y, {base, base}, {perfect})
  testing.raises("seed 1: 3 predictions for 2000 test labels", stats.bootstrap_D, y, {{1, 2, 1}}, {perfect})
  testing.raises("[2]: ", stats.bootstrap_D, y, {base, "x"}, {perfect, perfect})
  testing.raises("expected a class index >= 1", stats.bootstrap_D, {0, 1}, {1, 1}, {1, 1})
  testing.raises("unknown option 'resamples'", stats.bootstrap_D, y, base, perfect, {resamples = 10})
end

-- errors name the function and the problem
function test.t_tests_reject_bad_samples_and_options()
  testing.raises("stats.welch_t: a needs at least 2 values, got 1", stats.welch_t, {1}, {1, 2})
  testing.raises("stats.welch_t: b[2] is NaN, expected a finite number", stats.welch_t, {1, 2}, {1, 0/0})
  testing.raises("bad argument #1 to 'stats.welch_t' (expected an array of numbers or a 1-D Tensor, got string)", stats.welch_t, "x", {1})
  testing.raises("alternative must be \"two-sided\", \"less\" or \"greater\", got \"bigger\"", stats.welch_t, {1, 2}, {1, 3},
                 {alternative = "bigger"})
  testing.raises("unknown option 'alt'", stats.paired_t, {1, 2}, {1, 3}, {alt = "less"})
  testing.raises("stats.paired_t: paired samples differ in length (2 and 3)", stats.paired_t, {1, 2}, {1, 2, 3})
end

function test.mann_whitney_and_wilcoxon_reject_bad_input()
  testing.raises("stats.mann_whitney: a needs at least 1 value, got 0", stats.mann_whitney, {}, {1})
  testing.raises("method must be \"auto\", \"exact\" or \"asymptotic\"", stats.mann_whitney, {1}, {2}, {method = "fast"})
  -- Regression: a forced exact method used to truncate half-integer U under ties (a wrong
  -- p-value) and to build an unbounded table for large samples.
  testing.raises("needs samples without ties", stats.mann_whitney, {1, 2, 2}, {2, 3}, {method = "exact"})
  local big = {}
  for i = 1, 600 do big[i] = i end
  local big2 = {}
  for i = 1, 600 do big2[i] = i + 0.5 end
  testing.raises("limited to samples", stats.mann_whitney, big, big2, {method = "exact"})
  testing.raises("stats.wilcoxon: every difference is zero", stats.wilcoxon, {1, 2}, {1, 2})
end

function test.levene_bootstrap_and_permutation_reject_bad_input()
  testing.raises("stats.levene: needs at least 2 groups, got 1", stats.levene, {1, 2, 3})
  testing.raises("stats.brown_forsythe: group 2 needs at least 2 values", stats.brown_forsythe, {1, 2}, {3})
  testing.raises("level must be between 0 and 1", stats.bootstrap_ci, {1, 2}, {level = 95})
  testing.raises("option 'statistic' must be \"mean\", \"median\" or \"std\"", stats.bootstrap_ci, {1, 2}, {statistic = "max"})
  testing.raises("stats.bootstrap_ci: values needs at least 1 value, got 0", stats.bootstrap_ci, {})
  testing.raises("option 'method' must be \"percentile\" or \"bca\", got \"basic\"", stats.bootstrap_ci, {1, 2}, {method = "basic"})
  testing.raises("values needs at least 2 values", stats.bootstrap_ci, {1}, {method = "bca"})
  testing.raises("option 'seed' must be >= 0", stats.permutation_test, {1}, {2}, {seed = -1})
end

function test.wilson_holm_and_hedges_g_reject_bad_input()
  testing.raises("stats.wilson: successes must be in 0..n (10), got 11", stats.wilson, 11, 10)
  testing.raises("stats.wilson: n must be a finite number > 0, got 0", stats.wilson, 0, 0)
  testing.raises("class 2: successes must be in 0..n", stats.wilson, {1, 5}, {2, 3})
  testing.raises("p-value [2] is 1.5", stats.holm, {0.1, 1.5})
  testing.raises("bad argument #1 to 'stats.holm' (p-values must not be empty)", stats.holm, {})
  testing.raises("stats.hedges_g: b needs at least 2 values", stats.hedges_g, {1, 2}, {1})
end

-- t intervals and the power of t-tests, against SciPy and statsmodels' TTestPower
-- (Tests/lua/stats_power_reference_data.lua, made by scripts/reference/power.py)
local power_ref = require("stats_power_reference_data")

-- |got - want| <= tol |want| (relative, also for tiny values such as far tails)
local function close(got, want, tol, what)
  if math.abs(got - want) > tol * math.abs(want) + 1e-300 then
    error(string.format("%s: expected %.17g, got %.17g", what, want, got), 2)
  end
end

function test.t_interval_matches_scipy()
  for i, c in ipairs(power_ref.t_interval) do
    local r = stats.t_interval(c[1], {level = c[2]})
    -- the t distribution matches SciPy to about 1e-10 (StatsTests), the quantile with it
    close(r.lo, c[3], 1e-9, "t_interval " .. i .. " lo")
    close(r.hi, c[4], 1e-9, "t_interval " .. i .. " hi")
    testing.eq(r.df, #c[1] - 1, "df"); testing.eq(r.method, "t", "method")
  end
  testing.raises("stats.t_interval: values needs at least 2 values, got 1", stats.t_interval, {1})
  testing.raises("level must be between 0 and 1", stats.t_interval, {1, 2}, {level = 95})
end

function test.t_power_matches_statsmodels()
  for i, c in ipairs(power_ref.power) do
    close(stats.t_power(c[1], c[2], {alpha = c[3], alternative = c[4]}), c[5], c[6] or 1e-10, "power " .. i)
  end
  testing.raises("n must be a number > 1 and at most 1e9 (the number of pairs), got 1", stats.t_power, 0.5, 1)
  -- extreme arguments (the fuzzer's): errors or limits, never a crash
  testing.raises("got 1e+300", stats.t_detectable, 1e300)
  testing.raises("got NaN", stats.t_power, 0.5, 0 / 0)
  testing.eq(stats.t_power(1e300, 10), 1, "a huge effect is always seen")
  testing.near(stats.t_power(-60, 5), 1, 1e-12, "noncentrality past the series")
  testing.raises("more than 1e9 pairs would be needed", stats.t_sample_size, 1e-6)
  testing.raises("alpha must be between 0 and 1", stats.t_power, 0.5, 10, {alpha = 0})
  testing.raises("unknown option 'power'", stats.t_power, 0.5, 10, {power = 0.8})
end

function test.t_sample_size_and_detectable_effect_match_statsmodels()
  for i, c in ipairs(power_ref.sample_size) do
    local n, exact = stats.t_sample_size(c[1], {power = c[2], alpha = c[3], alternative = c[4]})
    -- statsmodels stops its root search at about 1e-8 relative
    close(exact, c[5], 1e-7, "sample size " .. i)
    testing.eq(n, math.ceil(c[5]), "sample size " .. i .. " rounded up")
  end
  for i, c in ipairs(power_ref.detectable) do
    local d = stats.t_detectable(c[1], {power = c[2], alpha = c[3], alternative = c[4]})
    -- statsmodels' solver stops early (its d for n = 30 has power 0.9000021): a loose match
    close(d, c[5], 1e-5, "detectable " .. i)
    -- ours is solved to full precision: the power there is the target
    close(stats.t_power(d, c[1], {alpha = c[3], alternative = c[4]}), c[2], 1e-12, "power at detectable " .. i)
  end
  -- the study's case: D with d_z 0.79 needs 15 seeds for 80% power; 2 seeds detect only d 11.5
  testing.eq((stats.t_sample_size(0.79)), 15, "seeds for d_z 0.79")
  testing.raises("the effect size must be a finite number other than 0", stats.t_sample_size, 0)
  testing.raises("on the other side of a 'greater' test", stats.t_sample_size, -0.5, {alternative = "greater"})
  testing.raises("power must be between alpha (0.05) and 1", stats.t_detectable, 10, {power = 1})
end

return test
