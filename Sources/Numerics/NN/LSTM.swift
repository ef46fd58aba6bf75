import CKernels
import Foundation

/// Long short-term memory, batch first, PyTorch's gate order (input, forget, cell, output)
/// and initialisation U(-1/sqrt(H), 1/sqrt(H)). Each layer is one fused operation: with
/// AVX-512 each step's products and gate pass are one kernel (Sources/CKernels/lstm_step.c),
/// otherwise a single GEMM projects every time step's input and a GEMM per step adds the
/// recurrent part; the backward pass (through time) is written by hand with the weight
/// gradients batched.
/// Shapes: x [B, T, I], output [B, T, H] (last layer), h_n and c_n [L, B, H].
public final class LSTM: Module {
    public let inputSize: Int, hiddenSize: Int, layers: Int
    /// Per layer: weight_ih [4H, In], weight_hh [4H, H], bias_ih [4H], bias_hh [4H].
    public let weights: [(wih: Tensor, whh: Tensor, bih: Tensor, bhh: Tensor)]

    public init(_ inputSize: Int, _ hiddenSize: Int, layers: Int = 1, generator: Generator = .shared) throws {
        guard inputSize > 0, hiddenSize > 0, layers > 0 else {
            throw TensorError("sizes and layer count must be positive, got \(inputSize), \(hiddenSize), \(layers)")
        }
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        // Each tensor is checked as it is made; all layers together are checked first (1e9
        // layers of small tensors would otherwise allocate until the memory runs out).
        let (h, i) = (Double(hiddenSize), Double(inputSize))
        let elements = 4 * h * (i + h) + 8 * h + Double(layers - 1) * (4 * h * 2 * h + 8 * h)
        try MemoryGuard.checkTotal(bytes: 4 * elements, for: "the parameters of LSTM(\(inputSize) -> \(hiddenSize), \(layers) layers)")
        let bound = Float(1 / Double(hiddenSize).squareRoot())
        var w: [(Tensor, Tensor, Tensor, Tensor)] = []
        for l in 0..<layers {
            let inSize = l == 0 ? inputSize : hiddenSize
            w.append((Init.parameter(try Init.uniform([4 * hiddenSize, inSize], bound: bound, generator: generator)),
                      Init.parameter(try Init.uniform([4 * hiddenSize, hiddenSize], bound: bound, generator: generator)),
                      Init.parameter(try Init.uniform([4 * hiddenSize], bound: bound, generator: generator)),
                      Init.parameter(try Init.uniform([4 * hiddenSize], bound: bound, generator: generator))))
        }
        weights = w
    }

    public override var kind: String { "LSTM" }
    public override var summary: String { "LSTM(\(inputSize) -> \(hiddenSize)\(layers > 1 ? ", \(layers) layers" : ""))" }
    public override var namedParameters: [(String, Tensor)] {
        weights.enumerated().flatMap { l, w in
            [("weight_ih_l\(l)", w.wih), ("weight_hh_l\(l)", w.whh), ("bias_ih_l\(l)", w.bih), ("bias_hh_l\(l)", w.bhh)]
        }
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        try forwardAll(x).output
    }

    /// All hidden states of the last layer, and the final hidden and cell states per layer,
    /// all differentiable: a loss through c_n reaches the weights and the input, as in PyTorch.
    public func forwardAll(_ x: Tensor) throws -> (output: Tensor, h: Tensor, c: Tensor) {
        let r = try run(x)
        return (r.output, r.h, r.c)
    }

    /// The last layer's hidden state at the last step, [B, H] (for classifiers). Taken straight
    /// from the layer's joint tensor, so its gradient skips a pass over all T steps' outputs.
    public func forwardLast(_ x: Tensor) throws -> Tensor {
        try run(x).last
    }

    private func run(_ x: Tensor) throws -> (output: Tensor, h: Tensor, c: Tensor, last: Tensor) {
        guard x.rank == 3, x.shape[2] == inputSize, x.shape[1] > 0 else {
            throw TensorError("\(summary) expected input of size BxTx\(inputSize) (batch, time, features), got \(describeShape(x.shape))")
        }
        var input = x
        var lastH: [Tensor] = [], lastC: [Tensor] = []
        for w in weights {
            let (out, cLast, hLast) = try LSTM.layer(input, w.wih, w.whh, w.bih, w.bhh)
            lastH.append(hLast)
            lastC.append(cLast)
            input = out
        }
        return (input, try Ops.stack(lastH, dim: 0), try Ops.stack(lastC, dim: 0), lastH.last!)
    }

    /// Sequences per block: each thread runs its share of the batch in blocks of this many
    /// sequences through every time step (a block's gates stay in cache).
    static let blockSequences = 64

