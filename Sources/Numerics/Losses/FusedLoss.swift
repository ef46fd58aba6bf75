import Foundation

// Shared machinery of the fused losses (focal, sigmoid focal, threshold CE, NLL): each kernel
// computes, in Float64, per-item losses l_i and the gradient rows d l_i / d x (an item is a
// sample of [N, C] logits, or one element for element-wise losses); `Ops.reduceFused` applies
// the per-item factors f_i (sample weights times class weights) and the reduction, and
// records the backward, which only rescales the saved rows by the upstream gradient.

extension Ops {
    /// Reduces per-item losses `l` (count M) of `input` (M rows of `input.count / M` values)
    /// with factors `f`:
    ///   none -> f_i l_i (shape `noneShape`), sum -> sum_i f_i l_i,
    ///   mean -> sum_i f_i l_i / denominator.
    /// `gradRows` (d l_i / d input, row-major like `input`) is nil when no gradient is needed.
    static func reduceFused(_ name: String, input: Tensor, losses l: [Double], gradRows: [Double]?,
                            factors f: [Double], denominator: Double, reduction: LossReduction,
                            noneShape: [Int]) throws -> Tensor {
        let m = l.count
        let out: Tensor
        var total = 0.0
        for i in 0..<m { total += f[i] * l[i] }
        switch reduction {
        case .none: out = try Tensor(shape: noneShape, values: (0..<m).map { Float(f[$0] * l[$0]) })
        case .sum: out = Tensor(scalar: Float(total))
        case .mean:
            guard denominator > 0 else {
                throw TensorError("the mean is undefined: the sample weights sum to 0")
            }
            out = Tensor(scalar: Float(total / denominator))
        }
        guard let gradRows else { return out }
        let scale = reduction == .mean ? 1 / denominator : 1
        let row = m == 0 ? 0 : input.count / m
        let shape = input.shape
        return out.recordingGradient(name, inputs: [input]) { g in
            let gc = try g.contiguous()
            let gx = try Tensor(uninitializedShape: shape)
            for i in 0..<m {
                let up = Double(reduction == .none ? gc.pointer[i] : gc.pointer[0]) * scale * f[i]
                let dst = gx.pointer + i * row
                for j in 0..<row { dst[j] = Float(up * gradRows[i * row + j]) }
            }
            return [gx]
        }
    }

    /// Whether a loss on `input` must compute gradient rows.
    static func needsGradient(_ input: Tensor) -> Bool { GradMode.isEnabled && input.requiresGrad }
}

/// Logits [N, C] with C >= 1, as a packed tensor.
func checkLogits(_ x: Tensor) throws -> (n: Int, c: Int, x: Tensor) {
    guard x.rank == 2, x.shape[1] > 0 else {
        throw TensorError("expected logits of size NxC, got \(describeShape(x.shape))")
    }
    return (x.shape[0], x.shape[1], try x.contiguous())
}

/// Per-sample weights [N] (finite, >= 0) as Float64; all ones when absent.
func sampleWeightValues(_ s: Tensor?, count n: Int) throws -> [Double] {
    guard let s else { return [Double](repeating: 1, count: n) }
    guard s.rank == 1, s.shape[0] == n else {
        throw TensorError("expected \(n) sample weights (one per sample), got size \(describeShape(s.shape))")
    }
    let v = s.toArray().map(Double.init)
    for (i, w) in v.enumerated() where !(w.isFinite && w >= 0) {
        throw TensorError("sample weight \(i + 1) is \(describeNumber(w)), expected a finite number >= 0")
    }
    return v
}

/// Per-class values (class weights, alpha) checked against the number of classes at call time.
func classValues(_ v: [Double]?, classes c: Int, what: String) throws -> [Double] {
    guard let v else { return [Double](repeating: 1, count: c) }
    guard v.count == c else {
        throw TensorError("expected \(c) \(what) (one per class of the \(c) logits columns), got \(v.count)")
    }
    return v
}

/// log-softmax of one row in Float64, and the log of the normaliser.
@inline(__always) func logSoftmaxRow(_ x: UnsafePointer<Float>, _ c: Int, into lp: inout [Double]) {
    var m = -Double.infinity
    for j in 0..<c { m = max(m, Double(x[j])) }
    var s = 0.0
    for j in 0..<c { s += Foundation.exp(Double(x[j]) - m) }
    let lse = m + Foundation.log(s)
    for j in 0..<c { lp[j] = Double(x[j]) - lse }
}

/// 1 - p_y = sum_{j != y} p_j, accurate when p_y is close to 1.
@inline(__always) func oneMinusProbability(_ lp: [Double], _ y: Int) -> Double {
    var s = 0.0
    for j in 0..<lp.count where j != y { s += Foundation.exp(lp[j]) }
    return s
}
