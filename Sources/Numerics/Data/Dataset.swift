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

    public init(store: DataStore, rows: [Int32]? = nil, normalization: Normalization? = nil) {
        self.store = store
        self.rows = rows ?? (0..<store.count).map { Int32($0) }
        self.normalization = normalization
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
        Dataset(store: store, rows: positions.map { rows[$0] }, normalization: normalization)
    }

    public func withNormalization(_ n: Normalization?) -> Dataset {
        Dataset(store: store, rows: rows, normalization: n)
    }

    /// How many channels (images: C) or features (D) a normalisation must cover.
    public var normalizationWidth: Int {
        kind == .image ? (sampleShape.first ?? 1) : store.sampleSize
    }

    public func describe() -> String {
        "Dataset(\(kind.rawValue) \(describeShape(sampleShape)), \(count) samples, \(classes.count) classes)"
    }
}
