/// How much of a study's D = Var(s) - Var(s') is the sampling noise of its test set.
///
/// A study evaluates every run on the same test set, so the t interval over seeds sees the
/// spread between seeds but not the error that this one test set shares across all of them
/// (with 1,000 test images per class a TPR of 0.7 has a binomial sd of 0.014, and Var(s)
/// of ten such TPRs moves by about 0.002: the size of the effects in question).
///
/// Each replicate redraws the test set, stratified by class (n_c samples of class c with
/// replacement, so every class keeps its size), and recomputes every run's TPRs on it. The
/// same redrawn test set serves every seed and both runs of a pair, because the runs were
/// evaluated on one test set too.
public enum TestSetBootstrap {
    /// One seed: which test samples the baseline and the method classified correctly.
    public struct Pair {
        public let base: [Bool]
        public let method: [Bool]
        public init(base: [Bool], method: [Bool]) {
            self.base = base
            self.method = method
        }
    }

    public struct Result {
        /// D of each seed on the test set as it is.
        public let D: [Double]
        /// Standard error of each seed's D from the test set alone (sd over replicates).
        public let seSeed: [Double]
        /// Standard error of the mean D over seeds from the test set alone (seeds fixed).
        public let seMean: Double
        /// The two-level (seeds x test samples) percentile interval of the mean D; nil with
        /// fewer seeds than `minSeeds` (a bootstrap over a handful of seeds undercovers).
        public let interval: (lo: Double, hi: Double)?
        public let resamples: Int
    }

    /// Population variance of the TPRs of the classes that have test samples (metrics.variance).
    static func varianceOfTPR(correct: [Int], size: [Int]) -> Double {
        var tpr: [Double] = []
        tpr.reserveCapacity(size.count)
        for c in 0..<size.count where size[c] > 0 { tpr.append(Double(correct[c]) / Double(size[c])) }
        guard !tpr.isEmpty else { return .nan }
        let mean = tpr.reduce(0, +) / Double(tpr.count)
        return tpr.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(tpr.count)
    }

