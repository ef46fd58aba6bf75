/// Tests of equal variances across groups: Levene (deviations from the group means) and
/// Brown-Forsythe (deviations from the group medians; SciPy's `levene` default, center="median").
public enum VarianceTests {
    /// W = (N - k) / (k - 1) * sum_i n_i (Zbar_i - Zbar)^2 / sum_i sum_j (Z_ij - Zbar_i)^2 with
    /// Z_ij = |Y_ij - center_i|; p = P(F(k - 1, N - k) > W).
    public static func levene(_ groups: [[Double]], median: Bool) throws -> TestResult {
        guard groups.count >= 2 else { throw TensorError("needs at least 2 groups, got \(groups.count)") }
        for (i, g) in groups.enumerated() { try SampleCheck.finite(g, "group \(i + 1)", atLeast: 2) }
        let k = Double(groups.count)
        let n = Double(groups.reduce(0) { $0 + $1.count })
        let z = groups.map { g -> [Double] in
            let c = median ? Describe.median(g) : Describe.mean(g)
            return g.map { abs($0 - c) }
        }
        let zbar = z.map(Describe.mean)
        let grand = z.flatMap { $0 }.reduce(0, +) / n
        var between = 0.0, within = 0.0
        for (i, g) in z.enumerated() {
            between += Double(g.count) * (zbar[i] - grand) * (zbar[i] - grand)
            for v in g { within += (v - zbar[i]) * (v - zbar[i]) }
        }
        let w = (n - k) / (k - 1) * between / within
        return TestResult(statistic: w, pvalue: FDistribution.sf(w, d1: k - 1, d2: n - k), df: k - 1, df2: n - k,
                          method: median ? "Brown-Forsythe (Levene, median centre)" : "Levene (mean centre)")
    }
}
