/// Summaries of samples used by the tests (Float64).
public enum Describe {
    public static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

    /// Variance with `ddof` degrees of freedom removed (1: the sample variance, as SciPy's tests).
    public static func variance(_ x: [Double], ddof: Int = 1) -> Double {
        let m = mean(x)
        var s = 0.0
        for v in x { s += (v - m) * (v - m) }
        return s / Double(x.count - ddof)
    }

    public static func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// Ranks 1...n with ties given their average rank (SciPy's `rankdata`, method "average").
    public static func ranks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let avg = Double(i + j + 2) / 2
            for k in i...j { r[order[k]] = avg }
            i = j + 1
        }
        return r
    }

    /// The sizes of the groups of equal values (1 for values that are not tied).
    public static func tieGroups(_ x: [Double]) -> [Int] {
        let s = x.sorted()
        var out: [Int] = []
        var i = 0
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[i] { j += 1 }
            out.append(j - i + 1)
            i = j + 1
        }
        return out
    }

    /// The p-quantile (0...1) with linear interpolation between order statistics (NumPy's
    /// default, "linear"): position (n - 1) p in the sorted sample.
    public static func quantile(sorted s: [Double], _ p: Double) -> Double {
        let h = Double(s.count - 1) * p
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }
}

/// "two-sided" (default), "less" or "greater": the alternative hypothesis of a test.
public enum Alternative: String {
    case twoSided = "two-sided"
    case less
    case greater

    public static func parse(_ s: String?) throws -> Alternative {
        guard let s else { return .twoSided }
        guard let a = Alternative(rawValue: s) else {
            throw TensorError("alternative must be \"two-sided\", \"less\" or \"greater\", got \"\(s)\"")
        }
        return a
    }
}

/// The result of a test: the statistic, the p-value, the degrees of freedom where the test
/// has them, and named extras (means, effect sizes, the method used).
public struct TestResult {
    public var statistic: Double
    public var pvalue: Double
    public var df: Double?
    public var df2: Double?
    public var method: String
    public var alternative: Alternative
    public var extras: [(String, Double)] = []

    public init(statistic: Double, pvalue: Double, df: Double? = nil, df2: Double? = nil,
                method: String, alternative: Alternative = .twoSided, extras: [(String, Double)] = []) {
        self.statistic = statistic
        self.pvalue = pvalue
        self.df = df
        self.df2 = df2
        self.method = method
        self.alternative = alternative
        self.extras = extras
    }
}

/// Input checks shared by the tests: finite values, enough of them.
public enum SampleCheck {
    public static func finite(_ x: [Double], _ name: String, atLeast n: Int) throws {
        guard x.count >= n else {
            throw TensorError("\(name) needs at least \(n) value\(n == 1 ? "" : "s"), got \(x.count)")
        }
        for (k, v) in x.enumerated() where !v.isFinite {
            throw TensorError("\(name)[\(k + 1)] is \(describeNumber(v)), expected a finite number")
        }
    }
}
