import Bridge
import Foundation

/// `lwscript study`: runs a study script over many processes, and looks into study
/// directories. The work is done by the Lua library (lwscript/experiment/runner.lua and
/// slurm.lua): `run` and `slurm` set the environment that experiment.learnability reads and
/// run the script as usual, so the same script works alone, with workers and on Slurm.
enum StudyCommand {
    static let usage = """
    usage: lwscript study run [--workers N] [--threads N] [--fresh] SCRIPT [args...]
           lwscript study slurm [--partition P] [--time T] [--cpus N] [--mem M] [--account A]
                                [--qos Q] [--cells-per-task K] [--sbatch-arg ARG]... [--wait]
                                [--fresh] SCRIPT [args...]
           lwscript study status DIR...
           lwscript study collect SCRIPT [args...]

    A study (experiment.learnability with an 'out' directory) is a set of cells: each seed's
    baseline and each method on that seed. Every cell writes its results into the study
    directory when it finishes, so a study can be spread over processes, collected at any
    time and resumed.

      run      N local worker processes (default: one per core) each run SCRIPT again and
               take cells in turn; one progress line for the study; Ctrl-C stops them
               cleanly, and running the same command again goes on with the cells not done.
               --threads: BLAS and kernel threads per worker (default cores / N).
      slurm    submits the cells not done as two job arrays (baselines, then methods, with
               a dependency) and a collect job that writes the summary. The study
               directory must be on storage every node sees. --cpus is both Slurm's
               --cpus-per-task and the threads of each run (default 1); --sbatch-arg passes
               one more argument to sbatch (repeatable); --wait stays until the jobs end and
               prints the summary. Job names in squeue are lws:<study>:<cells>.
      status   done, running (where), failed (why, and its log) and not started cells.
      collect  runs SCRIPT without training: every study's summary, statistics and plots
               from the cells that are done (missing ones are listed).

    --fresh starts a study afresh (its finished cells are discarded); by default run and
    slurm resume. Results depend on the threads a run uses (OpenBLAS and lwscript's kernels
    add partial sums in another order), so a cell gives the same numbers wherever it runs
    with the same thread count; a study records it (docs/experiment.md, "Many processes").
    The scripts in scripts/ take --workers N and --slurm OPTIONS as well.
    """

    struct UsageError: Error { let message: String }

    static func main(_ args: [String]) -> Int32 {
        do {
            switch args.first {
            case nil, "-h", "--help", "help":
                print(usage)
                return args.isEmpty ? 2 : 0
            case "run": return try run(Array(args.dropFirst()))
            case "slurm": return try slurm(Array(args.dropFirst()))
            case "status": return try status(Array(args.dropFirst()))
            case "collect": return try execScript(Array(args.dropFirst()), env: ["LWSCRIPT_STUDY_COLLECT": "*"])
            default: throw UsageError(message: "unknown 'study' command '\(args[0])'")
            }
        } catch let e as UsageError {
            fputs("lwscript study: \(e.message) (try 'lwscript study --help')\n", stderr)
            return 2
        } catch {
            fputs("lwscript study: \(error)\n", stderr)
            return 1
        }
    }

    /// Options before the script: flags with values (`--workers 2` or `--workers=2`) and bare
    /// flags; everything from the script on is the script's.
    static func split(_ args: [String], valued: Set<String>, bare: Set<String>) throws
        -> (options: [(String, String)], script: [String]) {
        var options: [(String, String)] = []
        var i = 0
        while i < args.count, args[i].hasPrefix("--") {
            let a = args[i]
            if a == "--" { i += 1; break }
            if let eq = a.firstIndex(of: "=") {
                let name = String(a[..<eq])
                guard valued.contains(name) else { throw UsageError(message: "unknown option '\(name)'") }
                options.append((name, String(a[a.index(after: eq)...])))
            } else if valued.contains(a) {
                guard i + 1 < args.count else { throw UsageError(message: "'\(a)' needs a value") }
                options.append((a, args[i + 1]))
                i += 1
            } else if bare.contains(a) {
                options.append((a, ""))
            } else if a == "--help" {
                print(usage)
                exit(0)
            } else {
                throw UsageError(message: "unknown option '\(a)'")
            }
            i += 1
        }
        let script = Array(args[i...])
        guard !script.isEmpty else { throw UsageError(message: "no script given") }
        return (options, script)
    }

