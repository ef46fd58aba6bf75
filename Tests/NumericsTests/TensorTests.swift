import CBLAS
@testable import Numerics
import XCTest

/// Reference values below were computed with PyTorch 1.13 (Debian python3-torch) on the
/// same inputs:
///   x = torch.tensor([[0.3,-1.2,2.5,0.0],[1.7,-0.4,-2.2,3.1],[0.9,0.8,-0.7,1.5]])
///   x.var(), x.var(unbiased=False), x.var(0), x.std(1), x.mean(1), x @ w, x.max(0)
final class TensorTests: XCTestCase {
    let x = try! Tensor(shape: [3, 4], values: [0.3, -1.2, 2.5, 0.0, 1.7, -0.4, -2.2, 3.1, 0.9, 0.8, -0.7, 1.5])

    func assertClose(_ t: Tensor, _ expected: [Float], tol: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        let got = t.toArray()
        XCTAssertEqual(got.count, expected.count, file: file, line: line)
        let diff = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(diff, tol, "max diff \(diff): \(got) vs \(expected)", file: file, line: line)
    }

    func testReductionsMatchPyTorch() throws {
        assertClose(try x.reduceAll(.variance), [2.3784091472625732])
        assertClose(try x.reduceAll(.variance, unbiased: false), [2.180208444595337])
        assertClose(try x.reduce(.variance, dim: 0), [0.4933333694934845, 1.0133334398269653, 5.763333320617676, 2.4033331871032715])
        assertClose(try x.reduce(.std, dim: 1), [1.542724847793579, 2.3302359580993652, 0.9358596801757812])
        assertClose(try x.reduce(.mean, dim: 1), [0.3999999761581421, 0.5499999523162842, 0.625])
        let (v, i) = try x.extremum(max: true, dim: 0)
        assertClose(v, [1.7000000476837158, 0.800000011920929, 2.5, 3.0999999046325684])
        XCTAssertEqual(i.toArray(), [1, 2, 0, 1])
    }

    func testMatmulMatchesPyTorchIncludingTransposedViews() throws {
        let w = try Tensor(shape: [4, 2], values: [1.5, -2.0, 0.25, 3.0, -1.0, 0.5, 2.0, 1.0])
        let expected: [Float] = [-2.3499999046325684, -2.950000286102295, 10.850000381469727, -2.5999999046325684, 5.25, 1.7500001192092896]
        assertClose(try x.matmul(w), expected)
        let xT = try x.transpose(0, 1).contiguous().transpose(0, 1)   // same values, column-major view
        XCTAssertFalse(xT.isContiguous)
        assertClose(try xT.matmul(w), expected)
        let strided = try Tensor.cat([x, x], dim: 1).narrow(1, 0, 4)     // row stride 8: needs a copy
        assertClose(try strided.matmul(w), expected)
    }

    /// Making OpenBLAS's idle workers sleep stops them; the next multithreaded product starts
    /// them again and must give the values one thread gives.
    func testMatmulAfterBLASWorkersRestart() throws {
        let previous = Int(openblas_get_num_threads())
        defer { setBLASThreads(previous) }
        let a = try Tensor.randn([300, 200], generator: Generator(seed: 1))
        let b = try Tensor.randn([200, 250], generator: Generator(seed: 2))
        setBLASThreads(1)
        let single = try a.matmul(b)
        for _ in 0..<2 {
            _ = lws_openblas_idle_workers_sleep()
            setBLASThreads(2)
            let threaded = try a.matmul(b)
            // OpenBLAS splits the work differently by thread count: last-bit differences only
            let diff = zip(threaded.toArray(), single.toArray()).map { abs($0 - $1) }.max() ?? .nan
            XCTAssertLessThan(diff, 1e-4)
        }
    }

    /// An output whose gradient is computed from the output itself (exp, sigmoid, softmax,
    /// a / b, pow, std, prod, max...) must not keep itself alive through its own graph node when no
    /// backward pass ever runs (evaluation without no_grad).
    func testOutputsWithoutBackwardAreFreed() throws {
        let ops: [(String, (Tensor) throws -> Tensor)] = [
            ("exp", { try Ops.unary(.exp, $0) }), ("sqrt", { try Ops.unary(.sqrt, $0) }),
            ("sigmoid", { try Ops.unary(.sigmoid, $0) }), ("tanh", { try Ops.unary(.tanh, $0) }),
            ("softmax", { try Ops.softmax($0) }), ("log_softmax", { try Ops.logSoftmax($0) }),
            ("div", { try Ops.binary(.div, $0, $0) }), ("pow", { try Ops.binary(.pow, $0, $0) }),
            ("2^x", { try Ops.binary(.pow, $0, scalar: 2, scalarFirst: true) }),
            ("std", { try Ops.reduce(.std, $0, dim: nil) }), ("prod", { try Ops.reduce(.prod, $0, dim: 1) }),
            ("max", { try Ops.reduce(.max, $0, dim: 0) }),
        ]
        for (name, op) in ops {
            weak var weakOut: Tensor?
            do {
                let x = try Tensor.rand([4, 3], generator: Generator(seed: 3))
                x.requiresGrad = true
                let y = try op(x)
                XCTAssertTrue(y.requiresGrad, name)
                weakOut = y
            }
            XCTAssertNil(weakOut, "\(name): the output keeps itself alive")
        }
    }

