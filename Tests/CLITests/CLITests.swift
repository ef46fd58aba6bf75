import Foundation
import XCTest

/// Runs the built `lwscript` binary as a user would.
final class CLITests: XCTestCase {
    /// The executable sits next to the test bundle in the build directory.
    /// The repository: scripts, docs and test fixtures are read from here.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let binary: URL = {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [dir, dir.deletingLastPathComponent()].map { $0.appendingPathComponent("lwscript") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }()

    func testExecuteOption() throws {
        let r = try run(["-e", "print(tensor.ones(2):sum():item())"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "2.0\n")
    }

    func testScriptGetsArgTableAndVarargs() throws {
        let url = try tempScript("print(arg[0] ~= nil, arg[1], arg[2], select('#', ...))")
        let r = try run([url.path, "--epochs", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "true\t--epochs\t5\t2\n")
    }

    func testScriptErrorPrintsPositionAndTracebackAndExitsWithOne() throws {
        let url = try tempScript("local x = 1\nlocal t = tensor.zeros(-1)\n")
        let r = try run([url.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("script.lua:2: bad argument #1 to 'tensor.zeros'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("stack traceback:"), r.stderr)
    }

    func testSyntaxErrorIsReported() throws {
        let url = try tempScript("x = = 2\n")
        let r = try run([url.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("script.lua:1:"), r.stderr)
    }

    func testMissingScript() throws {
        let r = try run(["/nonexistent/file.lua"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("cannot open /nonexistent/file.lua"), r.stderr)
    }

    func testRequireFindsModulesNextToTheScript() throws {
        let url = try tempScript("local h = require('helper'); print(h.x)", name: "main.lua")
        try "return {x = 'found'}".write(to: url.deletingLastPathComponent().appendingPathComponent("helper.lua"),
                                         atomically: true, encoding: .utf8)
        let r = try run([url.path])
        XCTAssertEqual(r.stdout, "found\n", r.stderr)
    }

    func testReplPrintsValuesSurvivesErrorsAndWaitsForIncompleteChunks() throws {
        let session = """
            1 + 1
            tensor.zeros(-1)
            x = tensor.ones(2)
            for i = 1, 2 do
              x[i] = i * 10
            end
            x
            {1, 2, n = 'a'}
            """
        let r = try run(["-i"], stdin: session + "\n")
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "2\n 10\n 20\n[FloatTensor of size 2]\n{1, 2, n = \"a\"}\n")
        XCTAssertTrue(r.stderr.contains("stdin:1: bad argument #1 to 'tensor.zeros'"), r.stderr)
    }

    func testStandardInputRunsAsAScript() throws {
        let r = try run([], stdin: "print(#tensor.eye(3))\n")
        XCTAssertEqual(r.stdout, "3\n", r.stderr)
    }

    /// Hostile arguments to every tensor function and method: errors are fine, a crash is not.
    /// Runs in a subprocess so that a crash shows up here as a signal. Then the adversarial
    /// probes (Tests/fuzz/fuzz_probes.lua) run in child processes of it and report their
    /// findings (crashes, raw errors, wrong values, modes left changed), counted here; they
    /// fail the test only with LWSCRIPT_FUZZ_STRICT=1.
    func testFuzzedArgumentsNeverCrash() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fuzz/tensor_fuzz.lua")
        // Functions that write files (tensor.save, model:save, csv.write...) get relative
        // paths such as "x" from the fuzz pool: run in a scratch directory.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lws-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for seed in ["1", "2"] {
            let r = try run([script.path, seed], directory: scratch)
            XCTAssertEqual(r.status, 0, "seed \(seed): \(r.stderr.prefix(2000))\n\(r.stdout.suffix(4000))")
            XCTAssertTrue(r.stdout.contains("no crash"), r.stdout)
            // The count (the list: lwscript Tests/fuzz/tensor_fuzz.lua SEED probes)
            let summary = r.stdout.split(separator: "\n").first { $0.hasPrefix("fuzz: adversarial probes (seed \(seed)): ") }
            XCTAssertNotNil(summary, r.stdout)
            print(summary ?? "")
        }
    }

    /// Issue 12: tostring of an nn.Sequential that contains itself killed the process (before it
    /// printed anything); now it is a Lua error that says where the loop closes. A child
    /// process, since the old behaviour takes the test runner with it.
    func testPrintingAModelThatContainsItselfIsAnError() throws {
        let r = try run(["-e", """
            local s = nn.Sequential(nn.ReLU())
            s.modules[2] = s
            print(select(2, pcall(tostring, s)))
            print(select(2, pcall(print, nn.Sequential(nn.Linear(2, 2), s))))
            """])
        XCTAssertEqual(r.status, 0, r.stderr)
        let loop = "the model contains itself: %@ is %@ again (a container cannot hold itself, directly or through other containers)"
        XCTAssertEqual(r.stdout, "nn.Sequential: " + String(format: loop, "module 2", "the model") + "\n"
                       + "nn.Sequential: " + String(format: loop, "module 2 > module 2", "module 2") + "\n")
    }

    /// On a CPU with AVX2 or AVX-512, lwscript never runs OpenBLAS's generic kernels (Debian's
    /// OpenBLAS takes Prescott's for CPUs it does not know, several times slower); a core
    /// type the user sets is kept.
    func testBLASKernelsFitTheCPU() throws {
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ").map(String.init)) } ?? []
        try XCTSkipUnless(flags.contains("avx2") && flags.contains("fma"), "a CPU without AVX2 and FMA")
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_CORETYPE"] = nil
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = ["-e", "io.write(sys.machine().blas_core)"]
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let core = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertFalse(["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai"].contains(core), core)
        let kept = try run(["-e", "io.write(sys.machine().blas_core)"], env: ["OPENBLAS_CORETYPE": "Prescott"])
        XCTAssertEqual(kept.stdout, "Prescott")
    }

    /// sys.sleep over 4294.97 s crashed (usleep's 32-bit microseconds): the sleeper must be
    /// asleep half a second after it said so, not dead by SIGILL.
    func testALongSleepSleeps() throws {
        let script = try tempScript("""
            local log = os.tmpname()
            local pid = sys.spawn({sys.executable(), "-e", "print('sleeping'); io.stdout:flush(); sys.sleep(5000)"}, {log = log})
            local t0, text = sys.clock(), ""
            repeat
              sys.sleep(0.05)
              local f = io.open(log)
              if f then text = f:read("a"); f:close() end
            until text:find("sleeping", 1, true) or sys.clock() - t0 > 60
            sys.sleep(0.5)
            print(sys.wait(pid))
            sys.kill(pid, 9)
            print(sys.wait(pid, {block = true}))
            os.remove(log)
            """)
        let r = try run([script.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "nil\nsignal\t9\n")
    }

    func testHelpVersionAndBadOptions() throws {
        let help = try run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("usage: lwscript [options] [script [args...]]"))
        let version = try run(["--version"])
        XCTAssertTrue(version.stdout.hasPrefix("lwscript "), version.stdout)
        XCTAssertTrue(version.stdout.contains("Lua 5.4"), version.stdout)
        let bad = try run(["--nope"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("unrecognized option '--nope'"), bad.stderr)
    }
}
