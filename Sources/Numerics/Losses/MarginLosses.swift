import Foundation

/// Losses that shift the logits by per-class offsets before cross-entropy (LDAM, logit
/// adjustment, balanced softmax) and class-balanced re-weighting. They are compositions of
/// differentiable ops, so their gradients follow from those of the parts.
extension Ops {
    /// LDAM (Cao et al. 2019): cross-entropy of s (z - m_y e_y), the target logit lowered by
    /// its class margin m_y; the other arguments as in `crossEntropy`.
    public static func ldam(_ logits: Tensor, targets: Tensor, margins: [Double], scale s: Double,
                            weights: Tensor? = nil, sampleWeights: Tensor? = nil,
                            reduction: LossReduction = .mean) throws -> Tensor {
        let (n, c, _) = try checkLogits(logits)
        let y = try classIndices(targets, count: n, classes: c)
        let m = try classValues(margins, classes: c, what: "counts")
        let shift = try Tensor(shape: [n, c], repeating: 0)
        for i in 0..<n { shift.pointer[i * c + y[i]] = Float(m[y[i]]) }
        let adjusted = try binary(.mul, try binary(.sub, logits, shift), scalar: Float(s))
        return try crossEntropy(adjusted, targets: targets, weights: weights, sampleWeights: sampleWeights,
                                reduction: reduction)
    }

    /// Cross-entropy of z + offsets (broadcast over rows): logit adjustment (Menon et al. 2021,
    /// offsets tau log pi_c) and balanced softmax (Ren et al. 2020, offsets log n_c).
    public static func offsetCrossEntropy(_ logits: Tensor, targets: Tensor, offsets: [Double],
                                          weights: Tensor? = nil, sampleWeights: Tensor? = nil,
                                          reduction: LossReduction = .mean) throws -> Tensor {
        let (_, c, _) = try checkLogits(logits)
        let o = try classValues(offsets, classes: c, what: "priors/counts")
        let shifted = try binary(.add, logits, try Tensor(shape: [c], values: o.map(Float.init)))
        return try crossEntropy(shifted, targets: targets, weights: weights, sampleWeights: sampleWeights,
                                reduction: reduction)
    }

    /// Post-hoc logit adjustment for prediction (Menon et al. 2021): z - tau log pi_c.
    public static func adjustLogits(_ logits: Tensor, logPriors: [Double], tau: Double) throws -> Tensor {
        guard logits.rank >= 1, logits.shape.last == logPriors.count else {
            throw TensorError("expected logits whose last size is the number of priors (\(logPriors.count)), got \(describeShape(logits.shape))")
        }
        let offsets = try Tensor(shape: [logPriors.count], values: logPriors.map { Float(tau * $0) })
        return try binary(.sub, logits, offsets)
    }

    /// Class-balanced cross-entropy (Cui et al. 2019): loss_n = w[y_n] CE_n, averaged over the
    /// samples (sum_n s_n w[y_n] CE_n / sum_n s_n, the paper's mean), unlike `crossEntropy`
    /// with weights, whose mean divides by sum_n w[y_n].
    public static func classWeightedCrossEntropy(_ logits: Tensor, targets: Tensor, weights: [Double],
                                                 sampleWeights: Tensor? = nil,
                                                 reduction: LossReduction = .mean) throws -> Tensor {
        let (n, c, _) = try checkLogits(logits)
        let w = try classValues(weights, classes: c, what: "class weights")
        let s = try sampleWeightValues(sampleWeights, count: n)
        let perSample = try crossEntropy(logits, targets: targets, weights: try Tensor(shape: [c], values: w.map(Float.init)),
                                         sampleWeights: sampleWeights, reduction: .none)
        switch reduction {
        case .none: return perSample
        case .sum: return try reduce(.sum, perSample, dim: nil)
        case .mean:
            let total = s.reduce(0, +)
            guard total > 0 else { throw TensorError("the mean is undefined: the sample weights sum to 0") }
            return try binary(.div, try reduce(.sum, perSample, dim: nil), scalar: Float(total))
        }
    }
}