    func testStableSigmoidAndTanhAtExtremes() {
        // torch.sigmoid([-100,-20,0,20,100]) = [0, 2.06115369e-09, 0.5, 1, 1]
        let s = try! Tensor(shape: [5], values: [-100, -20, 0, 20, 100]).unary(.sigmoid)
        assertClose(s, [0, 2.06115369216775e-09, 0.5, 1, 1], tol: 1e-12)
        XCTAssertTrue(s.toArray().allSatisfy { $0.isFinite })
        assertClose(try! Tensor(shape: [4], values: [-30, -1, 0.5, 30]).unary(.tanh), [-1, -0.7615941762924194, 0.46211716532707214, 1])
    }

    func testBroadcastingOverStridedViews() throws {
        let a = try Tensor.arange(0, 6).reshape([2, 3])
        let col = try Tensor(shape: [2, 1], values: [10, 20])
        XCTAssertEqual(try a.binary(.add, col).toArray(), [10, 11, 12, 23, 24, 25])
        let at = try a.transpose(0, 1)                 // 3x2 view
        XCTAssertEqual(try at.binary(.mul, Tensor(shape: [2], values: [1, -1])).toArray(), [0, -3, 1, -4, 2, -5])
        XCTAssertThrowsError(try a.binary(.add, Tensor(shape: [2], values: [1, 2])))
    }

    func testViewsShareStorageAndCopiesDoNot() throws {
        let a = try Tensor.zeros([2, 3])
        try a.select(0, 1).fill(7)
        XCTAssertEqual(a.toArray(), [0, 0, 0, 7, 7, 7])
        let c = try a.clone()
        c.fill(1)
        XCTAssertEqual(a.toArray(), [0, 0, 0, 7, 7, 7])
        try a.narrow(1, 1, 2).copy(from: Tensor(shape: [2, 2], values: [1, 2, 3, 4]))
        XCTAssertEqual(a.toArray(), [0, 1, 2, 7, 3, 4])
    }

    func testGeneratorIsDeterministicAndUniform() {
        let g1 = Generator(seed: 7), g2 = Generator(seed: 7)
        XCTAssertEqual((0..<100).map { _ in g1.next() }, (0..<100).map { _ in g2.next() })
        let g = Generator(seed: 1)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 { counts[g.below(10)] += 1 }
        XCTAssertTrue(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
        let p = Generator(seed: 3).permutation(50)
        XCTAssertEqual(p.sorted(), Array(0..<50))
    }

    /// The whole state (words, pending normal, seed) put back repeats the draws that followed
    /// the save, also halfway through a Box-Muller pair; a malformed state changes nothing.
    func testGeneratorStateRestoresTheStream() {
        let g = Generator(seed: 11)
        _ = g.normal()                        // the pair's second value is now pending
        let saved = g.state
        let expected = (0..<5).map { _ in g.normal() } + [g.uniform()]
        g.reseed(99)
        _ = (0..<7).map { _ in g.next() }
        g.state = saved
        XCTAssertEqual((0..<5).map { _ in g.normal() } + [g.uniform()], expected)
        XCTAssertEqual(g.seed, 11)
        let before = g.state
        g.state = Generator.State(words: [0, 0, 0, 0], spareNormal: nil, seed: 1)
        g.state = Generator.State(words: [1, 2], spareNormal: nil, seed: 1)
        XCTAssertEqual(g.state, before)
    }

    func testShapeValidationThrowsInsteadOfTrapping() {
        XCTAssertThrowsError(try Tensor.zeros([-1]))
        XCTAssertThrowsError(try Tensor.zeros([1 << 20, 1 << 20]))
        XCTAssertThrowsError(try Tensor.arange(0, 1, 0))
        XCTAssertThrowsError(try x.reshape([5, -1]))
        XCTAssertThrowsError(try x.narrow(0, 2, 2))
        XCTAssertThrowsError(try x.select(1, 4))
        XCTAssertThrowsError(try x.element(at: [3, 0]))
        XCTAssertThrowsError(try Tensor.cat([x, Tensor.zeros([2, 3])], dim: 0))
        XCTAssertThrowsError(try x.reduce(.max, dim: 2))
    }

    func testFormatterMatchesTorchLayout() throws {
        XCTAssertEqual(try Tensor(shape: [2, 2], values: [1, -2, 3, 40]).description,
                       "  1 -2\n  3 40\n[FloatTensor of size 2x2]")
        XCTAssertEqual(try Tensor(shape: [2], values: [1e6, 2.5]).description,
                       " 1.0000e+06\n 2.5000e+00\n[FloatTensor of size 2]")
        XCTAssertEqual(try Tensor(shape: [2], values: [.nan, 1.5]).description,
                       "    nan\n 1.5000\n[FloatTensor of size 2]")
    }
}
