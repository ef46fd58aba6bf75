import CLua
import Foundation
import Numerics

/// The Lua module `sys`: wall-clock time and machine settings that scripts and benchmarks need,
/// and cooperative Ctrl-C for long loops (the signal side is in CLua/shim.h).
enum SysModule {
    static let module = LuaModule(name: "sys", functions: [
        // Monotonic wall-clock seconds (os.clock is CPU time, summed over threads).
        ("clock", { a in a.push(Double(DispatchTime.now().uptimeNanoseconds) / 1e9); return 1 }),
        // sys.threads(n) sets the threads of OpenBLAS and of lwscript's own kernels (results
        // depend on it: sums split across threads add up in another order); sys.threads()
        // reads the core count.
        ("threads", { a in
            if a.isNoneOrNil(1) {
                a.push(ProcessInfo.processInfo.activeProcessorCount)
                return 1
            }
            let n = try a.int(1, "a thread count")
            guard n >= 1 && n <= 256 else { throw a.error(1, "thread count must be between 1 and 256, got \(n)") }
            setBLASThreads(n)
            setKernelThreads(n)
            return 0
        }),
        ("getenv", { a in
            if let v = ProcessInfo.processInfo.environment[try a.string(1, "a variable name")] { a.push(v) } else { a.pushNil() }
            return 1
        }),
        // sys.isatty([fd = 1]): whether a file descriptor (1 stdout, 2 stderr) is a terminal.
        ("isatty", { a in
            let fd = try a.optInt(1, 1)
            guard fd >= 0 && fd <= 1024 else { throw a.error(1, "expected a file descriptor (0, 1 or 2), got \(fd)") }
            a.push(isatty(Int32(fd)) == 1)
            return 1
        }),
        // sys.mkdir(path): creates a directory and its missing parents (an existing one is fine).
        ("mkdir", { a in
            let path = try a.path(1, "a directory path")
            guard !path.isEmpty else { throw a.error(1, "expected a directory path, got an empty string") }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw LuaError.message("\(path) exists and is not a directory") }
                return 0
            }
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw LuaError.message("cannot create \(path) (\(error.localizedDescription))")
            }
            return 0
        }),
        ("on_interrupt", onInterrupt),
        ("interrupted", interrupted),
        ("machine", machine),
    ] + ProcessFunctions.functions)

    /// sys.machine(): {lwscript = version, lua =, cpu = model name, isa = {"avx2", ...},
    /// blas = OpenBLAS's configuration, blas_core = the kernels it chose, blas_threads =,
    /// cores =}: what a result was computed with (studies record it, docs/experiment.md).
    static func machine(_ a: LuaArgs) throws -> Int32 {
        lua_createtable(a.L, 0, 9)
        a.setField("lwscript", LwscriptVersion.number)
        a.setField("lua", String(cString: lws_release()))
        a.setField("cpu", Machine.cpuModel)
        a.pushStrings(Machine.instructionSets)
        lws_rawsetfield(a.L, -2, "isa")
        let blas = Machine.blas
        a.setField("blas", blas.config)
        a.setField("blas_core", blas.core)
        a.setField("blas_threads", Machine.blasThreads)
        a.setField("threads", currentKernelThreads)
        a.setField("cores", Machine.cores)
        return 1
    }

    static let flagKey = "lwscript.interrupted"

    /// sys.on_interrupt([mode]): "flag" makes the first Ctrl-C only set a flag that
    /// sys.interrupted() reads (a second Ctrl-C raises "interrupted!"); "raise" (the default)
    /// raises at the first. Switching into "flag" clears the flag. Returns the previous mode.
    /// The mode belongs to the calling Lua thread: a coroutine has its own (CLua/shim.h).
    static func onInterrupt(_ a: LuaArgs) throws -> Int32 {
        let L = a.L
        let previous = lws_flag_mode(L) != 0 ? "flag" : "raise"
        if a.isNoneOrNil(1) { a.push(previous); return 1 }
        let mode = try a.string(1, "a mode (\"flag\" or \"raise\")")
        guard mode == "flag" || mode == "raise" else {
            throw a.error(1, "expected \"flag\" or \"raise\", got \"\(mode)\"")
        }
        if mode == "flag" && previous != "flag" { setFlag(L, false) }
        lws_set_flag_mode(L, mode == "flag" ? 1 : 0)
        a.push(previous)
        return 1
    }

    /// sys.interrupted([clear]): true once a Ctrl-C came in "flag" mode; sys.interrupted(false)
    /// clears the flag (and returns its old value).
    static func interrupted(_ a: LuaArgs) throws -> Int32 {
        let L = a.L
        lws_rawgetfield(L, lws_registryindex(), flagKey)
        let value = lua_toboolean(L, -1) != 0
        lws_pop(L, 1)
        if !a.isNoneOrNil(1) {
            guard a.type(1) == LUA_TBOOLEAN, lua_toboolean(L, 1) == 0 else {
                throw a.error(1, "expected false (to clear the flag) or nothing, got \(a.typeName(1))")
            }
            setFlag(L, false)
        }
        a.push(value)
        return 1
    }

    static func setFlag(_ L: OpaquePointer, _ on: Bool) {
        lua_pushboolean(L, on ? 1 : 0)
        lws_rawsetfield(L, lws_registryindex(), flagKey)
    }
}
