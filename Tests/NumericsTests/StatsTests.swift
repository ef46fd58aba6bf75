import XCTest
@testable import Numerics

/// The distributions behind the tests against SciPy 1.10 (values printed by
/// `/usr/bin/python3 scripts/reference/stats.py swift`): relative error at most 1e-10
/// (absolute for values near 1).
final class StatsTests: XCTestCase {
    func close(_ got: Double, _ want: Double, _ what: String, tol: Double = 1e-10,
               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(got - want), tol * max(abs(want), 1e-300), "\(what): \(got) vs \(want)",
                                 file: file, line: line)
    }

    func testRegularizedIncompleteBeta() {
        let cases: [(Double, Double, Double, Double)] = [
            (0.5, 0.5, 0.3, 0.3690101195655454),
            (2, 3, 0.4, 0.5247999999999999),
            (10, 0.5, 0.99, 0.6579281751567843),
            (0.1, 20, 0.0001, 0.5632532439852156),
            (50, 60, 0.45, 0.4642352914306064),
            (1000, 1200, 0.46, 0.6966261959443422),
            (3.5, 0.5, 0.999999, 0.9979628184260464),
            (0.001, 0.001, 0.5, 0.49999999999999983),
        ]
        for (a, b, x, want) in cases {
            close(SpecialFunctions.regularizedBeta(a, b, x: x, y: 1 - x), want, "I_\(x)(\(a), \(b))")
        }
    }

    func testStudentTSurvival() {
        let cases: [(Double, Double, Double)] = [
            (0.1, 3, 0.4633261744004029),
            (2.5, 4.7, 0.028796079673433634),
            (-1.3, 10, 0.8886170913965777),
            (12.0, 2, 0.00343646683857923),
            (40.0, 30, 6.863022597203181e-28),
            (1e-08, 5, 0.4999999962039331),
            (3.0, 1000000.0, 0.0013499312707108977),
            (0.7, 0.5, 0.34270033126038335),
        ]
        for (t, df, want) in cases {
            close(StudentT.sf(t, df: df), want, "t.sf(\(t), \(df))")
            close(StudentT.cdf(-t, df: df), want, "t.cdf(\(-t), \(df))")
        }
    }

    func testFSurvival() {
        let cases: [(Double, Double, Double, Double)] = [
            (0.5, 2, 10, 0.620921323059155),
            (3.2, 4, 20, 0.03483162372878264),
            (25.0, 1, 3, 0.015392438073302301),
            (1.0, 30, 30, 0.49999999999999983),
            (0.0001, 5, 7, 0.9999999995316443),
            (8.0, 2.5, 100.5, 0.00021058623094223218),
        ]
        for (x, d1, d2, want) in cases {
            close(FDistribution.sf(x, d1: d1, d2: d2), want, "f.sf(\(x), \(d1), \(d2))")
            XCTAssertEqual(FDistribution.cdf(x, d1: d1, d2: d2) + want, 1, accuracy: 1e-12)
        }
    }

    func testNormalQuantile() {
        let cases: [(Double, Double)] = [
            (1e-12, -7.034483825301131),
            (0.001, -3.090232306167813),
            (0.025, -1.9599639845400545),
            (0.3, -0.5244005127080409),
            (0.5, 0.0),
            (0.8, 0.8416212335729143),
            (0.975, 1.959963984540054),
            (0.999999, 4.753424308817087),
        ]
        for (p, want) in cases {
            XCTAssertEqual(Normal.quantile(p), want, accuracy: 1e-12 * max(1, abs(want)), "norm.ppf(\(p))")
        }
        XCTAssertEqual(Normal.sf(1.959963984540054), 0.025, accuracy: 1e-15)
    }

    func testEdgeCases() {
        XCTAssertEqual(StudentT.sf(.infinity, df: 3), 0)
        XCTAssertEqual(StudentT.sf(-.infinity, df: 3), 1)
        XCTAssertTrue(StudentT.sf(.nan, df: 3).isNaN)
        XCTAssertTrue(StudentT.sf(1, df: 0).isNaN)
        XCTAssertEqual(StudentT.sf(0, df: 7), 0.5, accuracy: 1e-15)
        XCTAssertEqual(FDistribution.sf(0, d1: 2, d2: 3), 1)
        XCTAssertEqual(SpecialFunctions.regularizedBeta(2, 3, x: 0, y: 1), 0)
        XCTAssertEqual(SpecialFunctions.regularizedBeta(2, 3, x: 1, y: 0), 1)
        XCTAssertTrue(Normal.quantile(1.5).isNaN)
    }

    /// The exact null distributions: counts sum to C(m+n, m) and 2^n.
    func testExactDistributions() {
        XCTAssertEqual(RankTests.uCounts(3, 4), [1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1])
        XCTAssertEqual(RankTests.uCounts(8, 40).reduce(0, +), 377348994, accuracy: 0.5)
        XCTAssertEqual(RankTests.signedRankCounts(4), [1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1])
        XCTAssertEqual(RankTests.signedRankCounts(20).reduce(0, +), 1048576)
    }

    func testRanksAndHolm() throws {
        XCTAssertEqual(Describe.ranks([3, 1, 3, 2]), [3.5, 1, 3.5, 2])
        for (got, want) in zip(try Intervals.holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02]) {
            XCTAssertEqual(got, want, accuracy: 1e-15)
        }
        XCTAssertThrowsError(try Intervals.holm([0.5, 1.5]))
    }
}
