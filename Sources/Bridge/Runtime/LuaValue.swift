import CLua

/// A Lua value as Swift sees it: read with raw access only (nothing runs, nothing raises), or
/// held in the state by reference. This is how code outside the Bridge (the notebook runner)
/// talks to Lua without touching the C API.
public enum LuaValue {
    case `nil`
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case table(LuaTable)
    /// A value kept in the state for Swift (a chunk's results, a module), passed back as is.
    case reference(LuaReference)
    /// A value Swift does not read (a function, userdata, a thread), by its Lua type name.
    case opaque(String)

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var table: LuaTable? { if case .table(let t) = self { return t } else { return nil } }
    public var integer: Int? {
        switch self {
        case .integer(let i): return i
        case .number(let d): return d.rounded() == d && abs(d) < 9.0e18 ? Int(d) : nil
        default: return nil
        }
    }
    /// t[key] of a table (nil for anything else).
    public subscript(_ key: String) -> LuaValue { table?.fields[key] ?? .nil }
}

/// A Lua table read into Swift: its sequence t[1..#t] and its string keys.
public struct LuaTable {
    public var array: [LuaValue]
    public var fields: [String: LuaValue]

    public init(array: [LuaValue] = [], fields: [String: LuaValue] = [:]) {
        self.array = array
        self.fields = fields
    }

    /// The elements of `key`'s array that are strings (others become "").
    public func strings(_ key: String) -> [String]? {
        fields[key]?.table.map { $0.array.map { $0.string ?? "" } }
    }
}

/// A Lua value kept alive in the state's registry for as long as Swift holds this object.
public final class LuaReference {
    let state: LuaState
    let ref: Int32

    /// Pops the value on top of the stack into the registry.
    init(popping state: LuaState) {
        self.state = state
        ref = luaL_ref(state.L, lws_registryindex())
    }

    deinit { luaL_unref(state.L, lws_registryindex(), ref) }

    func push() { lua_rawgeti(state.L, lws_registryindex(), lua_Integer(ref)) }
}

extension LuaState {
    /// Reads the value at `index` into Swift. Tables are read to `depth` levels (deeper
    /// tables, and tables met again, become .opaque("table")); only string keys and the
    /// sequence are kept.
    public func value(at index: Int32, depth: Int = 8) -> LuaValue {
        Self.value(L, at: index, depth: depth)
    }

    /// value(at:) on any Lua thread (a Swift function called from a coroutine reads its
    /// arguments from the coroutine's stack).
    static func value(_ L: OpaquePointer, at index: Int32, depth: Int = 8) -> LuaValue {
        var open: Set<UnsafeRawPointer> = []
        return read(L, lua_absindex(L, index), depth: depth, open: &open)
    }

    /// Holds a Swift function as a Lua value (to hand to Lua code as an argument).
    public func functionReference(name: String, _ body: @escaping LuaFunction) -> LuaReference {
        pushFunction(L, name: name, body)
        return LuaReference(popping: self)
    }

