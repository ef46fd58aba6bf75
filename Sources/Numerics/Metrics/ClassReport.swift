/// Per-class metrics of a confusion matrix, with scikit-learn's definitions and its
/// `zero_division=0` convention: a ratio whose denominator is 0 is 0.
///
/// With cm[t][p] (rows = true class t, columns = predicted class p), for class c:
///   support_c   = sum_p cm[c][p]            (samples of class c)
///   predicted_c = sum_t cm[t][c]            (samples predicted as c)
///   tpr_c       = cm[c][c] / support_c      (recall; 0 when support_c = 0)
///   precision_c = cm[c][c] / predicted_c    (0 when predicted_c = 0)
///   f1_c        = 2 P R / (P + R)           (0 when P + R = 0)
///   accuracy    = trace / total
///   balanced_accuracy = mean of tpr_c over the classes with support_c > 0 (sklearn drops
///                       classes absent from y_true)
///   var_tpr     = 1/C sum_c (tpr_c - mean)^2 over all C classes (population variance)
public struct ClassReport {
    /// One off-diagonal cell: `count` samples of class `trueClass` predicted as `predicted`
    /// (both 1-based); `rate` = count / support of the true class.
    public struct Confusable: Equatable {
        public let trueClass: Int
        public let predicted: Int
        public let rate: Double
        public let count: Double
    }

    public let classes: Int
    public let tpr: [Double]
    public let precision: [Double]
    public let f1: [Double]
    public let support: [Double]
    public let predicted: [Double]
    public let accuracy: Double
    public let balancedAccuracy: Double
    public let varTPR: Double
    public let minTPR: Double
    /// 1-based class with the lowest TPR (the first on ties).
    public let minClass: Int
    /// Every off-diagonal cell with count > 0, by rate (then count) descending, then by
    /// (true class, predicted class) ascending.
    public let confused: [Confusable]

    /// `counts` is a row-major C x C matrix of non-negative finite counts, not all zero.
    public init(counts: [Double], classes c: Int) throws {
        guard c >= 1, counts.count == c * c else {
            throw TensorError("expected a square matrix of counts, got \(counts.count) values for \(c) classes")
        }
        for (k, v) in counts.enumerated() where !(v.isFinite && v >= 0) {
            throw TensorError("count [\(k / c + 1)][\(k % c + 1)] is \(describeNumber(v)), expected a finite number >= 0")
        }
        var support = [Double](repeating: 0, count: c)
        var predicted = [Double](repeating: 0, count: c)
        var trace = 0.0, total = 0.0
        for t in 0..<c {
            for p in 0..<c {
                let v = counts[t * c + p]
                support[t] += v
                predicted[p] += v
                total += v
                if t == p { trace += v }
            }
        }
        guard total > 0 else { throw TensorError("the confusion matrix is empty (all counts are 0)") }
        func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : 0 }
        var tpr: [Double] = [], precision: [Double] = [], f1: [Double] = []
        for k in 0..<c {
            let r = ratio(counts[k * c + k], support[k])
            let p = ratio(counts[k * c + k], predicted[k])
            tpr.append(r)
            precision.append(p)
            f1.append(p + r > 0 ? 2 * p * r / (p + r) : 0)
        }
        var present = 0.0, recallSum = 0.0
        for k in 0..<c where support[k] > 0 { present += 1; recallSum += tpr[k] }
        var minClass = 0
        for k in 1..<max(c, 1) where tpr[k] < tpr[minClass] { minClass = k }
        var confused: [Confusable] = []
        for t in 0..<c {
            for p in 0..<c where p != t && counts[t * c + p] > 0 {
                confused.append(Confusable(trueClass: t + 1, predicted: p + 1,
                                           rate: counts[t * c + p] / support[t], count: counts[t * c + p]))
            }
        }
        confused.sort { a, b in
            if a.rate != b.rate { return a.rate > b.rate }
            if a.count != b.count { return a.count > b.count }
            if a.trueClass != b.trueClass { return a.trueClass < b.trueClass }
            return a.predicted < b.predicted
        }
        self.classes = c
        self.tpr = tpr
        self.precision = precision
        self.f1 = f1
        self.support = support
        self.predicted = predicted
        self.accuracy = trace / total
        self.balancedAccuracy = recallSum / present
        self.varTPR = try PopulationVariance.of(tpr)
        self.minTPR = tpr[minClass]
        self.minClass = minClass + 1
        self.confused = confused
    }
}

/// Var(s) = 1/C sum (s_i - mean)^2: the population variance (divides by C, not C - 1 as the
/// unbiased `Tensor:var()` does), the imbalance measure of the study.
public enum PopulationVariance {
    /// `name` is how messages call the array ("s", "s2").
    public static func of(_ s: [Double], name: String = "s") throws -> Double {
        guard !s.isEmpty else { throw TensorError("\(name) must not be empty") }
        for (k, v) in s.enumerated() where !v.isFinite {
            throw TensorError("\(name)[\(k + 1)] is \(describeNumber(v)), expected a finite number")
        }
        let mean = s.reduce(0, +) / Double(s.count)
        var sum = 0.0
        for v in s { sum += (v - mean) * (v - mean) }
        return sum / Double(s.count)
    }

    /// D = Var(s) - Var(s2): how much more even the TPRs became (positive = more even).
    public static func difference(_ s: [Double], _ s2: [Double]) throws -> Double {
        guard s.count == s2.count else {
            throw TensorError("s and s2 differ in length (\(s.count) and \(s2.count) classes)")
        }
        return try of(s) - of(s2)
    }
}
