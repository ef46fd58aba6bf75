import Foundation

/// Resampling methods, reproducible for a seed (the host's xoshiro Generator).
public enum Resampling {
    public enum Statistic: String {
        case mean, median
        /// The sample standard deviation (ddof = 1).
        case std
    }

    public static func statistic(_ s: Statistic, _ x: [Double]) -> Double {
        switch s {
        case .mean: return Describe.mean(x)
        case .median: return Describe.median(x)
        case .std: return x.count > 1 ? Describe.variance(x).squareRoot() : .nan
        }
    }

    public enum Interval: String {
        case percentile
        /// Bias-corrected and accelerated (Efron 1987), as SciPy's `bootstrap(method="BCa")`.
        case bca
    }

    /// Bootstrap confidence interval: `resamples` samples of size n drawn with replacement and
    /// the statistic of each. Percentile: the (1 - level)/2 and (1 + level)/2 quantiles of
    /// those (linear interpolation, NumPy's default). BCa moves both quantiles by the bias
    /// z0 = Phi^-1(share of replicates below the estimate, ties counting half) and the
    /// acceleration a from the jackknife, sum (m - t_i)^3 / (6 (sum (m - t_i)^2)^1.5):
    /// alpha' = Phi(z0 + (z0 + z_alpha) / (1 - a (z0 + z_alpha))).
    public static func bootstrapCI(_ x: [Double], statistic kind: Statistic = .mean, level: Double = 0.95,
                                   resamples: Int = 10_000, seed: UInt64 = 1,
                                   interval: Interval = .percentile) throws -> (lo: Double, hi: Double, estimate: Double) {
        try SampleCheck.finite(x, "values", atLeast: interval == .bca ? 2 : 1)
        try checkLevel(level)
        guard resamples >= 1 && resamples <= 10_000_000 else { throw TensorError("the number of resamples must be in 1..10000000, got \(resamples)") }
        let g = Generator(seed: seed)
        var stats = [Double](repeating: 0, count: resamples)
        var sample = [Double](repeating: 0, count: x.count)
        for r in 0..<resamples {
            for i in 0..<x.count { sample[i] = x[g.below(x.count)] }
            stats[r] = statistic(kind, sample)
        }
        stats.sort()
        let estimate = statistic(kind, x)
        var alpha = (lo: (1 - level) / 2, hi: (1 + level) / 2)
        if interval == .bca {
            let below = Double(stats.filter { $0 < estimate }.count), ties = Double(stats.filter { $0 == estimate }.count)
            let z0 = Normal.quantile((below + ties / 2) / Double(resamples))
            var jack = [Double](repeating: 0, count: x.count)
            for i in 0..<x.count {
                var rest = x
                rest.remove(at: i)
                jack[i] = statistic(kind, rest)
            }
            let m = Describe.mean(jack)
            let num = jack.reduce(0) { $0 + pow(m - $1, 3) }, den = jack.reduce(0) { $0 + pow(m - $1, 2) }
            let a = den > 0 ? num / (6 * pow(den, 1.5)) : 0
            guard z0.isFinite else {
                throw TensorError("BCa is undefined here: every resample's statistic lies on one side of the estimate (z0 infinite)")
            }
            func adjusted(_ p: Double) -> Double {
                let z = Normal.quantile(p)
                return Normal.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
            }
            alpha = (adjusted(alpha.lo), adjusted(alpha.hi))
        }
        return (Describe.quantile(sorted: stats, alpha.lo), Describe.quantile(sorted: stats, alpha.hi), estimate)
    }

    static func checkLevel(_ level: Double) throws {
        guard level > 0 && level < 1 else { throw TensorError("level must be between 0 and 1 (e.g. 0.95), got \(describeNumber(level))") }
    }

