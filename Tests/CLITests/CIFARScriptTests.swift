import Foundation
import XCTest

/// scripts/learnability_cifar.lua end to end on small synthetic files in the CIFAR-10 binary
/// format (CIFAR-10 itself cannot be downloaded here): 6 files of 1-byte labels and 3x32x32
/// pixel records, a study of 3 seeds on 2 local workers, its summary and verdicts.
final class CIFARScriptTests: XCTestCase {
    static let root = CLITests.root

    /// `perClass` records of each of the 10 classes; the image's brightness follows its class
    /// (so that there is something to learn), with noise.
    func writeBatch(_ url: URL, perClass: Int, seed: UInt64) throws {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        var bytes: [UInt8] = []
        for k in 0..<(10 * perClass) {
            let label = UInt8(k % 10)
            bytes.append(label)
            for _ in 0..<3072 { bytes.append(UInt8(min(255, Int(label) * 20 + Int(next() % 60)))) }
        }
        try Data(bytes).write(to: url)
    }

    func testTheCIFARScriptRunsAStudyOnCIFARFormatFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-cifar-\(UUID().uuidString)")
        let cifar = dir.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: cifar, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for k in 1...5 { try writeBatch(cifar.appendingPathComponent("data_batch_\(k).bin"), perClass: 4, seed: UInt64(k)) }
        try writeBatch(cifar.appendingPathComponent("test_batch.bin"), perClass: 5, seed: 9)
        let script = Self.root.appendingPathComponent("scripts/learnability_cifar.lua").path
        let out = dir.appendingPathComponent("out").path
        let r = try run([script, "--dir", cifar.path, "--per-class", "12", "--val-per-class", "5", "--epochs", "1",
                         "--seeds", "3", "--workers", "2", "--out", out])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("CIFAR-10: 120 training, 50 validation, 50 test images; 3 seeds; 2 worker processes"),
                      r.stdout)
        XCTAssertTrue(r.stdout.contains("2 workers x 1 thread on 18 cells"), r.stdout)
        let summary = try String(contentsOfFile: out + "/summary.txt", encoding: .utf8)
        for method in ["baseline", "tpr_weighted_ce", "focal", "class_balanced_tpr", "tpr_oversampling", "tpr_augmentation"] {
            XCTAssertTrue(summary.contains("\n" + method + " ") || summary.hasPrefix(method + " ")
                          || summary.contains("\n" + method + " !"), "\(method) in the summary:\n\(summary)")
        }
        XCTAssertTrue(summary.contains("(t, 3 seeds)") || summary.contains("on every seed alike"), summary)
        // a missing directory: a clear message, exit status 1
        let missing = try run([script, "--dir", dir.appendingPathComponent("nope").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("CIFAR-10 is missing or incomplete"), missing.stderr)
    }
}
