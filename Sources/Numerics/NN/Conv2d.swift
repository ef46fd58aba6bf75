import CKernels

/// 2-D convolution. With stride 1 on a CPU with AVX2 or AVX-512 it runs the direct kernels
/// of `Sources/CKernels/conv_direct.c` (when they pay: `directPath`, `weightGradientPath`);
/// otherwise im2col + GEMM. Each core takes its own images. For im2col it unfolds one image
/// into a column buffer that stays in cache and multiplies it with a single-threaded GEMM
/// that writes the image's output in place, so there is no large column matrix and no
/// output shuffle (measured: the batched-columns version spent as long unfolding and
/// shuffling as multiplying). Shapes: x [B, C, H, W], weight [O, C, KH, KW], bias [O],
/// y [B, O, Ho, Wo]; K = C*KH*KW, P = Ho*Wo.
public final class Conv2d: Module {
    public let inChannels: Int, outChannels: Int
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inChannels: Int, _ outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), bias: Bool = true, generator: Generator = .shared) throws {
        guard inChannels > 0, outChannels > 0, kernel.0 > 0, kernel.1 > 0, stride.0 > 0, stride.1 > 0,
              padding.0 >= 0, padding.1 >= 0 else {
            throw TensorError("channels, kernel and stride must be positive and padding non-negative, got \(inChannels) -> \(outChannels) channels, "
                              + "kernel \(kernel.0)x\(kernel.1), stride \(stride.0)x\(stride.1), padding \(padding.0)x\(padding.1)")
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
        let xc = try x.contiguous(), w = try weight.contiguous()
        let y = try Tensor(uninitializedShape: [batch, outChannels, g.outHeight, g.outWidth])
        let (o, k, p) = (outChannels, g.patchSize, g.outPixels)
        let imageSize = inChannels * g.height * g.width
        let bp = bias?.pointer
        let direct = Conv2d.directPath(g, outChannels: o)
        let scratchSize = direct != nil ? g.directScratch(outChannels: o) : k * p
        let scratch = try Tensor(uninitializedShape: [parallelWorkers, scratchSize])
        withSingleThreadedBLAS {
            parallelRanges(batch) { worker, images in
                let cols = scratch.pointer + worker * scratchSize
                for b in images {
                    let out = y.pointer + b * o * p
                    if let direct {
                        g.convolveDirect(direct, xc.pointer + b * imageSize, weight: w.pointer, outChannels: o,
                                         bias: bp, into: out, scratch: cols)
                        continue
                    }
                    im2col(xc.pointer + b * imageSize, g, into: cols, ld: p)
                    if let bp { for c in 0..<o { (out + c * p).update(repeating: bp[c], count: p) } }
                    // y_b[O, P] = W[O, K] cols[K, P] (+ bias already in place)
                    sgemm(transA: false, transB: false, m: o, n: p, k: k, a: w.pointer, lda: k,
                          b: cols, ldb: p, beta: bp == nil ? 0 : 1, c: out, ldc: p)
                }
            }
        }
        withExtendedLifetime((xc, w, scratch)) {}
        let (wt, bt) = (weight, bias)
        return y.recordingGradient("Conv2d", inputs: [x, wt] + (bt.map { [$0] } ?? [])) { gy in
            try Conv2d.backward(gy.contiguous(), x: xc, needInput: x.requiresGrad, weight: w, hasBias: bt != nil,
                                geometry: g, outChannels: o)
        }
    }

    static func backward(_ gy: Tensor, x: Tensor, needInput: Bool, weight w: Tensor, hasBias: Bool,
                         geometry g: ConvGeometry, outChannels o: Int) throws -> [Tensor?] {
        let batch = x.shape[0]
        let (k, p) = (g.patchSize, g.outPixels)
        let imageSize = g.channels * g.height * g.width
        let workers = parallelWorkers
        // With stride 1, dX is the "full" correlation of dY with the flipped kernel: a
        // convolution of the same efficient shape as the forward pass (K = O*KH*KW rows
        // instead of a K = O GEMM followed by a scatter-add).
        // Measured on the CNN's layers: as a GEMM it pays when the input has at least as many
        // channels as the output (the GEMM then has enough rows), otherwise the scatter path is
        // faster; the direct kernel takes it always.
        let gGeometry = ConvGeometry(channels: o, height: g.outHeight, width: g.outWidth,
                                     kernelH: g.kernelH, kernelW: g.kernelW, strideH: 1, strideW: 1,
                                     padH: g.kernelH - 1 - g.padH, padW: g.kernelW - 1 - g.padW)
        let fullCorrelation = g.strideH == 1 && g.strideW == 1 && g.padH <= g.kernelH - 1 && g.padW <= g.kernelW - 1
        let direct = needInput && fullCorrelation ? Conv2d.directPath(gGeometry, outChannels: g.channels) : nil
        let transposed = fullCorrelation && (direct != nil || g.channels >= o)
        let flipped = transposed && needInput ? try flippedKernel(w, geometry: g, outChannels: o) : nil
        let gk = gGeometry.patchSize, gp = gGeometry.outPixels   // gp == H*W
        // per-worker partial sums of dW and db, added up at the end
        // (laid out [C, KH*KW, O] when the direct kernel makes them)
        let wgrad = Conv2d.weightGradientPath(g, outChannels: o)
        let gwParts = try Tensor(shape: [workers, o * k], repeating: 0)
        let gbParts = try Tensor(shape: [workers, o], repeating: 0)
        let gx = needInput ? try Tensor(uninitializedShape: x.shape) : nil
        // one image's scratch for dW (the direct kernel's, or im2col's columns) and, used after
        // it, for dX (the direct kernel's, the unfolded dY, or the columns folded back)
        let forWeight = wgrad != nil ? g.weightGradientScratch(outChannels: o) : k * p
        let forInput = !needInput ? 0 : direct != nil ? gGeometry.directScratch(outChannels: g.channels)
            : transposed ? gk * gp : k * p
        let scratchSize = max(forWeight, forInput)
        let scratch = try Tensor(uninitializedShape: [workers, scratchSize])
        withSingleThreadedBLAS {
            parallelRanges(batch) { worker, images in
                let cols = scratch.pointer + worker * scratchSize
                let gw = gwParts.pointer + worker * o * k, gb = gbParts.pointer + worker * o
                for b in images {
                    let gb_ = gy.pointer + b * o * p
                    if let wgrad {
                        g.addWeightGradientDirect(wgrad, x.pointer + b * imageSize, outputGradient: gb_,
                                                  outChannels: o, into: gw, scratch: cols)
                    } else {
                        im2col(x.pointer + b * imageSize, g, into: cols, ld: p)
                        // dW[O, K] += dY_b[O, P] cols^T[P, K]
                        sgemm(transA: false, transB: true, m: o, n: k, k: p, a: gb_, lda: p,
                              b: cols, ldb: p, beta: 1, c: gw, ldc: k)
                    }
                    if hasBias {
                        for c in 0..<o { gb[c] += simdSum(gb_ + c * p, p) }
                    }
                    if let gx, let flipped, let direct {
                        gGeometry.convolveDirect(direct, gb_, weight: flipped.pointer, outChannels: g.channels,
                                                 bias: nil, into: gx.pointer + b * imageSize, scratch: cols)
                    } else if let gx, let flipped {
                        // dX_b[C, H*W] = flip(W)[C, O*KH*KW] unfold(dY_b)[O*KH*KW, H*W]
                        im2col(gb_, gGeometry, into: cols, ld: gp)
                        sgemm(transA: false, transB: false, m: g.channels, n: gp, k: gk, a: flipped.pointer, lda: gk,
                              b: cols, ldb: gp, c: gx.pointer + b * imageSize, ldc: gp)
                    } else if let gx {
                        // dcols[K, P] = W^T[K, O] dY_b[O, P], folded back into dX_b
                        sgemm(transA: true, transB: false, m: k, n: p, k: o, a: w.pointer, lda: k,
                              b: gb_, ldb: p, c: cols, ldc: p)
                        let dst = gx.pointer + b * imageSize
                        dst.update(repeating: 0, count: imageSize)
                        col2imAdd(cols, ld: p, g, into: dst)
                    }
                }
            }
        }
        withExtendedLifetime((gy, x, w, scratch, flipped)) {}
        let gw = try Tensor(shape: w.shape, repeating: 0)
        let taps = g.kernelH * g.kernelW
        for t in 0..<workers {
            let part = gwParts.pointer + t * o * k
            if wgrad != nil {   // [C, taps, O] -> [O, C, taps]
                for ci in 0..<g.channels { for tap in 0..<taps { for oi in 0..<o {
                    gw.pointer[(oi * g.channels + ci) * taps + tap] += part[(ci * taps + tap) * o + oi]
                } } }
            } else {
                for i in 0..<(o * k) { gw.pointer[i] += part[i] }
            }
        }
        var result: [Tensor?] = [gx, gw]
        if hasBias {
            let gb = try Tensor(shape: [o], repeating: 0)
            for t in 0..<workers { for c in 0..<o { gb.pointer[c] += gbParts.pointer[t * o + c] } }
            result.append(gb)
        }
        return result
    }

    /// flip(W)[c, o, i, j] = W[o, c, KH-1-i, KW-1-j], as a [C, O*KH*KW] matrix.
    static func flippedKernel(_ w: Tensor, geometry g: ConvGeometry, outChannels o: Int) throws -> Tensor {
        let (c, kh, kw) = (g.channels, g.kernelH, g.kernelW)
        let f = try Tensor(uninitializedShape: [c, o * kh * kw])
        for ci in 0..<c {
            for oi in 0..<o {
                for i in 0..<kh {
                    for j in 0..<kw {
                        f.pointer[((ci * o + oi) * kh + i) * kw + j] =
                            w.pointer[((oi * c + ci) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)]
                    }
                }
            }
        }
        return f
    }
}