    /// Permutation test of the difference in means, as SciPy's `permutation_test` with the
    /// statistic mean(a) - mean(b) (independent: group labels shuffled) or mean(a - b)
    /// (paired: signs of the differences flipped). When the number of distinct permutations
    /// is at most `resamples`, all are enumerated (exact test, p = share of the null at least
    /// as extreme); otherwise `resamples` random ones, p = (count + 1) / (resamples + 1).
    /// Two-sided p = 2 min(p_less, p_greater), clipped to 1.
    public static func permutationTest(_ a: [Double], _ b: [Double], paired: Bool, resamples: Int = 10_000,
                                       seed: UInt64 = 1, alternative: Alternative = .twoSided) throws -> TestResult {
        try SampleCheck.finite(a, "a", atLeast: 1)
        try SampleCheck.finite(b, "b", atLeast: 1)
        guard resamples >= 1 && resamples <= 10_000_000 else { throw TensorError("the number of resamples must be in 1..10000000, got \(resamples)") }
        var null: [Double] = []
        let observed: Double
        var exact = false
        let g = Generator(seed: seed)
        if paired {
            guard a.count == b.count else { throw TensorError("paired samples differ in length (\(a.count) and \(b.count))") }
            let d = zip(a, b).map { $0 - $1 }
            let n = d.count
            observed = Describe.mean(d)
            if n < 40 && (1 << n) <= resamples {
                exact = true
                null.reserveCapacity(1 << n)
                for mask in 0..<(1 << n) {
                    var s = 0.0
                    for i in 0..<n { s += (mask >> i) & 1 == 1 ? -d[i] : d[i] }
                    null.append(s / Double(n))
                }
            } else {
                null.reserveCapacity(resamples)
                for _ in 0..<resamples {
                    var s = 0.0
                    for i in 0..<n { s += g.below(2) == 1 ? -d[i] : d[i] }
                    null.append(s / Double(n))
                }
            }
        } else {
            let pooled = a + b
            let na = a.count, n = pooled.count
            let total = pooled.reduce(0, +)
            observed = Describe.mean(a) - Describe.mean(b)
            func diff(sumA: Double) -> Double { sumA / Double(na) - (total - sumA) / Double(n - na) }
            if let count = binomial(n, na, limit: resamples), count <= resamples {
                exact = true
                null.reserveCapacity(count)
                var idx = Array(0..<na)
                while true {
                    // one combination; the sum in index order, as SciPy sums each sample
                    var s = 0.0
                    for i in idx { s += pooled[i] }
                    null.append(diff(sumA: s))
                    var k = na - 1
                    while k >= 0 && idx[k] == n - na + k { k -= 1 }
                    if k < 0 { break }
                    idx[k] += 1
                    for j in (k + 1)..<max(na, k + 1) { idx[j] = idx[j - 1] + 1 }
                }
            } else {
                null.reserveCapacity(resamples)
                var perm = pooled
                for _ in 0..<resamples {
                    for i in stride(from: n - 1, to: 0, by: -1) { perm.swapAt(i, g.below(i + 1)) }
                    var s = 0.0
                    for i in 0..<na { s += perm[i] }
                    null.append(diff(sumA: s))
                }
            }
        }
        let adjustment = exact ? 0.0 : 1.0
        let gamma = max(1e-14, abs(1e-14 * observed))
        let count = Double(null.count)
        let less = (Double(null.filter { $0 <= observed + gamma }.count) + adjustment) / (count + adjustment)
        let greater = (Double(null.filter { $0 >= observed - gamma }.count) + adjustment) / (count + adjustment)
        let p: Double
        switch alternative {
        case .less: p = less
        case .greater: p = greater
        case .twoSided: p = min(1, 2 * min(less, greater))
        }
        return TestResult(statistic: observed, pvalue: p,
                          method: "permutation test (\(paired ? "paired, sign flips" : "independent"), \(exact ? "exact" : "random"))",
                          alternative: alternative, extras: [("resamples", count), ("exact", exact ? 1 : 0)])
    }

    /// C(n, k) when it is at most `limit`, else nil.
    static func binomial(_ n: Int, _ k: Int, limit: Int) -> Int? {
        let k = min(k, n - k)
        var c = 1.0
        for i in 0..<k {
            c = c * Double(n - i) / Double(i + 1)
            if c > Double(limit) + 0.5 { return nil }
        }
        return Int(c.rounded())
    }
}
