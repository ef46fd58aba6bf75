import Foundation
import XCTest

/// scripts/bench/train.lua, the lwscript side of scripts/bench/compare, runs every model in both
/// modes and prints the rate the comparison reads (a benchmark that stopped running would
/// otherwise go unnoticed until someone measures). Speed itself is not tested here.
final class BenchScriptTests: XCTestCase {
    static let root = CLITests.root

    func testEveryModelRunsInBothModes() throws {
        for model in ["mlp", "cnn", "cnn32", "convlstm"] {
            for mode in ["train", "eval"] {
                let r = try run(["scripts/bench/train.lua", model, "1", "4", mode], directory: Self.root)
                XCTAssertEqual(r.status, 0, "\(model) \(mode): \(r.stderr)")
                // the line compare parses: "lwscript MODEL MODE: RATE samples/s (...)"
                let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("lwscript \(model) \(mode): ") }
                let rate = line.flatMap { Double($0.split(separator: " ")[3]) }
                XCTAssertNotNil(rate, "\(model) \(mode): \(r.stdout)")
                XCTAssertGreaterThan(rate ?? 0, 0, "\(model) \(mode)")
            }
        }
        let bad = try run(["scripts/bench/train.lua", "mlp", "1", "4", "infer"], directory: Self.root)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("mode must be train or eval, not 'infer'"), bad.stderr)
    }
}
