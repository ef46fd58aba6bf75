import CKernels
@testable import Numerics
import XCTest

/// The LSTM's gate pass (Sources/CKernels/lstm_cell.c) on every instruction-set path the CPU
/// has, against the definition in the scalar arithmetic, and the LSTM layer's forward pass with
/// and without a gradient to record (evaluation keeps no gates for a backward pass).
final class LSTMCellTests: XCTestCase {
    func random(_ n: Int, _ g: Generator, scale: Float = 3) -> [Float] { (0..<n).map { _ in scale * Float(g.normal()) } }

    /// Hidden sizes around both vector widths (masked and scalar tails), rows strided with
    /// padding that must stay untouched, with and without c_prev and tanh(c).
    func testEveryPathGivesTheDefinitionsBits() {
        let gen = Generator(seed: 21)
        let paths = [LWS_ISA_SCALAR, LWS_ISA_AVX2, LWS_ISA_AVX512].map { Int32($0) }.filter { lws_isa_supported($0) != 0 }
        for hidden in [1, 7, 8, 9, 16, 17, 40, 128] {
            let n = 3, actStride = 4 * hidden + 5, stateStride = hidden + 3
            let pre = random(n * actStride, gen), cPrev = random(n * stateStride, gen, scale: 1)
            for withPrev in [true, false] {
                for withTanh in [true, false] {
                    for path in paths {
                        var act = pre, c = [Float](repeating: 7, count: n * stateStride)
                        var tc = c, h = c
                        act.withUnsafeMutableBufferPointer { a in c.withUnsafeMutableBufferPointer { cp in
                            tc.withUnsafeMutableBufferPointer { tp in h.withUnsafeMutableBufferPointer { hp in
                                lws_lstm_cell_forward(path, n, hidden, a.baseAddress!, actStride, withPrev ? cPrev : nil,
                                                      cp.baseAddress!, withTanh ? tp.baseAddress! : nil, hp.baseAddress!, stateStride)
                            } }
                        } }
                        var wrong = 0
                        for r in 0..<n {
                            for j in 0..<actStride where j >= 4 * hidden {
                                XCTAssertEqual(act[r * actStride + j], pre[r * actStride + j], "path \(path) wrote past the gates")
                            }
                            for j in 0..<stateStride {
                                let k = r * stateStride + j
                                guard j < hidden else {
                                    XCTAssertTrue(c[k] == 7 && tc[k] == 7 && h[k] == 7, "path \(path) wrote past the state"); continue
                                }
                                let i = lws_sigmoid_scalar(pre[r * actStride + j]), f = lws_sigmoid_scalar(pre[r * actStride + hidden + j])
                                let g = lws_tanh_scalar(pre[r * actStride + 2 * hidden + j])
                                let o = lws_sigmoid_scalar(pre[r * actStride + 3 * hidden + j])
                                let ig = i * g, fc = withPrev ? f * cPrev[k] : 0
                                let cv = withPrev ? fc + ig : ig, t = lws_tanh_scalar(cv)
                                let base = r * actStride + j
                                let gates = [act[base], act[base + hidden], act[base + 2 * hidden], act[base + 3 * hidden]]
                                if zip(gates, [i, f, g, o]).contains(where: { $0.bitPattern != $1.bitPattern }) { wrong += 1 }
                                if c[k].bitPattern != cv.bitPattern || h[k].bitPattern != (o * t).bitPattern { wrong += 1 }
                                if withTanh ? tc[k].bitPattern != t.bitPattern : tc[k] != 7 { wrong += 1 }
                            }
                        }
                        XCTAssertEqual(wrong, 0, "path \(path), H \(hidden), c_prev \(withPrev), tanh(c) \(withTanh)")
                    }
                }
            }
        }
    }

