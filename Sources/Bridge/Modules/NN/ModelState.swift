import CLua
import Numerics

/// Model checkpoints at the Swift level: an ordered list of named tensors written as a
/// checkpoint of kind "model" (format: docs/checkpoint-format.md). The Lua half of nn
/// (model:save, nn.load, model:load) decides what goes in and rebuilds models.
enum ModelState {
    static let functions: [(String, LuaFunction)] = [
        ("write_state", write),
        ("read_state", read),
    ]

    /// nn.write_state(path, {{name, tensor}, ...}, metadata): order kept, written atomically.
    static func write(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1)
        try a.table(2, "an array of {name, tensor} pairs")
        let metadata = try a.string(3, "metadata (a string)")
        var entries: [(String, Tensor)] = []
        let n = Int(lua_rawlen(a.L, 2))
        for k in 1...max(n, 1) where k <= n {
            lua_rawgeti(a.L, 2, lua_Integer(k))
            defer { lws_pop(a.L, 1) }
            guard lua_type(a.L, -1) == LUA_TTABLE else { throw a.error(2, "entry \(k) must be a {name, tensor} pair") }
            let pair = lua_gettop(a.L)
            lua_rawgeti(a.L, pair, 1)
            lua_rawgeti(a.L, pair, 2)
            defer { lws_pop(a.L, 2) }
            guard lua_type(a.L, -2) == LUA_TSTRING, let name = stringAt(a.L, -2),
                  let t = toObject(a.L, -1, as: Tensor.self) else {
                throw a.error(2, "entry \(k) must be a {name, tensor} pair")
            }
            entries.append((name, t))
        }
        try Checkpoint.write(to: path, kind: "model", metadata: metadata, tensors: entries)
        return 0
    }

    /// nn.read_state(path) -> {{name, tensor}, ...}, metadata, kind.
    static func read(_ a: LuaArgs) throws -> Int32 {
        let c = try Checkpoint.read(from: try a.path(1))
        a.pushNamed(c.tensors)
        a.push(c.metadata)
        a.push(c.kind)
        return 3
    }
}
