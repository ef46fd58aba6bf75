import CKernels
@testable import Numerics
import XCTest

/// Conv1d on a channels-last view (Conv1dChannelsLast.swift) against the same layer on a
/// contiguous copy of its input (the 2-D kernels): outputs and the gradients of the input,
/// weight and bias, with and without the fused ReLU, for paddings 0 to K-1, and batches that
/// split over threads.
final class Conv1dChannelsLastTests: XCTestCase {
    func random(_ shape: [Int], _ g: Generator) throws -> Tensor {
        try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float(g.normal()) })
    }

    func close(_ a: Tensor, _ b: Tensor, _ what: String) throws {
        XCTAssertEqual(a.shape, b.shape, what)
        let (u, v) = (try a.contiguous().toArray(), try b.contiguous().toArray())
        let worst = zip(u, v).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThan(worst, 2e-5, what)
    }

    func testMatchesTheLayerOnAContiguousCopy() throws {
        try XCTSkipIf(lws_kernels_avx512() == 0, "the channels-last path needs AVX-512")
        let gen = Generator(seed: 31)
        for (b, l, c, o, k, p, relu) in [(5, 20, 32, 64, 3, 1, true), (9, 7, 16, 32, 3, 0, false), (3, 11, 32, 16, 5, 4, true),
                                          (1, 4, 16, 16, 1, 0, false), (12, 9, 48, 32, 3, 2, false),
                                          (70, 6, 16, 16, 3, 1, true)] {
            let conv = try Conv1d(c, o, kernel: k, padding: p, generator: gen)
            let e = try random([b, l, c], gen), r = try random([b, o, l + 2 * p - k + 1], gen)
            // the same values twice: as an embedding's [B, L, C] seen through a transpose, and copied
            e.requiresGrad = true
            let viewed = try Ops.transpose(e, 1, 2)
            XCTAssertTrue(conv.channelsLast(viewed), "the view takes the path")
            let e2 = try e.clone(); e2.requiresGrad = true
            let copied = try Ops.contiguous(Ops.transpose(e2, 1, 2))
            XCTAssertFalse(conv.channelsLast(copied), "a contiguous input does not")
            let reference = relu ? try Ops.unary(.relu, try conv.forward(copied)) : try conv.forward(copied)
            let viaPath = relu ? try XCTUnwrap(try conv.forwardReLU(viewed)) : try conv.forward(viewed)
            let what = "B \(b) L \(l) C \(c) O \(o) K \(k) padding \(p) relu \(relu)"
            try close(viaPath, reference, "output, " + what)
            // gradients of sum(y * r) through each path
            for (_, t) in conv.namedParameters { t.grad = nil }
            try Ops.reduce(.sum, try Ops.binary(.mul, viaPath, r), dim: nil).backward()
            let (ge, gw, gb) = (try XCTUnwrap(e.grad), try XCTUnwrap(conv.conv.weight.grad), try XCTUnwrap(conv.conv.bias?.grad))
            for (_, t) in conv.namedParameters { t.grad = nil }
            try Ops.reduce(.sum, try Ops.binary(.mul, reference, r), dim: nil).backward()
            try close(ge, try XCTUnwrap(e2.grad), "input gradient, " + what)
            try close(gw, try XCTUnwrap(conv.conv.weight.grad), "weight gradient, " + what)
            try close(gb, try XCTUnwrap(conv.conv.bias?.grad), "bias gradient, " + what)
        }
    }

    /// Input that does not lie channels-last, odd channel counts and strides keep the 2-D path.
    func testOtherInputsKeepTheTwoDimensionalPath() throws {
        let gen = Generator(seed: 32)
        let conv = try Conv1d(32, 64, kernel: 3, padding: 1, generator: gen)
        XCTAssertFalse(conv.channelsLast(try random([2, 32, 10], gen)))
        XCTAssertNil(try conv.forwardReLU(try random([2, 32, 10], gen)))
        let odd = try Conv1d(20, 64, kernel: 3, padding: 1, generator: gen)
        XCTAssertFalse(odd.channelsLast(try random([2, 10, 20], gen).transpose(1, 2)))
        let strided = try Conv1d(32, 64, kernel: 3, stride: 2, padding: 1, generator: gen)
        XCTAssertFalse(strided.channelsLast(try random([2, 10, 32], gen).transpose(1, 2)))
    }
}
