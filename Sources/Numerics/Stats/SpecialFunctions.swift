import Foundation

/// Special functions for the distributions of the tests, in Float64.
///
/// The regularised incomplete beta function uses the continued fraction of Numerical Recipes
/// (3rd ed., 6.4) evaluated with the modified Lentz method, on the side of the symmetry
/// I_x(a, b) = 1 - I_{1-x}(b, a) where it converges fast; callers pass both x and y = 1 - x
/// so that tails are computed without cancellation. Checked against SciPy (`betainc`, and the
/// t, F and normal distributions) in StatsTests.
public enum SpecialFunctions {
    /// log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), rearranged as R's `lbeta` does
    /// when an argument is >= 10 (Stirling's series for the large ones), so that the large
    /// lgamma values do not cancel (df = 10^6 keeps ~15 digits instead of ~10).
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        let p = min(a, b), q = max(a, b)
        let lnSqrt2Pi = 0.918938533204672741780329736406
        if p >= 10 {
            let corr = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q)
            return -0.5 * log(q) + lnSqrt2Pi + corr + (p - 0.5) * log(p / (p + q)) + q * log1p(-p / (p + q))
        }
        if q >= 10 {
            let corr = stirlingCorrection(q) - stirlingCorrection(p + q)
            return lgamma(p) + corr + p - p * log(p + q) + (q - 0.5) * log1p(-p / (p + q))
        }
        return lgamma(p) + lgamma(q) - lgamma(p + q)
    }

    /// lgamma(x) - ((x - 1/2) log x - x + log sqrt(2 pi)) for x >= 10: Stirling's series.
    static func stirlingCorrection(_ x: Double) -> Double {
        let x2 = 1 / (x * x)
        let c: [Double] = [1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156]
        var s = 0.0
        for k in stride(from: c.count - 1, through: 0, by: -1) { s = s * x2 + c[k] }
        return s / x
    }

    /// I_x(a, b) for a, b > 0, x in [0, 1]; `y` must be 1 - x (given separately for accuracy).
    public static func regularizedBeta(_ a: Double, _ b: Double, x: Double, y: Double) -> Double {
        if x.isNaN || y.isNaN || !(a > 0) || !(b > 0) { return .nan }
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        if x < (a + 1) / (a + b + 2) {
            return front(a, b, x, y) * continuedFraction(a, b, x, y) / a
        }
        return 1 - front(b, a, y, x) * continuedFraction(b, a, y, x) / b
    }

    /// x^a y^b / B(a, b), through logarithms.
    static func front(_ a: Double, _ b: Double, _ x: Double, _ y: Double) -> Double {
        exp(a * log(x) + b * log(y) - logBeta(a, b))
    }

    /// The continued fraction for I_x(a, b) (NR 6.4.5), modified Lentz.
    static func continuedFraction(_ a: Double, _ b: Double, _ x: Double, _ y: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < eps { break }
        }
        return h
    }
}

/// The standard normal distribution.
public enum Normal {
    public static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
    public static func sf(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// The quantile function (inverse CDF): Acklam's rational approximation refined by two
    /// Halley steps on erfc (relative error near machine precision).
    public static func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        for _ in 0..<2 {
            // error in probability, on the side with the better relative precision
            let e = p < 0.5 ? cdf(x) - p : (1 - p) - sf(x)
            let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
            x -= u / (1 + x * u / 2)
        }
        return x
    }
}

/// Student's t distribution with `df` > 0 degrees of freedom (not necessarily an integer).
public enum StudentT {
    /// P(T > t).
    public static func sf(_ t: Double, df: Double) -> Double {
        if t.isNaN || !(df > 0) { return .nan }
        if t == .infinity { return 0 }
        if t == -.infinity { return 1 }
        // tail = P(|T| > |t|) / 2 = I_{df/(df+t^2)}(df/2, 1/2) / 2
        let (x, y) = betaArguments(t, df: df)
        let tail: Double
        if x < 1e-300 {
            // x underflows (|t| past 1e150, which under 1 degree of freedom still leaves much
            // of the tail): I_x(a, b) = x^a / (a B(a, b)) (1 + O(x)), in logarithms
            let a = df / 2, logx = log(df) - 2 * log(abs(t))
            tail = 0.5 * exp(a * logx - log(a) - SpecialFunctions.logBeta(a, 0.5))
        } else {
            tail = 0.5 * SpecialFunctions.regularizedBeta(df / 2, 0.5, x: x, y: y)
        }
        return t > 0 ? tail : 1 - tail
    }

    /// df / (df + t^2) and t^2 / (df + t^2), the arguments of the incomplete betas behind t
    /// distributions, computed from df / t^2 so that they stay right where t^2 overflows
    /// (|t| > 1e154, the critical values of under 1 degree of freedom).
    static func betaArguments(_ t: Double, df: Double) -> (x: Double, y: Double) {
        if t == 0 { return (1, 0) }
        let r = df / t / t
        return (r / (1 + r), 1 / (1 + r))
    }

    public static func cdf(_ t: Double, df: Double) -> Double { sf(-t, df: df) }
}

/// The F distribution with d1, d2 > 0 degrees of freedom.
public enum FDistribution {
    /// P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2).
    public static func sf(_ f: Double, d1: Double, d2: Double) -> Double {
        if f.isNaN || !(d1 > 0) || !(d2 > 0) { return .nan }
        if f <= 0 { return 1 }
        if f == .infinity { return 0 }
        let s = d2 + d1 * f
        return SpecialFunctions.regularizedBeta(d2 / 2, d1 / 2, x: d2 / s, y: d1 * f / s)
    }

    public static func cdf(_ f: Double, d1: Double, d2: Double) -> Double {
        if f.isNaN || !(d1 > 0) || !(d2 > 0) { return .nan }
        if f <= 0 { return 0 }
        if f == .infinity { return 1 }
        let s = d2 + d1 * f
        return SpecialFunctions.regularizedBeta(d1 / 2, d2 / 2, x: d1 * f / s, y: d2 / s)
    }
}
