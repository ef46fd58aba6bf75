import CKernels
@testable import Numerics
import XCTest

/// The small products of Sources/CKernels: A B^T (gemm_nt.c) against the definition and the
/// Linear layer through it against OpenBLAS; A B (gemm_nn.c, the LSTM's products and the
/// channels-last Conv1d), as read in place and packed once, against fused multiply-adds in order.
final class SmallGemmTests: XCTestCase {
    func random(_ n: Int, _ g: Generator) -> [Float] { (0..<n).map { _ in Float(g.normal()) } }

    /// `compute` run again on one thread gives `values`, bit for bit.
    func assertOneThreadGives(_ values: [Float], _ what: String, _ compute: () throws -> [Float]) throws {
        let saved = currentKernelThreads
        defer { setKernelThreads(saved) }
        setKernelThreads(1)
        XCTAssertEqual(try compute().map(\.bitPattern), values.map(\.bitPattern), "\(what): one thread and \(saved) differ")
    }

    /// Row counts around the tile's 4, column ranges around its 6 (starting inside the
    /// matrix), k around the 16 lanes; only columns [n0, n1) are written.
    func testMatchesTheDefinitionAndWritesOnlyItsColumns() throws {
        try XCTSkipIf(lws_kernels_avx512() == 0, "no AVX-512 here: Linear uses OpenBLAS")
        let gen = Generator(seed: 5)
        for (m, n, k, n0, n1) in [(1, 7, 16, 0, 7), (3, 13, 17, 2, 13), (4, 6, 1, 0, 6), (5, 20, 15, 7, 19),
                                  (9, 31, 784, 0, 31), (32, 12, 33, 5, 12), (2, 1, 40, 0, 1)] {
            let (lda, ldb, ldc) = (k + 3, k + 1, n + 2)   // strides wider than the rows
            let a = random(m * lda, gen), b = random(n * ldb, gen), bias = random(n, gen)
            for withBias in [true, false] {
                var c = [Float](repeating: -7, count: m * ldc)
                c.withUnsafeMutableBufferPointer {
                    lws_gemm_nt(m, n0, n1, k, a, lda, b, ldb, withBias ? bias : nil, $0.baseAddress!, ldc)
                }
                for i in 0..<m {
                    for j in 0..<ldc {
                        let got = c[i * ldc + j]
                        guard j >= n0, j < n1 else { XCTAssertEqual(got, -7, "wrote column \(j) outside \(n0)..<\(n1)"); continue }
                        var sum = withBias ? Double(bias[j]) : 0, size = abs(sum)
                        for q in 0..<k { let t = Double(a[i * lda + q]) * Double(b[j * ldb + q]); sum += t; size += abs(t) }
                        XCTAssertEqual(Double(got), sum, accuracy: 1e-5 * (size + 1), "m \(m) n \(n) k \(k): C[\(i)][\(j)]")
                    }
                }
            }
        }
    }

    /// A Linear layer at a small batch (the kernel) and a large one (OpenBLAS) give the same
    /// rows to rounding, and the small batch is the same whichever thread count ran it.
    func testLinearSmallBatchMatchesOpenBLAS() throws {
        try XCTSkipIf(lws_kernels_avx512() == 0, "no AVX-512 here: Linear uses OpenBLAS")
        let layer = try Linear(100, 37, generator: Generator(seed: 2))
        let big = try Tensor.randn([Linear.smallBatch + 10, 100], generator: Generator(seed: 3))
        let small = try big.narrow(0, 0, 5).contiguous()
        let (yBig, ySmall) = (try layer.forward(big).toArray(), try layer.forward(small).toArray())
        for q in 0..<ySmall.count { XCTAssertEqual(ySmall[q], yBig[q], accuracy: 1e-4, "output \(q)") }
        try assertOneThreadGives(ySmall, "Linear(100 -> 37), 5 rows") { try layer.forward(small).toArray() }
    }

    /// Above `Linear.smallBatch` rows, with outputs a multiple of 16, each core packs its own
    /// columns of W^T for gemm_nn.c: every output is the bias (or 0) plus the products in
    /// order, fused, and one thread gives the same bits as several. 48 outputs split 16 + 32.
    func testLinearLargeBatchIsInOrderSums() throws {
        try XCTSkipIf(lws_kernels_avx512() == 0, "no AVX-512 here: Linear uses OpenBLAS")
        let n = Linear.smallBatch + 7
        for (inputs, outputs, withBias) in [(37, 48, true), (16, 64, false), (300, 16, true)] {
            let layer = try Linear(inputs, outputs, bias: withBias, generator: Generator(seed: 4))
            let x = try Tensor.randn([n, inputs], generator: Generator(seed: 6))
            let (xs, w) = (try x.toArray(), try layer.weight.toArray()), b = try layer.bias?.toArray()
            let y = try layer.forward(x).toArray()
            var wrong = 0
            for r in 0..<n {
                for o in 0..<outputs {
                    var s: Float = b?[o] ?? 0
                    for k in 0..<inputs { s.addProduct(xs[r * inputs + k], w[o * inputs + k]) }
                    if s.bitPattern != y[r * outputs + o].bitPattern { wrong += 1 }
                }
            }
            XCTAssertEqual(wrong, 0, "Linear(\(inputs) -> \(outputs)), bias \(withBias): outputs not the in-order sums")
            try assertOneThreadGives(y, "Linear(\(inputs) -> \(outputs))") { try layer.forward(x).toArray() }
        }
    }

