import Foundation
import XCTest

/// Ctrl-C as a user sends it (SIGINT to the process): experiment.train stops at a batch
/// boundary and keeps its history and checkpoint; a second Ctrl-C stops at once.
final class InterruptCLITests: XCTestCase {
    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// Starts lwscript on `script` with `args`; for each file in `markers`, waits until the
    /// script has written it (it is ready to be interrupted) and sends SIGINT; then waits for
    /// the process to end and collects its output. No markers: a plain run.
    func runInterrupted(_ script: String, args: [String], markers: [String], timeout: TimeInterval = 120) throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-int-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("script.lua")
        try script.write(to: url, atomically: true, encoding: .utf8)
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = [url.path] + args
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        for marker in markers {
            while !FileManager.default.fileExists(atPath: marker) && p.isRunning && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "the script never wrote \(marker)")
            if p.isRunning { p.interrupt() }   // SIGINT
        }
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if p.isRunning { p.terminate(); XCTFail("lwscript did not stop after SIGINT") }
        p.waitUntilExit()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Result(status: p.terminationStatus, stdout: out, stderr: err)
    }

    static let training = """
        local dir, epochs = arg[1], tonumber(arg[2])
        tensor.seed(1)
        local x, y = tensor.randn(512, 8), tensor.zeros(512)
        for i = 1, 512 do y[i] = (i - 1) % 4 + 1 end
        local ds = data.tensors(x, y)
        local model = nn.mlp{inputs = 8, hidden = {32}, classes = 4}
        local h = experiment.train(model, ds, {epochs = epochs, batch = 8, seed = 1, checkpoint = dir .. "/ck", resume = true,
          on_epoch = function(e)
            if e == 1 then local f = io.open(dir .. "/ready", "w"); f:write("1"); f:close() end
          end})
        print("result", h.interrupted and h.interrupted.epoch or 0, h.interrupted and h.interrupted.batch or 0, #h.epoch)
        """

    func testCtrlCStopsTrainingAtABatchBoundaryAndResumeFinishes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-train-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runInterrupted(Self.training, args: [dir, "100000"], markers: [dir + "/ready"])
        XCTAssertEqual(r.status, 0, "a soft stop ends the script normally: \(r.stderr)")
        XCTAssertTrue(r.stdout.contains("interrupted"), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/ck/state.lua"), "checkpoint written")
        // "result <epoch> <batch> <epochs kept>"
        guard let line = r.stdout.split(separator: "\n").first(where: { $0.hasPrefix("result") }) else {
            return XCTFail("no result line: \(r.stdout)")
        }
        let fields = line.split(separator: "\t").dropFirst().compactMap { Int($0) }
        XCTAssertEqual(fields.count, 3, String(line))
        guard fields.count == 3 else { return }
        let (epoch, kept) = (fields[0], fields[2])
        XCTAssertGreaterThanOrEqual(epoch, 2, "stopped after the first epoch")
        XCTAssertEqual(kept, epoch - 1, "finished epochs are kept")
        // resume runs to the end
        let done = try runInterrupted(Self.training, args: [dir, String(epoch + 1)], markers: [])
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertTrue(done.stdout.contains("resuming at epoch \(epoch)"), done.stdout)
        XCTAssertTrue(done.stdout.contains("result\t0\t0\t\(epoch + 1)"), done.stdout)
    }

    func testSecondCtrlCStopsAtOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-hard-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
            local dir = arg[1]
            local function mark(name) local f = io.open(dir .. "/" .. name, "w"); f:write("1"); f:close() end
            sys.on_interrupt("flag")
            mark("ready")
            while not sys.interrupted() do end      -- the first Ctrl-C only sets the flag
            print("flag seen")
            io.stdout:flush()
            mark("soft")
            while true do end                       -- the second raises "interrupted!"
            """
        let r = try runInterrupted(script, args: [dir], markers: [dir + "/ready", dir + "/soft"])
        XCTAssertTrue(r.stdout.contains("flag seen"), r.stdout + r.stderr)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("interrupted!"), r.stderr)
    }
}
