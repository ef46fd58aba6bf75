import CLua
import Foundation
import Numerics

/// One Lua 5.4 state with lwscript's modules installed.
///
/// Every call from Swift into Lua goes through `protectedCall`, which runs `lua_pcall` with a
/// message handler that appends a traceback. Compile errors and run errors are reported
/// separately (`ScriptError.phase`).
public final class LuaState {
    public let L: OpaquePointer

    /// A state with the standard libraries, lwscript's Swift modules as globals, and the Lua
    /// library (Sources/Bridge/lua) loaded through `require("lwscript")`.
    ///
    /// `modulePaths` are directories put first on `package.path` before the library loads, so
    /// a module there named like a built-in one (`lwscript/experiment/train.lua` next to a
    /// script) replaces it. A library that does not load (a replacement with an error) ends
    /// the process with the message and status 1: a state without its library would give
    /// wrong answers.
    public init(library: LuaLibrary = .builtin, modulePaths: [String] = []) {
        letIdleBLASWorkersSleep()
        guard let L = lws_newstate() else {
            fputs("lwscript: cannot create a Lua state (out of memory)\n", stderr)
            exit(70)
        }
        self.L = L
        // gradients on, Ctrl-C raises: the main thread's modes (coroutines get their own,
        // see "Modes per Lua thread" in CLua/shim.h)
        lws_reset_modes(L)
        GradMode.isEnabled = true
        lws_pushopenlibs(L)
        let opened = lws_pcall(L, 0, 0, 0) == LUA_OK
        lws_pushinstallcoroutines(L)
        if !opened || lws_pcall(L, 0, 0, 0) != LUA_OK {
            fputs("lwscript: cannot open the Lua standard libraries\n", stderr)
            exit(70)
        }
        for module in BuiltinModules.all { install(module) }
        installNative()
        installLibrarySearcher(library)
        Self.warnOnce(aboutMissing: library.missingDirectories)
        do {
            for dir in modulePaths.reversed() { try addModuleDirectory(dir) }
            try require("lwscript")
            lws_pop(L, 1)
            // The REPL's and notebooks' value formatter, kept where a script cannot replace it.
            try require("lwscript.show")
            lws_rawsetfield(L, lws_registryindex(), "lwscript.show")
            // Interactive sessions (LuaSession: the REPL, the kernel) load it from here.
            try require("lwscript.session")
            lws_pop(L, 1)
        } catch {
            // Most likely a replacement file of the user's (next to the script, on LUA_PATH or
            // in LWSCRIPT_LUA_DIR) with an error; the message names it.
            fputs("lwscript: cannot load lwscript's Lua library: \(error)\n", stderr)
            exit(1)
        }
    }

    private nonisolated(unsafe) static var warnedDirectories = false

    /// Says once per process that a directory of LWSCRIPT_LUA_DIR is missing.
    private static func warnOnce(aboutMissing directories: [String]) {
        guard !directories.isEmpty, !warnedDirectories else { return }
        warnedDirectories = true
        fputs("lwscript: warning: \(LuaLibrary.directoryVariable) names \(directories.joined(separator: ", ")), "
              + "which is not a directory; those modules load from the binary\n", stderr)
    }

    deinit { lws_close(L) }

    // MARK: modules

    /// Makes `module` a global and a `require`-able package (package.loaded[name]).
    func install(_ module: LuaModule) {
        module.registerTypes?(L)
        lua_createtable(L, 0, Int32(module.functions.count))
        for (name, fn) in module.functions {
            pushFunction(L, name: "\(module.name).\(name)", fn)
            lws_rawsetfield(L, -2, name)
        }
        if let call = module.call {
            lua_createtable(L, 0, 1)
            pushFunction(L, name: module.name, { args in
                // __call receives the module table first; hide it from the callee.
                lws_remove(args.L, 1)
                return try call(LuaArgs(args.L, args.box))
            })
            lws_rawsetfield(L, -2, "__call")
            lua_setmetatable(L, -2)
        }
        setGlobalAndLoaded(module.name)
    }

