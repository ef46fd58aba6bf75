/// 2-D convolution as im2col + GEMM, batched: each chunk of images is unfolded side by side
/// into one column matrix so that a single large GEMM does the work.
/// Shapes: x [B, C, H, W], weight [O, C, KH, KW], bias [O], y [B, O, Ho, Wo].
public final class Conv2d: Module {
    public let inChannels: Int, outChannels: Int
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public let weight: Tensor
    public let bias: Tensor?
    /// Column buffers hold at most this many floats per chunk (16 MiB).
    static let chunkFloats = 4 << 20

    public init(_ inChannels: Int, _ outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), bias: Bool = true, generator: Generator = .shared) throws {
        guard inChannels > 0, outChannels > 0, kernel.0 > 0, kernel.1 > 0, stride.0 > 0, stride.1 > 0,
              padding.0 >= 0, padding.1 >= 0 else {
            throw TensorError("nn.Conv2d: channels, kernel and stride must be positive and padding non-negative")
        }
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        let fanIn = inChannels * kernel.0 * kernel.1
        weight = Init.parameter(try Init.uniformFanIn([outChannels, inChannels, kernel.0, kernel.1], fanIn: fanIn, generator: generator))
        self.bias = bias ? Init.parameter(try Init.uniformFanIn([outChannels], fanIn: fanIn, generator: generator)) : nil
    }

    public override var kind: String { "Conv2d" }
    public override var summary: String {
        "Conv2d(\(inChannels) -> \(outChannels), \(kernel.0)x\(kernel.1)"
            + (stride != (1, 1) ? ", stride \(stride.0)" + (stride.0 != stride.1 ? "x\(stride.1)" : "") : "")
            + (padding != (0, 0) ? ", padding \(padding.0)" + (padding.0 != padding.1 ? "x\(padding.1)" : "") : "")
            + (bias == nil ? ", no bias" : "") + ")"
    }
    public override var constructor: String {
        "nn.Conv2d(\(inChannels), \(outChannels), {\(kernel.0), \(kernel.1)}, {stride = {\(stride.0), \(stride.1)}, padding = {\(padding.0), \(padding.1)}, bias = \(bias != nil)})"
    }
    public override var namedParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func geometry(for x: Tensor) throws -> ConvGeometry {
        guard x.rank == 4, x.shape[1] == inChannels else {
            throw TensorError("\(summary) expected input of size Bx\(inChannels)xHxW, got \(describeShape(x.shape))")
        }
        let g = ConvGeometry(channels: inChannels, height: x.shape[2], width: x.shape[3],
                             kernelH: kernel.0, kernelW: kernel.1, strideH: stride.0, strideW: stride.1,
                             padH: padding.0, padW: padding.1)
        guard g.height + 2 * g.padH >= g.kernelH, g.width + 2 * g.padW >= g.kernelW else {
            throw TensorError("\(summary): input \(g.height)x\(g.width) is smaller than the \(kernel.0)x\(kernel.1) kernel")
        }
        return g
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let g = try geometry(for: x)
        let batch = x.shape[0]
        let xc = x.contiguous()
        let y = Tensor(uninitializedShape: [batch, outChannels, g.outHeight, g.outWidth])
        let w = weight.contiguous()
        let (o, k, p) = (outChannels, g.patchSize, g.outPixels)
        let imageSize = inChannels * g.height * g.width
        let chunk = max(1, min(batch, Conv2d.chunkFloats / max(k * p, 1)))
        let cols = Tensor(uninitializedShape: [k * chunk * p])
        let result = Tensor(uninitializedShape: [o * chunk * p])
        var start = 0
        while start < batch {
            let nb = min(chunk, batch - start), ld = nb * p
            parallelFor(nb) { b in
                im2col(xc.pointer + (start + b) * imageSize, g, into: cols.pointer + b * p, ld: ld)
            }
            // result[O, nb*P] = W[O, K] cols[K, nb*P]
            sgemm(transA: false, transB: false, m: o, n: ld, k: k, a: w.pointer, lda: k,
                  b: cols.pointer, ldb: ld, c: result.pointer, ldc: ld)
            let bp = bias?.pointer
            parallelFor(nb) { b in
                for c in 0..<o {
                    let src = result.pointer + c * ld + b * p
                    let dst = y.pointer + ((start + b) * o + c) * p
                    let add = bp?[c] ?? 0
                    for i in 0..<p { dst[i] = src[i] + add }
                }
            }
            start += nb
        }
        let (wt, bt) = (weight, bias)
        return y.recordingGradient("Conv2d", inputs: [x, wt] + (bt.map { [$0] } ?? [])) { gy in
            try Conv2d.backward(gy.contiguous(), x: xc, needInput: x.requiresGrad, weight: w, hasBias: bt != nil,
                                geometry: g, outChannels: o, chunk: chunk)
        }
    }

    static func backward(_ gy: Tensor, x: Tensor, needInput: Bool, weight w: Tensor, hasBias: Bool,
                         geometry g: ConvGeometry, outChannels o: Int, chunk: Int) throws -> [Tensor?] {
        let batch = x.shape[0]
        let (k, p) = (g.patchSize, g.outPixels)
        let imageSize = g.channels * g.height * g.width
        let gw = Tensor(shape: w.shape, repeating: 0)
        let gx = needInput ? Tensor(shape: x.shape, repeating: 0) : nil
        let cols = Tensor(uninitializedShape: [k * chunk * p])
        let gchunk = Tensor(uninitializedShape: [o * chunk * p])
        var start = 0
        while start < batch {
            let nb = min(chunk, batch - start), ld = nb * p
            // gather dY for the chunk as [O, nb*P] and unfold the inputs again (cheaper than
            // keeping every column matrix from the forward pass)
            parallelFor(nb) { b in
                for c in 0..<o {
                    (gchunk.pointer + c * ld + b * p).update(from: gy.pointer + ((start + b) * o + c) * p, count: p)
                }
                im2col(x.pointer + (start + b) * imageSize, g, into: cols.pointer + b * p, ld: ld)
            }
            // dW[O, K] += dY[O, nb*P] cols^T[nb*P, K]
            sgemm(transA: false, transB: true, m: o, n: k, k: ld, a: gchunk.pointer, lda: ld,
                  b: cols.pointer, ldb: ld, beta: 1, c: gw.pointer, ldc: k)
            if let gx {
                // dcols[K, nb*P] = W^T[K, O] dY[O, nb*P], folded back into dX
                sgemm(transA: true, transB: false, m: k, n: ld, k: o, a: w.pointer, lda: k,
                      b: gchunk.pointer, ldb: ld, c: cols.pointer, ldc: ld)
                parallelFor(nb) { b in
                    col2imAdd(cols.pointer + b * p, ld: ld, g, into: gx.pointer + (start + b) * imageSize)
                }
            }
            start += nb
        }
        var result: [Tensor?] = [gx, gw]
        if hasBias {
            let gb = Tensor(shape: [o], repeating: 0)
            for b in 0..<batch {
                for c in 0..<o {
                    let row = gy.pointer + (b * o + c) * p
                    var s: Float = 0
                    for i in 0..<p { s += row[i] }
                    gb.pointer[c] += s
                }
            }
            result.append(gb)
        }
        return result
    }
}
