import Bridge
import CLua

/// Reads the tables the notebook's Lua helpers build (events, display descriptions) with raw
/// access only: `lua_rawget*`, `lua_rawlen`, `lua_type`, `lua_tolstring` on strings. None of
/// them can raise, so they are safe from Swift frames (STYLE.md).
struct LuaTableReader {
    let L: OpaquePointer

    /// The string at stack index `i`, or nil if the value is not a string.
    func string(at i: Int32) -> String? {
        lua_type(L, i) == LUA_TSTRING ? stringAt(L, i) : nil
    }

    /// t[key] of the table at `table`, if it is a string.
    func string(_ table: Int32, _ key: String) -> String? {
        lws_rawgetfield(L, table, key)
        defer { lws_pop(L, 1) }
        return string(at: -1)
    }

    /// t[key] of the table at `table`, if it is a number.
    func number(_ table: Int32, _ key: String) -> Double? {
        lws_rawgetfield(L, table, key)
        defer { lws_pop(L, 1) }
        guard lua_type(L, -1) == LUA_TNUMBER else { return nil }
        return lua_tonumberx(L, -1, nil)
    }

    /// Calls `body` with t[key] pushed (absolute index) if it is a table; pops it after.
    func withTable<T>(_ table: Int32, _ key: String, _ body: (Int32) -> T?) -> T? {
        guard lws_rawgetfield(L, table, key) == LUA_TTABLE else { lws_pop(L, 1); return nil }
        defer { lws_pop(L, 1) }
        return body(lua_gettop(L))
    }

    /// Calls `body` with each element t[1..#t] of the table at `table` pushed (absolute index).
    func forEach(_ table: Int32, _ body: (Int32) -> Void) {
        let t = lua_absindex(L, table)
        let n = lua_rawlen(L, t)
        guard n > 0 else { return }
        for i in 1...n {
            lua_rawgeti(L, t, lua_Integer(i))
            body(lua_gettop(L))
            lws_pop(L, 1)
        }
    }

    /// t[key] as an array of strings (non-strings become "").
    func strings(_ table: Int32, _ key: String) -> [String]? {
        withTable(table, key) { t in
            var out: [String] = []
            forEach(t) { out.append(string(at: $0) ?? "") }
            return out
        }
    }

    /// t[key] as an array of arrays of strings.
    func stringRows(_ table: Int32, _ key: String) -> [[String]]? {
        withTable(table, key) { t in
            var rows: [[String]] = []
            forEach(t) { row in
                var out: [String] = []
                forEach(row) { out.append(string(at: $0) ?? "") }
                rows.append(out)
            }
            return rows
        }
    }

    /// A display description built by the prelude's `describe`.
    func displayData(_ t: Int32) -> DisplayData {
        let table = withTable(t, "table") { tt -> TableData? in
            TableData(caption: string(tt, "caption") ?? "",
                      header: strings(tt, "header") ?? [],
                      rowLabels: strings(tt, "row_labels") ?? [],
                      rows: stringRows(tt, "rows") ?? [],
                      note: string(tt, "note"))
        }
        return DisplayData(plain: string(t, "plain") ?? "", svg: string(t, "svg"), html: string(t, "html"),
                           markdown: string(t, "markdown"), table: table)
    }
}
