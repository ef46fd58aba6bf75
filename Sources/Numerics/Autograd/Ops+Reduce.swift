/// Reductions and their gradients.
extension Ops {
    /// Reduces all elements (dim = nil) or one 0-based dimension.
    public static func reduce(_ r: Reduction, _ x: Tensor, dim: Int?, keepDim: Bool = false,
                              unbiased: Bool = true) throws -> Tensor {
        let out = try dim.map { try x.reduce(r, dim: $0, keepDim: keepDim, unbiased: unbiased) }
            ?? x.reduceAll(r, unbiased: unbiased)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        switch r {
        case .argmax, .argmin: return out
        default: break
        }
        // The output gradient reshaped so that it broadcasts against x.
        func spread(_ g: Tensor) throws -> Tensor {
            guard let d = dim else { return try g.reshape([Int](repeating: 1, count: x.rank)) }
            return keepDim ? g : try g.unsqueeze(d)
        }
        let n = Float(dim.map { x.shape[$0] } ?? x.count)
        return out.recordingGradient(r.rawValue, inputs: [x]) { g, out in
            let gs = try spread(g)
            switch r {
            case .sum:
                return [try gs.expand(to: x.shape).contiguous()]
            case .mean:
                return [try gs.binary(.div, scalar: n).expand(to: x.shape).contiguous()]
            case .variance, .std:
                let mean = try dim.map { try x.reduce(.mean, dim: $0, keepDim: true) } ?? x.reduceAll(.mean).reshape([Int](repeating: 1, count: x.rank))
                let centred = try x.binary(.sub, mean)
                let denom = unbiased ? n - 1 : n
                var scale = try gs.binary(.mul, scalar: 2 / denom)      // d var = 2 (x - mean) / denom
                if r == .std { scale = try mapBinary(scale, try spread(out)) { $0 / (2 * $1) } }
                return [try centred.binary(.mul, scale)]
            case .prod:
                // d prod / d x_i = prod / x_i (inputs with zeros get NaN-free handling only
                // when a single zero is present is left to PyTorch; here x_i == 0 gives 0).
                return [try mapBinary(try gs.binary(.mul, try spread(out)).expand(to: x.shape), x) { $1 == 0 ? 0 : $0 / $1 }]
            case .max, .min:
                // The gradient goes to the elements equal to the extremum, split evenly
                // among ties (PyTorch's evenly_distribute_backward for the full reduction).
                let hit = try x.binary(.eq, try spread(out))
                let ties = try dim.map { try hit.reduce(.sum, dim: $0, keepDim: true) } ?? hit.reduceAll(.sum).reshape([Int](repeating: 1, count: x.rank))
                return [try hit.binary(.mul, try gs.binary(.div, ties))]
            case .argmax, .argmin:
                return [nil]
            }
        }
    }

    /// Values and 0-based indices of the maxima/minima along `dim`; the gradient of the
    /// values goes to the selected index (as PyTorch's max(dim) does).
    public static func extremum(max wantMax: Bool, _ x: Tensor, dim: Int, keepDim: Bool = false) throws -> (Tensor, Tensor) {
        let (values, indices) = try x.extremum(max: wantMax, dim: dim, keepDim: keepDim)
        guard GradMode.isEnabled && x.requiresGrad else { return (values, indices) }
        values.recordingGradient(wantMax ? "max" : "min", inputs: [x]) { g in
            let gk = keepDim ? g : try g.unsqueeze(dim)
            let ik = keepDim ? indices : try indices.unsqueeze(dim)
            let gx = try Tensor(shape: x.shape, repeating: 0)
            let src = try gk.contiguous(), idx = try ik.contiguous()
            let outer = x.shape[..<dim].reduce(1, *), n = x.shape[dim], inner = x.shape[(dim + 1)...].reduce(1, *)
            for o in 0..<outer {
                for i in 0..<inner {
                    let k = Int(idx.pointer[o * inner + i])
                    gx.pointer[(o * n + k) * inner + i] += src.pointer[o * inner + i]
                }
            }
            return [gx]
        }
        return (values, indices)
    }
}
