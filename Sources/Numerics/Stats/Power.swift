import Foundation

// The t-based interval of a mean, the noncentral t distribution, and the power of one-sample
// (paired) t-tests: how many seeds a study needs to see an effect, and the smallest effect
// its seeds can see. Matched against SciPy and statsmodels' TTestPower
// (scripts/reference/power.py).

extension StudentT {
    /// The density of Student's t with `df` degrees of freedom.
    public static func pdf(_ t: Double, df: Double) -> Double {
        let logc = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * Double.pi)
        return exp(logc - (df + 1) / 2 * log1p(t * t / df))
    }

    /// The quantile function (inverse CDF): Newton steps from the normal quantile, kept
    /// inside a bracket that bisection narrows whenever a step leaves it.
    public static func quantile(_ p: Double, df: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 || !(df > 0) { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        // by symmetry, solve in the upper half, where sf has full relative precision
        if p < 0.5 { return -quantile(1 - p, df: df) }
        let q = 1 - p
        var lo = 0.0, hi = 1.0
        while sf(hi, df: df) > q { lo = hi; hi *= 2; if hi > 1e300 { return .infinity } }
        var t = min(max(Normal.quantile(p), lo), hi)
        for _ in 0..<200 {
            let e = sf(t, df: df) - q            // > 0: t is too small
            if e > 0 { lo = t } else { hi = t }
            if abs(e) <= 1e-15 * q || hi - lo <= 1e-15 * max(1, abs(t)) { break }
            var next = t + e / pdf(t, df: df)
            if !(next > lo && next < hi) { next = (lo + hi) / 2 }
            t = next
        }
        return t
    }
}

/// The noncentral t distribution: T = (Z + nc) / sqrt(V/df), Z standard normal, V chi-square
/// with df degrees of freedom.
public enum NoncentralT {
    /// P(T <= t). For t >= 0, Lenth's series (AS 243):
    /// F = Phi(-nc) + 1/2 sum_j [p_j I_x(j + 1/2, df/2) + q_j I_x(j + 1, df/2)], x = t^2/(t^2 + df),
    /// p_j = e^(-nc^2/2) (nc^2/2)^j / j!, q_j = nc e^(-nc^2/2) (nc^2/2)^j / (sqrt 2 Gamma(j + 3/2));
    /// for t < 0, F(t; nc) = 1 - F(-t; -nc). The weights are Poisson-like around
    /// j = h = nc^2/2 with sd sqrt(h): the sum runs from 12 sd below that peak (what lies
    /// below is under e^-72) until past it and negligible, about 25 sqrt(h) terms. (A normal
    /// approximation for |nc| > 40 was off by up to 0.05 near t = nc and gave powers above 1
    /// for n < 2.)
    public static func cdf(_ t: Double, df: Double, nc: Double) -> Double {
        if t.isNaN || nc.isNaN || !(df > 0) { return .nan }
        if t == .infinity { return 1 }
        if t == -.infinity { return 0 }
        if t < 0 { return 1 - cdf(-t, df: df, nc: -nc) }
        if nc == 0 { return StudentT.cdf(t, df: df) }
        var sum = Normal.cdf(-nc)
        if t == 0 { return sum }
        let h = nc * nc / 2
        // |nc| past 1e154: T is +-infinity for every V > 0
        if !h.isFinite { return nc > 0 ? 0 : 1 }
        let first = max(0, h - 12 * h.squareRoot() - 5)
        let (y, x) = StudentT.betaArguments(t, df: df)     // x = t^2 / (t^2 + df)
        // I_x(a, df/2) falls as a grows, and the weights sum to at most about 2 from `first`
        // on: when the first beta is negligible so is the series (t far below nc, as at a
        // power's critical value; this skips ~25 sqrt(h) terms, a second at nc = 2e4)
        if first > 0 {
            let bound = 2.5 * SpecialFunctions.regularizedBeta(first.rounded(.down) + 0.5, df / 2, x: x, y: y)
            if bound < 1e-300 || bound < 1e-17 * abs(sum) { return min(1, max(0, sum)) }
        }
        // more than 200000 terms (|nc| > 1.1e4 with t near nc, as under 1 degree of freedom,
        // where the critical values reach 1e128): not computed
        if 25 * h.squareRoot() > 200_000 { return .nan }
        let logh = log(h)
        let peak = h.rounded(.up)
        var j = first.rounded(.down)
        var series = 0.0
        while true {
            let logp = -h + j * logh - lgamma(j + 1)
            let logq = -h + j * logh - lgamma(j + 1.5)
            let p = exp(logp), q = nc * exp(logq) / 2.0.squareRoot()
            let term = p * SpecialFunctions.regularizedBeta(j + 0.5, df / 2, x: x, y: y)
                + q * SpecialFunctions.regularizedBeta(j + 1, df / 2, x: x, y: y)
            series += term
            // the weights p_j, q_j fall off past the peak; stop once they cannot matter
            if j > peak && max(p, abs(q)) < 1e-17 * max(abs(series), 1e-300) { break }
            j += 1
        }
        sum += series / 2
        return min(1, max(0, sum))
    }