    /// One layer over the whole sequence; returns all hidden states, the last cell state and
    /// the last hidden state, views of one tensor [B, T+1, H] (h_1..h_T, then c_T) so that a
    /// single backward pass through time takes the gradients of all three.
    ///
    /// Each thread takes its own sequences and runs them through all T steps with
    /// single-threaded GEMMs, as the convolutions take their own images: sequences never
    /// interact, and the per-step alternative (a multithreaded GEMM and a parallel loop at
    /// every step) spent much of its time handing work between threads.
    static func layer(_ x: Tensor, _ wih: Tensor, _ whh: Tensor, _ bih: Tensor, _ bhh: Tensor) throws -> (Tensor, Tensor, Tensor) {
        let (b, t, inSize) = (x.shape[0], x.shape[1], x.shape[2])
        let h = whh.shape[1], g4 = 4 * h
        let xc = try x.contiguous(), wi = try wih.contiguous(), wh = try whh.contiguous()
        // Without a gradient to record (evaluation, tensor.no_grad) nothing is kept for a
        // backward pass: no tanh(c_t), no joint tensor below, and the gates only as long as a
        // step needs them (lwscript's fused step: in registers; OpenBLAS: a scratch of one
        // block per thread, reused warm in cache).
        let recording = GradMode.isEnabled && [x, wih, whh, bih, bhh].contains(where: { $0.requiresGrad })
        let block = min(blockSequences, b)
        // W_ih and W_hh packed once per pass for lwscript's fused step (nil: OpenBLAS)
        let fused = PackedLSTMWeights.applies(hidden: h)
            ? try PackedLSTMWeights(wih: wi.pointer, whh: wh.pointer, inputs: inSize, hidden: h) : nil
        let scratch = block * t * g4
        let gates = recording ? try Tensor(uninitializedShape: [b, t, g4])
            : fused == nil ? try Tensor(uninitializedShape: [parallelWorkers, scratch]) : nil
        let out = try Tensor(uninitializedShape: [b, t, h])        // h_t
        let cells = try Tensor(uninitializedShape: [b, t, h])      // c_t
        let tanhC = recording ? try Tensor(uninitializedShape: [b, t, h]) : nil   // tanh(c_t)
        let bias = try Tensor(uninitializedShape: [g4])
        for j in 0..<g4 { bias.pointer[j] = bih.pointer[j] + bhh.pointer[j] }
        withSingleThreadedBLAS {
            parallelRanges(b, minimumPerWorker: 8) { worker, mine in
                for first in stride(from: mine.lowerBound, to: mine.upperBound, by: block) {
                    let n = min(block, mine.upperBound - first)
                    let g = gates.map { recording ? $0.pointer + first * t * g4 : $0.pointer + worker * scratch }
                    forwardBlock(first: first, count: n, t: t, h: h, inSize: inSize, x: xc.pointer, wih: wi.pointer,
                                 whh: wh.pointer, fused: fused, bias: bias.pointer, gates: g,
                                 out: out.pointer, cells: cells.pointer, tanhC: tanhC?.pointer)
                }
            }
        }
        withExtendedLifetime((xc, wi, wh, bias)) {}
        guard let tanhC, let gates else {   // not recording (both are kept when recording)
            let cLast = try Tensor(uninitializedShape: [b, h])
            for i in 0..<b { (cLast.pointer + i * h).update(from: cells.pointer + (i * t + t - 1) * h, count: h) }
            return (out, cLast, try Ops.select(out, 1, t - 1))
        }
        // h_1..h_T and c_T of each sequence, side by side
        let y = try Tensor(uninitializedShape: [b, t + 1, h])
        for i in 0..<b {
            (y.pointer + i * (t + 1) * h).update(from: out.pointer + i * t * h, count: t * h)
            (y.pointer + (i * (t + 1) + t) * h).update(from: cells.pointer + (i * t + t - 1) * h, count: h)
        }

        y.recordingGradient("LSTM", inputs: [x, wih, whh, bih, bhh]) { gy in
            let gOut = try gy.contiguous()                            // [B, T+1, H]: h_t's, then c_T's
            let dGates = try Tensor(uninitializedShape: [b, t, g4])   // pre-activation gradients
            let dh = try Tensor(shape: [b, h], repeating: 0)          // from step s+1 through W_hh
            let dc = try Tensor(uninitializedShape: [b, h])           // from step s+1, at first from c_T
            // W_hh [4H, H] for dh = dG_s W_hh and W_ih [4H, I] for dX = dG W_ih, packed for
            // lwscript's kernel (nil: OpenBLAS)
            let whhPacked = ownKernel(columns: h) ? try PackedMatrix(wh.pointer, k: g4, n: h, kStride: h, nStride: 1) : nil
            let wihPacked = ownKernel(columns: inSize) && x.requiresGrad
                ? try PackedMatrix(wi.pointer, k: g4, n: inSize, kStride: inSize, nStride: 1) : nil
            for i in 0..<b { (dc.pointer + i * h).update(from: gOut.pointer + (i * (t + 1) + t) * h, count: h) }
            // Each thread takes its own sequences through time, then adds their share of the
            // weight and bias gradients to partial sums of its own (added up at the end) and
            // writes their input gradients: no multithreaded GEMM, whose hand-offs between threads
            // cost more than the skinny products they split.
            let workers = parallelWorkers, k2 = inSize + h, block = min(blockSequences, b)   // scratch for a block, no larger than the batch
            let gwParts = try Tensor(shape: [workers, g4 * k2], repeating: 0)   // [dW_ih | dW_hh] per thread
            var gbParts = [Double](repeating: 0, count: workers * g4)
            let joint = try Tensor(uninitializedShape: [workers, block * t * k2])  // [X | H_prev] of a block
            let gx = x.requiresGrad ? try Tensor(uninitializedShape: x.shape) : nil
            gbParts.withUnsafeMutableBufferPointer { gbParts in
                withSingleThreadedBLAS {
                    parallelRanges(b, minimumPerWorker: 8) { worker, mine in
                        for first in stride(from: mine.lowerBound, to: mine.upperBound, by: block) {
                            let n = min(block, mine.upperBound - first), rows = first * t
                            backwardBlock(first: first, count: n, t: t, h: h,
                                          whh: wh.pointer, gates: gates.pointer, cells: cells.pointer, tanhC: tanhC.pointer,
                                          gOut: gOut.pointer, dGates: dGates.pointer, dh: dh.pointer, dc: dc.pointer,
                                          whhPacked: whhPacked)
                            let dG = dGates.pointer + rows * g4
                            // [X | H_prev] rows of the block, H_prev holding h_{t-1} (zeros at t = 0)
                            let jb = joint.pointer + worker * block * t * k2
                            for i in 0..<n {
                                for s in 0..<t {
                                    let r = i * t + s, row = jb + r * k2
                                    row.update(from: xc.pointer + (rows + r) * inSize, count: inSize)
                                    if s == 0 { (row + inSize).update(repeating: 0, count: h) }
                                    else { (row + inSize).update(from: out.pointer + (rows + r - 1) * h, count: h) }
                                }
                            }
                            // [dW_ih | dW_hh][4H, I+H] += dG^T[4H, rows] [X | H_prev][rows, I+H]
                            sgemm(transA: true, transB: false, m: g4, n: k2, k: n * t, a: dG, lda: g4,
                                  b: jb, ldb: k2, beta: 1, c: gwParts.pointer + worker * g4 * k2, ldc: k2)
                            let gbw = gbParts.baseAddress! + worker * g4
                            for r in 0..<(n * t) {
                                let row = dG + r * g4
                                for j in 0..<g4 { gbw[j] += Double(row[j]) }
                            }
                            // dX[rows, I] = dG[rows, 4H] W_ih[4H, I]
                            if let gx, let wihPacked {
                                wihPacked.product(m: n * t, a: dG, lda: g4, c: gx.pointer + rows * inSize, ldc: inSize, accumulate: false)
                            } else if let gx {
                                sgemm(transA: false, transB: false, m: n * t, n: inSize, k: g4, a: dG, lda: g4,
                                      b: wi.pointer, ldb: inSize, c: gx.pointer + rows * inSize, ldc: inSize)
                            }
                        }
                    }
                }
            }
            let gwih = try Tensor(shape: [g4, inSize], repeating: 0), gwhh = try Tensor(shape: [g4, h], repeating: 0)
            for w in 0..<workers {
                let part = gwParts.pointer + w * g4 * k2
                for r in 0..<g4 {
                    let pr = part + r * k2, a = gwih.pointer + r * inSize, c = gwhh.pointer + r * h
                    for j in 0..<inSize { a[j] += pr[j] }
                    for j in 0..<h { c[j] += pr[inSize + j] }
                }
            }
            let gb = try Tensor(uninitializedShape: [g4])
            for j in 0..<g4 {
                var sum = 0.0
                for w in 0..<workers { sum += gbParts[w * g4 + j] }
                gb.pointer[j] = Float(sum)
            }
            return [gx, gwih, gwhh, gb, try gb.clone()]
        }
        return (try Ops.narrow(y, 1, 0, t), try Ops.select(y, 1, t), try Ops.select(y, 1, t - 1))
    }

