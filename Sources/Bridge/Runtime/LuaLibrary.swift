import CLua
import Foundation

/// One file of lwscript's own Lua library, embedded into the binary at build time (the
/// EmbedLua plugin writes the list; see Sources/Bridge/lua).
public struct LuaLibraryFile: Sendable {
    /// The name `require` knows it by: "lwscript.experiment.train" (and "lwscript.nn" for
    /// lwscript/nn/init.lua).
    public let module: String
    /// Its path in the library tree, "lwscript/experiment/train.lua": the chunk name that
    /// error messages and tracebacks show.
    public let path: String
    public let source: String

    public init(module: String, path: String, source: String) {
        self.module = module
        self.path = path
        self.source = source
    }
}

/// Where a state's `require` finds lwscript's own Lua modules (the names `lwscript` and
/// `lwscript.*`), in this order: a file on `package.path` (next to the script, on LUA_PATH),
/// which replaces the built-in one; a file under a directory of `LWSCRIPT_LUA_DIR` (a tree on
/// disk, edited without rebuilding); the files embedded in the binary. The library's entry
/// point `lwscript` itself never comes from `package.path`, so a script named lwscript.lua
/// cannot stand in for the whole library.
public struct LuaLibrary: Sendable {
    public private(set) var files: [LuaLibraryFile]
    /// Directories holding an `lwscript/` tree that take precedence over the embedded files.
    public var directories: [String]

    /// The environment variable naming the directories (separated by ':').
    public static let directoryVariable = "LWSCRIPT_LUA_DIR"

    /// The Bridge's library, with the directories of LWSCRIPT_LUA_DIR.
    public static let builtin = LuaLibrary(files: EmbeddedLua.files, directories: environmentDirectories())

    public init(files: [LuaLibraryFile], directories: [String] = []) {
        self.files = files
        self.directories = directories
    }

    /// This library with `more` files (another target's, such as the notebook's).
    public func adding(_ more: [LuaLibraryFile]) -> LuaLibrary {
        var copy = self
        copy.files += more
        return copy
    }

    static func environmentDirectories() -> [String] {
        guard let value = ProcessInfo.processInfo.environment[directoryVariable], !value.isEmpty else { return [] }
        return value.split(separator: ":").map(String.init)
    }

    /// Whether `name` is in the library's namespace.
    static func owns(_ name: String) -> Bool { name == "lwscript" || name.hasPrefix("lwscript.") }

    /// A module found: its chunk name ("@" and a path) and its text.
    public struct Found {
        public let chunkname: String
        /// Where it came from: the path of a file on disk, or "built in".
        public let origin: String
        public let source: [UInt8]
        /// The path in the library tree ("lwscript/experiment/train.lua").
        public let path: String
    }

    /// The module `name` as this library would load it, given the state's `package.path`
    /// (nil when it is not in the library).
    public func find(_ name: String, packagePath: String? = nil) -> Found? {
        guard Self.owns(name) else { return nil }
        let stem = name.replacingOccurrences(of: ".", with: "/")
        let treePath = files.first(where: { $0.module == name })?.path ?? stem + ".lua"
        if name != "lwscript", let packagePath {
            // as package.searchpath does: each template with '?' replaced by the name
            for template in packagePath.split(separator: ";") where !template.isEmpty {
                let path = template.replacingOccurrences(of: "?", with: stem)
                if let data = FileManager.default.contents(atPath: path) {
                    return Found(chunkname: "@" + path, origin: path, source: [UInt8](data), path: treePath)
                }
            }
        }
        for dir in directories {
            for relative in [stem + ".lua", stem + "/init.lua"] {
                let path = (dir.hasSuffix("/") ? dir : dir + "/") + relative
                if let data = FileManager.default.contents(atPath: path) {
                    return Found(chunkname: "@" + path, origin: path, source: [UInt8](data), path: relative)
                }
            }
        }
        guard let file = files.first(where: { $0.module == name }) else { return nil }
        return Found(chunkname: "@" + file.path, origin: "built in", source: Array(file.source.utf8), path: file.path)
    }

