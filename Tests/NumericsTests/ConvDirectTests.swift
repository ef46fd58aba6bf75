import CKernels
@testable import Numerics
import XCTest

/// The direct convolution (Sources/CKernels/conv_direct.c) against the definition, on every
/// instruction-set path the CPU has, and Conv2d through it against im2col + GEMM.
final class ConvDirectTests: XCTestCase {
    /// (C, H, W, O, KH, KW, padH, padW): planes whose positions ((Ho - 1) S + Wo, the forward
    /// kernel's "wide rows") end anywhere in a tile of 6 vectors of 16 or 3 of 8, output
    /// channels that are not a multiple of the tile's 4, outputs of one pixel, and paddings
    /// from none to more than KH - 1.
    let geometries: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (1, 28, 28, 32, 3, 3, 1, 1), (3, 5, 7, 5, 3, 3, 1, 1), (2, 9, 17, 4, 3, 3, 1, 1),
        (4, 14, 14, 9, 3, 3, 1, 1), (2, 6, 33, 3, 3, 3, 1, 1), (1, 1, 1, 2, 3, 3, 1, 1),
        (3, 8, 8, 4, 1, 1, 0, 0), (2, 7, 10, 6, 5, 5, 2, 2), (2, 6, 9, 4, 2, 3, 0, 1),
        (3, 4, 4, 5, 3, 3, 2, 2), (2, 13, 31, 8, 3, 3, 0, 0), (5, 3, 40, 7, 3, 3, 1, 1),
    ]

    func paths() -> [(String, Int32)] {
        [("scalar", Int32(LWS_ISA_SCALAR)), ("AVX2", Int32(LWS_ISA_AVX2)), ("AVX-512", Int32(LWS_ISA_AVX512))]
            .filter { lws_isa_supported($0.1) != 0 }
    }

    func random(_ n: Int, _ g: Generator) -> [Float] { (0..<n).map { _ in Float(g.normal()) } }

    /// Every path agrees with the definition (summed in Double) to float rounding, writes
    /// nothing outside the output, and gives the scalar path's bits: each output sums the
    /// same products in the same order on every path.
    func testEveryPathMatchesTheDefinitionAndTheScalarBits() {
        let gen = Generator(seed: 7)
        for t in geometries {
            let (c, h, w, o, kh, kw, ph, pw) = t
            let (ho, wo) = (h + 2 * ph - kh + 1, w + 2 * pw - kw + 1)
            let x = random(c * h * w, gen), wt = random(o * c * kh * kw, gen), bias = random(o, gen)
            for withBias in [true, false] {
                var expected = [Double](repeating: 0, count: o * ho * wo), scale = expected
                for oi in 0..<o { for i in 0..<ho { for j in 0..<wo {
                    var sum = withBias ? Double(bias[oi]) : 0, size = abs(sum)
                    for ci in 0..<c { for ky in 0..<kh { for kx in 0..<kw {
                        let (ii, jj) = (i + ky - ph, j + kx - pw)
                        guard ii >= 0, ii < h, jj >= 0, jj < w else { continue }
                        let term = Double(wt[((oi * c + ci) * kh + ky) * kw + kx]) * Double(x[(ci * h + ii) * w + jj])
                        sum += term; size += abs(term)
                    } } }
                    expected[(oi * ho + i) * wo + j] = sum; scale[(oi * ho + i) * wo + j] = size
                } } }
                var scalarBits: [UInt32]?
                for (name, path) in paths() {
                    let guardSize = 40, sentinel: Float = -12345
                    var y = [Float](repeating: sentinel, count: o * ho * wo + 2 * guardSize)
                    var scratch = [Float](repeating: .nan, count: lws_conv2d_direct_scratch(c, h, w, ph, pw, o, kh))
                    y.withUnsafeMutableBufferPointer { yb in
                        scratch.withUnsafeMutableBufferPointer { sb in
                            lws_conv2d_direct(path, x, c, h, w, ph, pw, wt, o, kh, kw, withBias ? bias : nil,
                                              yb.baseAddress! + guardSize, sb.baseAddress!)
                        }
                    }
                    let what = "\(name) \(t) bias \(withBias)"
                    XCTAssertEqual(Array(y.prefix(guardSize)), [Float](repeating: sentinel, count: guardSize), "\(what): wrote before the output")
                    XCTAssertEqual(Array(y.suffix(guardSize)), [Float](repeating: sentinel, count: guardSize), "\(what): wrote past the output")
                    let out = Array(y[guardSize..<(guardSize + o * ho * wo)])
                    for k in out.indices where abs(Double(out[k]) - expected[k]) > 1e-5 * (scale[k] + 1) {
                        XCTFail("\(what): output \(k) is \(out[k]), the definition gives \(expected[k])"); break
                    }
                    let bits = out.map(\.bitPattern)
                    if let scalarBits { XCTAssertEqual(bits, scalarBits, "\(what): not the scalar path's bits") } else { scalarBits = bits }
                }
            }
        }
    }

    /// The 3x3 weight gradient on every path against the definition, added to what gwT held,
    /// with the scalar path's bits.
    func testEveryPathsWeightGradientMatchesTheDefinition() {
        let gen = Generator(seed: 11)
        // (C, H, W, O, pad): output channels a multiple of 16 (both vector widths), widths
        // and heights that are not, paddings 0 to 2
        for (c, h, w, o, pad) in [(1, 5, 5, 16, 1), (4, 9, 17, 32, 1), (3, 7, 6, 16, 0), (5, 4, 33, 48, 2), (2, 1, 1, 16, 1)] {
            let (ho, wo) = (h + 2 * pad - 2, w + 2 * pad - 2)
            let x = random(c * h * w, gen), gy = random(o * ho * wo, gen), start = random(c * 9 * o, gen)
            var expected = [Double](repeating: 0, count: c * 9 * o), scale = expected
            for ci in 0..<c { for tap in 0..<9 { for oi in 0..<o {
                var sum = Double(start[(ci * 9 + tap) * o + oi]), size = abs(sum)
                for i in 0..<ho { for j in 0..<wo {
                    let (ii, jj) = (i + tap / 3 - pad, j + tap % 3 - pad)
                    guard ii >= 0, ii < h, jj >= 0, jj < w else { continue }
                    let term = Double(gy[(oi * ho + i) * wo + j]) * Double(x[(ci * h + ii) * w + jj])
                    sum += term; size += abs(term)
                } }
                expected[(ci * 9 + tap) * o + oi] = sum; scale[(ci * 9 + tap) * o + oi] = size
            } } }
            var scalarBits: [UInt32]?
            for (name, path) in paths() {
                var gwT = start
                var scratch = [Float](repeating: .nan, count: lws_conv2d_wgrad_scratch(c, h, w, pad, pad, o))
                gwT.withUnsafeMutableBufferPointer { g in
                    scratch.withUnsafeMutableBufferPointer { lws_conv2d_wgrad(path, x, c, h, w, pad, pad, gy, o, g.baseAddress!, $0.baseAddress!) }
                }
                let what = "\(name) C \(c) \(h)x\(w) O \(o) pad \(pad)"
                for k in gwT.indices where abs(Double(gwT[k]) - expected[k]) > 1e-5 * (scale[k] + 1) {
                    XCTFail("\(what): entry \(k) is \(gwT[k]), the definition gives \(expected[k])"); break
                }
                let bits = gwT.map(\.bitPattern)
                if let scalarBits { XCTAssertEqual(bits, scalarBits, "\(what): not the scalar path's bits") } else { scalarBits = bits }
            }
        }
    }

    /// Conv2d's output and all three gradients through the direct kernel against im2col + GEMM
    /// (which sum in another order, so to rounding).
    func testConv2dThroughTheDirectKernelMatchesIm2col() throws {
        defer { Conv2d.forcedPath = nil }
        // (C, O, kernel, padding, H, W): the CNN's shapes, small, and an odd one
        // (16 and 32 output channels take the direct weight gradient on AVX-512, 8 on AVX2)
        for (c, o, k, pad, h, w) in [(1, 8, 3, 1, 28, 28), (8, 8, 3, 1, 14, 14), (3, 5, 5, 2, 9, 11), (4, 6, 3, 0, 10, 17),
                                     (4, 16, 3, 1, 12, 13), (5, 32, 3, 0, 9, 9), (6, 32, 3, 2, 7, 20),
                                     // the direct weight gradient beside a scattered input gradient
                                     // (once written past its scratch: too narrow for the direct one)
                                     (4, 16, 3, 1, 2, 2)] {
            let conv = try Conv2d(c, o, kernel: (k, k), padding: (pad, pad), generator: Generator(seed: 3))
            let x = try Tensor.randn([3, c, h, w], generator: Generator(seed: 4))
            x.requiresGrad = true
            var results: [[[Float]]] = []
            for path in [-1] + paths().map(\.1) {
                Conv2d.forcedPath = path
                x.grad = nil; conv.weight.grad = nil; conv.bias!.grad = nil
                let y = try conv.forward(x)
                let gy = try Tensor.randn(y.shape, generator: Generator(seed: 5))
                try y.backward(gradient: gy)
                results.append([y.toArray(), x.grad!.toArray(), conv.weight.grad!.toArray(), conv.bias!.grad!.toArray()])
            }
            for r in results.dropFirst() {
                for (part, name) in ["output", "input gradient", "weight gradient", "bias gradient"].enumerated() {
                    let (a, b) = (r[part], results[0][part])
                    XCTAssertEqual(a.count, b.count)
                    let worst = zip(a, b).map { abs($0 - $1) / (abs($1) + 1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-4, "\(name) of \(c)->\(o) \(k)x\(k) pad \(pad) at \(h)x\(w)")
                }
            }
        }
    }
}
