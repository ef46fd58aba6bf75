import Numerics
import XCTest

/// The noncentral t distribution and the t quantile behind stats.t_power and
/// stats.t_interval, against SciPy 1.10 (scripts/reference/power.py swift).
final class PowerTests: XCTestCase {
    func testNoncentralTMatchesSciPy() {
        // (t, df, nc, cdf, sf)
        let cases: [(Double, Double, Double, Double, Double)] = [
            (2.0, 9.0, 1.0, 0.8041440182555903, 0.1958559817444096),
            (-1.5, 4.0, 0.5, 0.04337356266476112, 0.9566264373352389),
            (0.0, 14.0, 2.0, 0.02275013194817922, 0.9772498680518208),
            (3.1, 29.0, 3.5, 0.345916776474916, 0.654083223525084),
            (1.0, 2.5, -1.2, 0.9748077084131916, 0.025192291586808357),
            (2.5, 99.0, 8.0, 2.983063784210556e-08, 0.9999999701693622),
            (-0.7, 19.0, -2.2, 0.9331395243449938, 0.06686047565500623),
            (5.0, 7.0, 0.0, 0.9992173610234136, 0.0007826389765864124),
            (1.8, 49.0, 12.0, 5.310914562341425e-24, 1.0),
            (45.0, 1.0, 40.0, 0.3741807320041568, 0.6258192679958432),
            (12.706204736432102, 1.0, 40.0, 0.001698938533372905, 0.9983010614666271),
            (290.0, 30.0, 300.0, 0.3627280027940067, 0.6372719972059933),
            (-150.0, 3.0, -160.0, 0.6677971306438676, 0.3322028693561324),
        ]
        for (t, df, nc, cdf, sf) in cases {
            // relative, so that the far tail (5e-24) is checked as well as the bulk
            XCTAssertEqual(NoncentralT.cdf(t, df: df, nc: nc), cdf, accuracy: 1e-9 * cdf, "cdf(\(t), \(df), \(nc))")
            XCTAssertEqual(NoncentralT.sf(t, df: df, nc: nc), sf, accuracy: 1e-9 * sf, "sf(\(t), \(df), \(nc))")
        }
        XCTAssertTrue(NoncentralT.cdf(1, df: 0, nc: 1).isNaN)
        XCTAssertEqual(NoncentralT.cdf(.infinity, df: 3, nc: 1), 1)
    }

    /// Under 1 degree of freedom the critical values pass 1e128 (t^2 overflowed into NaN
    /// betas, and the normal approximation for |nc| > 40 gave powers above 1): against
    /// mpmath (scripts/reference/power.py swift), as SciPy itself drifts there.
    func testPowerUnderOneDegreeOfFreedomMatchesMpmath() throws {
        // (d, n, two-sided power at alpha 0.05)
        let cases: [(Double, Double, Double)] = [
            (100.0, 1.01, 0.05268940786429347),
            (3.0, 1.05, 0.05434172019672153),
        ]
        for (d, n, power) in cases {
            XCTAssertEqual(try TPower.power(effect: d, n: n), power, accuracy: 1e-9 * power, "power(\(d), \(n))")
        }
        // past the series' reach, or a critical value past the doubles: errors that say so
        XCTAssertThrowsError(try TPower.power(effect: 1e5, n: 1.01)) { e in
            XCTAssertTrue("\(e)".contains("is not computed"), "\(e)")
        }
        XCTAssertThrowsError(try TPower.power(effect: 100, n: 1.0001)) { e in
            XCTAssertTrue("\(e)".contains("too close to 1"), "\(e)")
        }
        XCTAssertEqual(NoncentralT.cdf(1e200, df: 0.5, nc: 3), 1, accuracy: 1e-12)
    }

    func testTQuantileMatchesSciPyAndInvertsTheCDF() {
        // (p, df, t.ppf)
        let cases: [(Double, Double, Double)] = [
            (0.975, 1.0, 12.706204736432095),
            (0.975, 4.0, 2.7764451051977987),
            (0.95, 14.0, 1.7613101357748562),
            (0.025, 9.0, -2.262157162740992),
            (0.999, 2.5, 13.822193110834316),
            (0.6, 30.0, 0.2556053644420514),
            (1e-06, 7.0, -14.241469656160008),
        ]
        // The t CDF matches SciPy to about 1e-10 absolute (StatsTests), which bounds the
        // quantile's precision: 1e-8 relative here (0.6 with df 30 is the worst, 2e-9).
        for (p, df, q) in cases {
            XCTAssertEqual(StudentT.quantile(p, df: df), q, accuracy: 1e-8 * abs(q), "quantile(\(p), \(df))")
            XCTAssertEqual(StudentT.cdf(StudentT.quantile(p, df: df), df: df), p, accuracy: 1e-9 * p)
        }
        XCTAssertEqual(StudentT.quantile(0.5, df: 3), 0)
        XCTAssertEqual(StudentT.quantile(1, df: 3), .infinity)
        XCTAssertTrue(StudentT.quantile(0.5, df: -1).isNaN)
    }
}
