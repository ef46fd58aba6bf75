import Foundation

/// Draws sample positions with probability proportional to per-sample weights, as PyTorch's
/// `WeightedRandomSampler(weights, num_samples, replacement)`: with replacement, each draw
/// is independent; without, it is successive sampling without replacement (each draw among
/// the samples not yet drawn, proportional to their weights), done in O(n log n) with the
/// exponential keys of Efraimidis and Spirakis (2006). Each epoch continues the generator's
/// stream, so epochs differ and a seed fixes all of them.
public final class WeightedSampler {
    public let weights: [Double]
    public let numSamples: Int
    public let replacement: Bool
    public let generator: Generator
    private let cumulative: [Double]

    public init(weights: [Double], numSamples: Int, replacement: Bool, generator: Generator) throws {
        guard !weights.isEmpty else { throw DataError("no samples to draw from (empty dataset)") }
        for (i, w) in weights.enumerated() where !(w >= 0 && w.isFinite) {
            throw DataError("weights must be finite and non-negative, got \(w) for sample \(i + 1)")
        }
        let positive = weights.filter { $0 > 0 }.count
        guard positive > 0 else { throw DataError("every weight is zero; nothing can be drawn") }
        guard numSamples >= 0 else { throw DataError("num_samples must be non-negative, got \(numSamples)") }
        if !replacement && numSamples > positive {
            throw DataError("cannot draw \(numSamples) samples without replacement from \(positive) with positive weight")
        }
        self.weights = weights
        self.numSamples = numSamples
        self.replacement = replacement
        self.generator = generator
        var acc = 0.0
        cumulative = weights.map { acc += $0; return acc }
    }

    /// Per-sample weights from per-class weights: sample i gets classWeights[label_i]
    /// (`perClass` false, PyTorch's usual use), or classWeights[c] / n_c so that class c as a
    /// whole is drawn with probability proportional to classWeights[c] (`perClass` true).
    public static func sampleWeights(labels: [Int], classWeights: [Double], perClass: Bool) throws -> [Double] {
        var counts = [Int](repeating: 0, count: classWeights.count)
        for l in labels { counts[l] += 1 }
        return labels.map { l in
            perClass ? (counts[l] > 0 ? classWeights[l] / Double(counts[l]) : 0) : classWeights[l]
        }
    }

    /// One epoch: `numSamples` positions (0-based).
    public func draw() -> [Int] {
        let n = weights.count
        if replacement {
            guard let total = cumulative.last else { return [] }
            var out = [Int](repeating: 0, count: numSamples)
            for k in 0..<numSamples {
                let u = generator.uniform() * total
                // first index whose cumulative weight exceeds u
                var lo = 0, hi = n - 1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
                }
                // skip zero-weight entries a rounding edge could land on
                while lo < n - 1 && weights[lo] == 0 { lo += 1 }
                out[k] = lo
            }
            return out
        }
        // key_i = log(u_i) / w_i; the numSamples largest keys, in decreasing order.
        var keyed: [(Double, Int)] = []
        keyed.reserveCapacity(n)
        for i in 0..<n {
            let u = generator.uniform()
            guard weights[i] > 0 else { continue }
            keyed.append((Foundation.log(max(u, Double.leastNormalMagnitude)) / weights[i], i))
        }
        keyed.sort { $0.0 > $1.0 }
        return keyed.prefix(numSamples).map { $0.1 }
    }

    /// Probability of each class per draw (with replacement) given the labels.
    public static func classProbabilities(weights: [Double], labels: [Int], classes: Int) -> [Double] {
        var p = [Double](repeating: 0, count: classes)
        for (w, l) in zip(weights, labels) { p[l] += w }
        let total = p.reduce(0, +)
        return total > 0 ? p.map { $0 / total } : p
    }
}

/// Per-class sampling probabilities from a per-class statistic (class sizes, TPRs, ...):
/// p_c proportional to stat_c ^ power, normalised to sum to 1. power = -1 (inverse) turns
/// class sizes into balanced sampling and TPRs into "draw the hard classes more".
public func classProbabilities(from stat: [Double], power: Double) throws -> [Double] {
    guard !stat.isEmpty else { throw DataError("expected one value per class, got none") }
    let raw = try stat.enumerated().map { c, s -> Double in
        guard s.isFinite, s >= 0 else { throw DataError("class \(c + 1): statistic must be finite and non-negative, got \(s)") }
        if s == 0 && power < 0 { throw DataError("class \(c + 1): statistic 0 cannot be raised to a negative power") }
        return Foundation.pow(s, power)
    }
    let total = raw.reduce(0, +)
    guard total > 0, total.isFinite else { throw DataError("the statistics give no positive probability") }
    return raw.map { $0 / total }
}
