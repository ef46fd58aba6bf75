import CLua
import Numerics

/// optim.SGD / optim.Adam / optim.AdamW and the methods of the optimizers they return.
enum OptimizerBindings {
    static let constructors: [(String, LuaFunction)] = [
        ("SGD", sgd),
        ("Adam", { a in try adam(a, decoupled: false) }),
        ("AdamW", { a in try adam(a, decoupled: true) }),
    ]

    /// optim.SGD(params, {lr=, momentum=0, dampening=0, nesterov=false, weight_decay=0}).
    static func sgd(_ a: LuaArgs) throws -> Int32 {
        let params = try OptimArgs.tensorList(a, 1)
        try a.checkOptions(2, ["lr", "momentum", "dampening", "nesterov", "weight_decay"], required: true)
        let lr = try OptimArgs.requiredOption(a, 2, "lr", example: "0.1")
        a.push(try SGD(parameters: params, lr: lr,
                       momentum: try a.optionNumber(2, "momentum") ?? 0,
                       dampening: try a.optionNumber(2, "dampening") ?? 0,
                       nesterov: try a.optionBool(2, "nesterov") ?? false,
                       weightDecay: try a.optionNumber(2, "weight_decay") ?? 0))
        return 1
    }

    /// optim.Adam(params, {lr=1e-3, betas={0.9, 0.999}, eps=1e-8, weight_decay=0, amsgrad=false});
    /// optim.AdamW the same with weight_decay=1e-2 (decoupled).
    static func adam(_ a: LuaArgs, decoupled: Bool) throws -> Int32 {
        let params = try OptimArgs.tensorList(a, 1)
        try a.checkOptions(2, ["lr", "betas", "eps", "weight_decay", "amsgrad"], required: false)
        var betas = (0.9, 0.999)
        if let b = try a.optionDoubles(2, "betas") {
            guard b.count == 2 else { throw a.error(2, "option 'betas' must hold 2 numbers, e.g. {0.9, 0.999}, got \(b.count)") }
            betas = (b[0], b[1])
        }
        let lr = try a.optionNumber(2, "lr") ?? 1e-3
        let eps = try a.optionNumber(2, "eps") ?? 1e-8
        let wd = try a.optionNumber(2, "weight_decay") ?? (decoupled ? 1e-2 : 0)
        let amsgrad = try a.optionBool(2, "amsgrad") ?? false
        if decoupled {
            a.push(try AdamW(parameters: params, lr: lr, betas: betas, eps: eps, weightDecay: wd, amsgrad: amsgrad))
        } else {
            a.push(try Adam(parameters: params, lr: lr, betas: betas, eps: eps, weightDecay: wd, amsgrad: amsgrad))
        }
        return 1
    }

    static let methods: [(String, LuaFunction)] = [
        ("step", { a in try OptimArgs.optimizer(a, 1).step(); return 0 }),
        ("zero_grad", { a in try OptimArgs.optimizer(a, 1).zeroGrad(); return 0 }),
        ("parameters", { a in
            a.pushTensorArray(try OptimArgs.optimizer(a, 1).parameters)
            return 1
        }),
        ("state", state),
        ("save", { a in
            try OptimArgs.optimizer(a, 1).save(to: try a.path(2))
            return 0
        }),
        ("load", { a in
            try OptimArgs.optimizer(a, 1).load(from: try a.path(2))
            lua_settop(a.L, 1)
            return 1
        }),
    ]

    /// opt:state(i): {step = n, exp_avg = ..., ...} for parameter i, or nil before its first step.
    static func state(_ a: LuaArgs) throws -> Int32 {
        let o = try OptimArgs.optimizer(a, 1)
        let k = try a.luaIndex(try a.int(2, "a parameter position"), size: o.parameters.count, at: 2)
        guard let s = o.state[k] else { a.pushNil(); return 1 }
        lua_createtable(a.L, 0, 4)
        a.push(s.step)
        lws_rawsetfield(a.L, -2, "step")
        for (name, t) in zip(o.stateNames, s.buffers) {
            a.push(t)
            lws_rawsetfield(a.L, -2, name)
        }
        return 1
    }

    static let metamethods: [(String, LuaFunction)] = [
        ("__tostring", { a in
            let o = try OptimArgs.optimizer(a, 1)
            let values = o.parameters.reduce(0) { $0 + $1.count }
            let hyper = o.hyperParameters.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
            a.push("optim.\(o.typeName)(\(hyper)) over \(o.parameters.count) tensors (\(values) values)")
            return 1
        }),
        ("__newindex", newIndex),
    ]

    /// opt.lr, opt.momentum, opt.betas, ...: the hyper-parameters; opt.type: "SGD", ...
    static func index(_ a: LuaArgs) throws -> Int32 {
        let o = try OptimArgs.optimizer(a, 1)
        guard a.isString(2) else { a.pushNil(); return 1 }
        let key = try a.string(2)
        if key == "type" { a.push(o.typeName); return 1 }
        if key == "betas", let adam = o as? Adam { a.pushArray([adam.beta1, adam.beta2]); return 1 }
        guard let hit = o.hyperParameters.first(where: { $0.0 == key }) else { a.pushNil(); return 1 }
        switch hit.1 {
        case .number(let d): a.push(d)
        case .flag(let b): a.push(b)
        }
        return 1
    }

    /// opt.lr = 0.01 (and the other hyper-parameters, checked as by the constructor).
    static func newIndex(_ a: LuaArgs) throws -> Int32 {
        let o = try OptimArgs.optimizer(a, 1)
        let key = a.isString(2) ? try a.string(2) : "?"
        guard let current = o.hyperParameters.first(where: { $0.0 == key })?.1 else {
            let names = o.hyperParameters.map(\.0).joined(separator: ", ")
            throw LuaError.message("\(o.typeName) has no field '\(key)' to assign (hyper-parameters: \(names))")
        }
        let value: HyperParameter
        switch current {
        case .number:
            guard a.isNumber(3) else { throw LuaError.message("\(key) must be a number, got \(a.typeName(3))") }
            value = .number(try a.number(3))
        case .flag:
            guard a.type(3) == LUA_TBOOLEAN else { throw LuaError.message("\(key) must be a boolean, got \(a.typeName(3))") }
            value = .flag(try a.bool(3))
        }
        try o.assign(key, value)
        return 0
    }
}
