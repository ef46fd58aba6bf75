import CLua
import Foundation

/// An interactive session on a Lua state: the REPL's lines and the Jupyter kernel's cells.
/// Top-level `local` declarations outlive their chunk (TopLevelLocals, lwscript/session.lua),
/// and whether a chunk is complete is decided here, once, for the REPL's continuation prompt
/// and the kernel's is_complete_request.
public final class LuaSession {
    public let lua: LuaState
    /// {env =, locals =, declare =} from lwscript/session.lua
    private let session: LuaReference

    public init(lua: LuaState) throws {
        self.lua = lua
        let L = lua.L
        try lua.require("lwscript.session")
        guard lws_rawgetfield(L, -1, "new") == LUA_TFUNCTION else {
            lws_pop(L, 2)
            throw ScriptError(phase: .run, message: "lwscript.session has no function 'new'")
        }
        lws_remove(L, -2)
        lua_rawgeti(L, lws_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        try lua.protectedCall(nargs: 1, nresults: 1)
        session = LuaReference(popping: lua)
    }

    /// Pushes field `name` of the session table.
    private func pushField(_ name: String) {
        session.push()
        if lua_type(lua.L, -1) == LUA_TTABLE { lws_rawgetfield(lua.L, -1, name) } else { lua_pushnil(lua.L) }
        lws_remove(lua.L, -2)
    }

    /// Compiles a chunk of the session (its top-level locals rewritten and declared, its _ENV
    /// the session's) and leaves the function on the stack.
    public func load(_ code: String, chunkname: String) throws {
        let L = lua.L
        let r = TopLevelLocals.rewrite(code)
        try lua.load(r.code, chunkname: chunkname)
        pushField("env")
        if lua_setupvalue(L, -2, 1) == nil { lws_pop(L, 1) }
        if !r.names.isEmpty {
            pushField("declare")
            for name in r.names { pushString(L, name) }
            do {
                try lua.protectedCall(nargs: Int32(r.names.count), nresults: 0)
            } catch {
                lws_pop(L, 1)
                throw error
            }
        }
    }

    /// Runs a chunk of the session and keeps all its results (packed as table.pack does).
    public func run(_ code: String, chunkname: String) throws -> LuaReference {
        let base = lua_gettop(lua.L)
        try load(code, chunkname: chunkname)
        return try lua.callPacking(base: base)
    }

    /// Completions of `text` ("tensor.ze", "x:re"), the session's locals included.
    public func completions(for text: String) -> [String] {
        pushField("locals")
        let locals = LuaReference(popping: lua)
        return lua.completions(for: text, locals: locals)
    }

    /// `?name` (or `name?`) asks for help, as in IPython: the code that prints it
    /// (`help(tensor.zeros, "tensor.zeros")`; `?x:reshape` looks up `x.reshape`), or nil
    /// when the chunk is not such a request.
    public static func helpRequest(_ chunk: String) -> String? {
        helpArguments(chunk).map { "help(\($0))" }
    }

    /// The arguments of help() that `?name` asks for ("tensor.zeros, \"tensor.zeros\""; ""
    /// for `?` alone), or nil.
    public static func helpArguments(_ chunk: String) -> String? {
        var name = chunk.trimmingCharacters(in: .whitespacesAndNewlines)
        if name == "?" { return "" }
        if name.hasPrefix("?") { name.removeFirst() } else if name.hasSuffix("?") { name.removeLast() } else { return nil }
        name = name.trimmingCharacters(in: .whitespaces)
        guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*)?$"#,
                         options: .regularExpression) != nil else { return nil }
        return "\(name.replacingOccurrences(of: ":", with: ".")), \"\(name)\""
    }

    /// What a chunk typed so far is: complete, unfinished (more lines will come: an open
    /// block, string or bracket, "... near <eof>"), or invalid with the compiler's message.
    public enum ChunkStatus: Equatable {
        case complete, incomplete, invalid(String)
    }

    /// As the REPL decides: the chunk compiles as an expression (`1 + 1`) or as statements;
    /// else an error at the end of the text, in either form, means more is to come
    /// (`1 +`, `for i = 1, 3 do`); any other error makes it invalid (the statements' message).
    public func status(of chunk: String) -> ChunkStatus {
        func error(_ code: String) -> String? {
            do {
                try lua.load(code, chunkname: "=stdin")
                lws_pop(lua.L, 1)
                return nil
            } catch let e as ScriptError {
                return e.message
            } catch {
                return "\(error)"
            }
        }
        guard let asExpression = error("return " + chunk), let asStatements = error(chunk) else { return .complete }
        if asExpression.hasSuffix("<eof>") || asStatements.hasSuffix("<eof>") { return .incomplete }
        return .invalid(asStatements)
    }
}
