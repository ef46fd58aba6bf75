#!/usr/bin/python3
"""Reference values for Tests/lua/stats.lua and Tests/NumericsTests/StatsTests.swift, from
SciPy (Debian python3-scipy 1.10) and NumPy.
Run: /usr/bin/python3 scripts/reference/stats.py > Tests/lua/stats_reference_data.lua
     /usr/bin/python3 scripts/reference/stats.py swift   (prints the Swift table of StatsTests)

Samples are drawn with a fixed NumPy seed and rounded to 3 decimals (so Lua reads exactly
the numbers SciPy saw). Wilson intervals use scipy.stats.norm.ppf in the textbook formula;
Holm, Cohen's d and Hedges' g are their formulas written out in NumPy.
"""
import sys
import warnings
import numpy as np
import scipy
from scipy import stats, special

warnings.simplefilter("ignore")
rng = np.random.default_rng(6)

def sample(n, loc=0.0, scale=1.0):
    return np.round(rng.normal(loc, scale, n), 3)

def lua(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return "{" + ", ".join(lua(x) for x in v) + "}"
    if isinstance(v, str):
        return '"%s"' % v
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    v = float(v)
    if v != v:
        return "0/0"
    return repr(v)

if len(sys.argv) > 1 and sys.argv[1] == "swift":
    # (a, b, x, I_x(a, b)), (t, df, sf), (f, d1, d2, sf), (p, norm.ppf(p))
    for a, b, x in [(0.5, 0.5, 0.3), (2, 3, 0.4), (10, 0.5, 0.99), (0.1, 20, 1e-4), (50, 60, 0.45),
                    (1000, 1200, 0.46), (3.5, 0.5, 0.999999), (1e-3, 1e-3, 0.5)]:
        print("            (%r, %r, %r, %r)," % (a, b, x, special.betainc(a, b, x)))
    print()
    for t, df in [(0.1, 3), (2.5, 4.7), (-1.3, 10), (12.0, 2), (40.0, 30), (1e-8, 5), (3.0, 1e6), (0.7, 0.5)]:
        print("            (%r, %r, %r)," % (t, df, stats.t.sf(t, df)))
    print()
    for f, d1, d2 in [(0.5, 2, 10), (3.2, 4, 20), (25.0, 1, 3), (1.0, 30, 30), (1e-4, 5, 7), (8.0, 2.5, 100.5)]:
        print("            (%r, %r, %r, %r)," % (f, d1, d2, stats.f.sf(f, d1, d2)))
    print()
    for p in [1e-12, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999]:
        print("            (%r, %r)," % (p, stats.norm.ppf(p)))
    sys.exit(0)

cases = []
def add(kind, **kw):
    cases.append((kind, kw))

def res(r, **extra):
    d = {"statistic": r.statistic, "pvalue": r.pvalue}
    d.update(extra)
    return d

# t-tests
for na, nb, shift in [(5, 7, 0.8), (12, 9, 0.1), (30, 30, 0.4)]:
    a, b = sample(na, shift), sample(nb, 0, 1.7)
    for alt in ["two-sided", "less", "greater"]:
        r = stats.ttest_ind(a, b, equal_var=False, alternative=alt)
        va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
        df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
        add("welch_t", a=a, b=b, alternative=alt, expect=res(r, df=df))
for n in [4, 10, 25]:
    a = sample(n)
    b = np.round(a + rng.normal(0.3, 0.5, n), 3)
    for alt in ["two-sided", "less", "greater"]:
        r = stats.ttest_rel(a, b, alternative=alt)
        add("paired_t", a=a, b=b, alternative=alt, expect=res(r, df=n - 1))
# Mann-Whitney: exact (small, no ties), asymptotic (ties; large)
mw = [(sample(5), sample(7, 1.0)), (sample(8, 0.5), sample(3)), (np.round(sample(6), 0), np.round(sample(9, 1), 0)),
      (sample(20), sample(25, 0.5)), (sample(4), sample(30, 0.2))]
for a, b in mw:
    for alt in ["two-sided", "less", "greater"]:
        add("mann_whitney", a=a, b=b, alternative=alt, expect=res(stats.mannwhitneyu(a, b, alternative=alt)))
# Wilcoxon: exact; exact with ties; zeros (normal approximation); n > 50
d1 = sample(9); b1 = np.round(d1 + rng.normal(0.4, 1, 9), 3)
a2 = np.array([1.0, 2, 3, 4, 5, 6, 7, 8]); b2 = np.array([0.5, 1, 2, 2, 3, 7, 6, 6])      # tied |d|
a3 = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); b3 = np.array([1.0, 1, 2, 5, 5, 4, 9, 8, 7, 7, 10, 10])  # zeros
a4 = sample(60); b4 = np.round(a4 + rng.normal(0.2, 1, 60), 3)
for a, b in [(d1, b1), (a2, b2), (a3, b3), (a4, b4)]:
    for alt in ["two-sided", "less", "greater"]:
        add("wilcoxon", a=a, b=b, alternative=alt, expect=res(stats.wilcoxon(a, b, alternative=alt)))
