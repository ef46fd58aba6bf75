/// Reductions over all elements or along one dimension. Sums accumulate in Float64, so the
/// mean of a million Float32 values keeps its digits.
public enum Reduction: String, Sendable {
    case sum, mean, variance, std, max, min, argmax, argmin, prod
}

extension Tensor {
    /// Reduces all elements to a 0-dimensional tensor.
    public func reduceAll(_ r: Reduction, unbiased: Bool = true) throws -> Tensor {
        let flat = try contiguous().reshape([1, count])
        return try flat.reduce(r, dim: 1, keepDim: false, unbiased: unbiased).reshape([])
    }

    /// Reduces along `dim` (0-based); `keepDim` leaves a size-1 dimension in its place.
    /// `argmax`/`argmin` give 0-based indices stored as floats.
    public func reduce(_ r: Reduction, dim: Int, keepDim: Bool = false, unbiased: Bool = true) throws -> Tensor {
        let d = try normalizeDim(dim)
        let n = shape[d]
        if n == 0 && r != .sum && r != .prod && r != .mean && r != .variance && r != .std {
            throw TensorError("\(r.rawValue) of an empty dimension is undefined")
        }
        let src = try contiguous()
        // `p` points into `src`: keep it alive until the loops below are done (Swift may
        // otherwise release a local after its last use, which here is taking the pointer).
        defer { withExtendedLifetime(src) {} }
        let outer = shape[..<d].reduce(1, *)
        let inner = shape[(d + 1)...].reduce(1, *)
        var outShape = shape
        if keepDim { outShape[d] = 1 } else { outShape.remove(at: d) }
        let out = try Tensor(uninitializedShape: outShape)
        let p = src.pointer, q = out.pointer
        // Accumulate one outer slab at a time: a row of `inner` accumulators walked n times,
        // so memory is read in order even when reducing a leading dimension.
        var acc = [Double](repeating: 0, count: inner)
        var aux = [Double](repeating: 0, count: inner)
        var idx = [Int](repeating: 0, count: inner)
        acc.withUnsafeMutableBufferPointer { acc in
        aux.withUnsafeMutableBufferPointer { aux in
        idx.withUnsafeMutableBufferPointer { idx in
            for o in 0..<outer {
                let base = p + o * n * inner
                let dst = q + o * inner
                switch r {
                case .sum, .mean, .variance, .std:
                    for i in 0..<inner { acc[i] = 0 }
                    for j in 0..<n {
                        let row = base + j * inner
                        for i in 0..<inner { acc[i] += Double(row[i]) }
                    }
                    if r == .sum {
                        for i in 0..<inner { dst[i] = Float(acc[i]) }
                        continue
                    }
                    for i in 0..<inner { acc[i] /= Double(n) }
                    if r == .mean {
                        for i in 0..<inner { dst[i] = Float(acc[i]) }
                        continue
                    }
                    for i in 0..<inner { aux[i] = 0 }
                    for j in 0..<n {
                        let row = base + j * inner
                        for i in 0..<inner { let e = Double(row[i]) - acc[i]; aux[i] += e * e }
                    }
                    let denom = Double(unbiased ? n - 1 : n)
                    for i in 0..<inner {
                        let v = denom > 0 ? aux[i] / denom : .nan
                        dst[i] = Float(r == .std ? v.squareRoot() : v)
                    }
                case .prod:
                    for i in 0..<inner { acc[i] = 1 }
                    for j in 0..<n {
                        let row = base + j * inner
                        for i in 0..<inner { acc[i] *= Double(row[i]) }
                    }
                    for i in 0..<inner { dst[i] = Float(acc[i]) }
                case .max, .min, .argmax, .argmin:
                    let wantMax = (r == .max || r == .argmax)
                    for i in 0..<inner { acc[i] = Double(base[i]); idx[i] = 0 }
                    for j in 1..<max(n, 1) {
                        let row = base + j * inner
                        for i in 0..<inner {
                            let v = Double(row[i])
                            if acc[i].isNaN { continue }   // NaN wins and stays, as in PyTorch
                            if v.isNaN || (wantMax ? v > acc[i] : v < acc[i]) { acc[i] = v; idx[i] = j }
                        }
                    }
                    if r == .max || r == .min {
                        for i in 0..<inner { dst[i] = Float(acc[i]) }
                    } else {
                        for i in 0..<inner { dst[i] = Float(idx[i]) }
                    }
                }
            }
        }}}
        return out
    }

    /// Values and 0-based indices of the maxima (or minima) along `dim`.
    public func extremum(max wantMax: Bool, dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let values = try reduce(wantMax ? .max : .min, dim: dim, keepDim: keepDim)
        let indices = try reduce(wantMax ? .argmax : .argmin, dim: dim, keepDim: keepDim)
        return (values, indices)
    }
}
