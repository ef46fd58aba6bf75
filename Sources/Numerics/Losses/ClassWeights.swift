import Foundation

/// Per-class statistics that drive the count-based losses. Counts may be class sizes or any
/// positive per-class statistic (e.g. pseudo-counts derived from TPRs).
public enum ClassWeights {
    /// Checks per-class counts: a non-empty list of finite numbers > 0.
    public static func checkCounts(_ counts: [Double], what: String = "counts") throws {
        guard !counts.isEmpty else { throw TensorError("\(what) must not be empty") }
        for (c, n) in counts.enumerated() where !(n.isFinite && n > 0) {
            throw TensorError("\(what)[\(c + 1)] is \(describeNumber(n)), expected a finite number > 0")
        }
    }

    /// The effective-number beta must be in [0, 1).
    public static func checkBeta(_ beta: Double) throws {
        guard beta >= 0, beta < 1 else { throw TensorError("beta must be in [0, 1), got \(describeNumber(beta))") }
    }

    /// Class-balanced weights from the effective number of samples (Cui et al. 2019):
    ///   w_c = (1 - beta) / (1 - beta^n_c), normalised so that sum_c w_c = C.
    /// beta in [0, 1); beta = 0 gives all ones; beta -> 1 tends to inverse-frequency weights.
    public static func effectiveNumber(counts: [Double], beta: Double) throws -> [Double] {
        try checkBeta(beta)
        try checkCounts(counts)
        // 1 - beta^n = -expm1(n log beta), accurate when beta^n is close to 1.
        let raw = counts.map { n in (1 - beta) / -Foundation.expm1(n * Foundation.log(beta)) }
        let total = raw.reduce(0, +)
        return raw.map { $0 * Double(counts.count) / total }
    }

    /// LDAM margins (Cao et al. 2019): m_c proportional to n_c^(-1/4), the largest equal to maxMargin.
    public static func ldamMargins(counts: [Double], maxMargin: Double) throws -> [Double] {
        guard maxMargin.isFinite, maxMargin >= 0 else { throw TensorError("max_m must be a finite number >= 0, got \(describeNumber(maxMargin))") }
        try checkCounts(counts)
        let raw = counts.map { 1 / Foundation.sqrt(Foundation.sqrt($0)) }
        let largest = raw.max()!
        return raw.map { $0 * (maxMargin / largest) }
    }

    /// log of the priors pi_c = n_c / sum n (counts or unnormalised priors).
    public static func logPriors(_ counts: [Double], what: String = "priors") throws -> [Double] {
        try checkCounts(counts, what: what)
        let total = counts.reduce(0, +)
        return counts.map { Foundation.log($0 / total) }
    }
}

