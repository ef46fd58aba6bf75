import CKernels

/// Conv1d on input that lies channels-last: x is [B, C, L] but views a contiguous [B, L, C],
/// as `nn.Transpose(2, 3)` of an embedding's output does. Why: the ConvLSTM's
/// Embedding -> Transpose -> Conv1d -> ReLU -> Transpose -> LSTM copied its activations into
/// [B, C, L] for the convolution and back into [B, L, C] for the LSTM; the convolution and the
/// two copies were 17% of its evaluation time. Here a window of K positions is K * C
/// consecutive floats of the (padded) input, so each image is one product with the kernel of
/// Sources/CKernels/gemm_nn.c, out [L', O] = windows [L', K*C] (rows C apart, read in place)
/// times W as [K*C, O], and the output is made as [B, L', O] and returned as its [B, O, L']
/// view, which the next Transpose(2, 3) turns back into a contiguous tensor without a copy.
/// ReLU after it is applied in the same pass (nn.Sequential's fused pairs).
///
/// Taken with stride 1, padding below the kernel size, C and O whole AVX-512 vectors (16) on a
/// CPU with AVX-512; otherwise Conv1d copies the input and runs the 2-D kernels. The sums run
/// over taps, then channels, in order (the 2-D kernels sum channels first), so results differ
/// from that path in rounding.
extension Conv1d {
    /// Whether `x` [B, C, L] takes the channels-last path.
    func channelsLast(_ x: Tensor) -> Bool {
        let (c, l, o) = (x.shape[1], x.shape[2], conv.outChannels)
        return lws_kernels_avx512() != 0 && conv.stride.1 == 1 && conv.padding.1 < conv.kernel.1
            && c % 16 == 0 && o % 16 == 0 && x.strides == [l * c, 1, c]
    }

    func forwardChannelsLast(_ x: Tensor, relu: Bool) throws -> Tensor {
        let (b, c, l) = (x.shape[0], x.shape[1], x.shape[2])
        let (k, p, o) = (conv.kernel.1, conv.padding.1, conv.outChannels)
        let lo = l + 2 * p - k + 1, kc = k * c, padded = (l + 2 * p) * c
        // W [O, C, 1, K] as [K*C, O]: row j*C + ci holds W[:, ci, 0, j], in the order a
        // window's floats lie
        let wt = try conv.weight.permute([3, 2, 1, 0]).contiguous()
        let y = try Tensor(uninitializedShape: [b, lo, o])
        let scratch = try Tensor(uninitializedShape: [parallelWorkers, padded])
        let (xs, bias) = (x.pointer, conv.bias)
        parallelRanges(b, minimumPerWorker: 4) { worker, images in
            let xp = scratch.pointer + worker * padded   // one image, p zero rows either side
            xp.update(repeating: 0, count: p * c)
            (xp + (p + l) * c).update(repeating: 0, count: p * c)
            for i in images {
                (xp + p * c).update(from: xs + i * l * c, count: l * c)
                let yi = y.pointer + i * lo * o
                for r in 0..<lo {
                    if let bias { (yi + r * o).update(from: bias.pointer, count: o) } else { (yi + r * o).update(repeating: 0, count: o) }
                }
                lws_gemm_nn(lo, o, kc, xp, c, wt.pointer, o, yi, o, 1)
                if relu { for q in 0..<(lo * o) { yi[q] = yi[q] > 0 ? yi[q] : 0 } }
            }
        }
        withExtendedLifetime((wt, scratch)) {}
        let inputs = [x, conv.weight] + (bias.map { [$0] } ?? [])
        let recorded = y.recordingGradient(relu ? "Conv1d+ReLU" : "Conv1d", inputs: inputs, usingOutput: { [conv] g, y in
            try Conv1d.backwardChannelsLast(g, x: x, y: y, relu: relu, conv: conv, lo: lo)
        })
        return try Ops.transpose(recorded, 1, 2)
    }

