import CLua
import Numerics

/// The Lua module `csv`: tidy tables (a Lua array of rows, each a table keyed by column name)
/// to and from RFC 4180 files (Numerics/Data/TidyCSV.swift has the quoting rules).
enum CSVModule {
    static let module = LuaModule(name: "csv", functions: [
        ("write", write),
        ("read", read),
    ])

    /// csv.write(path, rows[, {columns = {...}}]): columns default to the sorted union of the
    /// rows' keys; written atomically.
    static func write(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1)
        try a.table(2, "an array of rows (tables keyed by column name)")
        try a.checkOptions(3, ["columns"])
        let given = try a.columnNames(3)
        let rowsIndex = lua_absindex(a.L, 2)
        let n = Int(lua_rawlen(a.L, rowsIndex))
        var rows: [[String: TidyCSV.Value]] = []
        rows.reserveCapacity(n)
        var union = Set<String>()
        for r in stride(from: 1, through: n, by: 1) {
            lua_rawgeti(a.L, rowsIndex, lua_Integer(r))
            defer { lws_pop(a.L, 1) }
            guard lua_type(a.L, -1) == LUA_TTABLE else {
                throw a.error(2, "row \(r) must be a table keyed by column name, got \(typeNameAt(a.L, -1))")
            }
            let row = try a.csvRow(lua_gettop(a.L), number: r)
            if let given {
                for k in row.keys where !given.contains(k) {
                    throw a.error(2, "row \(r) has column '\(k)', which is not in option 'columns'")
                }
            } else {
                union.formUnion(row.keys)
            }
            rows.append(row)
        }
        let columns = given ?? union.sorted()
        guard !columns.isEmpty else {
            throw a.error(2, "no columns: the rows are empty and option 'columns' is not given")
        }
        let bytes = TidyCSV.encode(columns: columns,
                                   rows: rows.map { row in columns.map { row[$0] ?? .missing } })
        try AtomicFile.write(bytes, to: path)
        return 0
    }

    /// csv.read(path) -> rows, header.
    static func read(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1)
        let (header, rows) = try TidyCSV.decode(try FileBytes.read(path), path: path)
        lua_createtable(a.L, Int32(rows.count), 0)
        for (r, row) in rows.enumerated() {
            lua_createtable(a.L, 0, Int32(header.count))
            for (c, v) in row.enumerated() {
                switch v {
                case .missing: continue
                case .integer(let i): lua_pushinteger(a.L, lua_Integer(i))
                case .number(let d): lua_pushnumber(a.L, d)
                case .string(let s): pushString(a.L, s)
                case .bool(let b): lua_pushboolean(a.L, b ? 1 : 0)
                }
                lws_rawsetfield(a.L, -2, header[c])
            }
            lua_rawseti(a.L, -2, lua_Integer(r + 1))
        }
        a.pushStrings(header)
        return 2
    }
}

extension LuaArgs {
    /// Option 'columns' of the table at `i`: an array of distinct, non-empty names.
    func columnNames(_ i: Int32) throws -> [String]? {
        guard isTable(i) else { return nil }
        let t = lws_rawgetfield(L, i, "columns")
        defer { lws_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        guard t == LUA_TTABLE else { throw error(i, "option 'columns' must be an array of names, got \(typeNameAt(L, -1))") }
        let idx = lua_absindex(L, -1)
        var names: [String] = []
        for k in stride(from: 1, through: Int(lua_rawlen(L, idx)), by: 1) {
            let vt = lua_rawgeti(L, idx, lua_Integer(k))
            defer { lws_pop(L, 1) }
            guard vt == LUA_TSTRING, let s = stringAt(L, -1), !s.isEmpty else {
                throw error(i, "option 'columns': name [\(k)] must be a non-empty string, got \(typeNameAt(L, -1))")
            }
            guard !names.contains(s) else { throw error(i, "option 'columns': '\(s)' appears twice") }
            names.append(s)
        }
        guard !names.isEmpty else { throw error(i, "option 'columns' must not be empty") }
        return names
    }

    /// One row (the table at `index`): string keys, values that are numbers, strings or booleans.
    func csvRow(_ index: Int32, number r: Int) throws -> [String: TidyCSV.Value] {
        var row: [String: TidyCSV.Value] = [:]
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            defer { lws_pop(L, 1) }
            guard lua_type(L, -2) == LUA_TSTRING, let key = stringAt(L, -2), !key.isEmpty else {
                let what = lua_type(L, -2) == LUA_TNUMBER ? formatNumber(lua_tonumberx(L, -2, nil)) : typeNameAt(L, -2)
                throw error(2, "row \(r) has key \(what): rows are tables keyed by column name ({seed = 1, tpr = 0.7})")
            }
            switch lua_type(L, -1) {
            case LUA_TNUMBER:
                row[key] = lws_isinteger(L, -1) != 0 ? .integer(Int64(lua_tointegerx(L, -1, nil)))
                                                     : .number(lua_tonumberx(L, -1, nil))
            case LUA_TSTRING: row[key] = .string(stringAt(L, -1) ?? "")
            case LUA_TBOOLEAN: row[key] = .bool(lua_toboolean(L, -1) != 0)
            default:
                throw error(2, "row \(r), column '\(key)': expected a number, string or boolean, got \(typeNameAt(L, -1))")
            }
        }
        return row
    }
}
