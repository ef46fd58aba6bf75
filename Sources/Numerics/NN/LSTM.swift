import CPrefetch
import Foundation

/// Long short-term memory, batch first, PyTorch's gate order (input, forget, cell, output)
/// and initialisation U(-1/sqrt(H), 1/sqrt(H)). Each layer is one fused operation: a single
/// GEMM projects every time step's input, a GEMM per step adds the recurrent part, and the
/// backward pass (through time) is written by hand with the weight gradients batched.
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
        guard x.rank == 3, x.shape[2] == inputSize, x.shape[1] > 0 else {
            throw TensorError("\(summary) expected input of size BxTx\(inputSize) (batch, time, features), got \(describeShape(x.shape))")
        }
        var input = x
        var lastH: [Tensor] = [], lastC: [Tensor] = []
        for w in weights {
            let (out, cLast) = try LSTM.layer(input, w.wih, w.whh, w.bih, w.bhh)
            lastH.append(try Ops.select(out, 1, x.shape[1] - 1))
            lastC.append(cLast)
            input = out
        }
        return (input, try Ops.stack(lastH, dim: 0), try Ops.stack(lastC, dim: 0))
    }

    /// One layer over the whole sequence; returns all hidden states and the last cell state,
    /// views of one tensor [B, T+1, H] (h_1..h_T, then c_T) so that a single backward pass
    /// through time takes the gradients of both.
    static func layer(_ x: Tensor, _ wih: Tensor, _ whh: Tensor, _ bih: Tensor, _ bhh: Tensor) throws -> (Tensor, Tensor) {
        let (b, t, inSize) = (x.shape[0], x.shape[1], x.shape[2])
        let h = whh.shape[1], g4 = 4 * h
        let xc = try x.contiguous(), wi = try wih.contiguous(), wh = try whh.contiguous()
        // gates [B, T, 4H]: pre-activations, then activations in place
        let gates = try Tensor(uninitializedShape: [b, t, g4])
        for r in 0..<(b * t) {
            let row = gates.pointer + r * g4
            for j in 0..<g4 { row[j] = bih.pointer[j] + bhh.pointer[j] }
        }
        sgemm(transA: false, transB: true, m: b * t, n: g4, k: inSize, a: xc.pointer, lda: inSize,
              b: wi.pointer, ldb: inSize, beta: 1, c: gates.pointer, ldc: g4)
        let out = try Tensor(uninitializedShape: [b, t, h])        // h_t
        let cells = try Tensor(uninitializedShape: [b, t, h])      // c_t
        let tanhC = try Tensor(uninitializedShape: [b, t, h])      // tanh(c_t)
        let hPrev = try Tensor(shape: [b, t, h], repeating: 0)     // h_{t-1} (zeros at t = 0)
        for s in 0..<t {
            // gates[:, s, :] += h_{s-1} W_hh^T, in place: step s's rows are T*4H apart
            if s > 0 {
                sgemm(transA: false, transB: true, m: b, n: g4, k: h, a: out.pointer + (s - 1) * h, lda: t * h,
                      b: wh.pointer, ldb: h, beta: 1, c: gates.pointer + s * g4, ldc: t * g4)
            }
            parallelFor(b, minimumPerThread: 16) { i in
                // pre-activations are replaced by activations in place, with the vector
                // sigmoid and tanh of CPrefetch/vmath.h (libm's scalar calls were two thirds
                // of this layer's forward time)
                let act = gates.pointer + (i * t + s) * g4
                let base = (i * t + s) * h
                lws_sigmoid_inplace(act, 2 * h)            // input and forget gates
                lws_tanh_inplace(act + 2 * h, h)           // cell candidate
                lws_sigmoid_inplace(act + 3 * h, h)        // output gate
                for j in 0..<h {
                    let cPrev: Float = s > 0 ? cells.pointer[base - h + j] : 0
                    let c = act[h + j] * cPrev + act[j] * act[2 * h + j]
                    cells.pointer[base + j] = c
                    tanhC.pointer[base + j] = c
                }
                lws_tanh_inplace(tanhC.pointer + base, h)
                for j in 0..<h {
                    let hv = act[3 * h + j] * tanhC.pointer[base + j]
                    out.pointer[base + j] = hv
                    if s + 1 < t { hPrev.pointer[base + h + j] = hv }
                }
            }
        }
        // Without a gradient to record (evaluation, tensor.no_grad) the outputs are returned as
        // they are: the joint tensor below exists only for the backward pass.
        guard GradMode.isEnabled, [x, wih, whh, bih, bhh].contains(where: { $0.requiresGrad }) else {
            let cLast = try Tensor(uninitializedShape: [b, h])
            for i in 0..<b { (cLast.pointer + i * h).update(from: cells.pointer + (i * t + t - 1) * h, count: h) }
            return (out, cLast)
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
            for i in 0..<b { (dc.pointer + i * h).update(from: gOut.pointer + (i * (t + 1) + t) * h, count: h) }
            for s in stride(from: t - 1, through: 0, by: -1) {
                parallelFor(b, minimumPerThread: 16) { i in
                    let act = gates.pointer + (i * t + s) * g4
                    let d = dGates.pointer + (i * t + s) * g4
                    let base = (i * t + s) * h
                    for j in 0..<h {
                        let ig = act[j], fg = act[h + j], gg = act[2 * h + j], og = act[3 * h + j]
                        let tc = tanhC.pointer[base + j]
                        let dhv = gOut.pointer[(i * (t + 1) + s) * h + j] + dh.pointer[i * h + j]
                        let dcv = dc.pointer[i * h + j] + dhv * og * (1 - tc * tc)
                        let cPrev: Float = s > 0 ? cells.pointer[base - h + j] : 0
                        d[j] = dcv * gg * ig * (1 - ig)
                        d[h + j] = dcv * cPrev * fg * (1 - fg)
                        d[2 * h + j] = dcv * ig * (1 - gg * gg)
                        d[3 * h + j] = dhv * tc * og * (1 - og)
                        dc.pointer[i * h + j] = dcv * fg
                    }
                }
                // dh_{s-1}[B, H] = dG_s[B, 4H] W_hh[4H, H], reading step s's rows in place
                if s > 0 {
                    sgemm(transA: false, transB: false, m: b, n: h, k: g4, a: dGates.pointer + s * g4, lda: t * g4,
                          b: wh.pointer, ldb: h, c: dh.pointer, ldc: h)
                }
            }
            let gwih = try Tensor(uninitializedShape: [g4, inSize]), gwhh = try Tensor(uninitializedShape: [g4, h])
            // dW_ih[4H, I] = dG^T[4H, B*T] X[B*T, I];  dW_hh[4H, H] = dG^T H_prev[B*T, H]
            sgemm(transA: true, transB: false, m: g4, n: inSize, k: b * t, a: dGates.pointer, lda: g4,
                  b: xc.pointer, ldb: inSize, c: gwih.pointer, ldc: inSize)
            sgemm(transA: true, transB: false, m: g4, n: h, k: b * t, a: dGates.pointer, lda: g4,
                  b: hPrev.pointer, ldb: h, c: gwhh.pointer, ldc: h)
            let gb = try Tensor(uninitializedShape: [g4])
            columnSums(dGates.pointer, rows: b * t, cols: g4, into: gb.pointer)
            var gx: Tensor? = nil
            if x.requiresGrad {
                let t2 = try Tensor(uninitializedShape: x.shape)
                // dX[B*T, I] = dG[B*T, 4H] W_ih[4H, I]
                sgemm(transA: false, transB: false, m: b * t, n: inSize, k: g4, a: dGates.pointer, lda: g4,
                      b: wi.pointer, ldb: inSize, c: t2.pointer, ldc: inSize)
                gx = t2
            }
            return [gx, gwih, gwhh, gb, try gb.clone()]
        }
        return (try Ops.narrow(y, 1, 0, t), try Ops.select(y, 1, t))
    }
}
