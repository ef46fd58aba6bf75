import CLua
import Numerics

/// Methods of the Swift layers as Lua sees them: forward (also by calling the layer),
/// parameters, train/eval, and fields such as `layer.weight`.
enum ModuleMethods {
    static let all: [(String, LuaFunction)] = [
        ("forward", forward),
        ("parameters", { a in
            let m = try a.module(1)
            a.pushTensorArray(m.namedParameters.map { $0.1 })
            return 1
        }),
        ("named_parameters", { a in a.pushNamed(try a.module(1).namedParameters); return 1 }),
        ("named_buffers", { a in a.pushNamed(try a.module(1).namedBuffers); return 1 }),
        ("train", { a in
            let m = try a.module(1)
            m.setTraining(try a.optBool(2, true))
            lua_settop(a.L, 1)
            return 1
        }),
        ("eval", { a in
            try a.module(1).setTraining(false)
            lua_settop(a.L, 1)
            return 1
        }),
        ("zero_grad", { a in
            for (_, p) in try a.module(1).namedParameters { p.grad = nil }
            lua_settop(a.L, 1)
            return 1
        }),
        ("num_parameters", { a in a.push(try a.module(1).parameterCount); return 1 }),
    ]

    static let metamethods: [(String, LuaFunction)] = [
        ("__call", { a in
            // layer(x) is layer:forward(x); the layer comes first, as for a method call.
            try forward(a)
        }),
        ("__tostring", { a in a.push(try a.module(1).summary); return 1 }),
    ]

    static func forward(_ a: LuaArgs) throws -> Int32 {
        let m = try a.module(1)
        let x = try a.tensor(2)
        do {
            if let lstm = m as? LSTM {
                let (out, h, c) = try lstm.forwardAll(x)
                a.push(out); a.push(h); a.push(c)
                return 3
            }
            a.push(try m.forward(x))
            return 1
        } catch let e as TensorError {
            // Layer errors already name the layer ("Linear(4 -> 3) expected ...").
            throw LuaError.plain(e.message.hasPrefix(m.kind) ? e.message : "\(m.summary): \(e.message)")
        }
    }

    /// Fields: layer.weight (any parameter or buffer by name), layer.training, layer.kind,
    /// layer.constructor.
    static func index(_ a: LuaArgs) throws -> Int32 {
        let m = try a.module(1)
        guard a.isString(2) else { a.pushNil(); return 1 }
        let key = try a.string(2)
        switch key {
        case "training": a.push(m.training)
        case "kind": a.push(m.kind)
        case "constructor":
            if let call = LayerConstructors.call(for: m) { a.push(call) } else { a.pushNil() }
        default:
            if let t = (m.namedParameters + m.namedBuffers).first(where: { $0.0 == key })?.1 { a.push(t) } else { a.pushNil() }
        }
        return 1
    }
}

extension Module {
    /// Sets the mode of this layer and of layers it wraps.
    func setTraining(_ on: Bool) {
        training = on
        if let c = self as? Conv1d { c.conv.training = on }
        if let l = self as? LastStep { l.lstm.training = on }
    }
}

extension LuaArgs {
    func module(_ i: Int32) throws -> Module {
        guard let m = toObject(L, i, as: Module.self) else { throw typeError(i, expected: "an nn layer") }
        return m
    }

    func push(_ m: Module) { pushObject(L, m) }

    func pushTensorArray(_ ts: [Tensor]) {
        lua_createtable(L, Int32(ts.count), 0)
        for (k, t) in ts.enumerated() {
            push(t)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }

    /// An array of {name, tensor} pairs, in order.
    func pushNamed(_ items: [(String, Tensor)]) {
        lua_createtable(L, Int32(items.count), 0)
        for (k, (name, t)) in items.enumerated() {
            lua_createtable(L, 2, 0)
            push(name); lua_rawseti(L, -2, 1)
            push(t); lua_rawseti(L, -2, 2)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }
}