    /// P(T > t).
    public static func sf(_ t: Double, df: Double, nc: Double) -> Double {
        if t.isNaN || nc.isNaN || !(df > 0) { return .nan }
        // the lower tail of -T, which has noncentrality -nc, keeps the precision of small values
        return cdf(-t, df: df, nc: -nc)
    }
}

/// The power of one-sample t-tests, which is what a paired t-test is on the differences (the
/// per-seed D of a study): effect size d = mean / sd of the differences, n pairs. As
/// statsmodels' TTestPower: power = P(reject | d) with T noncentral, df = n - 1,
/// nc = d sqrt(n), critical values from Student's t at alpha (alpha/2 each side two-sided).
public enum TPower {
    static func check(n: Double) throws {
        guard n > 1 && n <= 1e9 else {
            throw TensorError("n must be a number > 1 and at most 1e9 (the number of pairs), got \(describeNumber(n))")
        }
    }

    static func check(alpha: Double) throws {
        guard alpha > 0 && alpha < 1 else { throw TensorError("alpha must be between 0 and 1 (e.g. 0.05), got \(describeNumber(alpha))") }
    }

    /// The power of the test at effect size `d` with `n` pairs (n may be fractional, as in
    /// statsmodels; it must exceed 1).
    public static func power(effect d: Double, n: Double, alpha: Double = 0.05,
                             alternative: Alternative = .twoSided) throws -> Double {
        guard d.isFinite else { throw TensorError("the effect size must be a finite number, got \(describeNumber(d))") }
        try check(n: n)
        try check(alpha: alpha)
        let df = n - 1, nc = d * n.squareRoot()
        let crit = StudentT.quantile(alternative == .twoSided ? 1 - alpha / 2 : 1 - alpha, df: df)
        guard crit.isFinite else {
            throw TensorError("n = \(describeNumber(n)) is too close to 1: the critical value of t with \(describeNumber(df)) "
                              + "degrees of freedom is past 1e300")
        }
        let p: Double
        switch alternative {
        case .twoSided: p = NoncentralT.sf(crit, df: df, nc: nc) + NoncentralT.cdf(-crit, df: df, nc: nc)
        case .greater: p = NoncentralT.sf(crit, df: df, nc: nc)
        case .less: p = NoncentralT.cdf(-crit, df: df, nc: nc)
        }
        guard !p.isNaN else {
            throw TensorError("the power at effect size \(describeNumber(d)) with n = \(describeNumber(n)) is not computed: "
                              + "a noncentrality d sqrt(n) of \(describeNumber(nc)) with under 1 degree of freedom is past what the series sums (1.1e4)")
        }
        return p
    }

    static func checkPower(_ power: Double, alpha: Double) throws {
        guard power > alpha && power < 1 else {
            throw TensorError("power must be between alpha (\(describeNumber(alpha))) and 1 (e.g. 0.8), got \(describeNumber(power))")
        }
    }

