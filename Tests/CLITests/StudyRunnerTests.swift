import Foundation
import XCTest

/// A study over many processes, run as a user runs it (`lwscript study run`, `lwscript
/// study collect`, `lwscript study status`): local workers give the summary one process gives
/// with the same threads, a worker killed with SIGKILL fails only its cell and a rerun
/// completes that one, two runners on one study never run a cell twice, a collect killed
/// mid-write loses nothing, and bad options are refused before anything runs.
/// (StudySlurmTests runs the same study on a real Slurm cluster.)
final class StudyRunnerTests: XCTestCase {
    /// The study: lwscript study.lua OUT [epochs] [workers]; 3 seeds x (baseline, 2 methods,
    /// 1 control) = 12 cells, on 3-class blobs.
    static let study = """
        local out, epochs, workers = arg[1], tonumber(arg[2] or "3"), tonumber(arg[3] or "")
        tensor.seed(3)
        local x, y = tensor.randn(600, 4), tensor.zeros(600)
        for i = 1, 600 do local c = (i - 1) % 3 + 1; y[i] = c; x[i][c] = x[i][c] + 1.5 end
        local set = data.tensors(x, y, {classes = {"a", "b", "c"}})
        local train, test = set:split(0.7, {seed = 1})
        local fit, val = train:split(0.8, {seed = 2})
        local study = experiment.learnability{data = {train = fit, val = val, test = test}, seeds = {1, 2, 3}, epochs = epochs,
          batch = 16, model = function(seed) tensor.seed(seed); return nn.mlp{inputs = 4, hidden = {32}, classes = 3} end,
          optimizer = function(p) return optim.Adam(p, {lr = 0.01}) end,
          methods = {"tpr_weighted_ce", "focal"}, controls = true, out = out, workers = workers, threads = 1, plots = false}
        print("RESULT", #study.summary, study.missing and #study.missing or 0)
        """

    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-study-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.study.write(to: dir.appendingPathComponent("study.lua"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func lws(_ args: [String], env: [String: String] = [:]) throws -> CLIResult {
        try run(args, env: env, directory: dir)
    }

    func text(_ path: String) -> String { (try? String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)) ?? "" }

    /// runs.csv without the seconds column (wall time differs from run to run).
    func runsWithoutTimes(_ out: String) -> [String] {
        let lines = text(out + "/runs.csv").split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false),
              let k = header.firstIndex(of: "seconds") else { return lines }
        return lines.map { line in
            var cols = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if k < cols.count { cols.remove(at: k) }
            return cols.joined(separator: ",")
        }
    }

