/// What the inputs of a dataset are. Images stay unsigned bytes in memory ([C, H, W] each)
/// and become Float32 in [0, 1] per batch; features ([D], or any shape from tensors) and
/// character sequences ([T] of 1-based vocabulary indices) are stored as Float32.
public enum DataKind: String, Sendable {
    case image, features, sequence
}

/// The immutable samples behind one or more `Dataset` views: inputs, 0-based labels and
/// class names (plus the vocabulary of a names dataset and the column names of a CSV).
public final class DataStore {
    public let kind: DataKind
    public let sampleShape: [Int]
    /// Values per sample (the product of `sampleShape`).
    public let sampleSize: Int
    /// Inputs of `.image` stores, sample after sample.
    public let bytes: [UInt8]
    /// Inputs of `.features` and `.sequence` stores, sample after sample.
    public let floats: [Float]
    /// 0-based class index of each sample.
    public let labels: [Int32]
    public let classes: [String]
    /// For `.sequence`: index 1 = padding ("<pad>"), 2 = unknown ("<unk>"), characters from 3.
    public let vocab: [String]?
    /// Column names of the features (CSV).
    public let featureNames: [String]?

    public var count: Int { labels.count }

    public init(kind: DataKind, sampleShape: [Int], bytes: [UInt8], floats: [Float], labels: [Int32],
                classes: [String], vocab: [String]? = nil, featureNames: [String]? = nil) throws {
        let size = sampleShape.reduce(1, *)
        let values = kind == .image ? bytes.count : floats.count
        guard values == size * labels.count else {
            throw DataError("internal: \(values) values for \(labels.count) samples of \(size)")
        }
        guard kind != .image || size > 0 else {
            throw DataError("images of size \(sampleShape.map(String.init).joined(separator: "x")) hold no pixels")
        }
        guard !classes.isEmpty else { throw DataError("a dataset needs at least one class") }
        var classIndex: [String: Int] = [:]
        for (k, c) in classes.enumerated() {
            if let first = classIndex[c] {
                throw DataError("class name '\(c)' is given twice (classes \(first + 1) and \(k + 1)); class names must be unique")
            }
            classIndex[c] = k
        }
        for l in labels where l < 0 || Int(l) >= classes.count {
            throw DataError("label \(l + 1) out of range for \(classes.count) classes")
        }
        self.kind = kind
        self.sampleShape = sampleShape
        self.sampleSize = size
        self.bytes = bytes
        self.floats = floats
        self.labels = labels
        self.classes = classes
        self.vocab = vocab
        self.featureNames = featureNames
    }
}

/// Per-channel (images) or per-feature affine normalisation applied when batches are made:
/// x' = (x - mean) / std, images first scaled to [0, 1].
public struct Normalization: Equatable {
    public let mean: [Float]
    public let std: [Float]
    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }
}

/// A view of a `DataStore`: which of its samples, in which order, and how inputs are
/// normalised. Splits, subsets and long-tailed variants are new views that share the store.
public final class Dataset {
    public let store: DataStore
    /// Store rows of this view's samples (0-based).
    public let rows: [Int32]
    public let normalization: Normalization?
    /// Which samples are copies added by `withCopies` (nil: none). A copy is another row of
    /// the same store sample; batching can augment copies alone (`augmentCopies`), so that
    /// the originals are seen as they are.
    public let copies: [Bool]?

    public init(store: DataStore, rows: [Int32]? = nil, normalization: Normalization? = nil, copies: [Bool]? = nil) {
        self.store = store
        self.rows = rows ?? (0..<store.count).map { Int32($0) }
        self.normalization = normalization
        self.copies = copies
    }

    public var count: Int { rows.count }
    public var classes: [String] { store.classes }
    public var kind: DataKind { store.kind }
    public var sampleShape: [Int] { store.sampleShape }

    /// 0-based label of sample `i` of this view.
    @inline(__always) public func label(_ i: Int) -> Int { Int(store.labels[Int(rows[i])]) }

    /// The 0-based labels of this view.
    public var labels: [Int] { rows.map { Int(store.labels[Int($0)]) } }

    /// Number of samples of each class.
    public func counts() -> [Int] {
        var c = [Int](repeating: 0, count: classes.count)
        for r in rows { c[Int(store.labels[Int(r)])] += 1 }
        return c
    }

    /// Positions (0-based, in this view) of each class's samples, in view order.
    public func positionsByClass() -> [[Int]] {
        var out = [[Int]](repeating: [], count: classes.count)
        for (i, r) in rows.enumerated() { out[Int(store.labels[Int(r)])].append(i) }
        return out
    }

    /// A view with the samples at the given positions (0-based, in this view), in that order.
    public func select(_ positions: [Int]) -> Dataset {
        let kept = copies.map { c in positions.map { c[$0] } }
        return Dataset(store: store, rows: positions.map { rows[$0] }, normalization: normalization,
                       copies: kept?.contains(true) == true ? kept : nil)
    }

    public func withNormalization(_ n: Normalization?) -> Dataset {
        Dataset(store: store, rows: rows, normalization: n, copies: copies)
    }

    /// Whether sample `i` of this view is a copy.
    @inline(__always) public func isCopy(_ i: Int) -> Bool { copies?[i] ?? false }

    /// Copies per class.
    public func copyCounts() -> [Int] {
        var c = [Int](repeating: 0, count: classes.count)
        for i in 0..<count where isCopy(i) { c[label(i)] += 1 }
        return c
    }

    /// This view plus `amounts[c]` copies of class c's samples (the originals, not earlier
    /// copies), appended after them: each original once in a random order, then again in a
    /// new order, until the amount is reached, so no sample is copied twice more than another.
    public func withCopies(amounts: [Int], generator: Generator) throws -> Dataset {
        guard amounts.count == classes.count else {
            throw DataError("expected \(classes.count) amounts (one per class), got \(amounts.count)")
        }
        var originals = [[Int]](repeating: [], count: classes.count)
        for i in 0..<count where !isCopy(i) { originals[label(i)].append(i) }
        var newRows = rows
        var flags = copies ?? [Bool](repeating: false, count: count)
        for (c, amount) in amounts.enumerated() where amount < 0 {
            throw DataError("amount for class \(c + 1) is \(amount); amounts must be >= 0")
        }
        for (c, amount) in amounts.enumerated() where amount > 0 {
            guard !originals[c].isEmpty else {
                throw DataError("class \(c + 1) (\(classes[c])) has no samples to copy, and \(amount) copies were asked for")
            }
            var left = amount
            while left > 0 {
                let order = generator.permutation(originals[c].count)
                for k in order.prefix(left) {
                    newRows.append(rows[originals[c][k]])
                    flags.append(true)
                }
                left -= min(left, order.count)
            }
        }
        return Dataset(store: store, rows: newRows, normalization: normalization, copies: flags.contains(true) ? flags : nil)
    }

    /// How many channels (images: C) or features (D) a normalisation must cover.
    public var normalizationWidth: Int {
        kind == .image ? (sampleShape.first ?? 1) : store.sampleSize
    }

    public func describe() -> String {
        let n = copies.map { $0.filter { $0 }.count } ?? 0
        return "Dataset(\(kind.rawValue) \(describeShape(sampleShape)), \(count) samples\(n > 0 ? " (\(n) copies)" : ""), "
            + "\(classes.count) classes)"
    }
}
