import CKernels
@testable import Numerics
import XCTest

/// The LSTM's fused step (Sources/CKernels/lstm_step.c) against what it replaced: the bias,
/// then x W_ih^T and h_prev W_hh^T as in-order fused multiply-adds, then the gate pass
/// (lstm_cell.c), bit for bit, on the AVX-512 path where the CPU has it and the scalar one.
final class LSTMStepTests: XCTestCase {
    func random(_ n: Int, _ g: Generator, scale: Float = 1) -> [Float] { (0..<n).map { _ in scale * Float(g.normal()) } }

    /// Row counts around the tile's 6, input sizes that are not whole vectors, the first step
    /// (no h_prev, no c_prev) and a later one, with and without the activations and tanh(c)
    /// kept; strided rows whose padding must stay untouched.
    func testGivesTheBitsOfTheProductsAndTheGatePass() {
        let gen = Generator(seed: 31)
        let paths = [LWS_ISA_SCALAR, LWS_ISA_AVX512].map { Int32($0) }.filter { lws_isa_supported($0) != 0 }
        for (n, hidden, inputs) in [(1, 16, 3), (6, 16, 16), (7, 32, 24), (13, 16, 1), (64, 48, 64)] {
            let g4 = 4 * hidden, xs = inputs + 2, ss = hidden + 3, actStride = g4 + 5
            let wih = random(g4 * inputs, gen, scale: 0.5), whh = random(g4 * hidden, gen, scale: 0.5), bias = random(g4, gen)
            let x = random(n * xs, gen), hPrev = random(n * ss, gen), cPrev = random(n * ss, gen)
            var packedIh = [Float](repeating: 0, count: g4 * inputs), packedHh = [Float](repeating: 0, count: g4 * hidden)
            lws_lstm_pack(inputs, hidden, wih, &packedIh)
            lws_lstm_pack(hidden, hidden, whh, &packedHh)
            for first in [true, false] {
                // the pre-activations as the products left them, then the gate pass on them
                var want = [Float](repeating: 0, count: n * actStride)
                for r in 0..<n {
                    for col in 0..<g4 {
                        var s = bias[col]
                        for k in 0..<inputs { s.addProduct(x[r * xs + k], wih[col * inputs + k]) }
                        if !first { for k in 0..<hidden { s.addProduct(hPrev[r * ss + k], whh[col * hidden + k]) } }
                        want[r * actStride + col] = s
                    }
                }
                var wantC = [Float](repeating: 7, count: n * ss), wantT = wantC, wantH = wantC
                lws_lstm_cell_forward(lws_isa_best(), n, hidden, &want, actStride, first ? nil : cPrev, &wantC, &wantT, &wantH, ss)
                for path in paths {
                    for keep in [true, false] {
                        var act = [Float](repeating: 7, count: n * actStride), c = [Float](repeating: 7, count: n * ss)
                        var t = c, h = c
                        act.withUnsafeMutableBufferPointer { a in t.withUnsafeMutableBufferPointer { tp in
                            lws_lstm_step_forward(path, n, hidden, inputs, x, xs, packedIh, first ? nil : hPrev, packedHh, bias,
                                                  first ? nil : cPrev, &c, keep ? tp.baseAddress! : nil, &h, ss,
                                                  keep ? a.baseAddress! : nil, actStride)
                        } }
                        let what = "path \(path), n \(n), H \(hidden), I \(inputs), first step \(first), kept \(keep)"
                        XCTAssertEqual(c.map(\.bitPattern), wantC.map(\.bitPattern), "c, " + what)
                        XCTAssertEqual(h.map(\.bitPattern), wantH.map(\.bitPattern), "h, " + what)
                        let untouched = [Float](repeating: 7, count: n * ss)
                        XCTAssertEqual(t.map(\.bitPattern), (keep ? wantT : untouched).map(\.bitPattern), "tanh(c), " + what)
                        let padded = want.enumerated().map { $0.offset % actStride < g4 ? $0.element : 7 }
                        XCTAssertEqual(act.map(\.bitPattern), (keep ? padded : [Float](repeating: 7, count: n * actStride)).map(\.bitPattern),
                                       "activations, " + what)
                    }
                }
            }
        }
    }
}
