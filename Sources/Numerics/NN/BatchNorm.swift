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
        guard channels > 0 else { throw TensorError("nn.BatchNorm: channels must be positive, got \(channels)") }
        try Tensor.validateShape([channels])
        guard eps > 0, momentum >= 0, momentum <= 1 else {
            throw TensorError("nn.BatchNorm: eps must be positive and momentum in [0, 1]")
        }
        self.channels = channels
        self.spatialRank = spatialRank
        self.eps = eps
        self.momentum = momentum
        weight = Init.parameter(Tensor(shape: [channels], repeating: 1))
        bias = Init.parameter(Tensor(shape: [channels], repeating: 0))
        runningMean = Tensor(shape: [channels], repeating: 0)
        runningVar = Tensor(shape: [channels], repeating: 1)
        batchesTracked = Tensor(shape: [1], repeating: 0)
    }

    public override var kind: String { spatialRank == 2 ? "BatchNorm2d" : "BatchNorm1d" }
    public override var summary: String { "\(kind)(\(channels))" }
    public override var constructor: String { "nn.\(kind)(\(channels), {eps = \(eps), momentum = \(momentum)})" }
    public override var namedParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }
    public override var namedBuffers: [(String, Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", batchesTracked)]
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
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
        let xc = x.contiguous()
        defer { withExtendedLifetime(xc) {} }   // xp points into it
        let y = Tensor(uninitializedShape: x.shape)
        let xhat = Tensor(uninitializedShape: x.shape)
        let invStdBuffer = Tensor(uninitializedShape: [c])   // written per channel from both cores
        let invStd = invStdBuffer.pointer
        let xp = xc.pointer, yp = y.pointer, hp = xhat.pointer
        let gamma = weight.pointer, beta = bias.pointer
        if training {
            let m = Double(momentum)
            parallelFor(c) { ch in
                var sum = 0.0
                for i in 0..<b { let p = xp + (i * c + ch) * s; for j in 0..<s { sum += Double(p[j]) } }
                let mean = sum / Double(n)
                var sq = 0.0
                for i in 0..<b { let p = xp + (i * c + ch) * s; for j in 0..<s { let d = Double(p[j]) - mean; sq += d * d } }
                let variance = sq / Double(n)
                runningMean.pointer[ch] = Float((1 - m) * Double(runningMean.pointer[ch]) + m * mean)
                runningVar.pointer[ch] = Float((1 - m) * Double(runningVar.pointer[ch]) + m * sq / Double(n - 1))
                let inv = Float(1 / (variance + Double(eps)).squareRoot())
                invStd[ch] = inv
                normalise(ch, mean: Float(mean), inv: inv)
            }
            batchesTracked.pointer[0] += 1
        } else {
            for ch in 0..<c {
                let inv = 1 / (runningVar.pointer[ch] + eps).squareRoot()
                invStd[ch] = inv
                normalise(ch, mean: runningMean.pointer[ch], inv: inv)
            }
        }
        func normalise(_ ch: Int, mean: Float, inv: Float) {
            let gm = gamma[ch], bt = beta[ch]
            for i in 0..<b {
                let off = (i * c + ch) * s
                for j in 0..<s {
                    let h = (xp[off + j] - mean) * inv
                    hp[off + j] = h
                    yp[off + j] = h * gm + bt
                }
            }
        }
        let isTraining = training
        let (w, bs) = (weight, bias)
        // The closure must hold the tensors, not their pointers: these buffers live only as
        // long as something references them.
        return y.recordingGradient(kind, inputs: [x, w, bs]) { [xhat, invStdBuffer] gy in
            let g = gy.contiguous()
            let gp = g.pointer, hp = xhat.pointer, invStd = invStdBuffer.pointer, gamma = w.pointer
            let gx = x.requiresGrad ? Tensor(uninitializedShape: x.shape) : nil
            let gw = Tensor(uninitializedShape: [c]), gb = Tensor(uninitializedShape: [c])
            parallelFor(c) { ch in
                var sumG = 0.0, sumGH = 0.0
                for i in 0..<b {
                    let off = (i * c + ch) * s
                    for j in 0..<s { let gv = Double(gp[off + j]); sumG += gv; sumGH += gv * Double(hp[off + j]) }
                }
                gw.pointer[ch] = Float(sumGH)
                gb.pointer[ch] = Float(sumG)
                guard let gx else { return }
                let scale = gamma[ch] * invStd[ch]
                let dst = gx.pointer
                if isTraining {
                    // dx = gamma * invstd * (g - mean(g) - xhat * mean(g * xhat))
                    let mg = Float(sumG / Double(n)), mgh = Float(sumGH / Double(n))
                    for i in 0..<b {
                        let off = (i * c + ch) * s
                        for j in 0..<s { dst[off + j] = scale * (gp[off + j] - mg - hp[off + j] * mgh) }
                    }
                } else {
                    for i in 0..<b {
                        let off = (i * c + ch) * s
                        for j in 0..<s { dst[off + j] = scale * gp[off + j] }
                    }
                }
            }
            return [gx, gw, gb]
        }
    }
}