    static func positive(_ name: String, _ value: String) throws -> String {
        guard let n = Int(value), n >= 1 else { throw UsageError(message: "\(name) must be an integer >= 1, got '\(value)'") }
        return String(n)
    }

    static func run(_ args: [String]) throws -> Int32 {
        let (options, script) = try split(args, valued: ["--workers", "--threads"], bare: ["--fresh"])
        var env = ["LWSCRIPT_WORKERS": String(max(2, ProcessInfo.processInfo.activeProcessorCount))]
        for (name, value) in options {
            switch name {
            case "--workers": env["LWSCRIPT_WORKERS"] = try positive(name, value)
            case "--threads": env["LWSCRIPT_STUDY_THREADS"] = try positive(name, value)
            default: env["LWSCRIPT_STUDY_FRESH"] = "1"
            }
        }
        return try execScript(script, env: env)
    }

    static func slurm(_ args: [String]) throws -> Int32 {
        let valued: Set<String> = ["--partition", "--time", "--cpus", "--mem", "--account", "--qos", "--cells-per-task",
                                   "--sbatch-arg"]
        let (options, script) = try split(args, valued: valued, bare: ["--wait", "--fresh"])
        var items: [String] = [], extra: [String] = []
        var env: [String: String] = [:]
        for (name, value) in options {
            let key = String(name.dropFirst(2)).replacingOccurrences(of: "-", with: "_")
            switch name {
            case "--wait": items.append("wait")
            case "--fresh": env["LWSCRIPT_STUDY_FRESH"] = "1"
            case "--sbatch-arg": extra.append(value)
            case "--cpus", "--cells-per-task": items.append("\(key)=\(try positive(name, value))")
            default:
                guard !value.contains(",") else { throw UsageError(message: "\(name) must not contain a comma, got '\(value)'") }
                items.append("\(key)=\(value)")
            }
        }
        if !extra.isEmpty {
            guard !extra.contains(where: { $0.contains(",") || $0.contains(" ") }) else {
                throw UsageError(message: "--sbatch-arg values must not contain commas or spaces (give one argument each)")
            }
            items.append("args=" + extra.joined(separator: " "))
        }
        env["LWSCRIPT_SLURM"] = items.isEmpty ? "default" : items.joined(separator: ",")
        return try execScript(script, env: env)
    }

    static func status(_ dirs: [String]) throws -> Int32 {
        guard !dirs.isEmpty else { throw UsageError(message: "status needs a study directory") }
        let lua = LuaState()
        lua.setArgTable(interpreter: [CommandLine.arguments[0]], script: "status", scriptArgs: dirs)
        try lua.execute("""
            local ok = require("lwscript.experiment.status").print({table.unpack(arg)})
            if not ok then os.exit(1) end
            """, chunkname: "=lwscript study status")
        return 0
    }

    /// Runs the script in this process's place with the environment set (the script's own
    /// arguments unchanged).
    static func execScript(_ script: [String], env: [String: String]) throws -> Int32 {
        guard let first = script.first, !first.isEmpty else { throw UsageError(message: "no script given") }
        guard FileManager.default.fileExists(atPath: first) else { throw UsageError(message: "cannot open \(first)") }
        for (k, v) in env { setenv(k, v, 1) }
        let argv = [CommandLine.arguments[0]] + script
        let cArgs = argv.map { strdup($0) } + [nil]
        execv("/proc/self/exe", cArgs)
        throw UsageError(message: "cannot run \(first): \(String(cString: strerror(errno)))")
    }
}
