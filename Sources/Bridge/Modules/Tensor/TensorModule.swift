import CLua
import Numerics

/// The Lua module `tensor`: constructors and functions over several tensors. Methods live in
/// TensorMethods.swift (shape, indexing) and TensorMathMethods.swift (math, reductions).
enum TensorModule {
    static let module = LuaModule(
        name: "tensor",
        functions: functions,
        registerTypes: { L in
            registerType(L, Tensor.self, displayName: "Tensor",
                         methods: TensorMethods.all + TensorMathMethods.all,
                         metamethods: TensorMetamethods.all,
                         indexFallback: TensorMethods.index)
        },
        call: newTensor)

    static let functions: [(String, LuaFunction)] = [
        ("new", newTensor),
        ("zeros", { a in a.push(try Tensor.zeros(a.sizes(from: 1))); return 1 }),
        ("ones", { a in a.push(try Tensor.ones(a.sizes(from: 1))); return 1 }),
        ("full", full),
        ("rand", { a in a.push(try Tensor.rand(a.sizes(from: 1))); return 1 }),
        ("randn", { a in a.push(try Tensor.randn(a.sizes(from: 1))); return 1 }),
        ("arange", arange),
        ("eye", eye),
        ("seed", seed),
        ("cat", { a in try concatenate(a, stack: false) }),
        ("stack", { a in try concatenate(a, stack: true) }),
        ("allclose", allclose),
        ("equal", { a in
            let x = try a.tensor(1), y = try a.tensor(2)
            a.push(x.shape == y.shape && x.toArray() == y.toArray())
            return 1
        }),
        ("is_tensor", { a in a.push(a.isTensor(1)); return 1 }),
        ("matmul", { a in a.push(try Ops.matmul(a.tensor(1), a.tensor(2))); return 1 }),
        // The gradient mode of the calling Lua thread: a coroutine has its own (CLua/shim.h).
        ("set_grad_enabled", { a in
            let previous = lws_grad_enabled(a.L) != 0
            let on = try a.bool(1)
            lws_set_grad_enabled(a.L, on ? 1 : 0)
            GradMode.isEnabled = on
            a.push(previous)
            return 1
        }),
        ("is_grad_enabled", { a in a.push(lws_grad_enabled(a.L) != 0); return 1 }),
        ("profile", TensorProfile.profile),
    ] + TensorIO.functions

    /// tensor.new{{1, 2}, {3, 4}}, tensor.new(t) (a copy), tensor.new(5) (a 0-d tensor).
    static func newTensor(_ a: LuaArgs) throws -> Int32 {
        if a.isTable(1) {
            a.push(try a.tensorFromTable(1))
        } else if let t = try? a.tensor(1) {
            a.push(try t.clone())
        } else if a.isNumber(1) && a.count == 1 {
            a.push(Tensor(scalar: Float(try a.number(1))))
        } else {
            throw a.typeError(1, expected: "a table of numbers (e.g. {{1, 2}, {3, 4}}), a Tensor or a number")
        }
        return 1
    }

    /// tensor.full({2, 3}, 7) or tensor.full(2, 3, 7): the value is the last argument.
    static func full(_ a: LuaArgs) throws -> Int32 {
        guard a.count >= 2 else { throw a.error(a.count + 1, "expected sizes and a fill value") }
        let value = try a.number(a.count, "a fill value (number)")
        a.push(try Tensor.full(a.sizes(from: 1, upTo: a.count - 1), Float(value)))
        return 1
    }

    /// tensor.arange(n) = 0..n-1; tensor.arange(start, stop[, step]) stops before `stop`.
    static func arange(_ a: LuaArgs) throws -> Int32 {
        let first = try a.number(1)
        let (start, end) = a.isNoneOrNil(2) ? (0, first) : (first, try a.number(2))
        let step = try a.optNumber(3, 1)
        guard step != 0 else { throw a.error(3, "step must not be zero") }
        a.push(try Tensor.arange(start, end, step))
        return 1
    }