    /// Gradients of x (as a [B, C, L] view of a [B, L, C] tensor), the weight and the bias
    /// from g, the gradient of y [B, L', O].
    static func backwardChannelsLast(_ g: Tensor, x: Tensor, y: Tensor, relu: Bool, conv: Conv2d, lo: Int) throws -> [Tensor?] {
        let (b, c, l) = (x.shape[0], x.shape[1], x.shape[2])
        let (k, p, o) = (conv.kernel.1, conv.padding.1, conv.outChannels)
        let kc = k * c, q = k - 1 - p
        let g = try g.contiguous()
        // through ReLU: y > 0 exactly where its input was, so ReLU's own gradient kernel
        // applies to the saved output
        let gy = relu ? try mapBinary(g, y, GradKernels.Relu()) : g
        let w = try conv.weight.contiguous()
        // dx is a convolution of gy, padded by q = K-1-p, with the taps reversed: W as [K*O, C]
        let wf = try Tensor(uninitializedShape: [k * o, c])
        for oc in 0..<o { for ci in 0..<c { for j in 0..<k { wf.pointer[((k - 1 - j) * o + oc) * c + ci] = w.pointer[(oc * c + ci) * k + j] } } }
        let gx = x.requiresGrad ? try Tensor(uninitializedShape: [b, l, c]) : nil
        // dW as [K*C, O] += windows^T [K*C, rows] gy [rows, O] over `chunk` images at a time:
        // one image's L' rows alone made too short a product
        let workers = parallelWorkers, chunk = min(32, b)
        let padded = (l + 2 * p) * c, windowsT = kc * chunk * lo, gPadded = (lo + 2 * q) * o
        let per = padded + windowsT + gPadded
        let scratch = try Tensor(uninitializedShape: [workers, per])
        let parts = try Tensor(shape: [workers, kc * o], repeating: 0)   // dW per thread
        let xs = x.pointer
        parallelRanges(b, minimumPerWorker: 4) { worker, images in
            let xp = scratch.pointer + worker * per, at = xp + padded, gp = at + windowsT
            let part = parts.pointer + worker * kc * o
            xp.update(repeating: 0, count: p * c)
            (xp + (p + l) * c).update(repeating: 0, count: p * c)
            gp.update(repeating: 0, count: q * o)
            (gp + (q + lo) * o).update(repeating: 0, count: q * o)
            for first in stride(from: images.lowerBound, to: images.upperBound, by: chunk) {
                let n = min(chunk, images.upperBound - first), cols = n * lo
                for i in first..<(first + n) {
                    let gi = gy.pointer + i * lo * o
                    // this image's windows, transposed, as columns (i - first) L' of `at`
                    (xp + p * c).update(from: xs + i * l * c, count: l * c)
                    lws_transpose(lo, kc, xp, c, at + (i - first) * lo, cols)
                    // dx_i [L, C] = windows of the padded gy_i [L, K*O] (rows O apart) times W reversed
                    if let gx {
                        (gp + q * o).update(from: gi, count: lo * o)
                        lws_gemm_nn(l, c, k * o, gp, o, wf.pointer, c, gx.pointer + i * l * c, c, 0)
                    }
                }
                lws_gemm_nn(kc, o, cols, at, cols, gy.pointer + first * lo * o, o, part, o, 1)
            }
        }
        withExtendedLifetime((w, wf, scratch)) {}
        // the threads' parts added up, [K, 1, C, O], then laid out as W [O, C, 1, K]
        let sum = try Tensor(uninitializedShape: [k, 1, c, o])
        sum.pointer.update(from: parts.pointer, count: kc * o)
        for t in 1..<max(workers, 1) { for e in 0..<(kc * o) { sum.pointer[e] += parts.pointer[t * kc * o + e] } }
        let gw = try sum.permute([3, 2, 1, 0]).contiguous()
        var result: [Tensor?] = [try gx?.transpose(1, 2), gw]
        if conv.bias != nil {
            let gb = try Tensor(uninitializedShape: [o])
            columnSums(gy.pointer, rows: b * lo, cols: o, into: gb.pointer)
            result.append(gb)
        }
        return result
    }
}
