import Foundation
import XCTest

/// The Jupyter kernel with real Jupyter components: the official conformance suite
/// (jupyter_kernel_test, PyPI, in a venv scripts/setup-test makes), jupyter_client scenarios
/// (Tests/kernel/scenarios.py: interrupt during training, errors, input, restart, kill, forged
/// messages) and `jupyter nbconvert --execute` on a notebook `lwscript notebook` wrote. The
/// kernelspec is installed with `lwscript kernel install --prefix` into a temporary directory
/// that JUPYTER_PATH names, so nothing outside it changes. Without the tools the tests are
/// skipped, unless LWSCRIPT_REQUIRE_REPORT_TOOLS=1 (scripts/test) makes that a failure.
final class KernelCLITests: XCTestCase {
    static let root = CLITests.root
    static let scripts = root.appendingPathComponent("Tests/kernel")
    /// The venv of scripts/setup-test (Debian's python3 with its Jupyter packages, plus
    /// jupyter_kernel_test from PyPI).
    static let venvPython: String = {
        let env = ProcessInfo.processInfo.environment
        let cache = env["XDG_CACHE_HOME"] ?? ((env["HOME"] ?? "/root") + "/.cache")
        return cache + "/lwscript-jupyter-venv/bin/python"
    }()

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// Runs a program with its output in files (a kernel left behind must not hold a pipe
    /// open), killing it after `timeout` seconds.
    func runTool(_ executable: String, _ args: [String], env: [String: String] = [:], directory: URL? = nil,
                 timeout: TimeInterval = 600) throws -> Result {
        let dir = try tempDir()
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment.merge(env) { $1 }
        p.environment = environment
        if let directory { p.currentDirectoryURL = directory }
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning { p.terminate(); XCTFail("\(executable) \(args) did not finish in \(timeout) s") }
        p.waitUntilExit()
        return Result(status: p.terminationStatus,
                      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-kernel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func require(_ ok: Bool, _ message: String) throws {
        guard ok else {
            if ProcessInfo.processInfo.environment["LWSCRIPT_REQUIRE_REPORT_TOOLS"] == "1" { XCTFail(message) }
            throw XCTSkip(message)
        }
    }

    /// Installs the kernelspec under a temporary prefix; returns the JUPYTER_PATH naming it.
    func installKernel() throws -> String {
        try require(FileManager.default.isExecutableFile(atPath: "/usr/bin/jupyter"),
                    "/usr/bin/jupyter is missing (Debian jupyter-core, jupyter-client; scripts/setup-test installs them)")
        let prefix = try tempDir()
        let r = try run(["kernel", "install", "--prefix", prefix.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let spec = prefix.appendingPathComponent("share/jupyter/kernels/lwscript")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: spec.appendingPathComponent("kernel.json"))) as? [String: Any]
        XCTAssertEqual(json?["argv"] as? [String], [CLITests.binary.resolvingSymlinksInPath().path, "kernel", "-f", "{connection_file}"])
        XCTAssertEqual(json?["display_name"] as? String, "Lua 5.4 (lwscript)")
        XCTAssertEqual(json?["language"] as? String, "lua")
        XCTAssertEqual(json?["interrupt_mode"] as? String, "message")
        for (name, size) in [("logo-32x32.png", 32), ("logo-64x64.png", 64)] {
            let png = try Data(contentsOf: spec.appendingPathComponent(name))
            XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], name)
            XCTAssertEqual(png[16..<24].map { Int($0) }, [0, 0, 0, size, 0, 0, 0, size], "\(name): width and height")
        }
        return prefix.appendingPathComponent("share/jupyter").path
    }

    func requireVenv() throws {
        try require(FileManager.default.isExecutableFile(atPath: Self.venvPython),
                    "\(Self.venvPython) is missing (scripts/setup-test makes it, with jupyter_kernel_test from PyPI)")
    }

    // MARK: the suites

