import Foundation
import XCTest

/// The study of StudyRunnerTests on a real single-node Slurm cluster (Debian's slurm-wlm and
/// munge; scripts/slurm-test-cluster starts munged, slurmctld and slurmd on loopback from a
/// generated slurm.conf and stops them): the job arrays and the collect job give the summary
/// one process gives, job names say which study and cells, a resubmission runs only what is
/// missing, and an unknown partition is refused before anything is submitted.
final class StudySlurmTests: XCTestCase {
    static let root = CLITests.root
    static let clusterScript = root.appendingPathComponent("scripts/slurm-test-cluster").path

    var dir: URL!
    var clusterDir: URL!
    var slurmConf = ""

    override func setUpWithError() throws {
        let installed = FileManager.default.isExecutableFile(atPath: "/usr/sbin/slurmctld")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/sbatch")
        if !installed {
            // CI installs Slurm (scripts/setup-test): there, a missing one is a failure
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("slurm-wlm is not installed (scripts/setup-test)") }
            throw XCTSkip("slurm-wlm is not installed; scripts/setup-test installs it")
        }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-slurm-\(UUID().uuidString)")
        clusterDir = dir.appendingPathComponent("cluster")
        try FileManager.default.createDirectory(at: clusterDir, withIntermediateDirectories: true)
        try StudyRunnerTests.study.write(to: dir.appendingPathComponent("study.lua"), atomically: true, encoding: .utf8)
        let r = try shell([Self.clusterScript, "start", clusterDir.path])
        guard r.status == 0 else {
            // slurmd runs jobs as their users, so the test cluster needs root; as root in CI a
            // cluster that does not start is a failure
            if ProcessInfo.processInfo.environment["CI"] == "true" && getuid() == 0 {
                XCTFail("could not start the test cluster: \(r.stdout)\(r.stderr)")
            }
            throw XCTSkip("could not start the test cluster (needs root): \(r.stdout)\(r.stderr)")
        }
        slurmConf = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    override func tearDownWithError() throws {
        if let clusterDir { _ = try? shell([Self.clusterScript, "stop", clusterDir.path]) }
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    func shell(_ argv: [String], env: [String: String] = [:]) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        var e = ProcessInfo.processInfo.environment
        e.merge(env) { $1 }
        p.environment = e
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), x = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: x, as: UTF8.self))
    }

    func lws(_ args: [String]) throws -> CLIResult {
        try run(args, env: ["SLURM_CONF": slurmConf], directory: dir)
    }

    func text(_ path: String) -> String { (try? String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)) ?? "" }

    func queue() throws -> String {
        try shell(["/usr/bin/squeue", "-h", "-o", "%i %j"], env: ["SLURM_CONF": slurmConf]).stdout
    }

    /// Waits until the queue is empty.
    func drain(timeout: TimeInterval = 240) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try queue().trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTFail("the Slurm jobs did not end in \(timeout) s: \(try queue())")
    }

    func testAStudyOnSlurmGivesTheSummaryOneProcessGives() throws {
        let one = try lws(["study.lua", "one"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let reference = text("one/summary.csv")
        XCTAssertFalse(reference.isEmpty)

        // an unknown partition: refused, nothing submitted
        let bad = try lws(["study", "slurm", "--partition", "nope", "study.lua", "onslurm"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("no partition 'nope' on this cluster (sinfo lists: debug)"), bad.stderr)
        XCTAssertTrue(try queue().isEmpty)

        let sub = try lws(["study", "slurm", "--cpus", "1", "--time", "10:00", "study.lua", "onslurm"])
        XCTAssertEqual(sub.status, 0, sub.stderr)
        XCTAssertTrue(sub.stdout.contains("submitted onslurm: 3 baseline and 9 method tasks, then collect"), sub.stdout)
        let names = try queue()
        XCTAssertTrue(names.contains("lws:onslurm:"), "job names in squeue say the study: \(names)")
        try drain()
        XCTAssertEqual(text("onslurm/summary.csv"), reference, "the collect job's summary")
        let status = try lws(["study", "status", "onslurm"])
        XCTAssertTrue(status.stdout.contains("12 cells: 12 done"), status.stdout)
        // the tasks renamed themselves after their cells
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("onslurm/logs").path)
        XCTAssertEqual(logs.filter { $0.hasPrefix("slurm-") && !$0.contains("collect") }.count, 12, "\(logs)")

        // resubmitting runs only what is missing
        try FileManager.default.removeItem(at: dir.appendingPathComponent("onslurm/cells/seed2-focal.lua"))
        let again = try lws(["study", "slurm", "--wait", "study.lua", "onslurm"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 baseline and 1 method tasks"), again.stdout)
        XCTAssertTrue(again.stdout.contains("11 of 12 cells were done already"), again.stdout)
        XCTAssertEqual(text("onslurm/summary.csv"), reference)
    }
}