    /// - labels: 0-based class of each test sample; pairs: one per seed, each with one entry
    ///   per test sample.
    public static func run(labels: [Int], classes: Int, pairs: [Pair], resamples: Int = 1000, level: Double = 0.95,
                           minSeeds: Int = 10, seed: UInt64 = 1) throws -> Result {
        guard !pairs.isEmpty else { throw TensorError("no runs: give one pair of predictions per seed") }
        guard !labels.isEmpty else { throw TensorError("the test set is empty") }
        guard resamples >= 2 && resamples <= 1_000_000 else {
            throw TensorError("the number of resamples must be in 2..1000000, got \(resamples)")
        }
        try Resampling.checkLevel(level)
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, y) in labels.enumerated() {
            guard y >= 0 && y < classes else { throw TensorError("label \(y + 1) of test sample \(i + 1) is not in 1..\(classes)") }
            byClass[y].append(i)
        }
        for (k, p) in pairs.enumerated() where p.base.count != labels.count || p.method.count != labels.count {
            throw TensorError("seed \(k + 1): \(p.base.count) baseline and \(p.method.count) method predictions for \(labels.count) test samples")
        }
        let size = byClass.map(\.count)
        let S = pairs.count, N = labels.count
        // The samples in class order (class c at offset[c]); correct[j, 2k] and [j, 2k + 1]:
        // whether seed k's baseline and method got sorted sample j right. A replicate's
        // per-class counts of correct answers are then one matrix product of its sample
        // multiplicities with `correct` per class (exact: whole numbers far below 2^24).
        var offset = [Int](repeating: 0, count: classes + 1)
        for c in 0..<classes { offset[c + 1] = offset[c] + size[c] }
        let order = byClass.flatMap { $0 }
        var correct = [Float](repeating: 0, count: N * 2 * S)
        for (j, i) in order.enumerated() {
            for k in 0..<S {
                correct[j * 2 * S + 2 * k] = pairs[k].base[i] ? 1 : 0
                correct[j * 2 * S + 2 * k + 1] = pairs[k].method[i] ? 1 : 0
            }
        }
        // D of every seed from counts[c * 2S + 2k (+1)], the correct answers of class c
        func Ds(_ counts: UnsafeBufferPointer<Float>, stride: Int) -> [Double] {
            (0..<S).map { k in
                var a = [Int](repeating: 0, count: classes), b = a
                for c in 0..<classes {
                    a[c] = Int(counts[c * stride + 2 * k])
                    b[c] = Int(counts[c * stride + 2 * k + 1])
                }
                return varianceOfTPR(correct: a, size: size) - varianceOfTPR(correct: b, size: size)
            }
        }
        // the test set as it is: every multiplicity 1
        var observedCounts = [Float](repeating: 0, count: classes * 2 * S)
        for c in 0..<classes {
            for j in offset[c]..<offset[c + 1] {
                for q in 0..<(2 * S) { observedCounts[c * 2 * S + q] += correct[j * 2 * S + q] }
            }
        }
        let observed = observedCounts.withUnsafeBufferPointer { Ds($0, stride: 2 * S) }
        let g = Generator(seed: seed)
        var perSeed = [[Double]](repeating: [Double](repeating: 0, count: resamples), count: S)
        var means = [Double](repeating: 0, count: resamples)
        var twoLevel = [Double](repeating: 0, count: resamples)
        // replicates in blocks (the multiplicities of a block are block x N floats)
        let block = max(1, min(resamples, (1 << 22) / max(N, 1)))
        var times = [Float](repeating: 0, count: block * N)
        var seedDraws = [Int](repeating: 0, count: block * S)
        var counts = [Float](repeating: 0, count: block * classes * 2 * S)
        var first = 0
        while first < resamples {
            let rows = min(block, resamples - first)
            for i in 0..<(rows * N) { times[i] = 0 }
            // the same stream as one replicate after another: its test samples, then its seeds
            for r in 0..<rows {
                for c in 0..<classes where size[c] > 0 {
                    for _ in 0..<size[c] { times[r * N + offset[c] + g.below(size[c])] += 1 }
                }
                for k in 0..<S { seedDraws[r * S + k] = g.below(S) }
            }
            // counts[r, c, q] = sum over class c's samples j of times[r, j] correct[j, q]
            times.withUnsafeBufferPointer { t in
                correct.withUnsafeBufferPointer { m in
                    counts.withUnsafeMutableBufferPointer { out in
                        for c in 0..<classes where size[c] > 0 {
                            sgemm(transA: false, transB: false, m: rows, n: 2 * S, k: size[c],
                                  a: t.baseAddress! + offset[c], lda: N,
                                  b: m.baseAddress! + offset[c] * 2 * S, ldb: 2 * S,
                                  c: out.baseAddress! + c * 2 * S, ldc: classes * 2 * S)
                        }
                    }
                }
            }
            counts.withUnsafeBufferPointer { all in
                for r in 0..<rows {
                    let d = Ds(UnsafeBufferPointer(rebasing: all[(r * classes * 2 * S)..<((r + 1) * classes * 2 * S)]),
                               stride: 2 * S)
                    for k in 0..<S { perSeed[k][first + r] = d[k] }
                    means[first + r] = d.reduce(0, +) / Double(S)
                    // the seeds redrawn too, on the same redrawn test set
                    var drawn = 0.0
                    for k in 0..<S { drawn += d[seedDraws[r * S + k]] }
                    twoLevel[first + r] = drawn / Double(S)
                }
            }
            first += rows
        }
        let sd = { (x: [Double]) in Describe.variance(x).squareRoot() }
        var interval: (lo: Double, hi: Double)?
        if S >= minSeeds {
            twoLevel.sort()
            let alpha = (1 - level) / 2
            interval = (Describe.quantile(sorted: twoLevel, alpha), Describe.quantile(sorted: twoLevel, 1 - alpha))
        }
        return Result(D: observed, seSeed: perSeed.map(sd), seMean: sd(means), interval: interval, resamples: resamples)
    }
}
