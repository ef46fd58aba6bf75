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
        ]
        for (t, df, nc, cdf, sf) in cases {
            // relative, so that the far tail (5e-24) is checked as well as the bulk
            XCTAssertEqual(NoncentralT.cdf(t, df: df, nc: nc), cdf, accuracy: 1e-9 * cdf, "cdf(\(t), \(df), \(nc))")
            XCTAssertEqual(NoncentralT.sf(t, df: df, nc: nc), sf, accuracy: 1e-9 * sf, "sf(\(t), \(df), \(nc))")
        }
        XCTAssertTrue(NoncentralT.cdf(1, df: 0, nc: 1).isNaN)
        XCTAssertEqual(NoncentralT.cdf(.infinity, df: 3, nc: 1), 1)
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