    /// The (fractional) number of pairs at which the test reaches `power` for effect size d:
    /// round it up for a number of seeds.
    public static func sampleSize(effect d: Double, power target: Double = 0.8, alpha: Double = 0.05,
                                  alternative: Alternative = .twoSided) throws -> Double {
        try check(alpha: alpha)
        try checkPower(target, alpha: alpha)
        guard d.isFinite, d != 0 else { throw TensorError("the effect size must be a finite number other than 0, got \(describeNumber(d))") }
        if (alternative == .greater && d < 0) || (alternative == .less && d > 0) {
            throw TensorError("an effect of \(describeNumber(d)) is on the other side of a '\(alternative.rawValue)' test: no number of pairs detects it")
        }
        let f = { (n: Double) throws -> Double in try power(effect: d, n: n, alpha: alpha, alternative: alternative) - target }
        // from 1.01 pairs (df 0.01, critical values near 1e128; closer to 1 they pass the
        // doubles, and the power there is within a hair of alpha anyway)
        var lo = 1.01, hi = 2.0
        var flo: Double? = nil, fhi = try f(hi)
        while fhi < 0 {
            (lo, flo) = (hi, fhi)
            hi *= 2
            if hi > 1e9 { throw TensorError("the effect size \(describeNumber(d)) is too small: more than 1e9 pairs would be needed") }
            fhi = try f(hi)
        }
        // f at the first lo is asked for only when 2 pairs already suffice
        let fLo = try flo ?? f(lo)
        if fLo >= 0 { return lo }
        return try solveIncreasing(f, lo: lo, fLo, hi: hi, fhi)
    }

    /// The smallest effect size (d > 0; for "less" its negative) that `n` pairs detect with
    /// `power`.
    public static func detectableEffect(n: Double, power target: Double = 0.8, alpha: Double = 0.05,
                                        alternative: Alternative = .twoSided) throws -> Double {
        try check(alpha: alpha)
        try checkPower(target, alpha: alpha)
        try check(n: n)
        let sign: Double = alternative == .less ? -1 : 1
        let f = { (d: Double) throws -> Double in try power(effect: sign * d, n: n, alpha: alpha, alternative: alternative) - target }
        var lo = 0.0, hi = 1.0
        var flo = try f(lo), fhi = try f(hi)
        while fhi < 0 {
            (lo, flo) = (hi, fhi)
            hi *= 2
            if hi > 1e6 { throw TensorError("no effect size reaches power \(describeNumber(target)) with n = \(describeNumber(n))") }
            fhi = try f(hi)
        }
        return sign * (try solveIncreasing(f, lo: lo, flo, hi: hi, fhi))
    }

    /// A root of an increasing f in [lo, hi] (flo = f(lo) < 0 <= fhi = f(hi), the values the
    /// bracketing already computed) to 1e-12 relative: the secant (regula falsi, Illinois
    /// variant) with bisection, about 10 evaluations where bisection alone takes 40 (each is
    /// a noncentral t series).
    static func solveIncreasing(_ f: (Double) throws -> Double, lo lo0: Double, _ flo0: Double,
                                hi hi0: Double, _ fhi0: Double) throws -> Double {
        var lo = lo0, hi = hi0, flo = flo0, fhi = fhi0
        if flo >= 0 { return lo }
        var side = 0
        for _ in 0..<200 {
            if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300) { break }
            var x = (lo * fhi - hi * flo) / (fhi - flo)
            if !(x > lo && x < hi) { x = (lo + hi) / 2 }
            let fx = try f(x)
            if fx < 0 {
                lo = x; flo = fx
                if side == -1 { fhi /= 2 }     // Illinois: halve the stale end's value
                side = -1
            } else {
                hi = x; fhi = fx
                if side == 1 { flo /= 2 }
                side = 1
            }
            if fx == 0 { return x }
        }
        return (lo + hi) / 2
    }
}

extension Intervals {
    /// The t interval of the mean of `x`: mean +- t_{(1+level)/2, n-1} sd / sqrt(n) (as
    /// scipy.stats.t.interval(level, n - 1, loc = mean, scale = sem)). For the mean of a study's
    /// per-seed D, the interval of the paired t-test.
    public static func tInterval(_ x: [Double], level: Double = 0.95) throws
        -> (lo: Double, hi: Double, estimate: Double, se: Double, df: Double) {
        try SampleCheck.finite(x, "values", atLeast: 2)
        try Resampling.checkLevel(level)
        let n = Double(x.count)
        let m = Describe.mean(x)
        let se = Describe.variance(x).squareRoot() / n.squareRoot()
        let q = StudentT.quantile((1 + level) / 2, df: n - 1)
        return (m - q * se, m + q * se, m, se, n - 1)
    }
}
