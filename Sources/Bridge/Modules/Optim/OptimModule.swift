import CLua
import Numerics

extension Optimizer: LuaObject {
    public static let metatableName = "lwscript.Optimizer"
}

extension LRScheduler: LuaObject {
    public static let metatableName = "lwscript.LRScheduler"
}

/// The Lua module `optim`: optimizers (OptimizerBindings.swift), learning-rate schedules
/// (SchedulerBindings.swift) and gradient clipping. The numerics live in Numerics/Optim.
enum OptimModule {
    static let module = LuaModule(
        name: "optim",
        functions: OptimizerBindings.constructors + SchedulerBindings.constructors + [
            ("clip_grad_norm", clipGradNorm),
            ("clip_grad_value", clipGradValue),
        ],
        registerTypes: { L in
            registerType(L, Optimizer.self, displayName: "Optimizer",
                         methods: OptimizerBindings.methods,
                         metamethods: OptimizerBindings.metamethods,
                         indexFallback: OptimizerBindings.index)
            registerType(L, LRScheduler.self, displayName: "LRScheduler",
                         methods: SchedulerBindings.methods,
                         metamethods: SchedulerBindings.metamethods,
                         indexFallback: SchedulerBindings.index)
        })

    /// optim.clip_grad_norm(params, max_norm[, norm_type = 2]) -> total norm before clipping.
    static func clipGradNorm(_ a: LuaArgs) throws -> Int32 {
        let params = try OptimArgs.tensorList(a, 1)
        let maxNorm = try a.number(2, "a max_norm (number)")
        let normType = try a.optNumber(3, 2)
        guard normType == .infinity || (normType.isFinite && normType > 0) else {
            // checked here too, to name Lua's infinity
            throw LuaError.message("norm_type must be a positive number or math.huge, got \(formatNumber(normType))")
        }
        a.push(try Numerics.clipGradNorm(params, maxNorm: maxNorm, normType: normType))
        return 1
    }

    /// optim.clip_grad_value(params, v): clamps every gradient to [-v, v].
    static func clipGradValue(_ a: LuaArgs) throws -> Int32 {
        let params = try OptimArgs.tensorList(a, 1)
        try Numerics.clipGradValue(params, try a.number(2, "a clip value (number)"))
        return 0
    }
}

/// Argument readers shared by the optim bindings.
enum OptimArgs {
    /// A Lua array of tensors (such as `model:parameters()`) at `i`, or one tensor.
    static func tensorList(_ a: LuaArgs, _ i: Int32) throws -> [Tensor] {
        if let t = toObject(a.L, i, as: Tensor.self) { return [t] }
        try a.table(i, "a table of Tensors (e.g. model:parameters())")
        let n = Int(lua_rawlen(a.L, i))
        var out: [Tensor] = []
        out.reserveCapacity(n)
        for k in 0..<n {
            lua_rawgeti(a.L, i, lua_Integer(k + 1))
            defer { lws_pop(a.L, 1) }
            guard let t = toObject(a.L, -1, as: Tensor.self) else {
                throw a.error(i, "element \(k + 1) must be a Tensor, got \(typeNameAt(a.L, -1))")
            }
            out.append(t)
        }
        return out
    }

    /// The optimizer at `i`.
    static func optimizer(_ a: LuaArgs, _ i: Int32) throws -> Optimizer {
        guard let o = toObject(a.L, i, as: Optimizer.self) else { throw a.typeError(i, expected: "an optimizer (e.g. optim.SGD(...))") }
        return o
    }

    /// An options table at `i` (nil allowed when not `required`), checked against `allowed`.

    /// A required number option.
    static func requiredOption(_ a: LuaArgs, _ i: Int32, _ key: String, example: String) throws -> Double {
        guard let v = try a.optionNumber(i, key) else {
            throw a.error(i, "option '\(key)' is required (e.g. {\(key) = \(example)})")
        }
        return v
    }

    /// An integer option checked to be positive.
    static func positiveIntOption(_ a: LuaArgs, _ i: Int32, _ key: String) throws -> Int? {
        guard let v = try a.optionInt(i, key) else { return nil }
        guard v > 0 else { throw a.error(i, "option '\(key)' must be a positive integer, got \(v)") }
        return v
    }
}

extension LuaArgs {
    /// Pushes an optimizer or a schedule as its userdata.
    func push(_ o: Optimizer) { pushObject(L, o) }
    func push(_ s: LRScheduler) { pushObject(L, s) }
}