    /// Linear's weight gradient dW = dY^T X through gemm_nn.c (inputs a multiple of 16): each
    /// entry the products over the batch in order, fused, whichever thread count ran it, for
    /// batches below and above the kernel's 128-row blocks and column counts split unevenly.
    func testLinearWeightGradientIsInOrderSums() throws {
        try XCTSkipIf(lws_kernels_avx512() == 0, "no AVX-512 here: Linear uses OpenBLAS")
        let gen = Generator(seed: 12)
        for (n, inputs, outputs) in [(5, 16, 3), (130, 48, 10), (300, 80, 33)] {
            let dy = random(n * outputs, gen), x = random(n * inputs, gen)
            var gw = [Float](repeating: 0, count: outputs * inputs)
            try Linear.weightGradient(dy: dy, x: x, n: n, inputs: inputs, outputs: outputs, into: &gw)
            var wrong = 0
            for o in 0..<outputs {
                for i in 0..<inputs {
                    var s: Float = 0
                    for r in 0..<n { s.addProduct(dy[r * outputs + o], x[r * inputs + i]) }
                    if s.bitPattern != gw[o * inputs + i].bitPattern { wrong += 1 }
                }
            }
            XCTAssertEqual(wrong, 0, "n \(n), \(inputs) -> \(outputs): entries not the in-order sums")
            try assertOneThreadGives(gw, "dW, n \(n), \(inputs) -> \(outputs)") {
                var one = [Float](repeating: 0, count: outputs * inputs)
                try Linear.weightGradient(dy: dy, x: x, n: n, inputs: inputs, outputs: outputs, into: &one)
                return one
            }
        }
    }

    /// The in-order sums of fused multiply-adds that lws_gemm_nn and lws_gemm_nn_packed promise.
    func inOrderSums(_ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ lda: Int, _ b: (Int, Int) -> Float,
                     _ start: [Float], _ ldc: Int, _ accumulate: Bool) -> [Float] {
        var c = start
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = accumulate ? start[i * ldc + j] : 0
                for q in 0..<k { s.addProduct(a[i * lda + q], b(q, j)) }
                c[i * ldc + j] = s
            }
        }
        return c
    }

    /// Shapes around the kernel's tiles (6 rows by 64 columns, 8 by 48, 12 by 32 or 16), its
    /// panels (64 while 64 columns are left, 80 left become 48 + 32), where it packs B as it
    /// reads (32 rows and more) in blocks of 128 k, and a column count it leaves to its scalar
    /// loop (20).
    let shapes = [(64, 512, 128), (11, 128, 512), (13, 48, 7), (1, 16, 1), (25, 32, 33), (5, 20, 9),
                  (40, 64, 300), (33, 112, 129), (8, 80, 5), (96, 64, 640), (20, 64, 96), (32, 16, 257),
                  (7, 144, 20), (37, 208, 130)]

    /// Every entry is C (or 0) plus the products over k in order, each a fused multiply-add:
    /// the same bits as that loop, with strides wider than the rows; columns past N untouched.
    func testProductIsFusedMultiplyAddsInOrder() {
        let gen = Generator(seed: 9)
        for (m, n, k) in shapes {
            for accumulate in [true, false] {
                let (lda, ldb, ldc) = (k + 5, n + 16, n + 3)
                let a = random(m * lda, gen), b = random(k * ldb, gen), start = random(m * ldc, gen)
                var c = start
                c.withUnsafeMutableBufferPointer { lws_gemm_nn(m, n, k, a, lda, b, ldb, $0.baseAddress!, ldc, accumulate ? 1 : 0) }
                let want = inOrderSums(m, n, k, a, lda, { b[$0 * ldb + $1] }, start, ldc, accumulate)
                let wrong = (0..<c.count).filter { c[$0].bitPattern != want[$0].bitPattern }
                XCTAssertEqual(wrong.count, 0, "m \(m) n \(n) k \(k) accumulate \(accumulate): entries \(wrong.prefix(5)) wrong")
            }
        }
    }

    /// B packed once (here from a weight stored transposed, [N, K], as the LSTM packs W^T) gives
    /// the same bits as the in-order sums, through PackedMatrix as the layers call it.
    func testPackedProductIsTheSameSums() throws {
        let gen = Generator(seed: 10)
        for (m, n, k) in shapes where n % 16 == 0 {
            let (lda, ldc) = (k + 2, n + 5)
            let a = random(m * lda, gen), w = random(n * k, gen), start = random(m * ldc, gen)
            let packed = try PackedMatrix(w, k: k, n: n, kStride: 1, nStride: k)
            for accumulate in [true, false] {
                var c = start
                c.withUnsafeMutableBufferPointer {
                    packed.product(m: m, a: a, lda: lda, c: $0.baseAddress!, ldc: ldc, accumulate: accumulate)
                }
                let want = inOrderSums(m, n, k, a, lda, { w[$1 * k + $0] }, start, ldc, accumulate)
                let wrong = (0..<c.count).filter { c[$0].bitPattern != want[$0].bitPattern }
                XCTAssertEqual(wrong.count, 0, "m \(m) n \(n) k \(k) accumulate \(accumulate): entries \(wrong.prefix(5)) wrong")
            }
        }
    }
}
