import Foundation

/// How a per-sample loss is reduced, as in PyTorch.
public enum LossReduction: String, Sendable { case mean, sum, none }

/// Targets given as 1-based class indices stored in a float tensor [N] (the Lua convention),
/// checked and converted to 0-based integers.
public func classIndices(_ targets: Tensor, count n: Int, classes c: Int) throws -> [Int] {
    guard targets.rank == 1, targets.shape[0] == n else {
        throw TensorError("expected targets of size \(n) (one class index per sample), got \(describeShape(targets.shape))")
    }
    let t = try targets.contiguous()
    var out = [Int](repeating: 0, count: n)
    for i in 0..<n {
        let v = t.pointer[i]
        guard v.isFinite, v == v.rounded(), v >= 1, v <= Float(c) else {
            throw TensorError("target \(i + 1) is \(describeNumber(Double(v))), expected a class index in 1..\(c)")
        }
        out[i] = Int(v) - 1
    }
    return out
}

extension Ops {
    /// Cross-entropy of logits [N, C] against class indices, fused log-softmax + NLL, with
    /// PyTorch's semantics: class `weights` w scale each sample by w[y]; `labelSmoothing` e
    /// mixes the one-hot target with the uniform distribution,
    ///   loss_n = (1 - e) w[y_n] (-log p[n, y_n]) + e/C sum_c w[c] (-log p[n, c]);
    /// the mean divides by sum_n w[y_n] (the weights of the targets, not N).
    /// `sampleWeights` s (optional, [N]) multiply each sample's loss and, for the mean, its
    /// share of the denominator: sum_n s_n l_n / sum_n s_n w[y_n].
    public static func crossEntropy(_ logits: Tensor, targets: Tensor, weights: Tensor? = nil,
                                    labelSmoothing: Float = 0, sampleWeights: Tensor? = nil,
                                    reduction: LossReduction = .mean) throws -> Tensor {
        guard logits.rank == 2, logits.shape[1] > 0 else {
            throw TensorError("expected logits of size NxC, got \(describeShape(logits.shape))")
        }
        let (n, c) = (logits.shape[0], logits.shape[1])
        let y = try classIndices(targets, count: n, classes: c)
        guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
            throw TensorError("label_smoothing must be in [0, 1], got \(labelSmoothing)")
        }
        var w = [Float](repeating: 1, count: c)
        if let weights {
            guard weights.rank == 1, weights.shape[0] == c else {
                throw TensorError("expected \(c) class weights, got size \(describeShape(weights.shape))")
            }
            w = weights.toArray()
        }
        var s = [Float](repeating: 1, count: n)
        if let sampleWeights {
            guard sampleWeights.rank == 1, sampleWeights.shape[0] == n else {
                throw TensorError("expected \(n) sample weights, got size \(describeShape(sampleWeights.shape))")
            }
            s = try sampleWeightValues(sampleWeights, count: n).map(Float.init)   // finite, >= 0
        }
        let x = try logits.contiguous()
        let logp = try Tensor(uninitializedShape: [n, c])
        var perSample = [Float](repeating: 0, count: n)
        var denominator: Double = 0
        let e = labelSmoothing
        for i in 0..<n {
            let row = x.pointer + i * c, lp = logp.pointer + i * c
            let lse = logSumExp(row, c)
            var smooth: Float = 0
            for j in 0..<c { lp[j] = row[j] - lse; smooth -= w[j] * lp[j] }
            let nll = -w[y[i]] * lp[y[i]]
            perSample[i] = s[i] * ((1 - e) * nll + (e / Float(c)) * smooth)
            denominator += Double(s[i] * w[y[i]])
        }
        let out: Tensor
        switch reduction {
        case .none: out = try Tensor(shape: [n], values: perSample)
        case .sum: out = Tensor(scalar: Float(perSample.reduce(0.0) { $0 + Double($1) }))
        case .mean: out = Tensor(scalar: Float(perSample.reduce(0.0) { $0 + Double($1) } / denominator))
        }
        let scale: Float = reduction == .mean ? Float(1 / denominator) : 1
        return out.recordingGradient("cross_entropy", inputs: [logits]) { g in
            // d loss_n / d z_j = s_n (p_j sum_k q_k - q_j), with q the (weighted, smoothed) target
            let gc = try g.contiguous()
            let gx = try Tensor(uninitializedShape: [n, c])
            for i in 0..<n {
                let upstream = (reduction == .none ? gc.pointer[i] : gc.pointer[0]) * scale * s[i]
                let lp = logp.pointer + i * c, out = gx.pointer + i * c
                var qSum: Float = 0
                for j in 0..<c {
                    let q = (e / Float(c)) * w[j] + (j == y[i] ? (1 - e) * w[j] : 0)
                    out[j] = -q
                    qSum += q
                }
                for j in 0..<c { out[j] = upstream * (Foundation.exp(lp[j]) * qSum + out[j]) }
            }
            return [gx]
        }
    }
}
