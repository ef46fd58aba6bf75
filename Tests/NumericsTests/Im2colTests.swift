@testable import Numerics
import XCTest

/// im2col / col2imAdd against their definitions, over geometries that take the same-width
/// fast path (stride 1, output as wide as the input) and ones that do not.
final class Im2colTests: XCTestCase {
    /// (C, H, W, KH, KW, stride, padH, padW)
    let geometries: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (2, 5, 6, 3, 3, 1, 1, 1), (1, 4, 4, 5, 5, 1, 2, 2), (3, 3, 3, 5, 5, 1, 2, 2),
        (2, 4, 5, 1, 3, 1, 0, 1), (2, 5, 4, 3, 1, 1, 1, 0), (1, 2, 2, 5, 5, 1, 2, 2),
        (2, 6, 7, 3, 3, 2, 1, 1), (2, 5, 5, 3, 3, 1, 0, 0), (1, 1, 1, 3, 3, 1, 1, 1),
        (2, 7, 3, 3, 3, 1, 2, 1),
    ]

    func geometry(_ t: (Int, Int, Int, Int, Int, Int, Int, Int)) -> ConvGeometry {
        ConvGeometry(channels: t.0, height: t.1, width: t.2, kernelH: t.3, kernelW: t.4,
                     strideH: t.5, strideW: t.5, padH: t.6, padW: t.7)
    }

    /// The input index a column entry reads, or nil for padding.
    func source(_ g: ConvGeometry, row: Int, pixel: Int) -> Int? {
        let c = row / (g.kernelH * g.kernelW), ki = row / g.kernelW % g.kernelH, kj = row % g.kernelW
        let ii = pixel / g.outWidth * g.strideH - g.padH + ki, jj = pixel % g.outWidth * g.strideW - g.padW + kj
        guard ii >= 0, ii < g.height, jj >= 0, jj < g.width else { return nil }
        return (c * g.height + ii) * g.width + jj
    }

    func testIm2colMatchesDefinition() {
        for t in geometries {
            let g = geometry(t)
            let image = (0..<(g.channels * g.height * g.width)).map { Float($0 + 1) }
            let (k, p) = (g.patchSize, g.outPixels)
            let ld = p + 3   // a wider row stride must leave the gaps alone
            var cols = [Float](repeating: -7, count: k * ld)
            image.withUnsafeBufferPointer { im in
                cols.withUnsafeMutableBufferPointer { im2col(im.baseAddress!, g, into: $0.baseAddress!, ld: ld) }
            }
            for r in 0..<k {
                for q in 0..<p {
                    let expected = source(g, row: r, pixel: q).map { image[$0] } ?? 0
                    XCTAssertEqual(cols[r * ld + q], expected, "\(t) row \(r) pixel \(q)")
                }
                for q in p..<ld { XCTAssertEqual(cols[r * ld + q], -7, "\(t) gap of row \(r)") }
            }
        }
    }

    func testCol2imAddIsTheAdjoint() {
        for t in geometries {
            let g = geometry(t)
            let (k, p) = (g.patchSize, g.outPixels)
            let cols = (0..<(k * p)).map { Float($0 % 13) - 6 }
            var image = [Float](repeating: 1, count: g.channels * g.height * g.width)
            var expected = image
            for r in 0..<k { for q in 0..<p { if let s = source(g, row: r, pixel: q) { expected[s] += cols[r * p + q] } } }
            cols.withUnsafeBufferPointer { c in
                image.withUnsafeMutableBufferPointer { col2imAdd(c.baseAddress!, ld: p, g, into: $0.baseAddress!) }
            }
            XCTAssertEqual(image, expected, "\(t)")
        }
    }
}