    private static func read(_ L: OpaquePointer, _ i: Int32, depth: Int, open: inout Set<UnsafeRawPointer>) -> LuaValue {
        switch lua_type(L, i) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, i) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, i) != 0 { return .integer(Int(lua_tointegerx(L, i, nil))) }
            return .number(lua_tonumberx(L, i, nil))
        case LUA_TSTRING: return .string(stringAt(L, i) ?? "")
        case LUA_TTABLE:
            guard depth > 0, let p = lua_topointer(L, i), !open.contains(p) else { return .opaque("table") }
            open.insert(p)
            defer { open.remove(p) }
            var table = LuaTable()
            let n = lua_rawlen(L, i)
            if n > 0 {
                for k in 1...n {
                    lua_rawgeti(L, i, lua_Integer(k))
                    table.array.append(read(L, lua_gettop(L), depth: depth - 1, open: &open))
                    lws_pop(L, 1)
                }
            }
            // lua_next only ever sees keys it returned itself, from a table nothing changes
            // meanwhile, so it cannot raise.
            lua_pushnil(L)
            while lua_next(L, i) != 0 {
                if lua_type(L, -2) == LUA_TSTRING, let key = stringAt(L, -2) {
                    table.fields[key] = read(L, lua_gettop(L), depth: depth - 1, open: &open)
                }
                lws_pop(L, 1)
            }
            return .table(table)
        default:
            return .opaque(typeNameAt(L, i))
        }
    }

    /// Reads the value a reference holds (see value(at:)).
    public func value(of reference: LuaReference, depth: Int = 8) -> LuaValue {
        reference.push()
        defer { lws_pop(L, 1) }
        return value(at: -1, depth: depth)
    }

    /// Pushes a Swift value (tables as new tables, references as what they hold).
    public func push(_ value: LuaValue) {
        switch value {
        case .nil, .opaque: lua_pushnil(L)
        case .boolean(let b): lua_pushboolean(L, b ? 1 : 0)
        case .integer(let i): lua_pushinteger(L, lua_Integer(i))
        case .number(let d): lua_pushnumber(L, d)
        case .string(let s): pushString(L, s)
        case .reference(let r): r.push()
        case .table(let t):
            lua_createtable(L, Int32(t.array.count), Int32(t.fields.count))
            for (k, v) in t.array.enumerated() {
                push(v)
                lua_rawseti(L, -2, lua_Integer(k + 1))
            }
            for (k, v) in t.fields {
                push(v)
                lws_rawsetfield(L, -2, k)
            }
        }
    }

    /// Whether `code` compiles as a chunk (nothing runs).
    public func compiles(_ code: String) -> Bool {
        guard (try? load(code, chunkname: "=check")) != nil else { return false }
        lws_pop(L, 1)
        return true
    }

    /// require(name), held by reference.
    public func module(_ name: String) throws -> LuaReference {
        try require(name)
        return LuaReference(popping: self)
    }

    /// Runs `code` as a chunk named `chunkname` and keeps all its results, packed as
    /// table.pack does ({n = count, ...}), for a later `call`.
    public func run(_ code: String, chunkname: String) throws -> LuaReference {
        let base = lua_gettop(L)
        try load(code, chunkname: chunkname)
        return try callPacking(base: base)
    }

    /// Calls the function at `base + 1` (loaded by the caller) with no arguments and keeps
    /// all its results, packed as table.pack does.
    func callPacking(base: Int32) throws -> LuaReference {
        try protectedCall(nargs: 0, nresults: LUA_MULTRET)
        let count = lua_gettop(L) - base
        lua_createtable(L, count, 1)
        lws_insert(L, base + 1)
        for k in stride(from: count, through: 1, by: -1) {
            lua_rawseti(L, base + 1, lua_Integer(k))
        }
        lua_pushinteger(L, lua_Integer(count))
        lws_rawsetfield(L, -2, "n")
        return LuaReference(popping: self)
    }

    /// Calls `table[function](arguments...)` under a protected call and reads its results.
    public func call(_ table: LuaReference, _ function: String, _ arguments: [LuaValue] = []) throws -> [LuaValue] {
        let base = lua_gettop(L)
        table.push()
        let type = lua_type(L, -1) == LUA_TTABLE ? lws_rawgetfield(L, -1, function) : LUA_TNIL
        lws_remove(L, -2)
        guard type == LUA_TFUNCTION else {
            lua_settop(L, base)
            throw ScriptError(phase: .run, message: "'\(function)' is not a function of the module held")
        }
        for a in arguments { push(a) }
        try protectedCall(nargs: Int32(arguments.count), nresults: LUA_MULTRET)
        defer { lua_settop(L, base) }
        return (base + 1 ..< lua_gettop(L) + 1).map { value(at: $0) }
    }
}

extension LuaArgs {
    /// Argument `i` read into Swift (see LuaState.value(at:)).
    public func value(_ i: Int32) -> LuaValue { LuaState.value(L, at: i) }
}
