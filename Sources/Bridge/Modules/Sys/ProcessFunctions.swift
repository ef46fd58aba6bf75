import CLua
import Foundation

/// The `sys` functions a study's runner needs to share work between processes: start worker
/// processes and watch them, claim a cell with a file only one process can create, and run
/// a command (sbatch, sinfo) for its output. Arguments are argv arrays, never shell text, so
/// a path with spaces or quotes is passed as it is.
enum ProcessFunctions {
    static let functions: [(String, LuaFunction)] = [
        ("pid", { a in a.push(Int(getpid())); return 1 }),
        ("cwd", { a in a.push(FileManager.default.currentDirectoryPath); return 1 }),
        ("hostname", { a in a.push(ProcessInfo.processInfo.hostName); return 1 }),
        ("executable", { a in
            a.push((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            return 1
        }),
        ("sleep", { a in
            let s = try a.number(1, "seconds")
            guard s >= 0 && s <= 86_400 else { throw a.error(1, "seconds must be in [0, 86400], got \(s)") }
            // nanosleep, not usleep: useconds_t is 32 bits, so usleep(s * 1e6) trapped (a crash)
            // for s above 4294.97; a signal ends the sleep early, as it did usleep's
            var duration = timespec(tv_sec: Int(s), tv_nsec: Int((s - s.rounded(.down)) * 1e9))
            nanosleep(&duration, nil)
            return 0
        }),
        ("alive", { a in
            let pid = try a.int(1, "a process id")
            a.push(pid > 0 && (kill(pid_t(pid), 0) == 0 || errno == EPERM))
            return 1
        }),
        ("kill", { a in
            let pid = try a.int(1, "a process id")
            let sig = try a.optInt(2, Int(SIGTERM))
            guard pid > 0 else { throw a.error(1, "expected a process id > 0, got \(pid)") }
            a.push(kill(pid_t(pid), Int32(sig)) == 0)
            return 1
        }),
        ("claim", claim),
        ("list", list),
        ("spawn", spawn),
        ("wait", wait),
        ("run", run),
    ]

    /// sys.claim(path[, text]): creates the file only if it does not exist (O_EXCL, atomic
    /// also between processes); true when this call created it, false when it was there.
    static func claim(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1, "a file path")
        let text = try a.optString(2) ?? ""
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if fd < 0 {
            if errno == EEXIST { a.push(false); return 1 }
            throw LuaError.message("cannot create \(path) (\(String(cString: strerror(errno))))")
        }
        _ = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
        a.push(true)
        return 1
    }

    /// sys.list(dir): the names in a directory (sorted), or an empty table when it is missing.
    static func list(_ a: LuaArgs) throws -> Int32 {
        let dir = try a.path(1, "a directory path")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        a.pushStrings(names.sorted())
        return 1
    }

    /// The strings of the argv array at `i`.
    static func argv(_ a: LuaArgs, _ i: Int32) throws -> [String] {
        try a.table(i, "an argv array {program, arg1, ...}")
        let n = Int(lua_rawlen(a.L, i))
        guard n >= 1 else { throw a.error(i, "the argv array is empty: it needs at least the program") }
        var out: [String] = []
        for k in 1...n {
            lua_rawgeti(a.L, i, lua_Integer(k))
            defer { lws_pop(a.L, 1) }
            guard lua_type(a.L, -1) == LUA_TSTRING || lua_type(a.L, -1) == LUA_TNUMBER, let s = stringAt(a.L, -1) else {
                throw a.error(i, "argv[\(k)] must be a string, got \(typeNameAt(a.L, -1))")
            }
            guard !s.utf8.contains(0) else { throw a.error(i, "argv[\(k)] contains a NUL byte") }
            out.append(s)
        }
        return out
    }

    /// The environment with the string pairs of option `env` (a table name -> value) set.
    static func environment(_ a: LuaArgs, _ i: Int32) throws -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        guard a.isTable(i), a.optionType(i, "env") != LUA_TNIL else { return env }
        try a.withOption(i, "env") { idx, _ in
            guard lua_type(a.L, idx) == LUA_TTABLE else { throw a.error(i, "option 'env' must be a table of name = value") }
            lua_pushnil(a.L)
            while lua_next(a.L, idx) != 0 {
                defer { lws_pop(a.L, 1) }
                guard lua_type(a.L, -2) == LUA_TSTRING, let k = stringAt(a.L, -2), let v = stringAt(a.L, -1) else {
                    throw a.error(i, "option 'env' must map names to strings")
                }
                env[k] = v
            }
        }
        return env
    }

    /// sys.spawn(argv[, {env = {NAME = value}, log = path}]) -> pid: starts a process (stdout
    /// and stderr appended to `log`, else inherited) and returns at once; sys.wait reaps it.
    static func spawn(_ a: LuaArgs) throws -> Int32 {
        let args = try argv(a, 1)
        try a.checkOptions(2, ["env", "log"])
        let env = try environment(a, 2)
        let log = try a.optionString(2, "log")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let log {
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let cArgs = args.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, args[0], &actions, nil, cArgs, cEnv)
        guard rc == 0 else { throw LuaError.message("cannot start \(args[0]) (\(String(cString: strerror(rc))))") }
        a.push(Int(pid))
        return 1
    }

    /// sys.wait(pid[, {block = false}]) -> nil while it runs; else "exit", code or
    /// "signal", number (a process this one started).
    static func wait(_ a: LuaArgs) throws -> Int32 {
        let pid = try a.int(1, "a process id")
        try a.checkOptions(2, ["block"])
        let block = try a.optionBool(2, "block") ?? false
        var status: Int32 = 0
        var r: pid_t
        repeat { r = waitpid(pid_t(pid), &status, block ? 0 : WNOHANG) } while r < 0 && errno == EINTR
        if r == 0 { a.pushNil(); return 1 }
        guard r == pid_t(pid) else { throw LuaError.message("process \(pid) is not a child of this one") }
        if status & 0x7f == 0 {
            a.push("exit")
            a.push(Int((status >> 8) & 0xff))
        } else {
            a.push("signal")
            a.push(Int(status & 0x7f))
        }
        return 2
    }

    /// sys.run(argv[, {env =}]) -> output, status: runs a command to its end; output is its
    /// stdout and stderr together, status its exit code (nil, and a message, when it cannot
    /// start: e.g. sbatch is not installed).
    static func run(_ a: LuaArgs) throws -> Int32 {
        let args = try argv(a, 1)
        try a.checkOptions(2, ["env"])
        let p = Process()
        let path = args[0].contains("/") ? args[0] : (findInPath(args[0]) ?? args[0])
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = Array(args.dropFirst())
        p.environment = try environment(a, 2)
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch {
            a.pushNil()
            a.push("cannot run \(args[0]): \(args[0].contains("/") ? error.localizedDescription : "not found on PATH")")
            return 2
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        a.push(String(decoding: data, as: UTF8.self))
        a.push(Int(p.terminationStatus))
        return 2
    }

    static func findInPath(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