    static func eye(_ a: LuaArgs) throws -> Int32 {
        let n = try a.int(1, "a size")
        let m = try a.optInt(2, n)
        guard n >= 0 else { throw a.error(1, "size must be non-negative, got \(n)") }
        guard m >= 0 else { throw a.error(2, "size must be non-negative, got \(m)") }
        a.push(try Tensor.eye(n, m))
        return 1
    }

    /// tensor.seed(n) reseeds the shared generator; tensor.seed() returns the current seed.
    static func seed(_ a: LuaArgs) throws -> Int32 {
        if a.isNoneOrNil(1) {
            a.push(Int(truncatingIfNeeded: Generator.shared.seed))
            return 1
        }
        let s = try a.int(1, "an integer seed")
        Generator.shared.reseed(UInt64(bitPattern: Int64(s)))
        return 0
    }

    /// tensor.cat({a, b}, dim) / tensor.stack({a, b}, dim); dim defaults to 1.
    static func concatenate(_ a: LuaArgs, stack: Bool) throws -> Int32 {
        try a.table(1, "a table of Tensors")
        let n = Int(lua_rawlen(a.L, 1))
        guard n > 0 else { throw a.error(1, "expected a non-empty table of Tensors") }
        var list: [Tensor] = []
        for k in 1...n {
            lua_rawgeti(a.L, 1, lua_Integer(k))
            defer { lws_pop(a.L, 1) }
            guard let t = toObject(a.L, -1, as: Tensor.self) else {
                throw a.error(1, "element \(k) must be a Tensor, got \(typeNameAt(a.L, -1))")
            }
            list.append(t)
        }
        let rank = list[0].rank + (stack ? 1 : 0)
        let d = a.isNoneOrNil(2) ? 0 : try a.luaDim(try a.int(2, "a dimension"), rank: rank, at: 2)
        a.push(stack ? try Ops.stack(list, dim: d) : try Ops.cat(list, dim: d))
        return 1
    }

    /// tensor.allclose(a, b[, rtol[, atol]]) or tensor.allclose(a, b, {rtol=, atol=}).
    static func allclose(_ a: LuaArgs) throws -> Int32 {
        let x = try a.tensor(1), y = try a.tensor(2)
        var rtol = 1e-5, atol = 1e-8
        if a.isTable(3) {
            try a.checkOptionKeys(3, allowed: ["rtol", "atol"])
            rtol = try a.optionNumber(3, "rtol") ?? rtol
            atol = try a.optionNumber(3, "atol") ?? atol
        } else {
            rtol = try a.optNumber(3, rtol)
            atol = try a.optNumber(4, atol)
        }
        do {
            a.push(try x.allClose(y, rtol: Float(rtol), atol: Float(atol)))
        } catch is TensorError {
            throw LuaError.message("sizes \(describeShape(x.shape)) and \(describeShape(y.shape)) do not broadcast")
        }
        return 1
    }
}

/// tensor.profile(true) starts timing backward steps by operation; tensor.profile() returns
/// {{name, calls, milliseconds}, ...} sorted by time and stops; tensor.profile(false) stops.
enum TensorProfile {
    static func profile(_ a: LuaArgs) throws -> Int32 {
        if !a.isNoneOrNil(1) {
            let on = try a.bool(1)
            BackwardProfile.isOn = on
            if on { BackwardProfile.totals = [:] }
            return 0
        }
        BackwardProfile.isOn = false
        let rows = BackwardProfile.totals.sorted { $0.value.nanoseconds > $1.value.nanoseconds }
        lua_createtable(a.L, Int32(rows.count), 0)
        for (k, row) in rows.enumerated() {
            lua_createtable(a.L, 3, 0)
            a.push(row.key); lua_rawseti(a.L, -2, 1)
            a.push(row.value.calls); lua_rawseti(a.L, -2, 2)
            a.push(Double(row.value.nanoseconds) / 1e6); lua_rawseti(a.L, -2, 3)
            lua_rawseti(a.L, -2, lua_Integer(k + 1))
        }
        return 1
    }
}
