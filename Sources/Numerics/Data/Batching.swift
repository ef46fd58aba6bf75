import CPrefetch

/// Turning samples into Float32 batches: images scaled to [0, 1] (then normalised per
/// channel if asked), features normalised per feature, labels as 1-based class indices.
extension Dataset {
    /// The input tensor of the samples at `positions` (0-based, this view): [B, ...sampleShape].
    public func inputs(_ positions: ArraySlice<Int>) throws -> Tensor {
        let n = positions.count, size = store.sampleSize
        let out = try Tensor(uninitializedShape: [n] + sampleShape)
        let dst = out.pointer
        switch kind {
        case .image:
            let channels = sampleShape.first ?? 1
            var scale = [Float](repeating: 1 / 255, count: channels)
            var shift = [Float](repeating: 0, count: channels)
            if let norm = normalization {
                for c in 0..<channels {
                    scale[c] = 1 / (255 * norm.std[c])
                    shift[c] = -norm.mean[c] / norm.std[c]
                }
            }
            let offsets = positions.map { Int64(rows[$0]) * Int64(size) }
            store.bytes.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                lws_gather_bytes_affine(base, offsets, n, size, channels, scale, shift, dst, 8)
            }
        case .features, .sequence:
            store.floats.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                for (b, p) in positions.enumerated() {
                    (dst + b * size).update(from: base + Int(rows[p]) * size, count: size)
                }
            }
            if let norm = normalization, kind == .features {
                for b in 0..<n {
                    let o = dst + b * size
                    for j in 0..<size { o[j] = (o[j] - norm.mean[j]) / norm.std[j] }
                }
            }
        }
        return out
    }

    /// The labels of the samples at `positions` as a Float32 tensor [B] of 1-based classes.
    public func targets(_ positions: ArraySlice<Int>) throws -> Tensor {
        let out = try Tensor(uninitializedShape: [positions.count])
        for (b, p) in positions.enumerated() { out.pointer[b] = Float(label(p) + 1) }
        return out
    }

    /// Checks a normalisation against this dataset's channels or features.
    public func validate(_ norm: Normalization) throws {
        guard kind != .sequence else { throw DataError("a names dataset holds character indices; it cannot be normalised") }
        let w = normalizationWidth
        guard norm.mean.count == w, norm.std.count == w else {
            let what = kind == .image ? "channels" : "features"
            throw DataError("expected \(w) means and standard deviations (one per \(what == "channels" ? "channel" : "feature")), got \(norm.mean.count) and \(norm.std.count)")
        }
        for s in norm.std where !(s > 0 && s.isFinite) {
            throw DataError("standard deviations must be positive, got \(s)")
        }
        for m in norm.mean where !m.isFinite { throw DataError("means must be finite, got \(m)") }
    }
}

/// The order of one epoch's samples and its division into batches.
public struct BatchPlan {
    public let positions: [Int]
    public let batchSize: Int
    public let dropLast: Bool

    public init(positions: [Int], batchSize: Int, dropLast: Bool) {
        self.positions = positions
        self.batchSize = batchSize
        self.dropLast = dropLast
    }

    public var batchCount: Int {
        dropLast ? positions.count / batchSize : (positions.count + batchSize - 1) / batchSize
    }

    /// The positions of batch `k` (0-based).
    public func batch(_ k: Int) -> ArraySlice<Int> {
        let start = k * batchSize
        return positions[start..<min(start + batchSize, positions.count)]
    }
}

extension Dataset {
    /// Applies this view's normalisation to a batch of its inputs already scaled to [0, 1]
    /// (images) or raw (features): used after augmentation.
    public func normalizeInPlace(_ x: Tensor) {
        guard let norm = normalization, x.isContiguous, kind != .sequence else { return }
        let w = normalizationWidth, size = store.sampleSize
        guard w > 0, size > 0, x.count % size == 0 else { return }
        let inner = size / w
        let p = x.pointer
        for b in 0..<(x.count / size) {
            for c in 0..<w {
                let o = p + b * size + c * inner
                let m = norm.mean[c], s = norm.std[c]
                for k in 0..<inner { o[k] = (o[k] - m) / s }
            }
        }
    }
}
