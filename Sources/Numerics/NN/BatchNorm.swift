/// Batch normalisation over the channel dimension, fused forward and backward.
/// Input [B, C] or [B, C, L] (BatchNorm1d) or [B, C, H, W] (BatchNorm2d), viewed as
/// [B, C, S]. Training uses batch statistics (biased variance to normalise, unbiased for the
/// running estimate, momentum 0.1, as PyTorch); evaluation uses the running statistics.
public final class BatchNorm: Module {
    public let channels: Int
    public let spatialRank: Int   // 0 or 1 for BatchNorm1d, 2 for BatchNorm2d
    public let eps: Float, momentum: Float
    public let weight: Tensor, bias: Tensor
    public let runningMean: Tensor, runningVar: Tensor
    /// Batches seen in training (PyTorch's num_batches_tracked), kept in checkpoints.
    public let batchesTracked: Tensor

    public init(_ channels: Int, spatialRank: Int, eps: Float = 1e-5, momentum: Float = 0.1) throws {
        guard channels > 0 else { throw TensorError("channels must be positive, got \(channels)") }
        try Tensor.validateShape([channels])
        guard eps > 0 else { throw TensorError("eps must be positive, got \(eps)") }
        guard momentum >= 0, momentum <= 1 else { throw TensorError("momentum must be in [0, 1], got \(momentum)") }
        self.channels = channels
        self.spatialRank = spatialRank
        self.eps = eps
        self.momentum = momentum
        weight = Init.parameter(try Tensor(shape: [channels], repeating: 1))
        bias = Init.parameter(try Tensor(shape: [channels], repeating: 0))
        runningMean = try Tensor(shape: [channels], repeating: 0)
        runningVar = try Tensor(shape: [channels], repeating: 1)
        batchesTracked = try Tensor(shape: [1], repeating: 0)
    }