    /// Pops the value on top and stores it as global `name` and as package.loaded[name].
    func setGlobalAndLoaded(_ name: String) {
        lua_rawgeti(L, lws_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lua_pushvalue(L, -2)
        lws_rawsetfield(L, -2, name)
        lws_pop(L, 1)
        if lws_rawgetfield(L, lws_registryindex(), LUA_LOADED_TABLE) == LUA_TTABLE {
            lua_pushvalue(L, -2)
            lws_rawsetfield(L, -2, name)
        }
        lws_pop(L, 2)
    }

    // MARK: running code

    /// Compiles a chunk and leaves the function on the stack.
    public func load(_ code: String, chunkname: String) throws {
        var code = code
        let status = code.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) {
                luaL_loadbufferx(L, $0.baseAddress, $0.count, chunkname, nil)
            }
        }
        guard status == LUA_OK else {
            let message = stringAt(L, -1) ?? "(compile error without a message)"
            lws_pop(L, 1)
            throw ScriptError(phase: .compile, message: message)
        }
    }

    /// Compiles a file and leaves the function on the stack.
    public func loadFile(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ScriptError(phase: .compile, message: "cannot open \(path) (no such file)")
        }
        guard luaL_loadfilex(L, path, nil) == LUA_OK else {
            let message = stringAt(L, -1) ?? "cannot load \(path)"
            lws_pop(L, 1)
            throw ScriptError(phase: .compile, message: message)
        }
    }

    /// Calls the function below `nargs` arguments under lua_pcall with a traceback handler.
    /// On success leaves `nresults` results (all of them for LUA_MULTRET).
    public func protectedCall(nargs: Int32, nresults: Int32) throws {
        // A traceback util.lua kept for an error of an earlier call is not this call's.
        lua_pushnil(L)
        lws_rawsetfield(L, lws_registryindex(), "lwscript.pending_traceback")
        let base = lua_gettop(L) - nargs
        lws_pushmsghandler(L)
        lws_insert(L, base)
        let status = lws_pcall(L, nargs, nresults, base)
        // The code may have left a coroutine running with other modes; from here on Swift
        // works for the main thread, with its modes.
        GradMode.isEnabled = lws_grad_enabled(L) != 0
        lws_remove(L, base)
        guard status == LUA_OK else {
            let message = stringAt(L, -1) ?? "(error object is not a string)"
            lws_pop(L, 1)
            throw ScriptError(phase: .run, message: message)
        }
    }

    /// Runs a chunk of code and discards its results.
    public func execute(_ code: String, chunkname: String = "=(lwscript)") throws {
        try load(code, chunkname: chunkname)
        try protectedCall(nargs: 0, nresults: 0)
    }

    /// Runs a script file with `args` as its `...`.
    public func runFile(_ path: String, args: [String] = []) throws {
        try loadFile(path)
        for a in args { pushString(L, a) }
        try protectedCall(nargs: Int32(args.count), nresults: 0)
    }

    /// Pushes a string argument for the next `protectedCall`.
    public func pushArgument(_ s: String) { pushString(L, s) }

    /// Sets the global `arg` table as the `lua` interpreter does: arg[0] is the script,
    /// arg[1...] its arguments, negative indices the interpreter and its options.
    public func setArgTable(interpreter: [String], script: String?, scriptArgs: [String]) {
        lua_createtable(L, Int32(scriptArgs.count), Int32(interpreter.count + 1))
        for (i, a) in interpreter.enumerated() {
            pushString(L, a)
            lua_rawseti(L, -2, lua_Integer(i - interpreter.count))
        }
        if let script {
            pushString(L, script)
            lua_rawseti(L, -2, 0)
        }
        for (i, a) in scriptArgs.enumerated() {
            pushString(L, a)
            lua_rawseti(L, -2, lua_Integer(i + 1))
        }
        lua_rawgeti(L, lws_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lws_insert(L, -2)
        lws_rawsetfield(L, -2, "arg")
        lws_pop(L, 1)
    }

    /// Lets `require` find modules in `directory` (before the standard path and LUA_PATH).
    public func addModuleDirectory(_ directory: String) throws {
        guard lws_rawgetfield(L, lws_registryindex(), LUA_LOADED_TABLE) == LUA_TTABLE,
              lws_rawgetfield(L, -1, "package") == LUA_TTABLE else {
            lws_pop(L, 2)
            throw ScriptError(phase: .run, message: "the package library is missing")
        }
        let current = lws_rawgetfield(L, -1, "path") == LUA_TSTRING ? stringAt(L, -1) ?? "" : ""
        lws_pop(L, 1)
        pushString(L, LuaLibrary.pathEntries(directory) + ";" + current)
        lws_rawsetfield(L, -2, "path")
        lws_pop(L, 2)
    }

    /// Calls the global `require(name)` under a protected call; leaves the module's value on
    /// the stack.
    public func require(_ name: String) throws {
        lua_rawgeti(L, lws_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        let type = lws_rawgetfield(L, -1, "require")
        lws_remove(L, -2)
        guard type == LUA_TFUNCTION else {
            lws_pop(L, 1)
            throw ScriptError(phase: .run, message: "require is not a function (a script replaced it)")
        }
        pushString(L, name)
        try protectedCall(nargs: 1, nresults: 1)
    }

    /// `require(name)` stored as the global `global` (the command line's `-l NAME`).
    public func requireGlobal(_ name: String, as global: String) throws {
        try require(name)
        lua_rawgeti(L, lws_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lws_insert(L, -2)
        lws_rawsetfield(L, -2, global)
        lws_pop(L, 1)
    }

    /// Calls the library's value formatter (lwscript/show.lua) on the values at the top `n` stack slots (popping
    /// them) and returns one display string per value.
    public func showValues(count n: Int32) throws -> String {
        lws_rawgetfield(L, lws_registryindex(), "lwscript.show")
        lws_insert(L, -(n + 1))
        try protectedCall(nargs: n, nresults: 1)
        defer { lws_pop(L, 1) }
        return stringAt(L, -1) ?? ""
    }

    /// For a process that must survive SIGINT (the Jupyter kernel: its client interrupts it
    /// with a signal at any time): SIGINT is ignored while no Lua code runs, and a third one
    /// before the interrupt hook ran is ignored instead of ending the process.
    public static func surviveInterrupts() {
        lws_sigint_ignored_when_idle().pointee = 1
        lws_sigint_fallback(SIGINT)
    }

    /// Interrupts the Lua code running now as Ctrl-C does (from another thread: the kernel's
    /// interrupt_request); nothing happens while no Lua code runs.
    public static func interruptRunningCode() {
        kill(getpid(), SIGINT)
    }

    /// Installs the Ctrl-C handler for the duration of `body`: an interrupt raises
    /// "interrupted!" inside Lua at the next instruction, which the protected call reports.
    public func withInterrupts<T>(_ body: () throws -> T) rethrows -> T {
        lws_catch_sigint(L)
        defer { lws_release_sigint() }
        return try body()
    }
}
