import Foundation

/// Group DRO with classes as groups (Sagawa et al. 2020, online algorithm): the loss is
/// sum_g q_g L_g, with L_g the mean cross-entropy of the batch's samples of class g (weighted
/// by the per-sample weights; 0 for classes absent from the batch), after the update
///   q_g <- q_g exp(eta L_g), then q <- q / sum q,
/// done on every call made while gradients are recorded (calls inside no_grad, such as an
/// evaluation, use q without changing it). q starts uniform, 1/C, at the first call.
public final class GroupDRO {
    public let eta: Double
    public private(set) var q: [Double]

    public init(eta: Double, classes: Int? = nil) throws {
        guard eta.isFinite, eta >= 0 else { throw TensorError("eta must be a finite number >= 0, got \(describeNumber(eta))") }
        self.eta = eta
        if let classes {
            guard classes > 0 else { throw TensorError("classes must be positive, got \(classes)") }
            q = [Double](repeating: 1 / Double(classes), count: classes)
        } else {
            q = []
        }
    }

    public func reset() { q = q.map { _ in 1 / Double(q.count) } }

    public func loss(_ logits: Tensor, targets: Tensor, sampleWeights: Tensor? = nil) throws -> Tensor {
        let (n, c, _) = try checkLogits(logits)
        let y = try classIndices(targets, count: n, classes: c)
        let s = try sampleWeightValues(sampleWeights, count: n)
        if q.isEmpty { q = [Double](repeating: 1 / Double(c), count: c) }
        guard q.count == c else { throw TensorError("expected logits with \(q.count) classes (the groups of this loss), got \(c)") }
        let perSample = try Ops.crossEntropy(logits, targets: targets, reduction: .none)
        let l = perSample.toArray()
        var groupWeight = [Double](repeating: 0, count: c), groupLoss = groupWeight
        for i in 0..<n { groupWeight[y[i]] += s[i]; groupLoss[y[i]] += s[i] * Double(l[i]) }
        for g in 0..<c where groupWeight[g] > 0 { groupLoss[g] /= groupWeight[g] }
        if GradMode.isEnabled {
            // In log space, so that a large eta * L_g cannot overflow.
            let logs = (0..<c).map { Foundation.log(q[$0]) + eta * groupLoss[$0] }
            let top = logs.max()!
            let updated = logs.map { Foundation.exp($0 - top) }
            let total = updated.reduce(0, +)
            q = updated.map { $0 / total }
        }
        // sum_g q_g L_g = sum_n c_n l_n with c_n = q_{y_n} s_n / sum_{m in y_n} s_m.
        let coefficients = (0..<n).map { i in groupWeight[y[i]] > 0 ? Float(q[y[i]] * s[i] / groupWeight[y[i]]) : 0 }
        let weighted = try Ops.binary(.mul, perSample, try Tensor(shape: [n], values: coefficients))
        return try Ops.reduce(.sum, weighted, dim: nil)
    }
}
