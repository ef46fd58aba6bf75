/// Student's t-tests (SciPy's `ttest_ind(equal_var=False)` and `ttest_rel`).
public enum TTests {
    /// The p-value of a t statistic for an alternative.
    public static func pvalue(_ t: Double, df: Double, _ alt: Alternative) -> Double {
        if t.isNaN { return .nan }
        switch alt {
        case .twoSided: return min(1, 2 * StudentT.sf(abs(t), df: df))
        case .greater: return StudentT.sf(t, df: df)
        case .less: return StudentT.cdf(t, df: df)
        }
    }

    /// Welch's t-test: t = (mean a - mean b) / sqrt(va/na + vb/nb) (sample variances), with
    /// the Welch-Satterthwaite degrees of freedom
    /// df = (va/na + vb/nb)^2 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1)).
    public static func welch(_ a: [Double], _ b: [Double], alternative: Alternative = .twoSided) throws -> TestResult {
        try SampleCheck.finite(a, "a", atLeast: 2)
        try SampleCheck.finite(b, "b", atLeast: 2)
        let na = Double(a.count), nb = Double(b.count)
        let ma = Describe.mean(a), mb = Describe.mean(b)
        let qa = Describe.variance(a) / na, qb = Describe.variance(b) / nb
        let t = (ma - mb) / (qa + qb).squareRoot()
        let df = (qa + qb) * (qa + qb) / (qa * qa / (na - 1) + qb * qb / (nb - 1))
        return TestResult(statistic: t, pvalue: pvalue(t, df: df, alternative), df: df, method: "Welch's t-test",
                          alternative: alternative, extras: [("mean_a", ma), ("mean_b", mb), ("mean_difference", ma - mb)])
    }

    /// The paired t-test: d = a - b, t = mean(d) / (sd(d) / sqrt(n)), df = n - 1.
    public static func paired(_ a: [Double], _ b: [Double], alternative: Alternative = .twoSided) throws -> TestResult {
        guard a.count == b.count else {
            throw TensorError("paired samples differ in length (\(a.count) and \(b.count))")
        }
        try SampleCheck.finite(a, "a", atLeast: 2)
        try SampleCheck.finite(b, "b", atLeast: 2)
        let d = zip(a, b).map { $0 - $1 }
        let n = Double(d.count)
        let md = Describe.mean(d)
        let t = md / (Describe.variance(d) / n).squareRoot()
        return TestResult(statistic: t, pvalue: pvalue(t, df: n - 1, alternative), df: n - 1, method: "paired t-test",
                          alternative: alternative, extras: [("mean_difference", md)])
    }
}
