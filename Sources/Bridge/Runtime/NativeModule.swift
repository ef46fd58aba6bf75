import CLua
import Numerics

/// package.loaded["lwscript.native"]: the few Swift functions the Lua library needs that
/// belong to no public module. Not a global; library files reach it with require.
enum NativeModule {
    static let functions: [(String, LuaFunction)] = [("write_file", writeFile)]

    /// write_file(path, text): written atomically (a unique temporary file, fsync, rename).
    static func writeFile(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1)
        let text = try a.string(2, "the file's text")
        try AtomicFile.write(Array(text.utf8), to: path)
        return 0
    }
}

extension LuaState {
    func installNative() {
        lua_createtable(L, 0, Int32(NativeModule.functions.count))
        for (name, fn) in NativeModule.functions {
            pushFunction(L, name: "lwscript.native.\(name)", fn)
            lws_rawsetfield(L, -2, name)
        }
        guard lws_rawgetfield(L, lws_registryindex(), LUA_LOADED_TABLE) == LUA_TTABLE else { lws_pop(L, 2); return }
        lua_pushvalue(L, -2)
        lws_rawsetfield(L, -2, "lwscript.native")
        lws_pop(L, 2)
    }
}
