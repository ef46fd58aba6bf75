import CKernels

/// y = x W^T + b, fused: one GEMM forward, two GEMMs and a column sum backward.
/// Shapes: x [N, I] (or [*, I]), W [O, I], b [O], y [N, O].
public final class Linear: Module {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: Generator = .shared) throws {
        guard inFeatures > 0, outFeatures > 0 else {
            throw TensorError("sizes must be positive, got \(inFeatures), \(outFeatures)")
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Init.parameter(try Init.uniformFanIn([outFeatures, inFeatures], fanIn: inFeatures, generator: generator))
        self.bias = bias ? Init.parameter(try Init.uniformFanIn([outFeatures], fanIn: inFeatures, generator: generator)) : nil
    }

    /// The most rows (batch) the forward pass gives to lwscript's own small-batch kernel.
    /// Measured on the MLP's 784 -> 256 layer, alternating binaries, medians of 5: evaluation
    /// 1.36x OpenBLAS at batch 32 and 1.18x at 128, 0.83x at 512.
    static let smallBatch = 128

    public override var kind: String { "Linear" }
    public override var summary: String { "Linear(\(inFeatures) -> \(outFeatures)\(bias == nil ? ", no bias" : ""))" }
    public override var namedParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1, x.shape.last == inFeatures else {
            throw TensorError("\(summary) expected input of size Nx\(inFeatures), got \(describeShape(x.shape))")
        }
        let lead = Array(x.shape.dropLast())
        let n = lead.reduce(1, *)
        let xc = try x.contiguous()
        let y = try Tensor(uninitializedShape: lead + [outFeatures])
        try linearForward(x: xc.pointer, n: n, weight: try weight.contiguous().pointer, bias: bias?.pointer, out: y.pointer)
        let (w, b) = (weight, bias)
        return y.recordingGradient("Linear", inputs: [x, w] + (b.map { [$0] } ?? [])) { [inFeatures, outFeatures] g in
            let gc = try g.contiguous()
            var gx: Tensor? = nil
            if x.requiresGrad {
                let t = try Tensor(uninitializedShape: x.shape)
                // dX[N,I] = dY[N,O] W[O,I]
                sgemm(transA: false, transB: false, m: n, n: inFeatures, k: outFeatures,
                      a: gc.pointer, lda: outFeatures, b: try w.contiguous().pointer, ldb: inFeatures, c: t.pointer, ldc: inFeatures)
                gx = t
            }
            let gw = try Tensor(uninitializedShape: [outFeatures, inFeatures])
            // dW[O,I] = dY^T[O,N] X[N,I]
            try Linear.weightGradient(dy: gc.pointer, x: xc.pointer, n: n, inputs: inFeatures, outputs: outFeatures, into: gw.pointer)
            var result: [Tensor?] = [gx, gw]
            if b != nil {
                let gb = try Tensor(shape: [outFeatures], repeating: 0)
                columnSums(gc.pointer, rows: n, cols: outFeatures, into: gb.pointer)
                result.append(gb)
            }
            return result
        }
    }

    /// dW[O,I] = dY^T[O,N] X[N,I]. On a CPU with AVX-512 and I a multiple of 16, dY^T is
    /// made once and each core takes its own columns of dW through gemm_nn.c (X read in place,
    /// packed as it is read), the sums over rows in order; otherwise OpenBLAS. Why: one core,
    /// 256 x 512 by 512 x 384, 157 GFLOP/s against OpenBLAS's 144 (the transpose costs 4% of
    /// that); MLP training 1.06x at batch 128 and 1.12x at 32, the same at 512 (alternating
    /// binaries, medians of 7).
    static func weightGradient(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int, inputs: Int, outputs: Int,
                               into gw: UnsafeMutablePointer<Float>) throws {
        guard inputs % 16 == 0, lws_kernels_avx512() != 0 else {
            sgemm(transA: true, transB: false, m: outputs, n: inputs, k: n,
                  a: dy, lda: outputs, b: x, ldb: inputs, c: gw, ldc: inputs)
            return
        }
        let dyT = try Tensor(uninitializedShape: [outputs, n])
        lws_transpose(n, outputs, dy, outputs, dyT.pointer, n)
        parallelRanges(inputs / 16, minimumPerWorker: 2) { _, groups in
            let (c0, w) = (groups.lowerBound * 16, groups.count * 16)
            lws_gemm_nn(outputs, w, n, dyT.pointer, n, x + c0, inputs, gw + c0, inputs, 0)
        }
    }

    /// out[N,O] = x[N,I] W^T + b (b broadcast over rows; BLAS accumulates onto it). On a CPU
    /// with AVX-512, lwscript's kernels instead, each core taking its own output columns:
    /// - up to `Linear.smallBatch` rows, Sources/CKernels/gemm_nt.c: OpenBLAS packs both
    ///   operands for every product, and with 32 rows that cost as much as the product
    ///   (measured on one core, 32x784 by 784x256: OpenBLAS 81 GFLOP/s, the kernel 100);
    /// - more rows, with O a multiple of 16, gemm_nn.c with each core's columns of W^T packed
    ///   first (one core, 512x784 by 784x128: 146 GFLOP/s against OpenBLAS's 131-134; the
    ///   MLP at batch 512 1.05x in evaluation and 1.10x in training, alternating binaries).
    private func linearForward(x: UnsafePointer<Float>, n: Int, weight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>) throws {
        let (i, o) = (inFeatures, outFeatures)
        if n <= Linear.smallBatch, lws_kernels_avx512() != 0 {
            parallelRanges(o, minimumPerWorker: 24) { _, cols in
                lws_gemm_nt(n, cols.lowerBound, cols.upperBound, i, x, i, weight, i, bias, out, o)
            }
            return
        }
        if o % 16 == 0, lws_kernels_avx512() != 0 {
            // each core packs its own columns of W^T (16 at a time) where they will lie in
            // `packed` (columns c0..<c1 at c0 * I), then sums onto the bias, in k order
            let packed = try Tensor(uninitializedShape: [o * i])
            parallelRanges(o / 16, minimumPerWorker: 2) { _, groups in
                let (c0, w) = (groups.lowerBound * 16, groups.count * 16)
                let p = packed.pointer + c0 * i
                lws_gemm_nn_pack(i, w, weight + c0 * i, 1, i, p)
                if let bias {
                    for r in 0..<n { (out + r * o + c0).update(from: bias + c0, count: w) }
                }
                lws_gemm_nn_packed(n, w, i, x, i, p, out + c0, o, bias == nil ? 0 : 1)
            }
            return
        }
        if let bias {
            for r in 0..<n { (out + r * outFeatures).update(from: bias, count: outFeatures) }
        }
        sgemm(transA: false, transB: true, m: n, n: outFeatures, k: inFeatures,
              a: x, lda: inFeatures, b: weight, ldb: inFeatures,
              beta: bias == nil ? 0 : 1, c: out, ldc: outFeatures)
    }
}

/// sums[c] = sum over rows of m[r, c] (accumulated in Float64 per column block).
func columnSums(_ m: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>) {
    var acc = [Double](repeating: 0, count: cols)
    acc.withUnsafeMutableBufferPointer { acc in
        for r in 0..<rows {
            let row = m + r * cols
            for c in 0..<cols { acc[c] += Double(row[c]) }
        }
        for c in 0..<cols { sums[c] = Float(acc[c]) }
    }
}