    /// The study in one process, the reference.
    func reference() throws -> String {
        let r = try lws(["study.lua", "one"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("RESULT\t4\t0"), r.stdout)
        return text("one/summary.csv")
    }

    /// `lwscript study collect` of a study whose script sets no threads: the workers ran their
    /// cells with 1 thread each, and the collect takes that from the plan (it refused the cells
    /// as "another configuration (threads 1 there, none here)" before).
    func testCollectTakesTheThreadsTheCellsWereMadeWith() throws {
        let script = Self.study.replacingOccurrences(of: "workers = workers, threads = 1,", with: "workers = workers,")
        XCTAssertNotEqual(script, Self.study)
        try script.write(to: dir.appendingPathComponent("nothreads.lua"), atomically: true, encoding: .utf8)
        let r = try lws(["study", "run", "--workers", "2", "nothreads.lua", "w"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let summary = text("w/summary.csv")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("w/summary.csv"))
        let c = try lws(["study", "collect", "nothreads.lua", "w"])
        XCTAssertEqual(c.status, 0, c.stdout + c.stderr)
        XCTAssertTrue(c.stdout.contains("RESULT\t4\t0"), c.stdout)
        XCTAssertEqual(text("w/summary.csv"), summary, "the collect writes the same summary")
    }

    func testWorkersGiveTheSummaryOneProcessGives() throws {
        let one = try reference()
        let r = try lws(["study", "run", "--workers", "2", "study.lua", "two"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("2 workers x 1 thread on 12 cells"), r.stdout)
        XCTAssertTrue(r.stdout.contains("cells 12/12 done, 0 failed"), r.stdout)
        XCTAssertFalse(one.isEmpty)
        XCTAssertEqual(text("two/summary.csv"), one, "identical summary")
        XCTAssertEqual(runsWithoutTimes("two"), runsWithoutTimes("one"), "identical runs")
        let status = try lws(["study", "status", "two"])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("two: 12 cells: 12 done, 0 running, 0 failed, 0 not started"), status.stdout)
        // a second run finds everything done and only collects
        let again = try lws(["study", "run", "--workers", "2", "study.lua", "two"])
        XCTAssertTrue(again.stdout.contains("resuming: 12 of 12 cells are done already"), again.stdout)
        XCTAssertEqual(text("two/summary.csv"), one)
    }

    /// Starts `lwscript args` without waiting; its output goes to files in dir.
    func start(_ args: [String], name: String) throws -> Process {
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = args
        p.currentDirectoryURL = dir
        let out = dir.appendingPathComponent(name + ".out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = p.standardOutput
        try p.run()
        return p
    }

    func waitFor(_ p: Process, timeout: TimeInterval = 300) {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning { p.terminate(); XCTFail("lwscript did not finish in \(timeout) s") }
        p.waitUntilExit()
    }

    func testAKilledWorkerFailsOnlyItsCellAndARerunCompletesIt() throws {
        let one = try reference()
        // slow cells (60 epochs), so that one is surely running when we kill its worker
        let p = try start(["study", "run", "--workers", "2", "study.lua", "one-slow", "60"], name: "killed")
        let cellsDir = dir.appendingPathComponent("one-slow/cells").path
        var victim: (cell: String, pid: Int32)?
        let deadline = Date().addingTimeInterval(120)
        while victim == nil && Date() < deadline && p.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: cellsDir)) ?? []
            // a method cell that has been claimed but has not finished
            for n in names where n.hasSuffix(".claim") && !n.contains("baseline") {
                let id = String(n.dropLast(6))
                guard !names.contains(id + ".lua"),
                      let claim = try? String(contentsOfFile: cellsDir + "/" + n, encoding: .utf8) else { continue }
                let fields = claim.split(separator: " ")
                if fields.count >= 2, let pid = Int32(fields[1]) { victim = (id, pid); break }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard let victim else { XCTFail("no method cell was seen running"); p.terminate(); return }
        kill(victim.pid, SIGKILL)
        waitFor(p)
        let out = text("killed.out")
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("cells 11/12 done, 1 failed"), out)
        XCTAssertTrue(out.contains("partial: 1 of 12 cells have no results (1 failed)"), out)
        XCTAssertTrue(text("one-slow/cells/\(victim.cell).failed").contains("killed by signal 9"),
                      text("one-slow/cells/\(victim.cell).failed"))
        let status = try lws(["study", "status", "one-slow"])
        XCTAssertTrue(status.stdout.contains("11 done, 0 running, 1 failed"), status.stdout)
        XCTAssertTrue(status.stdout.contains("failed   \(victim.cell)"), status.stdout)
        // the rerun runs that cell alone
        let logs = dir.appendingPathComponent("one-slow/logs").path
        for f in (try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? [] { try? FileManager.default.removeItem(atPath: logs + "/" + f) }
        let again = try lws(["study", "run", "--workers", "2", "study.lua", "one-slow", "60"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("resuming: 11 of 12 cells are done already"), again.stdout)
        // no time left is promised before a cell of this run has finished: the 11 cells found
        // done took no time here (it said "11/12 done, ... about 0 s left" before). The first
        // status line is printed at once, before the cell can finish.
        let first = again.stdout.split(separator: "\n").first { $0.contains("cells 11/12 done") }
        XCTAssertNotNil(first, again.stdout)
        XCTAssertFalse(first?.contains("left") ?? true, again.stdout)
        let ran = ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).map { text("one-slow/logs/" + $0) }.joined()
        let runLines = ran.split(separator: "\n").filter { $0.hasPrefix("seed ") && $0.contains(" acc ") }
        XCTAssertEqual(runLines.count, 1, "one cell ran again: \(runLines)")
        XCTAssertTrue(text("one-slow/summary.txt").contains("partial") == false, text("one-slow/summary.txt"))
        XCTAssertNotEqual(one, "", "reference")
    }

    func testCtrlCStopsTheWorkersCleanlyAndARerunGoesOn() throws {
        let p = try start(["study", "run", "--workers", "2", "study.lua", "stopped", "60"], name: "stopped")
        let cellsDir = dir.appendingPathComponent("stopped/cells").path
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && p.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: cellsDir)) ?? []
            if names.contains(where: { $0.hasSuffix(".lua") && !$0.contains("baseline") }) { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        p.interrupt()   // SIGINT to the coordinator alone: it stops its workers
        waitFor(p)
        let out = text("stopped.out")
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("interrupted: these results hold only the runs that finished"), out)
        let status = try lws(["study", "status", "stopped"])
        XCTAssertTrue(status.stdout.contains("0 running, 0 failed"), "an interrupted cell is not a failed one: \(status.stdout)")
        XCTAssertFalse(status.stdout.contains("12 done"), status.stdout)
        let again = try lws(["study", "run", "--workers", "2", "study.lua", "stopped", "60"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("resuming: "), again.stdout)
        XCTAssertTrue(try lws(["study", "status", "stopped"]).stdout.contains("12 done"))
    }

    func testTwoRunnersOnOneStudyRunEachCellOnce() throws {
        let one = try reference()
        let a = try start(["study", "run", "--workers", "2", "study.lua", "shared", "20"], name: "a")
        let b = try start(["study", "run", "--workers", "2", "study.lua", "shared", "20"], name: "b")
        waitFor(a)
        waitFor(b)
        XCTAssertEqual(a.terminationStatus, 0, text("a.out"))
        XCTAssertEqual(b.terminationStatus, 0, text("b.out"))
        let logs = dir.appendingPathComponent("shared/logs").path
        let ran = ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).map { text("shared/logs/" + $0) }.joined()
        let runLines = ran.split(separator: "\n").filter { $0.hasPrefix("seed ") && $0.contains(" acc ") }
        XCTAssertEqual(runLines.count, 12, "each of the 12 cells ran once:\n\(runLines.joined(separator: "\n"))")
        let status = try lws(["study", "status", "shared"])
        XCTAssertTrue(status.stdout.contains("12 done, 0 running, 0 failed"), status.stdout)
        XCTAssertFalse(one.isEmpty)
    }

