import Bridge
import CLua
import Foundation
import Kernel
import Notebook
import Numerics

/// lwscript: runs Lua 5.4 scripts and a REPL with Swift tensor modules.
func runMain() -> Int32 {
    useFastBLASKernels()
    let argv = Array(CommandLine.arguments.dropFirst())
    if argv.first == "notebook" {
        return NotebookCommand.main(Array(argv.dropFirst()), generator: Version.banner)
    }
    if argv.first == "kernel" {
        let lua = String(cString: lws_release()).replacingOccurrences(of: "Lua ", with: "")
        return KernelCommand.main(Array(argv.dropFirst()), banner: Version.banner, luaVersion: lua)
    }
    if argv.first == "lib" {
        return LibraryCommand.main(Array(argv.dropFirst()))
    }
    if argv.first == "study" {
        return StudyCommand.main(Array(argv.dropFirst()))
    }
    let inv: Invocation
    do {
        inv = try Invocation.parse(argv)
    } catch {
        fputs("lwscript: \(error)\n\(Invocation.usage)\n", stderr)
        return 2
    }
    if inv.showHelp { print(Invocation.usage); return 0 }
    if inv.showVersion { print(Version.banner); return 0 }

    // The script's folder is on package.path before the library loads, so that a module
    // there named like a built-in one (lwscript/experiment/train.lua) replaces it.
    var modulePaths: [String] = []
    if let script = inv.script, script != "-" {
        let dir = (script as NSString).deletingLastPathComponent
        modulePaths.append(dir.isEmpty ? "." : dir)
    }
    let lua = LuaState(modulePaths: modulePaths)
    lua.setArgTable(interpreter: [CommandLine.arguments[0]] + inv.interpreterArgs,
                    script: inv.script, scriptArgs: inv.scriptArgs)
    func report(_ error: Error) -> Int32 {
        fputs("lwscript: \(error)\n", stderr)
        return 1
    }
    do {
        for action in inv.actions {
            switch action {
            case .execute(let code):
                try lua.withInterrupts { try lua.execute(code, chunkname: "=(command line)") }
            case .require(let spec):
                // -l NAME sets global NAME; -l G=NAME sets global G (as lua 5.4 does)
                if let eq = spec.firstIndex(of: "=") {
                    try lua.requireGlobal(String(spec[spec.index(after: eq)...]), as: String(spec[..<eq]))
                } else {
                    try lua.requireGlobal(spec, as: spec)
                }
            }
        }
        if let script = inv.script {
            if script == "-" {
                let code = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                try lua.load(code, chunkname: "=stdin")
                for a in inv.scriptArgs { lua.pushArgument(a) }
                try lua.withInterrupts { try lua.protectedCall(nargs: Int32(inv.scriptArgs.count), nresults: 0) }
            } else {
                try lua.withInterrupts { try lua.runFile(script, args: inv.scriptArgs) }
            }
        }
    } catch {
        let status = report(error)
        if !inv.interactive { return status }
    }
    if inv.interactive || (inv.script == nil && inv.actions.isEmpty) {
        if inv.script == nil && inv.actions.isEmpty && !inv.interactive && isatty(0) == 0 {
            // `echo 'print(1)' | lwscript` runs standard input, as lua does.
            let code = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            do {
                try lua.withInterrupts { try lua.execute(code, chunkname: "=stdin") }
            } catch {
                return report(error)
            }
            return 0
        }
        do {
            Repl(session: try LuaSession(lua: lua)).run()
        } catch {
            return report(error)
        }
    }
    return 0
}

/// OpenBLAS picks its kernels as it loads, before any code of ours runs, and on CPUs it does
/// not know it falls back to generic ones several times slower (Machine.betterBLASCore). Then
/// lwscript starts itself again with OPENBLAS_CORETYPE naming the right ones. A value the user
/// set is kept; if the restart fails, lwscript goes on with the slow kernels.
func useFastBLASKernels() {
    guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, let core = Machine.betterBLASCore else { return }
    setenv("OPENBLAS_CORETYPE", core, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
}

exit(runMain())
