import CKernels
import Foundation
import XCTest

/// The LSTM's vector sigmoid and tanh (Sources/CKernels/vmath_impl.h) against Double-precision
/// libm over a dense grid and at the edges: errors within Float precision, no overflow, NaN
/// stays NaN, and the AVX2 lanes give the bits the scalar tail gives (a value's result does
/// not depend on where it sits in the array).
final class VectorMathTests: XCTestCase {
    func grid(_ lo: Float, _ hi: Float, _ n: Int) -> [Float] {
        (0..<n).map { lo + (hi - lo) * Float($0) / Float(n - 1) }
    }

    func sigmoid(_ xs: [Float]) -> [Float] {
        var out = xs
        out.withUnsafeMutableBufferPointer { lws_sigmoid_inplace($0.baseAddress!, $0.count) }
        return out
    }

    func tanh(_ xs: [Float]) -> [Float] {
        var out = xs
        out.withUnsafeMutableBufferPointer { lws_tanh_inplace($0.baseAddress!, $0.count) }
        return out
    }

    func testExpIsWithinFloatPrecision() {
        var worst: Double = 0
        for x in grid(-87, 88, 100_001) {
            let e = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(lws_exp_scalar(x)) - e) / e)
        }
        XCTAssertLessThan(worst, 2.5e-7, "relative error of exp")
    }

    func testSigmoidAndTanhAreWithinFloatPrecision() {
        let xs = grid(-30, 30, 200_001) + [0, 1e-8, -1e-8, 0.2999, 0.3, 0.3001, -0.3]
        let s = sigmoid(xs), t = tanh(xs)
        var worstS: Double = 0, worstT: Double = 0, worstSmall: Double = 0
        for (k, x) in xs.enumerated() {
            let d = Double(x)
            worstS = max(worstS, abs(Double(s[k]) - 1 / (1 + Foundation.exp(-d))))
            let th = Foundation.tanh(d)
            worstT = max(worstT, abs(Double(t[k]) - th))
            if abs(d) < 0.3 && d != 0 { worstSmall = max(worstSmall, abs(Double(t[k]) - th) / abs(th)) }
        }
        XCTAssertLessThan(worstS, 2e-7, "absolute error of sigmoid")
        XCTAssertLessThan(worstT, 3e-7, "absolute error of tanh")
        XCTAssertLessThan(worstSmall, 2e-7, "relative error of tanh near 0 (no cancellation)")
        let n = xs.count
        XCTAssertEqual(t[n - 7], 0)
        XCTAssertEqual(t[n - 5], -t[n - 6], "odd: tanh(-1e-8) = -tanh(1e-8)")
        XCTAssertEqual(t[n - 1], -t[n - 3], "odd: tanh(-0.3) = -tanh(0.3)")
    }

    func testEdgesDoNotOverflowAndNaNStaysNaN() {
        let xs: [Float] = [.infinity, -.infinity, 1000, -1000, 88.7, -104, .greatestFiniteMagnitude, .nan, .nan]
        let s = sigmoid(xs), t = tanh(xs)
        for k in 0..<7 {
            XCTAssertTrue(s[k] >= 0 && s[k] <= 1, "sigmoid(\(xs[k])) = \(s[k])")
            XCTAssertTrue(t[k] >= -1 && t[k] <= 1, "tanh(\(xs[k])) = \(t[k])")
        }
        XCTAssertEqual(s[0], 1); XCTAssertEqual(t[0], 1); XCTAssertEqual(t[1], -1)
        XCTAssertTrue(lws_exp_scalar(.infinity).isFinite && lws_exp_scalar(-.infinity) >= 0)
        for k in 7..<9 { XCTAssertTrue(s[k].isNaN && t[k].isNaN, "NaN in, NaN out: \(s[k]) \(t[k])") }
        XCTAssertTrue(lws_exp_scalar(.nan).isNaN)
    }

    func testTheVectorLanesGiveTheScalarBits() {
        let xs = grid(-9, 9, 1003)   // 125 groups of 8 and a tail of 3
        let s = sigmoid(xs), t = tanh(xs)
        for (k, x) in xs.enumerated() {
            XCTAssertEqual(s[k].bitPattern, lws_sigmoid_scalar(x).bitPattern, "sigmoid(\(x))")
            XCTAssertEqual(t[k].bitPattern, lws_tanh_scalar(x).bitPattern, "tanh(\(x))")
        }
    }

    /// Each instruction-set path on its own, where the CPU has it: AVX2 (8 lanes and a scalar
    /// tail) and AVX-512 (16 lanes and a masked tail) give the scalar bits, so a study's numbers
    /// do not depend on which machine of a cluster ran it.
    func testEveryInstructionSetPathGivesTheScalarBits() throws {
        let xs = grid(-20, 20, 4013) + [.nan, .infinity, -.infinity, 0, -0.0, 0.3, -0.3, 88.5, -90]
        var paths: [(String, (UnsafeMutablePointer<Float>, Int) -> Void, (UnsafeMutablePointer<Float>, Int) -> Void)] = []
        for (name, path) in [("AVX2", Int32(LWS_ISA_AVX2)), ("AVX-512", Int32(LWS_ISA_AVX512))]
        where lws_isa_supported(path) != 0 {
            paths.append((name, { lws_sigmoid_path($0, $1, path) }, { lws_tanh_path($0, $1, path) }))
        }
        try XCTSkipIf(paths.isEmpty, "this CPU has neither AVX2 nor AVX-512: only the scalar path runs")
        for (name, sigmoidPath, tanhPath) in paths {
            // lengths around both vector widths, so full vectors and tails of many lengths occur
            for n in [1, 7, 8, 9, 15, 16, 17, 31, 33, 40, xs.count] {
                var s = Array(xs.prefix(n)), t = Array(xs.prefix(n))
                s.withUnsafeMutableBufferPointer { sigmoidPath($0.baseAddress!, $0.count) }
                t.withUnsafeMutableBufferPointer { tanhPath($0.baseAddress!, $0.count) }
                for k in 0..<n {
                    let x = xs[k]
                    if x.isNaN {   // NaN in, NaN out; its sign bit may differ between the paths
                        XCTAssertTrue(s[k].isNaN && t[k].isNaN, "\(name): NaN in, NaN out, n \(n)")
                        continue
                    }
                    XCTAssertEqual(s[k].bitPattern, lws_sigmoid_scalar(x).bitPattern, "\(name) sigmoid(\(x)), n \(n)")
                    XCTAssertEqual(t[k].bitPattern, lws_tanh_scalar(x).bitPattern, "\(name) tanh(\(x)), n \(n)")
                }
            }
        }
    }
}