    func testACollectKilledMidWriteLosesNothing() throws {
        let one = try reference()
        for k in 0..<6 {
            let p = try start(["study", "collect", "study.lua", "one"], name: "collect\(k)")
            Thread.sleep(forTimeInterval: 0.05 + 0.08 * Double(k))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            // every file is the old one or the new one, never half of one
            let summary = text("one/summary.csv")
            XCTAssertTrue(summary == one, "summary.csv after a collect killed at \(0.05 + 0.08 * Double(k)) s")
        }
        let status = try lws(["study", "status", "one"])
        XCTAssertTrue(status.stdout.contains("12 done"), status.stdout)
        let r = try lws(["study", "collect", "study.lua", "one"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(text("one/summary.csv"), one)
    }

    func testBadOptionsAreRefusedBeforeAnythingRuns() throws {
        // no sbatch on PATH
        let r = try lws(["study", "slurm", "study.lua", "nosbatch"], env: ["PATH": "/nonexistent"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("option 'slurm': cannot run sbatch: not found on PATH"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("nosbatch/slurm").path))
        // a study directory that cannot be written
        let w = try lws(["study", "run", "--workers", "2", "study.lua", "/proc/lwscript-cannot-write"])
        XCTAssertNotEqual(w.status, 0)
        XCTAssertTrue(w.stderr.contains("/proc/lwscript-cannot-write"), w.stderr)
        // the subcommand's own options
        let u = try lws(["study", "run", "--workers", "0", "study.lua", "x"])
        XCTAssertEqual(u.status, 2)
        XCTAssertTrue(u.stderr.contains("--workers must be an integer >= 1, got '0'"), u.stderr)
        let h = try lws(["study", "--help"])
        XCTAssertEqual(h.status, 0)
        XCTAssertTrue(h.stdout.contains("lwscript study run [--workers N]"), h.stdout)
        // the REPL or -e cannot run workers (they run the script again)
        let e = try lws(["-e", "experiment.learnability{data = {train = data.tensors(tensor.randn(6, 2), tensor.new({1,2,1,2,1,2})), "
                         + "test = data.tensors(tensor.randn(6, 2), tensor.new({1,2,1,2,1,2}))}, s_from_test = true, "
                         + "model = function() return nn.mlp{inputs = 2, classes = 2} end, workers = 2, out = 'x', quiet = true}"])
        XCTAssertEqual(e.status, 1)
        XCTAssertTrue(e.stderr.contains("must be run from a script file"), e.stderr)
    }
}
