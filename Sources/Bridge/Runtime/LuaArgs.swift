import CLua
import Numerics

/// The arguments of one call from Lua into Swift, with checked accessors that throw
/// `LuaError` (never `luaL_check*`, which would longjmp through this frame).
///
/// Positions are stack indices (1-based). For methods (`t:sum()`), position 1 is self and
/// messages number the remaining arguments from 1, as Lua's own `luaL_argerror` does.
public struct LuaArgs {
    public let L: OpaquePointer
    public let count: Int32
    let box: FunctionBox

    init(_ L: OpaquePointer, _ box: FunctionBox) {
        self.L = L
        self.box = box
        self.count = lua_gettop(L)
    }

    // MARK: errors

    /// An argument error for stack position `i`.
    public func error(_ i: Int32, _ message: String) -> LuaError {
        if box.isMethod {
            return i == 1 ? .badSelf(message) : .argument(i - 1, message)
        }
        return .argument(i, message)
    }

    /// Runs `body`, reporting its argument errors as plain "name: message" errors: for
    /// operators such as `t[i]`, where "bad argument #1" would point at nothing the user wrote.
    public func plainErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch LuaError.argument(_, let m) {
            throw LuaError.message(m)
        } catch LuaError.badSelf(let m) {
            throw LuaError.message(m)
        }
    }

    /// "expected X, got Y" for stack position `i`.
    public func typeError(_ i: Int32, expected: String) -> LuaError {
        error(i, "expected \(expected), got \(typeName(i))")
    }

    /// A user-facing name for the type of a value: "number", "Tensor", "no value", ...
    public func typeName(_ i: Int32) -> String {
        typeNameAt(L, i)
    }

    // MARK: presence and types

    public func type(_ i: Int32) -> Int32 { lua_type(L, i) }
    public func isNoneOrNil(_ i: Int32) -> Bool { lua_type(L, i) <= LUA_TNIL }
    public func isNumber(_ i: Int32) -> Bool { lua_type(L, i) == LUA_TNUMBER }
    public func isTable(_ i: Int32) -> Bool { lua_type(L, i) == LUA_TTABLE }
    public func isString(_ i: Int32) -> Bool { lua_type(L, i) == LUA_TSTRING }

    // MARK: numbers

    public func number(_ i: Int32, _ expected: String = "a number") throws -> Double {
        guard lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, expected: expected) }
        return lua_tonumberx(L, i, nil)
    }

    public func optNumber(_ i: Int32, _ defaultValue: Double) throws -> Double {
        isNoneOrNil(i) ? defaultValue : try number(i)
    }

    /// An integer-valued number (2 and 2.0 both count; 2.5 is an error).
    public func int(_ i: Int32, _ expected: String = "an integer") throws -> Int {
        guard lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, expected: expected) }
        return try integerValue(lua_tonumberx(L, i, nil), at: i, expected: expected)
    }

    public func optInt(_ i: Int32, _ defaultValue: Int) throws -> Int {
        isNoneOrNil(i) ? defaultValue : try int(i)
    }

    func integerValue(_ d: Double, at i: Int32, expected: String) throws -> Int {
        guard d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else {
            throw error(i, "expected \(expected), got \(formatNumber(d))")
        }
        return Int(d)
    }

    // MARK: other values

    public func string(_ i: Int32, _ expected: String = "a string") throws -> String {
        guard lua_type(L, i) == LUA_TSTRING else { throw typeError(i, expected: expected) }
        return stringAt(L, i)!
    }

    /// A file or directory path: a string without NUL bytes (the system would cut the name at
    /// the first one and use another file). Every function taking a path reads it here.
    public func path(_ i: Int32, _ expected: String = "a file path") throws -> String {
        let p = try string(i, expected)
        guard !p.utf8.contains(0) else {
            throw error(i, "expected \(expected) without NUL bytes, got \(luaStringLiteral(p))")
        }
        return p
    }

    public func optString(_ i: Int32) throws -> String? {
        isNoneOrNil(i) ? nil : try string(i)
    }

    public func bool(_ i: Int32) throws -> Bool {
        guard lua_type(L, i) == LUA_TBOOLEAN else { throw typeError(i, expected: "a boolean") }
        return lua_toboolean(L, i) != 0
    }

    public func optBool(_ i: Int32, _ defaultValue: Bool) throws -> Bool {
        isNoneOrNil(i) ? defaultValue : try bool(i)
    }

    public func table(_ i: Int32, _ expected: String = "a table") throws {
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, expected: expected) }
    }

    public func function(_ i: Int32) throws {
        guard lua_type(L, i) == LUA_TFUNCTION else { throw typeError(i, expected: "a function") }
    }

    // MARK: options tables (read raw: a user's metatable must not run inside a Swift frame)

    public func optionType(_ table: Int32, _ key: String) -> Int32 {
        let t = lws_rawgetfield(L, table, key)
        lws_pop(L, 1)
        return t
    }

    public func optionNumber(_ table: Int32, _ key: String) throws -> Double? {
        guard isTable(table) else { return nil }
        let t = lws_rawgetfield(L, table, key)
        defer { lws_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        guard t == LUA_TNUMBER else {
            throw error(table, "option '\(key)' must be a number, got \(typeNameAt(L, -1))")
        }
        return lua_tonumberx(L, -1, nil)
    }

    public func optionInt(_ table: Int32, _ key: String) throws -> Int? {
        guard let d = try optionNumber(table, key) else { return nil }
        guard d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else {
            throw error(table, "option '\(key)' must be an integer, got \(formatNumber(d))")
        }
        return Int(d)
    }

    public func optionBool(_ table: Int32, _ key: String) throws -> Bool? {
        guard isTable(table) else { return nil }
        let t = lws_rawgetfield(L, table, key)
        defer { lws_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        guard t == LUA_TBOOLEAN else {
            throw error(table, "option '\(key)' must be a boolean, got \(typeNameAt(L, -1))")
        }
        return lua_toboolean(L, -1) != 0
    }

    public func optionString(_ table: Int32, _ key: String) throws -> String? {
        guard isTable(table) else { return nil }
        let t = lws_rawgetfield(L, table, key)
        defer { lws_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        guard t == LUA_TSTRING else {
            throw error(table, "option '\(key)' must be a string, got \(typeNameAt(L, -1))")
        }
        return stringAt(L, -1)
    }

    /// Option `key` holding a path (a string without NUL bytes), nil when absent.
    public func optionPath(_ table: Int32, _ key: String) throws -> String? {
        guard let p = try optionString(table, key) else { return nil }
        guard !p.utf8.contains(0) else {
            throw error(table, "option '\(key)' expected a path without NUL bytes, got \(luaStringLiteral(p))")
        }
        return p
    }

    /// The options table at `i` may be absent (unless `required`); if present, it must be a
    /// table whose keys are all among `keys`.
    public func checkOptions(_ i: Int32, _ keys: [String], required: Bool = false) throws {
        if isNoneOrNil(i) {
            if required { throw error(i, "expected an options table {\(keys.joined(separator: "=, "))=}") }
            return
        }
        try table(i, "an options table")
        try checkOptionKeys(i, allowed: keys)
    }

    /// Rejects keys of an options table that the function does not know (catches typos such
    /// as `{epoch = 5}`).
    public func checkOptionKeys(_ table: Int32, allowed: [String]) throws {
        guard isTable(table) else { return }
        let keys = tableStringKeys(L, table)
        for k in keys where !allowed.contains(k) {
            throw error(table, "unknown option '\(k)' (known: \(allowed.joined(separator: ", ")))")
        }
    }

    // MARK: results

    public func push(_ d: Double) { lua_pushnumber(L, d) }
    public func push(_ f: Float) { lua_pushnumber(L, Double(f)) }
    public func push(_ i: Int) { lua_pushinteger(L, lua_Integer(i)) }
    public func push(_ b: Bool) { lua_pushboolean(L, b ? 1 : 0) }
    public func push(_ s: String) { pushString(L, s) }
    public func pushNil() { lua_pushnil(L) }

    /// Pushes a Lua array {a[1], ..., a[n]} of numbers.
    public func pushArray<T: BinaryInteger>(_ a: [T]) {
        lua_createtable(L, Int32(a.count), 0)
        for (k, v) in a.enumerated() {
            lua_pushinteger(L, lua_Integer(v))
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }

    public func pushArray(_ a: [Double]) {
        lua_createtable(L, Int32(a.count), 0)
        for (k, v) in a.enumerated() {
            lua_pushnumber(L, v)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }
}

// MARK: helpers shared by the bridge

/// The string at a stack index (which must hold a string), bytes preserved.
public func stringAt(_ L: OpaquePointer, _ i: Int32) -> String? {
    var len = 0
    guard let p = lua_tolstring(L, i, &len) else { return nil }
    return p.withMemoryRebound(to: UInt8.self, capacity: len) {
        String(decoding: UnsafeBufferPointer(start: $0, count: len), as: UTF8.self)
    }
}

/// "number", "string", "Tensor" (from the metatable's __name), "no value", ...
func typeNameAt(_ L: OpaquePointer, _ i: Int32) -> String {
    let t = lua_type(L, i)
    if t == LUA_TNONE { return "no value" }
    if t == LUA_TUSERDATA {
        if lua_getmetatable(L, i) != 0 {
            let nt = lws_rawgetfield(L, -1, "__name")
            let name = nt == LUA_TSTRING ? stringAt(L, -1) : nil
            lws_pop(L, 2)
            if let name { return name }
        }
    }
    return String(cString: lua_typename(L, t))
}

/// Numbers in messages: 3 rather than 3.0, and 0.1 rather than 0.10000000149.
func formatNumber(_ d: Double) -> String { describeNumber(d) }

/// The string keys of a table, read raw with lua_next (safe: the traversal itself cannot
/// raise while we do not modify the table).
func tableStringKeys(_ L: OpaquePointer, _ index: Int32) -> [String] {
    let t = lua_absindex(L, index)
    var keys: [String] = []
    lua_pushnil(L)
    while lua_next(L, t) != 0 {
        if lua_type(L, -2) == LUA_TSTRING, let k = stringAt(L, -2) { keys.append(k) }
        lws_pop(L, 1)
    }
    return keys
}