    /// The backward step on every path gives the bits of the Swift loop it replaced (products
    /// and sums in the order written, no fused multiply-adds), with c_prev and without (zeros).
    func testBackwardStepGivesTheLoopsBits() {
        let gen = Generator(seed: 22)
        let paths = [LWS_ISA_SCALAR, LWS_ISA_AVX2, LWS_ISA_AVX512].map { Int32($0) }.filter { lws_isa_supported($0) != 0 }
        for hidden in [1, 7, 8, 9, 16, 17, 40, 128] {
            let n = 3, actStride = 4 * hidden + 5, stateStride = hidden + 2, goStride = hidden + 4
            let act = random(n * actStride, gen, scale: 0.5).map { 1 / (1 + exp(-$0)) }   // activations in (0, 1)
            let cPrev = random(n * stateStride, gen), tanhC = random(n * stateStride, gen, scale: 0.5)
            let gOut = random(n * goStride, gen), dh = random(n * hidden, gen), dc0 = random(n * hidden, gen)
            for withPrev in [true, false] {
                // the loop LSTM.backwardBlock ran before lstm_cell.c
                var want = [Float](repeating: 0, count: n * actStride), wantDc = dc0
                for r in 0..<n {
                    for j in 0..<hidden {
                        let a = r * actStride
                        let ig = act[a + j], fg = act[a + hidden + j], gg = act[a + 2 * hidden + j], og = act[a + 3 * hidden + j]
                        let tcv = tanhC[r * stateStride + j], cp = withPrev ? cPrev[r * stateStride + j] : 0
                        let dhv = gOut[r * goStride + j] + dh[r * hidden + j]
                        let dcv = wantDc[r * hidden + j] + dhv * og * (1 - tcv * tcv)
                        want[a + j] = dcv * gg * ig * (1 - ig)
                        want[a + hidden + j] = dcv * cp * fg * (1 - fg)
                        want[a + 2 * hidden + j] = dcv * ig * (1 - gg * gg)
                        want[a + 3 * hidden + j] = dhv * tcv * og * (1 - og)
                        wantDc[r * hidden + j] = dcv * fg
                    }
                }
                for path in paths {
                    var d = [Float](repeating: 0, count: n * actStride), dc = dc0
                    d.withUnsafeMutableBufferPointer { dp in dc.withUnsafeMutableBufferPointer { cp in
                        lws_lstm_cell_backward(path, n, hidden, act, actStride, withPrev ? cPrev : nil, tanhC, stateStride,
                                               gOut, goStride, dh, cp.baseAddress!, dp.baseAddress!)
                    } }
                    XCTAssertEqual(d.map(\.bitPattern), want.map(\.bitPattern), "d_gates, path \(path), H \(hidden), c_prev \(withPrev)")
                    XCTAssertEqual(dc.map(\.bitPattern), wantDc.map(\.bitPattern), "dc, path \(path), H \(hidden), c_prev \(withPrev)")
                }
            }
        }
    }

    /// Evaluation (no gradient to record) takes its own route through the layer: a step's gates
    /// in a scratch instead of the [B, T, 4H] tensor. It gives the training route's bits, for
    /// one sequence, for a batch of more than a block (64) split over threads, and for T = 1.
    func testEvaluationGivesTheTrainingBits() throws {
        for (b, t) in [(1, 5), (70, 4), (9, 1)] {
            let lstm = try LSTM(6, 16, generator: Generator(seed: 5))
            let x = try Tensor(shape: [b, t, 6], values: random(b * t * 6, Generator(seed: UInt64(b)), scale: 1))
            let trained = try lstm.forwardAll(x)
            XCTAssertTrue(trained.output.requiresGrad, "the training route records")
            GradMode.isEnabled = false
            defer { GradMode.isEnabled = true }
            let evaluated = try lstm.forwardAll(x)
            GradMode.isEnabled = true
            XCTAssertFalse(evaluated.output.requiresGrad)
            for (name, u, v) in [("output", trained.output, evaluated.output), ("h_n", trained.h, evaluated.h), ("c_n", trained.c, evaluated.c)] {
                XCTAssertEqual(u.shape, v.shape, name)
                XCTAssertEqual(try u.contiguous().toArray().map(\.bitPattern), try v.contiguous().toArray().map(\.bitPattern), "\(name), B \(b), T \(t)")
            }
        }
    }
}
