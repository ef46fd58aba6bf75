import CLua

/// Completions for the REPL: global names, fields of tables (`tensor.ze` -> `tensor.zeros`)
/// and methods of userdata (`x:re` -> `x:reshape`, from the type's methods table). Values
/// are read with raw access only, so no metamethod runs (the caller is a readline callback).
extension LuaState {
    /// Completions of `text`, e.g. "tensor.ze" -> ["tensor.zeros"].
    /// `locals` is a session's table of top-level locals (LuaSession), which shadow globals.
    public func completions(for text: String, locals: LuaReference? = nil) -> [String] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let separators: Set<Character> = [".", ":"]
        guard let cut = text.lastIndex(where: { separators.contains($0) }) else {
            lua_rawgeti(L, lws_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
            var names = Self.keys(L, -1, prefix: text)
            if let locals {
                locals.push()
                if lua_type(L, -1) == LUA_TTABLE { names = Array(Set(names + Self.keys(L, -1, prefix: text))).sorted() }
            }
            return names
        }
        let path = text[..<cut], partial = String(text[text.index(after: cut)...])
        let method = text[cut] == ":"
        // walk the path from the session's locals or the globals with raw gets
        var first = true
        for name in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard !name.isEmpty else { return [] }
            if first {
                first = false
                if let locals {
                    locals.push()
                    if lua_type(L, -1) == LUA_TTABLE && lws_rawgetfield(L, -1, String(name)) != LUA_TNIL { continue }
                }
                lua_rawgeti(L, lws_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
            }
            guard lua_type(L, -1) == LUA_TTABLE else { return [] }
            lws_rawgetfield(L, -1, String(name))
        }
        let head = String(text[...cut])
        if lua_type(L, -1) == LUA_TTABLE && !method {
            return Self.keys(L, -1, prefix: partial).map { head + $0 }
        }
        // methods: the type's methods table (userdata) or the value's metatable's __index table
        guard lua_getmetatable(L, -1) != 0 else { return [] }
        if lws_rawgetfield(L, -1, "__name") == LUA_TSTRING, let name = lua_tolstring(L, -1, nil) {
            let key = "lwscript.\(String(cString: name)).methods"
            if lws_rawgetfield(L, lws_registryindex(), key) == LUA_TTABLE {
                return Self.keys(L, -1, prefix: partial).map { head + $0 }
            }
            lws_pop(L, 1)
        }
        lws_pop(L, 1)
        if lws_rawgetfield(L, -1, "__index") == LUA_TTABLE {
            return Self.keys(L, -1, prefix: partial).map { head + $0 }
        }
        return []
    }

    /// String keys of the table at `index` that are Lua names starting with `prefix`, sorted.
    static func keys(_ L: OpaquePointer, _ index: Int32, prefix: String) -> [String] {
        let t = lua_absindex(L, index)
        var out: [String] = []
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            if lua_type(L, -2) == LUA_TSTRING, let p = lua_tolstring(L, -2, nil) {
                let k = String(cString: p)
                if k.hasPrefix(prefix), k.first.map({ $0.isLetter || $0 == "_" }) == true, !k.hasPrefix("__") {
                    out.append(k)
                }
            }
            lws_pop(L, 1)
        }
        return out.sorted()
    }
}
