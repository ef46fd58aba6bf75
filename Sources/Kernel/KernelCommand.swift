import Foundation

/// `lwscript kernel -f FILE` (run a kernel for a Jupyter client) and
/// `lwscript kernel install [--user | --sys-prefix | --prefix DIR]` (install its kernelspec).
public enum KernelCommand {
    public static let usage = """
    usage: lwscript kernel -f CONNECTION_FILE
           lwscript kernel install [--user | --sys-prefix | --prefix DIR] [--name NAME]

    Runs lwscript as a Jupyter kernel: JupyterLab, Jupyter Notebook, VS Code and nbconvert
    run Lua cells in one lwscript session (top-level locals stay for the next cells).

    'lwscript kernel install' installs the kernelspec "lwscript" ("Lua 5.4 (lwscript)"),
    whose command is this binary (its absolute path), through 'jupyter kernelspec install':
      --user         for the current user (the default)
      --sys-prefix   into the Python environment Jupyter runs from (a venv, conda)
      --prefix DIR   under DIR/share/jupyter/kernels (JUPYTER_PATH=DIR/share/jupyter finds it)
      --name NAME    another kernel name (default lwscript)

    'lwscript kernel -f FILE' is what Jupyter runs (the kernelspec's argv): it listens on the
    ports of the connection file FILE and serves until Jupyter shuts it down.

    See docs/kernel.md.
    """

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    public static func main(_ args: [String], banner: String, luaVersion: String) -> Int32 {
        if args.first == "install" { return install(Array(args.dropFirst())) }
        if args.isEmpty || args.contains("-h") || args.contains("--help") {
            print(usage)
            return args.isEmpty ? 2 : 0
        }
        guard args.count == 2, args[0] == "-f" || args[0] == "--connection-file" else {
            fputs("lwscript kernel: expected -f CONNECTION_FILE or 'install', got \(args.joined(separator: " "))\n\(usage)\n", stderr)
            return 2
        }
        do {
            let connection = try ConnectionFile.read(args[1])
            let server = try KernelServer(connection: connection, banner: banner, luaVersion: luaVersion,
                                          workingDirectory: FileManager.default.currentDirectoryPath)
            return server.run()
        } catch {
            fputs("lwscript kernel: \(error)\n", stderr)
            return 1
        }
    }

    // MARK: install

    static func install(_ args: [String]) -> Int32 {
        if args.contains("-h") || args.contains("--help") { print(usage); return 0 }
        var target = ["--user"]
        var name = "lwscript"
        var i = 0
        do {
            while i < args.count {
                switch args[i] {
                case "--user": target = ["--user"]
                case "--sys-prefix": target = ["--sys-prefix"]
                case "--prefix", "--name":
                    guard i + 1 < args.count, !args[i + 1].hasPrefix("-") else {
                        throw UsageError(description: "'\(args[i])' needs an argument")
                    }
                    if args[i] == "--prefix" {
                        target = ["--prefix", absolute(args[i + 1])]
                    } else {
                        name = args[i + 1]
                    }
                    i += 1
                default: throw UsageError(description: "unrecognized option '\(args[i])'")
                }
                i += 1
            }
        } catch {
            fputs("lwscript kernel install: \(error)\n\(usage)\n", stderr)
            return 2
        }
        guard let jupyter = findOnPath("jupyter") else {
            fputs("""
                lwscript kernel install: the 'jupyter' command is not on PATH, so there is no Jupyter to install \
                the kernel into. Install Jupyter first (Debian: apt install jupyter-core python3-jupyter-client; \
                or pip install jupyterlab), or put its bin directory on PATH.\n
                """, stderr)
            return 1
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lwscript-kernelspec-\(UUID().uuidString)")
            .appendingPathComponent(name)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try kernelJSON(binary: executablePath()).write(to: dir.appendingPathComponent("kernel.json"))
            try Logo.png(size: 32).write(to: dir.appendingPathComponent("logo-32x32.png"))
            try Logo.png(size: 64).write(to: dir.appendingPathComponent("logo-64x64.png"))
        } catch {
            fputs("lwscript kernel install: cannot write the kernelspec: \(error)\n", stderr)
            return 1
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: jupyter)
        p.arguments = ["kernelspec", "install", dir.path, "--name", name] + target
        do {
            try p.run()
            p.waitUntilExit()
        } catch {
            fputs("lwscript kernel install: cannot run \(jupyter): \(error)\n", stderr)
            return 1
        }
        guard p.terminationStatus == 0 else {
            fputs("lwscript kernel install: 'jupyter kernelspec install' failed (status \(p.terminationStatus)); see its message above\n", stderr)
            return 1
        }
        return 0
    }

    /// The kernelspec: this binary (absolute path) runs the kernel; interrupts come as
    /// interrupt_request messages on the control channel (SIGINT works too).
    public static func kernelJSON(binary: String) throws -> Data {
        let spec: [String: Any] = [
            "argv": [binary, "kernel", "-f", "{connection_file}"],
            "display_name": "Lua 5.4 (lwscript)",
            "language": "lua",
            "interrupt_mode": "message",
            "metadata": ["debugger": false],
        ]
        return try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func executablePath() -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return absolute(CommandLine.arguments[0])
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path).standardized.path
    }

    static func findOnPath(_ command: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = String(dir) + "/" + command
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