    public override var kind: String { spatialRank == 2 ? "BatchNorm2d" : "BatchNorm1d" }
    public override var summary: String { "\(kind)(\(channels))" }
    public override var namedParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }
    public override var namedBuffers: [(String, Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", batchesTracked)]
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try forward(x, relu: false) }

    /// With `relu`, relu(batchnorm(x)) in one pass, and its backward likewise: nn.Sequential
    /// uses it for a BatchNorm followed by a ReLU. The ReLU's mask is recomputed from x with
    /// the forward's own arithmetic, so results equal the two layers run one after the other.
    public func forward(_ x: Tensor, relu: Bool) throws -> Tensor {
        let ok = spatialRank == 2 ? x.rank == 4 : (x.rank == 2 || x.rank == 3)
        guard ok, x.shape[1] == channels else {
            let expected = spatialRank == 2 ? "Bx\(channels)xHxW" : "Bx\(channels) or Bx\(channels)xL"
            throw TensorError("\(summary) expected input of size \(expected), got \(describeShape(x.shape))")
        }
        let (b, c) = (x.shape[0], channels)
        let s = x.count / max(b * c, 1)
        let n = b * s
        if training && n <= 1 {
            throw TensorError("\(summary) needs more than one value per channel in training mode, got input of size \(describeShape(x.shape))")
        }
        let xc = try x.contiguous()
        let y = try Tensor(uninitializedShape: x.shape)
        // Per channel: mean, 1/sqrt(var + eps) and the affine map y = x * scale + shift, kept for
        // backward (which recomputes the normalised input from x instead of storing it: one
        // less activation-sized write).
        let stats = try Tensor(uninitializedShape: [4, c])
        let meanOf = stats.pointer, invStd = stats.pointer + c
        let scaleOf = stats.pointer + 2 * c, shiftOf = stats.pointer + 3 * c
        let xp = xc.pointer, yp = y.pointer
        let gamma = weight.pointer, beta = bias.pointer
        if training {
            let m = Double(momentum)
            parallelFor(c) { ch in
                // shifted sums (shift = the channel's first value) keep E[x^2] - E[x]^2 exact
                // enough; each plane is summed in Float (vectorised), planes in Float64
                let shift = xp[ch * s]
                var sum = 0.0, sq = 0.0
                for i in 0..<b {
                    let (ps, pq) = shiftedSums(xp + (i * c + ch) * s, s, shift: shift)
                    sum += Double(ps); sq += Double(pq)
                }
                let meanShifted = sum / Double(n)
                let variance = max(0, sq / Double(n) - meanShifted * meanShifted)
                let mean = Double(shift) + meanShifted
                runningMean.pointer[ch] = Float((1 - m) * Double(runningMean.pointer[ch]) + m * mean)
                runningVar.pointer[ch] = Float((1 - m) * Double(runningVar.pointer[ch]) + m * variance * Double(n) / Double(n - 1))
                meanOf[ch] = Float(mean)
                invStd[ch] = Float(1 / (variance + Double(eps)).squareRoot())
                normalise(ch)
            }
            batchesTracked.pointer[0] += 1
        } else {
            parallelFor(c) { ch in
                meanOf[ch] = runningMean.pointer[ch]
                invStd[ch] = 1 / (runningVar.pointer[ch] + eps).squareRoot()
                normalise(ch)
            }
        }
        // y = x * scale + shift with scale = gamma * invstd, shift = beta - mean * scale
        func normalise(_ ch: Int) {
            let scale = gamma[ch] * invStd[ch], shift = beta[ch] - meanOf[ch] * gamma[ch] * invStd[ch]
            scaleOf[ch] = scale; shiftOf[ch] = shift
            for i in 0..<b {
                let off = (i * c + ch) * s
                let src = xp + off, dst = yp + off
                if relu {
                    for j in 0..<s { let v = src[j] * scale + shift; dst[j] = v > 0 ? v : 0 }
                } else {
                    for j in 0..<s { dst[j] = src[j] * scale + shift }
                }
            }
        }
        withExtendedLifetime(xc) {}
        let isTraining = training
        let (w, bs) = (weight, bias)
        // The closure must hold the tensors, not their pointers: these buffers live only as
        // long as something references them.
        return y.recordingGradient(relu ? kind + "+ReLU" : kind, inputs: [x, w, bs]) { [xc, stats] gy in
            let g = try gy.contiguous()
            let gp = g.pointer, xp = xc.pointer, gamma = w.pointer
            let meanOf = stats.pointer, invStd = stats.pointer + c
            let scaleOf = stats.pointer + 2 * c, shiftOf = stats.pointer + 3 * c
            let gx = x.requiresGrad ? try Tensor(uninitializedShape: x.shape) : nil
            let gw = try Tensor(uninitializedShape: [c]), gb = try Tensor(uninitializedShape: [c])
            parallelFor(c) { ch in
                var sumG = 0.0, sumGX = 0.0
                for i in 0..<b {
                    let off = (i * c + ch) * s
                    let (ps, pq) = relu ? sumAndDotWhereReLUPasses(gp + off, xp + off, s, scale: scaleOf[ch], shift: shiftOf[ch])
                                        : sumAndDot(gp + off, xp + off, s)
                    sumG += Double(ps); sumGX += Double(pq)
                }
                let mean = Double(meanOf[ch]), inv = Double(invStd[ch])
                let sumGH = (sumGX - mean * sumG) * inv          // sum of g * xhat
                gw.pointer[ch] = Float(sumGH)
                gb.pointer[ch] = Float(sumG)
                guard let gx else { return }
                // dx = gamma*inv*(g - mean(g) - xhat*mean(g*xhat)) = k1*g + k2*x + k3 in training
                let k1 = Double(gamma[ch]) * inv
                let k2 = isTraining ? -k1 * inv * sumGH / Double(n) : 0
                let k3 = isTraining ? -k1 * sumG / Double(n) - k2 * mean : 0
                let (a1, a2, a3) = (Float(k1), Float(k2), Float(k3))
                let dst = gx.pointer
                let (scale, shift) = (scaleOf[ch], shiftOf[ch])
                for i in 0..<b {
                    let off = (i * c + ch) * s
                    if relu {
                        for j in 0..<s {
                            // both loads unconditional, so the loop vectorises (a select, no branch)
                            let xj = xp[off + j], gj = gp[off + j]
                            dst[off + j] = a1 * (xj * scale + shift > 0 ? gj : 0) + a2 * xj + a3
                        }
                    } else {
                        for j in 0..<s { dst[off + j] = a1 * gp[off + j] + a2 * xp[off + j] + a3 }
                    }
                }
            }
            return [gx, gw, gb]
        }
    }
}
