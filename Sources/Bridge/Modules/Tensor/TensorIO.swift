import CLua
import Numerics

/// tensor.save / tensor.load: named tensors in a checkpoint file (Numerics/Checkpoint, byte
/// layout in docs/checkpoint-format.md).
enum TensorIO {
    static let functions: [(String, LuaFunction)] = [
        ("save", save),
        ("load", load),
    ]

    /// tensor.save(path, {name = t, ...}[, {meta = "text"}]): writes atomically, names sorted.
    static func save(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1)
        try a.table(2, "a table of named Tensors ({weight = w, bias = b})")
        try a.checkOptions(3, ["meta"])
        let meta = try a.optionString(3, "meta") ?? ""
        var entries: [(String, Tensor)] = []
        let t = lua_absindex(a.L, 2)
        lua_pushnil(a.L)
        while lua_next(a.L, t) != 0 {
            defer { lws_pop(a.L, 1) }   // the value; on an error the stack is discarded anyway
            guard lua_type(a.L, -2) == LUA_TSTRING, let name = stringAt(a.L, -2) else {
                let keyType = typeNameAt(a.L, -2)
                throw a.error(2, "keys must be names (strings), got a \(keyType) key")
            }
            guard let tensor = toObject(a.L, -1, as: Tensor.self) else {
                let valueType = typeNameAt(a.L, -1)
                throw a.error(2, "value '\(name)' must be a Tensor, got \(valueType)")
            }
            guard !name.isEmpty else {
                throw a.error(2, "tensor names must not be empty")
            }
            guard !name.utf8.contains(0) else {
                throw a.error(2, "tensor names must not contain NUL bytes, got \(luaStringLiteral(name))")
            }
            entries.append((name, tensor))
        }
        entries.sort { $0.0 < $1.0 }
        try Checkpoint.write(to: path, kind: "tensors", metadata: meta, tensors: entries)
        return 0
    }

    /// tensor.load(path) -> {name = tensor, ...}, meta, kind.
    static func load(_ a: LuaArgs) throws -> Int32 {
        let c = try Checkpoint.read(from: try a.path(1))
        lua_createtable(a.L, 0, Int32(c.tensors.count))
        for (name, t) in c.tensors {
            a.push(t)
            lws_rawsetfield(a.L, -2, name)
        }
        a.push(c.metadata)
        a.push(c.kind)
        return 3
    }
}