# Levene (mean) and Brown-Forsythe (median)
groups = [sample(8), sample(10, 0, 2), sample(7, 1, 0.5)]
add("levene", groups=groups, expect=res(stats.levene(*groups, center="mean"), df=2, df2=22))
add("brown_forsythe", groups=groups, expect=res(stats.levene(*groups, center="median"), df=2, df2=22))
g2 = [sample(5), sample(6, 0, 3)]
add("levene", groups=g2, expect=res(stats.levene(*g2, center="mean"), df=1, df2=9))
add("brown_forsythe", groups=g2, expect=res(stats.levene(*g2, center="median"), df=1, df2=9))
# Permutation tests, exact (all permutations enumerated)
def mean_diff(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)
def mean_paired(x, y, axis=-1):
    return np.mean(x - y, axis=axis)
pa, pb = sample(6, 0.8), sample(7)
qa = sample(10); qb = np.round(qa + rng.normal(0.5, 0.6, 10), 3)
for alt in ["two-sided", "less", "greater"]:
    r = stats.permutation_test((pa, pb), mean_diff, permutation_type="independent", vectorized=True,
                               n_resamples=10000, alternative=alt)
    add("permutation_test", a=pa, b=pb, alternative=alt, paired=False, expect=res(r))
    r = stats.permutation_test((qa, qb), mean_paired, permutation_type="samples", vectorized=True,
                               n_resamples=10000, alternative=alt)
    add("permutation_test", a=qa, b=qb, alternative=alt, paired=True, expect=res(r))

# Wilson intervals
wil = []
for k, n, level in [(0, 10, 0.95), (3, 10, 0.95), (10, 10, 0.95), (712, 1000, 0.95), (55, 60, 0.9), (1, 3, 0.99)]:
    z = stats.norm.ppf((1 + level) / 2)
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    wil.append((k, n, level, max(0, c - h), min(1, c + h)))
# Holm
def holm(p):
    p = np.asarray(p); m = len(p); order = np.argsort(p, kind="stable")
    adj = np.empty(m); run = 0.0
    for rank, i in enumerate(order):
        run = max(run, min(1.0, (m - rank) * p[i])); adj[i] = run
    return adj
holm_in = [0.01, 0.04, 0.03, 0.005, 0.5]
# Effect sizes
ea, eb = sample(8, 1), sample(11)
def cohen(a, b):
    na, nb = len(a), len(b)
    s = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    return (a.mean() - b.mean()) / s, na + nb - 2
def J(df):
    return np.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / np.sqrt(df / 2)
d, df = cohen(ea, eb)
dz = (qa - qb).mean() / (qa - qb).std(ddof=1)

# BCa intervals (scipy.stats.bootstrap, method="BCa") of skewed samples, where BCa and the
# percentile interval differ; both are Monte Carlo, so the test allows for the resampling
# error (200,000 resamples here and there). A separate generator keeps the samples above.
brng = np.random.default_rng(11)
bca = []
for n, stat in [(15, "mean"), (25, "mean"), (20, "std")]:
    xs = np.round(brng.exponential(1.0, n), 3)
    f = np.mean if stat == "mean" else (lambda v, axis=-1: np.std(v, ddof=1, axis=axis))
    r = {}
    for method in ("BCa", "percentile"):
        ci = stats.bootstrap((xs,), f, n_resamples=200000, method=method, random_state=np.random.default_rng(1)).confidence_interval
        r[method] = (ci.low, ci.high)
    bca.append((xs, stat, r))

print("-- Generated by scripts/reference/stats.py (SciPy %s, NumPy %s); do not edit." % (scipy.__version__, np.__version__))
print("return {")
print("  tests = {")
for kind, kw in cases:
    parts = ['kind = "%s"' % kind]
    for k, v in kw.items():
        if k == "expect":
            parts.append("expect = {" + ", ".join("%s = %s" % (kk, lua(vv)) for kk, vv in v.items()) + "}")
        elif k == "groups":
            parts.append("groups = {" + ", ".join(lua(g) for g in v) + "}")
        else:
            parts.append("%s = %s" % (k, lua(v)))
    print("    {" + ", ".join(parts) + "},")
print("  },")
print("  wilson = {")
for k, n, level, lo, hi in wil:
    print("    {k = %d, n = %d, level = %r, lo = %r, hi = %r}," % (k, n, level, lo, hi))
print("  },")
print("  holm = {p = %s, adjusted = %s}," % (lua(holm_in), lua(holm(holm_in))))
print("  effect = {a = %s, b = %s, d = %r, g = %r, pa = %s, pb = %s, dz = %r, gz = %r}," % (
    lua(ea), lua(eb), d, d * J(df), lua(qa), lua(qb), dz, dz * J(len(qa) - 1)))
print("  bca = {")
for xs, stat, r in bca:
    print('    {x = %s, statistic = "%s", lo = %r, hi = %r, percentile_lo = %r, percentile_hi = %r},' % (
        lua(xs), stat, r["BCa"][0], r["BCa"][1], r["percentile"][0], r["percentile"][1]))
print("  },")
print("}")
