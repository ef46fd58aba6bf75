import Foundation

extension Ops {
    /// Negative log-likelihood of log-probabilities [N, C] (e.g. from `logSoftmax`) against
    /// 1-based class indices, with PyTorch's `NLLLoss` semantics:
    ///   loss_n = -w[y_n] x[n, y_n],   mean = sum_n s_n loss_n / sum_n s_n w[y_n],
    /// where w are the optional class `weights` and s the optional per-sample weights.
    public static func nll(_ logProbs: Tensor, targets: Tensor, weights: [Double]? = nil,
                           sampleWeights: Tensor? = nil, reduction: LossReduction = .mean) throws -> Tensor {
        let (n, c, x) = try checkLogits(logProbs)
        let y = try classIndices(targets, count: n, classes: c)
        let w = try classValues(weights, classes: c, what: "class weights")
        let s = try sampleWeightValues(sampleWeights, count: n)
        var losses = [Double](repeating: 0, count: n), factors = losses
        var grad: [Double]? = needsGradient(logProbs) ? [Double](repeating: 0, count: n * c) : nil
        var denominator = 0.0
        for i in 0..<n {
            losses[i] = -Double(x.pointer[i * c + y[i]])
            factors[i] = s[i] * w[y[i]]
            denominator += factors[i]
            grad?[i * c + y[i]] = -1
        }
        return try reduceFused("nll", input: logProbs, losses: losses, gradRows: grad, factors: factors,
                               denominator: denominator, reduction: reduction, noneShape: [n])
    }
}
