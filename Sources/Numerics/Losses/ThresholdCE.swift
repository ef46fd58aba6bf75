import Foundation

/// Which predictions the threshold cross-entropy keeps (see `Ops.thresholdCrossEntropy`).
public enum ThresholdRegion: String, Sendable {
    /// lambda = 1 - theta(y - m) theta(p - m) - theta(1 - m - y) theta(1 - m - p), theta the
    /// unit step (1 for x > 0, 1/2 at 0, 0 for x < 0): a positive output is dropped once
    /// p > m, a negative one once p < 1 - m; wrong and unsure predictions are kept.
    case wrongOrUnsure = "wrong_or_unsure"
    /// The same formula with the reversed step eps(x) = theta(-x) (1 for x < 0): only
    /// confidently wrong predictions are kept (positive with p < 1 - m, negative with p > m).
    case wrong
    /// lambda = theta(p - (1 - m)) theta(m - p): only predictions inside [1 - m, m].
    case unsure
}

/// theta(x): 1 for x > 0, 1/2 at 0, 0 for x < 0.
@inline(__always) func unitStep(_ x: Double) -> Double { x > 0 ? 1 : (x < 0 ? 0 : 0.5) }

/// The weight lambda(y, p) of one output with target y and predicted probability p.
@inline(__always) func thresholdWeight(_ y: Double, _ p: Double, _ m: Double, _ region: ThresholdRegion) -> Double {
    switch region {
    case .wrongOrUnsure: return 1 - unitStep(y - m) * unitStep(p - m) - unitStep(1 - m - y) * unitStep(1 - m - p)
    case .wrong: return 1 - unitStep(m - y) * unitStep(m - p) - unitStep(y - 1 + m) * unitStep(p - 1 + m)
    case .unsure: return unitStep(p - (1 - m)) * unitStep(m - p)
    }
}

