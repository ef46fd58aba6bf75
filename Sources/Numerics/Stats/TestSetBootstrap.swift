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
        let S = pairs.count
        // D of one seed on the test set in which sample i occurs times[i] times
        func D(_ p: Pair, _ times: [Int32]) -> Double {
            var a = [Int](repeating: 0, count: classes), b = a
            for i in 0..<labels.count where times[i] != 0 {
                let t = Int(times[i])
                if p.base[i] { a[labels[i]] += t }
                if p.method[i] { b[labels[i]] += t }
            }
            return varianceOfTPR(correct: a, size: size) - varianceOfTPR(correct: b, size: size)
        }
        let observed = pairs.map { D($0, [Int32](repeating: 1, count: labels.count)) }
        let g = Generator(seed: seed)
        var perSeed = [[Double]](repeating: [Double](repeating: 0, count: resamples), count: S)
        var means = [Double](repeating: 0, count: resamples)
        var twoLevel = [Double](repeating: 0, count: resamples)
        var times = [Int32](repeating: 0, count: labels.count)
        for r in 0..<resamples {
            for i in 0..<times.count { times[i] = 0 }
            for members in byClass where !members.isEmpty {
                for _ in 0..<members.count { times[members[g.below(members.count)]] += 1 }
            }
            var sum = 0.0
            for j in 0..<S {
                let d = D(pairs[j], times)
                perSeed[j][r] = d
                sum += d
            }
            means[r] = sum / Double(S)
            // the seeds redrawn too, on the same redrawn test set
            var drawn = 0.0
            for _ in 0..<S { drawn += perSeed[g.below(S)][r] }
            twoLevel[r] = drawn / Double(S)
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
