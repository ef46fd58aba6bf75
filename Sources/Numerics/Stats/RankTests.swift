/// Rank tests, following SciPy 1.10's `mannwhitneyu` and `wilcoxon` with their default
/// options (the choice between exact and normal-approximation p-values included).
public enum RankTests {
    /// Mann-Whitney U test of two independent samples. The statistic is U of `a`:
    /// U = R_a - n_a (n_a + 1) / 2 with R_a the sum of a's ranks in the pooled sample (ties
    /// get average ranks). The p-value is exact when either sample has at most 8 values and
    /// there are no ties, else from the normal approximation with tie correction and
    /// continuity correction: z = (U' - n_a n_b / 2 - 0.5) / sqrt(n_a n_b / 12 ((n + 1) -
    /// sum(t^3 - t) / (n (n - 1)))), where U' is max(U_a, U_b) (two-sided, p doubled),
    /// U_a ("greater") or U_b ("less").
    public static func mannWhitney(_ a: [Double], _ b: [Double], alternative: Alternative = .twoSided,
                                   method: String? = nil) throws -> TestResult {
        try SampleCheck.finite(a, "a", atLeast: 1)
        try SampleCheck.finite(b, "b", atLeast: 1)
        let n1 = a.count, n2 = b.count
        let pooled = a + b
        let ranks = Describe.ranks(pooled)
        let ties = Describe.tieGroups(pooled)
        let hasTies = ties.contains { $0 > 1 }
        var chosen: String
        switch method {
        case nil, "auto"?: chosen = (n1 > 8 && n2 > 8) || hasTies ? "asymptotic" : "exact"
        case "exact"?:
            // The exact distribution counts arrangements without ties; its table has m*n+1
            // entries and the counts (binomial coefficients) overflow Float64 past m+n ~ 1000.
            guard !hasTies else {
                throw TensorError("method \"exact\" needs samples without ties; use \"asymptotic\" (the default for tied data)")
            }
            guard n1 * n2 <= 200_000, n1 + n2 <= 1000 else {
                throw TensorError("method \"exact\" is limited to samples with n1*n2 <= 200000 and n1+n2 <= 1000 (got \(n1) and \(n2)); use \"asymptotic\"")
            }
            chosen = "exact"
        case "asymptotic"?: chosen = "asymptotic"
        default: throw TensorError("method must be \"auto\", \"exact\" or \"asymptotic\", got \"\(method!)\"")
        }
        let r1 = ranks[0..<n1].reduce(0, +)
        let u1 = r1 - Double(n1 * (n1 + 1)) / 2
        let u2 = Double(n1 * n2) - u1
        let (u, factor): (Double, Double)
        switch alternative {
        case .greater: (u, factor) = (u1, 1)
        case .less: (u, factor) = (u2, 1)
        case .twoSided: (u, factor) = (max(u1, u2), 2)
        }
        var p: Double
        if chosen == "exact" {
            p = exactUSurvival(Int(u), n1, n2)
        } else {
            let n = Double(n1 + n2)
            let tieTerm = ties.reduce(0.0) { $0 + Double($1) * Double($1) * Double($1) - Double($1) }
            let s = (Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))).squareRoot()
            let z = (u - Double(n1 * n2) / 2 - 0.5) / s
            p = Normal.sf(z)
        }
        p = min(max(p * factor, 0), 1)
        return TestResult(statistic: u1, pvalue: p, method: "Mann-Whitney U (\(chosen))", alternative: alternative,
                          extras: [("u_b", u2)])
    }

    /// P(U >= u) under H0 for samples of m and n values without ties: by symmetry
    /// P(U <= mn - u), from the exact distribution.
    static func exactUSurvival(_ u: Int, _ m: Int, _ n: Int) -> Double {
        let counts = uCounts(m, n)
        let total = counts.reduce(0, +)
        let k = m * n - u
        guard k >= 0 else { return 0 }
        var s = 0.0
        for j in 0...min(k, counts.count - 1) { s += counts[j] }
        return s / total
    }

    /// Number of arrangements of m + n values giving U = k (k = 0...mn): the coefficients of
    /// the Gaussian binomial [m + n choose m]_q, built as prod_i (1 - q^(n+i)) / (1 - q^i).
    static func uCounts(_ m0: Int, _ n0: Int) -> [Double] {
        let m = min(m0, n0), n = max(m0, n0)
        var c = [Double](repeating: 0, count: m * n + 1)
        c[0] = 1
        for i in stride(from: 1, through: m, by: 1) {
            let up = n + i
            if up <= m * n {
                for k in stride(from: m * n, through: up, by: -1) { c[k] -= c[k - up] }
            }
            for k in stride(from: i, through: m * n, by: 1) { c[k] += c[k - i] }
        }
        return c
    }

    /// Wilcoxon signed-rank test of the paired differences d = a - b (or of a alone when b is
    /// nil), SciPy's defaults: zero_method "wilcox" (zero differences dropped), no continuity
    /// correction, exact p-value when n <= 50 and no difference is zero, else the normal
    /// approximation with tie correction. Statistic: min(R+, R-) two-sided, R+ one-sided.
    /// As in SciPy 1.10, the exact p-value of a tied sample uses R+ rounded down.
    public static func wilcoxon(_ a: [Double], _ b: [Double]?, alternative: Alternative = .twoSided) throws -> TestResult {
        try SampleCheck.finite(a, "a", atLeast: 1)
        var d = a
        if let b {
            guard a.count == b.count else { throw TensorError("paired samples differ in length (\(a.count) and \(b.count))") }
            try SampleCheck.finite(b, "b", atLeast: 1)
            d = zip(a, b).map { $0 - $1 }
        }
        let zeros = d.filter { $0 == 0 }.count
        var exact = d.count <= 50
        if zeros > 0 && exact { exact = false }
        if !exact {
            guard zeros < d.count else { throw TensorError("every difference is zero: the test is undefined") }
            d = d.filter { $0 != 0 }
        }
        let n = d.count
        let r = Describe.ranks(d.map(abs))
        var rPlus = 0.0, rMinus = 0.0
        for k in 0..<n { if d[k] > 0 { rPlus += r[k] } else if d[k] < 0 { rMinus += r[k] } }
        let t = alternative == .twoSided ? min(rPlus, rMinus) : rPlus
        var p: Double
        var extras: [(String, Double)] = [("r_plus", rPlus), ("r_minus", rMinus), ("n", Double(n))]
        if exact {
            let counts = signedRankCounts(n)
            let total = counts.reduce(0, +)
            let k = Int(rPlus)
            let below = counts[0...k].reduce(0, +) / total
            let above = counts[k...].reduce(0, +) / total
            switch alternative {
            case .twoSided: p = k == (counts.count - 1) / 2 ? 1 : 2 * min(below, above)
            case .greater: p = above
            case .less: p = below
            }
        } else {
            let nn = Double(n)
            let mean = nn * (nn + 1) / 4
            var se = nn * (nn + 1) * (2 * nn + 1)
            for g in Describe.tieGroups(r) where g > 1 { se -= 0.5 * Double(g * (g * g - 1)) }
            se = (se / 24).squareRoot()
            let z = (t - mean) / se
            extras.append(("z", z))
            switch alternative {
            case .twoSided: p = 2 * Normal.sf(abs(z))
            case .greater: p = Normal.sf(z)
            case .less: p = Normal.cdf(z)
            }
        }
        return TestResult(statistic: t, pvalue: min(max(p, 0), 1),
                          method: "Wilcoxon signed-rank (\(exact ? "exact" : "normal approximation"))",
                          alternative: alternative, extras: extras)
    }

    /// Number of subsets of {1, ..., n} with sum k, k = 0...n(n+1)/2.
    static func signedRankCounts(_ n: Int) -> [Double] {
        let top = n * (n + 1) / 2
        var c = [Double](repeating: 0, count: top + 1)
        c[0] = 1
        for i in stride(from: 1, through: n, by: 1) {
            for k in stride(from: top, through: i, by: -1) { c[k] += c[k - i] }
        }
        return c
    }
}
