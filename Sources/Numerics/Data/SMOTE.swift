/// SMOTE (Chawla et al. 2002) for feature vectors, with imbalanced-learn's semantics: each
/// synthetic sample of class c starts from a random sample x of c (uniform, with replacement),
/// picks one of x's k nearest neighbours n within c (Euclidean, x itself excluded) uniformly,
/// and lies at x + u (n - x) with u ~ U[0, 1).
public enum SMOTE {
    /// New feature rows (row-major, D values each) and their 0-based classes.
    /// `amounts[c]` is how many synthetic samples to make for class c; `features` holds the
    /// rows to draw from (as they should be compared: normalised if the data is), `labels`
    /// their classes. k is capped at n_c - 1.
    public static func synthesize(features: [Float], dimension d: Int, labels: [Int], amounts: [Int],
                                  k: Int, generator: Generator) throws -> (rows: [Float], labels: [Int32]) {
        guard k >= 1 else { throw DataError("k must be at least 1, got \(k)") }
        guard d >= 1 else { throw DataError("SMOTE needs at least one feature") }
        var byClass = [[Int]](repeating: [], count: amounts.count)
        for (i, l) in labels.enumerated() where l < amounts.count { byClass[l].append(i) }
        var rows: [Float] = [], out: [Int32] = []
        var total = 0
        for (c, a) in amounts.enumerated() {
            guard a >= 0 else { throw DataError("amount for class \(c + 1) must be non-negative, got \(a)") }
            total += min(a, Tensor.maxElements)
        }
        guard total <= (Tensor.maxElements - labels.count * d) / d else {
            throw DataError("\(total) synthetic samples of \(d) features are too many")
        }
        rows.reserveCapacity(total * d)
        out.reserveCapacity(total)
        for (c, amount) in amounts.enumerated() where amount != 0 {
            guard amount > 0 else { throw DataError("amount for class \(c + 1) must be non-negative, got \(amount)") }
            let members = byClass[c]
            guard members.count >= 2 else {
                throw DataError("class \(c + 1) has \(members.count) sample\(members.count == 1 ? "" : "s"); SMOTE needs at least 2 to interpolate")
            }
            let kk = min(k, members.count - 1)
            let neighbours = nearest(members, features: features, d: d, k: kk)
            for _ in 0..<amount {
                let s = generator.below(members.count * kk)
                let a = members[s / kk], b = members[neighbours[s / kk][s % kk]]
                let u = Float(generator.uniform())
                for j in 0..<d {
                    let xa = features[a * d + j]
                    rows.append(xa + u * (features[b * d + j] - xa))
                }
                out.append(Int32(c))
            }
        }
        return (rows, out)
    }

    /// For each member, the positions (into `members`) of its k nearest other members,
    /// nearest first (ties by position). Brute force: O(n_c^2 D) per class.
    static func nearest(_ members: [Int], features: [Float], d: Int, k: Int) -> [[Int]] {
        let n = members.count
        var result = [[Int]](repeating: [], count: n)
        var dist = [Float](repeating: 0, count: n)
        features.withUnsafeBufferPointer { x in
            for i in 0..<n {
                let pi = members[i] * d
                for j in 0..<n {
                    let pj = members[j] * d
                    var s: Float = 0
                    for t in 0..<d { let e = x[pi + t] - x[pj + t]; s += e * e }
                    dist[j] = s
                }
                dist[i] = .infinity
                var best: [Int] = []
                best.reserveCapacity(k + 1)
                for j in 0..<n where j != i {
                    if best.count < k || dist[j] < dist[best[best.count - 1]] {
                        var pos = best.count
                        while pos > 0 && dist[best[pos - 1]] > dist[j] { pos -= 1 }
                        best.insert(j, at: pos)
                        if best.count > k { best.removeLast() }
                    }
                }
                result[i] = best
            }
        }
        return result
    }
}

extension Dataset {
    /// The dataset plus `amounts[c]` SMOTE samples of each class c (features datasets only).
    /// Neighbours are found in the normalised space when the view is normalised.
    public func smote(amounts: [Int], k: Int, generator: Generator) throws -> Dataset {
        guard kind == .features, sampleShape.count == 1 else {
            throw DataError("SMOTE interpolates feature vectors; this dataset holds \(kind == .features ? "inputs of size \(describeShape(sampleShape))" : kind.rawValue + "s")")
        }
        guard amounts.count == classes.count else {
            throw DataError("expected \(classes.count) per-class amounts, got \(amounts.count)")
        }
        let d = store.sampleSize
        let x = try inputs(Array(0..<count)[...])
        let own = Array(UnsafeBufferPointer(start: x.pointer, count: x.count))
        let (synthetic, newLabels) = try SMOTE.synthesize(features: own, dimension: d, labels: labels,
                                                          amounts: amounts, k: k, generator: generator)
        // Back to raw units: the store keeps unnormalised features.
        var raw = synthetic
        if let norm = normalization {
            for i in 0..<raw.count { raw[i] = raw[i] * norm.std[i % d] + norm.mean[i % d] }
        }
        var values: [Float] = []
        values.reserveCapacity((count + newLabels.count) * d)
        store.floats.withUnsafeBufferPointer { src in
            for r in rows { values.append(contentsOf: src[(Int(r) * d)..<(Int(r) * d + d)]) }
        }
        values += raw
        let labels32 = rows.map { store.labels[Int($0)] } + newLabels
        let newStore = try DataStore(kind: .features, sampleShape: sampleShape, bytes: [], floats: values,
                                     labels: labels32, classes: classes, featureNames: store.featureNames)
        return Dataset(store: newStore, normalization: normalization)
    }
}
