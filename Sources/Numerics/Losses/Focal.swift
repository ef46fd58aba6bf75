import Foundation

extension Ops {
    /// Softmax focal loss (Lin et al. 2017) of logits [N, C] against 1-based class indices:
    ///   loss_n = -alpha[y_n] (1 - p_y)^gamma log p_y,   p = softmax(logits_n),
    /// with p_y the model's own probability of the target (never exp(-weighted CE)). gamma = 0
    /// and no alpha give cross-entropy. The mean divides by the number of samples (by the sum
    /// of the per-sample weights s when given): sum_n s_n loss_n / sum_n s_n.
    ///
    /// Gradient, with q = 1 - p_y: d loss_n / d z_j = alpha_y (gamma q^(gamma-1) p_y log p_y - q^gamma) (1[j = y] - p_j).
    /// Everything is evaluated in Float64 from the log-softmax, and q as sum_{j != y} p_j, so
    /// logits of +-100 give finite values and gradients.
    public static func focal(_ logits: Tensor, targets: Tensor, gamma: Double, alpha: [Double]? = nil,
                             sampleWeights: Tensor? = nil, reduction: LossReduction = .mean) throws -> Tensor {
        guard gamma >= 0, gamma.isFinite else { throw TensorError("gamma must be a finite number >= 0, got \(gamma)") }
        let (n, c, x) = try checkLogits(logits)
        let y = try classIndices(targets, count: n, classes: c)
        let a = try classValues(alpha, classes: c, what: "alpha values")
        let s = try sampleWeightValues(sampleWeights, count: n)
        var losses = [Double](repeating: 0, count: n), factors = losses
        var grad: [Double]? = needsGradient(logits) ? [Double](repeating: 0, count: n * c) : nil
        var lp = [Double](repeating: 0, count: c)
        for i in 0..<n {
            logSoftmaxRow(x.pointer + i * c, c, into: &lp)
            let t = y[i], logP = lp[t], p = Foundation.exp(logP)
            let q = oneMinusProbability(lp, t)
            let qg = Foundation.pow(q, gamma)
            losses[i] = -qg * logP
            factors[i] = s[i] * a[t]
            if grad != nil {
                let focusTerm = (gamma == 0 || q == 0) ? 0 : gamma * Foundation.pow(q, gamma - 1) * p * logP
                let f = focusTerm - qg
                for j in 0..<c { grad![i * c + j] = f * ((j == t ? 1 : 0) - Foundation.exp(lp[j])) }
            }
        }
        return try reduceFused("focal", input: logits, losses: losses, gradRows: grad, factors: factors,
                               denominator: s.reduce(0, +), reduction: reduction, noneShape: [n])
    }

    /// Sigmoid focal loss, as `torchvision.ops.sigmoid_focal_loss`: element-wise on logits x of
    /// any shape [N, ...] against targets t in [0, 1] of the same shape,
    ///   p = sigmoid(x), ce = -(t log p + (1 - t) log(1 - p)), p_t = p t + (1 - p)(1 - t),
    ///   loss = alpha_t ce (1 - p_t)^gamma,  alpha_t = alpha t + (1 - alpha)(1 - t) (alpha < 0: no alpha_t).
    /// `targets` may also be 1-based class indices [N] for logits [N, C] (one-hot, one-vs-rest).
    /// Reduction "none" keeps the input's shape; "mean" averages over all elements (weighted by
    /// the per-sample weights s of each element's sample: sum s_n loss / (K sum s_n), K
    /// elements per sample).
    public static func sigmoidFocal(_ logits: Tensor, targets: Tensor, gamma: Double, alpha: Double,
                                    sampleWeights: Tensor? = nil, reduction: LossReduction = .mean) throws -> Tensor {
        guard gamma >= 0, gamma.isFinite else { throw TensorError("gamma must be a finite number >= 0, got \(gamma)") }
        guard alpha.isFinite, alpha <= 1 else { throw TensorError("alpha must be in [0, 1] (or negative for none), got \(alpha)") }
        guard logits.rank >= 1 else { throw TensorError("expected logits with a sample dimension (size N or NxC...), got a scalar") }
        let n = logits.shape[0], total = logits.count
        let k = n == 0 ? 0 : total / n
        var t: [Double]
        if logits.rank == 2 && targets.rank == 1 && logits.shape[1] > 1 {
            let y = try classIndices(targets, count: n, classes: logits.shape[1])
            t = [Double](repeating: 0, count: total)
            for i in 0..<n { t[i * k + y[i]] = 1 }
        } else {
            guard targets.shape == logits.shape else {
                throw TensorError("expected targets of the logits' size \(describeShape(logits.shape)) (or class indices of size N for NxC logits), got \(describeShape(targets.shape))")
            }
            t = targets.toArray().map(Double.init)
            for (i, v) in t.enumerated() where !(v >= 0 && v <= 1) {
                throw TensorError("target element \(i + 1) is \(describeNumber(v)), expected a value in [0, 1]")
            }
        }
        let s = try sampleWeightValues(sampleWeights, count: n)
        let x = try logits.contiguous()
        var losses = [Double](repeating: 0, count: total), factors = losses
        var grad: [Double]? = needsGradient(logits) ? [Double](repeating: 0, count: total) : nil
        for e in 0..<total {
            let v = Double(x.pointer[e]), ti = t[e]
            let p = 1 / (1 + Foundation.exp(-v)), pc = 1 / (1 + Foundation.exp(v))   // p and 1 - p
            let ce = max(v, 0) - v * ti + Foundation.log1p(Foundation.exp(-abs(v)))
            let qt = ti * pc + (1 - ti) * p                                           // 1 - p_t
            let at = alpha >= 0 ? alpha * ti + (1 - alpha) * (1 - ti) : 1
            let qg = Foundation.pow(qt, gamma)
            losses[e] = at * ce * qg
            factors[e] = k == 0 ? 0 : s[e / k]
            if grad != nil {
                let focusTerm = (gamma == 0 || qt == 0) ? 0 : ce * gamma * Foundation.pow(qt, gamma - 1) * p * pc * (2 * ti - 1)
                grad![e] = at * ((p - ti) * qg - focusTerm)
            }
        }
        return try reduceFused("sigmoid_focal", input: logits, losses: losses, gradRows: grad, factors: factors,
                               denominator: s.reduce(0, +) * Double(k), reduction: reduction, noneShape: logits.shape)
    }
}
