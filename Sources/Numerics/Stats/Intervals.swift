import Foundation

/// Confidence intervals for proportions, multiple-testing correction and effect sizes.
public enum Intervals {
    /// Wilson score interval for a proportion k/n: with z the (1 + level)/2 normal quantile,
    /// centre (p + z^2/(2n)) / (1 + z^2/n), half-width z / (1 + z^2/n) sqrt(p(1-p)/n + z^2/(4n^2)).
    public static func wilson(successes k: Double, trials n: Double, level: Double = 0.95) throws -> (lo: Double, hi: Double) {
        guard n.isFinite, n > 0 else { throw TensorError("n must be a finite number > 0, got \(describeNumber(n))") }
        guard k.isFinite, k >= 0, k <= n else { throw TensorError("successes must be in 0..n (\(describeNumber(n))), got \(describeNumber(k))") }
        try Resampling.checkLevel(level)
        let z = Normal.quantile((1 + level) / 2)
        let p = k / n, z2 = z * z
        let denom = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denom
        let half = z / denom * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return (max(0, centre - half), min(1, centre + half))
    }

    /// Holm-Bonferroni step-down adjusted p-values (order kept): with p sorted ascending,
    /// p_adj(i) = max_{j <= i} min(1, (m - j + 1) p(j)).
    public static func holm(_ p: [Double]) throws -> [Double] {
        guard !p.isEmpty else { throw TensorError("p-values must not be empty") }
        for (k, v) in p.enumerated() where !(v >= 0 && v <= 1) {
            throw TensorError("p-value [\(k + 1)] is \(describeNumber(v)), expected a number in [0, 1]")
        }
        let m = p.count
        let order = p.indices.sorted { p[$0] < p[$1] }
        var out = [Double](repeating: 0, count: m)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * p[i]))
            out[i] = running
        }
        return out
    }

    /// Cohen's d: independent, (mean a - mean b) / s_pooled with
    /// s_pooled^2 = ((n_a - 1) s_a^2 + (n_b - 1) s_b^2) / (n_a + n_b - 2); paired (d_z),
    /// mean(a - b) / sd(a - b). Returns d and its degrees of freedom (n_a + n_b - 2, or n - 1).
    public static func cohensD(_ a: [Double], _ b: [Double], paired: Bool) throws -> (d: Double, df: Double) {
        try SampleCheck.finite(a, "a", atLeast: 2)
        try SampleCheck.finite(b, "b", atLeast: 2)
        if paired {
            guard a.count == b.count else { throw TensorError("paired samples differ in length (\(a.count) and \(b.count))") }
            let d = zip(a, b).map { $0 - $1 }
            return (Describe.mean(d) / Describe.variance(d).squareRoot(), Double(d.count - 1))
        }
        let na = Double(a.count), nb = Double(b.count)
        let pooled = ((na - 1) * Describe.variance(a) + (nb - 1) * Describe.variance(b)) / (na + nb - 2)
        return ((Describe.mean(a) - Describe.mean(b)) / pooled.squareRoot(), na + nb - 2)
    }

    /// Hedges' g = d J(df) with the exact small-sample correction
    /// J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df - 1)/2)) (about 1 - 3/(4 df - 1)).
    public static func hedgesG(_ a: [Double], _ b: [Double], paired: Bool) throws -> Double {
        let (d, df) = try cohensD(a, b, paired: paired)
        guard df > 1 else { throw TensorError("Hedges' g needs more than 1 degree of freedom (at least 3 values in total), got \(describeNumber(df))") }
        let j = exp(lgamma(df / 2) - lgamma((df - 1) / 2)) / (df / 2).squareRoot()
        return d * j
    }
}