    /// The package.path entries of a directory: its modules as files and as folders.
    static func pathEntries(_ directory: String) -> String {
        directory + "/?.lua;" + directory + "/?/init.lua"
    }

    /// package.path as a new state starts with it (Lua's default, or LUA_PATH), after the
    /// entries of `directories`: read from a bare state, with no module of lwscript's loaded.
    public static func packagePath(prepending directories: [String]) -> String? {
        guard let L = lws_newstate() else { return nil }
        defer { lws_close(L) }
        lws_pushopenlibs(L)
        guard lws_pcall(L, 0, 0, 0) == LUA_OK, let path = readPackagePath(L) else { return nil }
        return (directories.map(pathEntries) + [path]).joined(separator: ";")
    }

    /// The directories of LWSCRIPT_LUA_DIR that do not exist (a typo would otherwise
    /// silently load the built-in files).
    public var missingDirectories: [String] {
        directories.filter { dir in
            var isDirectory: ObjCBool = false
            return !FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) || !isDirectory.boolValue
        }
    }
}

extension LuaState {
    /// Installs the library's searcher in package.searchers before Lua's own path searcher
    /// (at position 2, after the preload searcher), and the registry table "lwscript.library"
    /// that maps the chunk name of every library module loaded, wherever from, to its path in
    /// the tree (util.lua and lws_where_user use it to tell library frames from the user's).
    func installLibrarySearcher(_ library: LuaLibrary) {
        lua_createtable(L, 0, 32)
        lws_rawsetfield(L, lws_registryindex(), "lwscript.library")
        guard lws_rawgetfield(L, lws_registryindex(), LUA_LOADED_TABLE) == LUA_TTABLE,
              lws_rawgetfield(L, -1, "package") == LUA_TTABLE,
              lws_rawgetfield(L, -1, "searchers") == LUA_TTABLE else {
            fputs("lwscript: the Lua package library is missing\n", stderr)
            exit(70)
        }
        // Shift searchers 2... up by one and put ours at 2.
        let searchers = lua_gettop(L)
        var i = Int(lua_rawlen(L, searchers))
        while i >= 2 {
            lua_rawgeti(L, searchers, lua_Integer(i))
            lua_rawseti(L, searchers, lua_Integer(i + 1))
            i -= 1
        }
        pushFunction(L, name: "lwscript library searcher") { a in
            let name = try a.string(1, "a module name")
            // not ours: say nothing, the other searchers go on
            guard LuaLibrary.owns(name) else { return 0 }
            guard let found = library.find(name, packagePath: readPackagePath(a.L)) else {
                a.push("no module '\(name)' in lwscript's library")
                return 1
            }
            let status = found.source.withUnsafeBufferPointer { buf in
                buf.withMemoryRebound(to: CChar.self) {
                    luaL_loadbufferx(a.L, $0.baseAddress, $0.count, found.chunkname, "t")
                }
            }
            guard status == LUA_OK else {
                let message = stringAt(a.L, -1) ?? "cannot compile"
                lws_pop(a.L, 1)
                throw LuaError.plain("error loading module '\(name)' from \(found.origin):\n\t\(message)")
            }
            // Record the chunk so that its frames are known as the library's.
            lws_rawgetfield(a.L, lws_registryindex(), "lwscript.library")
            pushString(a.L, found.chunkname)
            pushString(a.L, found.path)
            lua_rawset(a.L, -3)
            lws_pop(a.L, 1)
            pushString(a.L, String(found.chunkname.dropFirst()))
            return 2
        }
        lua_rawseti(L, searchers, 2)
        lws_pop(L, 3)
    }
}

/// package.path of the state `L`, read with raw access (nil if a script replaced it by a
/// non-string).
func readPackagePath(_ L: OpaquePointer) -> String? {
    let base = lua_gettop(L)
    defer { lua_settop(L, base) }
    guard lws_rawgetfield(L, lws_registryindex(), LUA_LOADED_TABLE) == LUA_TTABLE,
          lws_rawgetfield(L, -1, "package") == LUA_TTABLE,
          lws_rawgetfield(L, -1, "path") == LUA_TSTRING else { return nil }
    return stringAt(L, -1)
}