    /// The forward pass of sequences first..<first+count through all t steps. `gates`: their
    /// gates [count, T, 4H], kept for the backward pass when recording; with OpenBLAS a scratch
    /// of that size otherwise; nil with the fused step when not recording. `fused`: W_ih and
    /// W_hh packed for lwscript's fused step (Sources/CKernels/lstm_step.c), or nil for
    /// OpenBLAS with W_ih and W_hh.
    static func forwardBlock(first: Int, count: Int, t: Int, h: Int, inSize: Int, x: UnsafePointer<Float>,
                             wih: UnsafePointer<Float>, whh: UnsafePointer<Float>, fused: PackedLSTMWeights?,
                             bias: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>?,
                             out: UnsafeMutablePointer<Float>,
                             cells: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>?) {
        let g4 = 4 * h, rows = first * t
        if let fused {
            // each step's products and cell in one pass per tile: the gates reach memory only
            // when the backward pass needs them
            for s in 0..<t {
                let base = (rows + s) * h
                fused.step(count: count, x: x + (rows + s) * inSize, xStride: t * inSize, hPrev: s > 0 ? out + base - h : nil,
                           bias: bias, cPrev: s > 0 ? cells + base - h : nil, c: cells + base, tanhC: tanhC.map { $0 + base },
                           h: out + base, stateStride: t * h, act: gates.map { $0 + s * g4 }, actStride: t * g4)
            }
            return
        }
        guard let gates else { preconditionFailure("LSTM: OpenBLAS's path needs its gates") }
        // OpenBLAS: every step's input projection at once, gates += X[rows, I] W_ih^T
        for r in 0..<(count * t) { (gates + r * g4).update(from: bias, count: g4) }
        sgemm(transA: false, transB: true, m: count * t, n: g4, k: inSize, a: x + rows * inSize, lda: inSize,
              b: wih, ldb: inSize, beta: 1, c: gates, ldc: g4)
        let path = lws_isa_best()
        for s in 0..<t {
            let g = gates + s * g4
            if s > 0 {
                // gates[:, s, :] += h_{s-1} W_hh^T, in place: step s's rows are T*4H apart
                sgemm(transA: false, transB: true, m: count, n: g4, k: h, a: out + (rows + s - 1) * h, lda: t * h,
                      b: whh, ldb: h, beta: 1, c: g, ldc: t * g4)
            }
            // activations in place of the pre-activations, c_s, tanh(c_s) and h_s, in one
            // pass over each row (Sources/CKernels/lstm_cell.c)
            let base = (rows + s) * h
            lws_lstm_cell_forward(path, count, h, g, t * g4, s > 0 ? cells + base - h : nil,
                                  cells + base, tanhC.map { $0 + base }, out + base, t * h)
        }
    }

