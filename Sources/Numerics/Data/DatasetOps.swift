/// Stratified splits, per-class subsets, long-tailed variants and feature statistics.
extension Dataset {
    /// Splits every class: the first view gets round(fraction * n_c) samples of class c, drawn
    /// at random, the second the rest. Both keep the original order.
    public func split(fraction: Double, generator: Generator) throws -> (Dataset, Dataset) {
        guard fraction.isFinite, fraction >= 0, fraction <= 1 else {
            throw DataError("fraction must be between 0 and 1, got \(fraction)")
        }
        var first: [Int] = [], second: [Int] = []
        for positions in positionsByClass() {
            let k = Int((fraction * Double(positions.count)).rounded())
            let order = generator.permutation(positions.count)
            for (j, p) in order.enumerated() {
                if j < k { first.append(positions[p]) } else { second.append(positions[p]) }
            }
        }
        return (select(first.sorted()), select(second.sorted()))
    }

    /// Keeps `counts[c]` samples of each class c: the first ones in order, or a random choice
    /// when a generator is given. A count above what the class has is an error.
    public func subset(counts: [Int], generator: Generator?) throws -> Dataset {
        guard counts.count == classes.count else {
            throw DataError("expected \(classes.count) per-class counts, got \(counts.count)")
        }
        let byClass = positionsByClass()
        var keep: [Int] = []
        for (c, positions) in byClass.enumerated() {
            let k = counts[c]
            guard k >= 0 else { throw DataError("count for class \(c + 1) ('\(classes[c])') must be non-negative, got \(k)") }
            guard k <= positions.count else {
                throw DataError("class \(c + 1) ('\(classes[c])') has \(positions.count) samples, cannot take \(k)")
            }
            keep += pick(k, from: positions, generator: generator)
        }
        return select(keep.sorted())
    }

    /// A long-tailed variant: keeps round(ratios[c] * n_c) samples of class c (ratios in [0, 1]).
    public func imbalance(ratios: [Double], generator: Generator?) throws -> Dataset {
        guard ratios.count == classes.count else {
            throw DataError("expected \(classes.count) per-class ratios, got \(ratios.count)")
        }
        let counts = try zip(ratios, self.counts()).enumerated().map { c, pair -> Int in
            let (r, n) = pair
            guard r.isFinite, r >= 0, r <= 1 else {
                throw DataError("ratio for class \(c + 1) must be between 0 and 1, got \(r)")
            }
            return Int((r * Double(n)).rounded())
        }
        return try subset(counts: counts, generator: generator)
    }

    /// The exponential long-tail profile of Cui et al. (2019) for an imbalance factor
    /// rho >= 1: class c (0-based) keeps rho^(-c / (C - 1)) of its samples.
    public static func exponentialRatios(classes: Int, factor: Double) throws -> [Double] {
        guard factor.isFinite, factor >= 1 else { throw DataError("imbalance factor must be at least 1, got \(factor)") }
        guard classes > 1 else { return [1] }
        return (0..<classes).map { Foundation.pow(factor, -Double($0) / Double(classes - 1)) }
    }

    private func pick(_ k: Int, from positions: [Int], generator: Generator?) -> [Int] {
        guard let generator else { return Array(positions.prefix(k)) }
        let order = generator.permutation(positions.count)
        return order.prefix(k).map { positions[$0] }
    }

    /// Per-feature mean and standard deviation (population, as scikit-learn's StandardScaler)
    /// of this view's samples. A feature with zero spread gets std 1.
    public func featureStatistics() throws -> Normalization {
        guard kind == .features else {
            throw DataError("standardisation needs a features dataset, this one holds \(kind.rawValue)s")
        }
        guard count > 0 else { throw DataError("cannot compute statistics of an empty dataset") }
        let d = store.sampleSize
        var sum = [Double](repeating: 0, count: d), sq = [Double](repeating: 0, count: d)
        store.floats.withUnsafeBufferPointer { x in
            for r in rows {
                let base = Int(r) * d
                for j in 0..<d { sum[j] += Double(x[base + j]) }
            }
            let n = Double(count)
            for r in rows {
                let base = Int(r) * d
                for j in 0..<d {
                    let e = Double(x[base + j]) - sum[j] / n
                    sq[j] += e * e
                }
            }
        }
        let n = Double(count)
        let mean = sum.map { Float($0 / n) }
        let std = sq.map { v -> Float in
            let s = (v / n).squareRoot()
            return s > 0 && s.isFinite ? Float(s) : 1
        }
        return Normalization(mean: mean, std: std)
    }
}

import Foundation