    /// jupyter_kernel_test's KernelTests: kernel_info, execute (stdout, stderr, results,
    /// display data, errors), completion, is_complete, history, inspect, clear_output, pager
    /// (`?name`): all 12 pass, none skipped.
    func testConformanceSuitePasses() throws {
        try requireVenv()
        let path = try installKernel()
        let r = try runTool(Self.venvPython, ["-m", "unittest", "-v", "conformance"], env: ["JUPYTER_PATH": path],
                            directory: Self.scripts)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("Ran 12 tests"), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("\nOK\n"), r.stderr)
    }

    /// Tests/kernel/scenarios.py through jupyter_client.
    func testClientScenarios() throws {
        try requireVenv()
        let path = try installKernel()
        let r = try runTool(Self.venvPython, ["-W", "ignore", "-m", "unittest", "-v", "scenarios"], env: ["JUPYTER_PATH": path],
                            directory: Self.scripts)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("Ran 9 tests"), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("OK\n"), r.stderr)
    }

    /// A notebook written by `lwscript notebook` runs headless in Jupyter (nbconvert and
    /// nbclient) with this kernel, and gives the outputs of the report, but for the error's
    /// position (the kernel names cells In[n]; its top-level locals are session locals).
    func testNbconvertExecutesANotebookWrittenByLwscript() throws {
        try require(FileManager.default.isExecutableFile(atPath: "/usr/bin/jupyter-nbconvert"),
                    "/usr/bin/jupyter-nbconvert is missing (Debian jupyter-nbconvert; scripts/setup-test installs it)")
        let path = try installKernel()
        let dir = try tempDir()
        for name in ["sample.lua", "sample_helper.lua"] {
            try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Tests/notebooks/" + name),
                                             to: dir.appendingPathComponent(name))
        }
        let written = try run(["notebook", dir.appendingPathComponent("sample.lua").path, "-o", dir.appendingPathComponent("sample.ipynb").path])
        XCTAssertEqual(written.status, 1, written.stderr)   // the sample has a failing cell
        let r = try runTool("/usr/bin/jupyter", ["nbconvert", "--to", "notebook", "--execute", "--allow-errors",
                                                 "sample.ipynb", "--output", "executed.ipynb"],
                            env: ["JUPYTER_PATH": path], directory: dir, timeout: 300)
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try runTool("/usr/bin/python3", ["-c", """
            import nbformat, re
            for name in ["sample.ipynb", "executed.ipynb"]:
                nb = nbformat.read(name, as_version=4)
                nbformat.validate(nb)
                print(name, nb.metadata.kernelspec.name)
                for c in nb.cells:
                    if c.cell_type != "code": continue
                    row = []
                    for o in c.outputs:
                        if o.output_type == "stream": row.append(f"{o.name}:{o.text!r}")
                        elif o.output_type == "error": row.append(f"error:{o.ename}:{o.evalue}")
                        else: row.append(o.output_type + ":" + ",".join(sorted(o.data)) + ":" + re.sub("0x[0-9a-f]+", "ADDR", o.data["text/plain"]))
                    print(c.execution_count, " | ".join(row))
            """], directory: dir)
        XCTAssertEqual(summary.status, 0, summary.stderr)
        let cells = """
            1 stdout:'ready\\n'
            2 stdout:'sum = 21\\n' | stderr:'a warning on stderr\\n' | execute_result:text/html,text/plain: 1 2 3
             4 5 6
            [FloatTensor of size 2x3]
            3 execute_result:text/html,text/plain:{0.92, 0.81, 0.64, 0.88}
            4 display_data:image/png,image/svg+xml,text/plain:table: ADDR | execute_result:text/html,text/plain:table: ADDR
            5 stdout:'before the error\\n' | error:LuaError:ERROR
            6 stdout:'still running: <script>alert(1)</script>\\n' | execute_result:text/plain:2

            """
        XCTAssertEqual(summary.stdout, "sample.ipynb lwscript\n"
                       + cells.replacingOccurrences(of: "ERROR", with: "sample.lua:34: attempt to index a nil value (local 'x')")
                       + "executed.ipynb lwscript\n"
                       + cells.replacingOccurrences(of: "ERROR", with: "In[5]:3: attempt to index a nil value (global 'x')"))
    }

    // MARK: bad input

    func testMissingConnectionFileAndPortsInUseAreClearErrors() throws {
        let missing = try run(["kernel", "-f", "/nonexistent/kernel-1.json"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "lwscript kernel: the connection file /nonexistent/kernel-1.json does not exist\n")

        let dir = try tempDir()
        let unreadable = dir.appendingPathComponent("bad.json")
        try Data("{\"shell_port\": 1}".utf8).write(to: unreadable)
        let bad = try run(["kernel", "-f", unreadable.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "lwscript kernel: the connection file \(unreadable.path) has no valid 'iopub_port' (a port number), got nothing\n")

        // A listening socket holds the shell port: the kernel names the channel and the port.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, len) } }
        XCTAssertEqual(listen(listener, 1), 0)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let conn = dir.appendingPathComponent("conn.json")
        try Data("""
            {"shell_port": \(port), "iopub_port": 0, "stdin_port": 0, "control_port": 0, "hb_port": 0,
             "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-sha256"}
            """.utf8).write(to: conn)
        let busy = try run(["kernel", "-f", conn.path])
        XCTAssertEqual(busy.status, 1)
        XCTAssertEqual(busy.stderr, "lwscript kernel: cannot listen on tcp://127.0.0.1:\(port) for the shell channel: "
                       + "Address already in use (another process, maybe another kernel, uses this port)\n")
    }

    func testInstallWithoutJupyterIsAClearError() throws {
        let r = try run(["kernel", "install", "--user"], env: ["PATH": "/nonexistent"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("lwscript kernel install: the 'jupyter' command is not on PATH"), r.stderr)
        let bad = try run(["kernel", "install", "--prefix"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.hasPrefix("lwscript kernel install: '--prefix' needs an argument\n"), bad.stderr)
    }

    func testHelp() throws {
        for args in [["kernel", "--help"], ["kernel", "install", "--help"]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.hasPrefix("usage: lwscript kernel -f CONNECTION_FILE\n"), r.stdout)
            XCTAssertTrue(r.stdout.contains("--sys-prefix"), r.stdout)
        }
    }
}