    /// Whether the backward pass's products with `columns` columns go to lwscript's kernel
    /// (Sources/CKernels/gemm_nn.c; AVX-512, whole vectors of columns, the weights packed once
    /// per pass) rather than OpenBLAS, which packs W_hh again for each of the T small recurrent
    /// products of a pass. Measured on one core, 64 sequences of the ConvLSTM (H = 128), before
    /// the weights were packed: backward 135 GFLOP/s against 121, forward (now the fused step)
    /// 121 against 105, and 4x on a block of 11 sequences.
    static func ownKernel(columns: Int) -> Bool {
        columns % 16 == 0 && lws_kernels_avx512() != 0
    }

    /// The backward pass through time of sequences first..<first+count: the pre-activation
    /// gradients dGates, from the output gradients gOut [B, T+1, H] (h_t's, then c_T's).
    /// `whhPacked`: W_hh packed for lwscript's kernel (`ownKernel`), or nil for OpenBLAS.
    static func backwardBlock(first: Int, count: Int, t: Int, h: Int, whh: UnsafePointer<Float>,
                              gates: UnsafePointer<Float>, cells: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
                              gOut: UnsafePointer<Float>, dGates: UnsafeMutablePointer<Float>,
                              dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>,
                              whhPacked: PackedMatrix?) {
        let g4 = 4 * h, path = lws_isa_best()
        for s in stride(from: t - 1, through: 0, by: -1) {
            // dG_s and dc_{s-1} from the activations, c_{s-1} (zeros at s = 0), tanh(c_s) and
            // the gradients of h_s and c_s (Sources/CKernels/lstm_cell.c)
            let row = first * t + s, base = row * h
            lws_lstm_cell_backward(path, count, h, gates + row * g4, t * g4, s > 0 ? cells + base - h : nil,
                                   tanhC + base, t * h, gOut + (first * (t + 1) + s) * h, (t + 1) * h,
                                   dh + first * h, dc + first * h, dGates + row * g4)
            // dh_{s-1}[rows, H] = dG_s[rows, 4H] W_hh[4H, H], reading step s's rows in place
            if s > 0, let whhPacked {
                whhPacked.product(m: count, a: dGates + (first * t + s) * g4, lda: t * g4, c: dh + first * h, ldc: h, accumulate: false)
            } else if s > 0 {
                sgemm(transA: false, transB: false, m: count, n: h, k: g4, a: dGates + (first * t + s) * g4, lda: t * g4,
                      b: whh, ldb: h, c: dh + first * h, ldc: h)
            }
        }
    }
}