extension Ops {
    /// Threshold cross-entropy ("wrong-easily area" loss). For each output k with target
    /// y_k in {0, 1} and probability p_k, the binary cross-entropy term
    ///   b_k = -(y_k log p_k + (1 - y_k) log(1 - p_k))
    /// is weighted by lambda(y_k, p_k) (see `ThresholdRegion`), a constant for the gradient
    /// (the step is flat almost everywhere):  loss_n = sum_k lambda_k b_k.
    /// - Binary: logits [N] (or [N, 1]) with p = sigmoid(x) and targets [N] in [0, 1]: one term.
    /// - Multi-class: logits [N, C] with p = softmax, targets 1-based class indices [N];
    ///   one-vs-rest over the C softmax outputs (y = one-hot). With `targetOnly`, only the
    ///   target's term -lambda(1, p_y) log p_y enters (the literal "y_k log p_k" terms).
    /// The mean divides by the number of samples (sum of the per-sample weights).
    /// Everything is computed in Float64 in log space: -log(1 - p_k) of a softmax output is
    /// logsumexp over the other logits minus logsumexp over all, finite at logits +-100.
    public static func thresholdCrossEntropy(_ logits: Tensor, targets: Tensor, m: Double,
                                             region: ThresholdRegion = .wrongOrUnsure, targetOnly: Bool = false,
                                             sampleWeights: Tensor? = nil, reduction: LossReduction = .mean) throws -> Tensor {
        guard m > 0.5, m < 1 else { throw TensorError("m must be in (0.5, 1), got \(m)") }
        let binary = logits.rank == 1 || (logits.rank == 2 && logits.shape[1] == 1)
        guard binary || logits.rank == 2 else {
            throw TensorError("expected logits of size N (binary) or NxC (multi-class), got \(describeShape(logits.shape))")
        }
        let n = logits.shape[0]
        let s = try sampleWeightValues(sampleWeights, count: n)
        var losses = [Double](repeating: 0, count: n)
        let wantGrad = needsGradient(logits)
        let x = try logits.contiguous()
        var grad: [Double]? = nil
        if binary {
            guard targets.rank == 1, targets.shape[0] == n else {
                throw TensorError("expected binary targets of size \(n) (0 or 1 per sample), got \(describeShape(targets.shape))")
            }
            let t = targets.toArray().map(Double.init)
            for (i, v) in t.enumerated() where !(v >= 0 && v <= 1) {
                throw TensorError("target \(i + 1) is \(describeNumber(v)), expected a value in [0, 1] (binary logits)")
            }
            if wantGrad { grad = [Double](repeating: 0, count: n) }
            for i in 0..<n {
                let v = Double(x.pointer[i])
                let p = 1 / (1 + Foundation.exp(-v))
                let lambda = thresholdWeight(t[i], p, m, region)
                losses[i] = lambda * (max(v, 0) - v * t[i] + Foundation.log1p(Foundation.exp(-abs(v))))
                grad?[i] = lambda * (p - t[i])
            }
        } else {
            let c = logits.shape[1]
            let y = try classIndices(targets, count: n, classes: c)
            if wantGrad { grad = [Double](repeating: 0, count: n * c) }
            var z = [Double](repeating: 0, count: c), e = z, lambda = z, g = z
            for i in 0..<n {
                for j in 0..<c { z[j] = Double(x.pointer[i * c + j]) }
                // a: the largest logit; S = sum exp(z - z_a) >= 1; S2 the same without a, from its max.
                var a = 0
                for j in 1..<max(c, 1) where z[j] > z[a] { a = j }
                var sum = 0.0
                for j in 0..<c { e[j] = Foundation.exp(z[j] - z[a]); sum += e[j] }
                var m2 = -Double.infinity, sum2 = 0.0
                for j in 0..<c where j != a { m2 = max(m2, z[j]) }
                for j in 0..<c where j != a { sum2 += Foundation.exp(z[j] - m2) }
                let logS = Foundation.log(sum)
                // log p_j and log(1 - p_j) for every output.
                var loss = 0.0, lambdaNeg = 0.0, r = 0.0
                for k in 0..<c {
                    let logP = z[k] - z[a] - logS
                    let p = Foundation.exp(logP)
                    let yk: Double = k == y[i] ? 1 : 0
                    if targetOnly && k != y[i] { lambda[k] = 0; continue }
                    lambda[k] = thresholdWeight(yk, p, m, region)
                    if k == y[i] {
                        loss += lambda[k] * -logP
                    } else if lambda[k] != 0 {
                        let log1mP = k == a ? (m2 + Foundation.log(sum2)) - (z[a] + logS)
                                            : Foundation.log(sum - e[k]) - logS
                        loss += lambda[k] * -log1mP
                        lambdaNeg += lambda[k]
                        if k != a { r += lambda[k] / (sum - e[k]) }
                    }
                }
                losses[i] = loss
                guard grad != nil else { continue }
                // d(-log p_y)/dz_j = p_j - 1[j = y];
                // d(-log(1 - p_k))/dz_j = p_j - 1[j != k] exp(z_j - logsumexp_{i != k} z_i).
                let ly = lambda[y[i]]
                for j in 0..<c {
                    let p = e[j] / sum
                    var gj = (ly + lambdaNeg) * p - (j == y[i] ? ly : 0)
                    let own = (j != y[i] && j != a && lambda[j] != 0) ? lambda[j] / (sum - e[j]) : 0
                    gj -= e[j] * (r - own)
                    if a != y[i] && j != a && lambda[a] != 0 { gj -= lambda[a] * Foundation.exp(z[j] - m2) / sum2 }
                    g[j] = gj
                }
                for j in 0..<c { grad![i * c + j] = g[j] }
            }
        }
        return try reduceFused("threshold_ce", input: logits, losses: losses, gradRows: grad, factors: s,
                               denominator: s.reduce(0, +), reduction: reduction, noneShape: [n])
    }
}
