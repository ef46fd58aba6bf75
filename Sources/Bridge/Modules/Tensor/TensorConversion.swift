import CLua
import Numerics

/// Nested Lua tables <-> tensors. Tables are read raw (no metamethods run in Swift frames).
extension LuaArgs {
    /// A tensor from a (nested) table of numbers at stack position `i`, e.g. {{1, 2}, {3, 4}}.
    public func tensorFromTable(_ i: Int32) throws -> Tensor {
        let idx = lua_absindex(L, i)
        guard lua_checkstack(L, 40) != 0 else { throw error(i, "nested too deeply") }
        let shape = try tableShape(idx)
        try Tensor.validateShape(shape)
        let t = try Tensor(uninitializedShape: shape)
        var cursor = 0
        try fillFromTable(idx, argument: idx, shape: shape, depth: 0, path: "", into: t.pointer, cursor: &cursor)
        return t
    }

    /// The shape implied by following the first element at each level.
    private func tableShape(_ idx: Int32) throws -> [Int] {
        var shape: [Int] = []
        var pushed: Int32 = 0
        defer { lws_pop(L, pushed) }
        var current = idx
        while true {
            let n = Int(lua_rawlen(L, current))
            shape.append(n)
            guard shape.count <= 16 else { throw error(idx, "nested more than 16 levels deep") }
            if n == 0 { break }
            let t = lua_rawgeti(L, current, 1)
            pushed += 1
            if t != LUA_TTABLE { break }
            current = lua_gettop(L)
        }
        return shape
    }

    /// `argument` is the stack position the user passed (for messages); `idx` the table at hand.
    private func fillFromTable(_ idx: Int32, argument: Int32, shape: [Int], depth: Int, path: String,
                               into dst: UnsafeMutablePointer<Float>, cursor: inout Int) throws {
        let n = Int(lua_rawlen(L, idx))
        guard n == shape[depth] else {
            throw error(argument, "ragged nested table: \(path.isEmpty ? "the outer table" : "row " + path) has \(n) elements, expected \(shape[depth])")
        }
        let last = depth == shape.count - 1
        for k in 1...max(n, 1) where k <= n {
            let t = lua_rawgeti(L, idx, lua_Integer(k))
            defer { lws_pop(L, 1) }
            let here = path + "[\(k)]"
            if last {
                guard t == LUA_TNUMBER else {
                    let what = t == LUA_TTABLE ? "a table (ragged nesting)" : typeNameAt(L, -1)
                    throw error(argument, "expected a number at \(here), got \(what)")
                }
                dst[cursor] = Float(lua_tonumberx(L, -1, nil))
                cursor += 1
            } else {
                guard t == LUA_TTABLE else {
                    throw error(argument, "ragged nested table: expected a table at \(here), got \(typeNameAt(L, -1))")
                }
                try fillFromTable(lua_gettop(L), argument: argument, shape: shape, depth: depth + 1, path: here, into: dst, cursor: &cursor)
            }
        }
    }

    /// Pushes a tensor as nested Lua tables (a number for a 0-dimensional tensor). Each table
    /// is made under a protected call (its size is the user's): one that does not fit in the
    /// memory left is an error, not the end of the process; the elements then go into
    /// presized arrays, which allocates nothing more.
    public func pushTable(_ t: Tensor) throws {
        if t.rank == 0 { lua_pushnumber(L, Double(t.pointer[0])); return }
        guard lua_checkstack(L, Int32(t.rank) + 4) != 0 else { throw LuaError.message("not enough memory") }
        let p = t.pointer, strides = t.strides, shape = t.shape
        func level(_ d: Int, _ offset: Int) throws {
            let n = shape[d]
            guard lws_createtable_protected(L, Int32(n), 0) == LUA_OK else {
                throw LuaError.message("not enough memory for a table of \(n) \(d == shape.count - 1 ? "numbers" : "tables")")
            }
            for k in 0..<n {
                if d == shape.count - 1 {
                    lua_pushnumber(L, Double(p[offset + k * strides[d]]))
                } else {
                    try level(d + 1, offset + k * strides[d])
                }
                lua_rawseti(L, -2, lua_Integer(k + 1))
            }
        }
        let top = lua_gettop(L)
        do { try level(0, 0) } catch { lua_settop(L, top); throw error }
    }
}
