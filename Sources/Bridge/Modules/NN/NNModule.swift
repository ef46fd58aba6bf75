import CLua
import Numerics

extension Module: LuaObject {
    public static let metatableName = "lwscript.Module"
}

/// The Lua module `nn`: constructors of the Swift layers (this file), their methods
/// (ModuleMethods.swift); containers, Lua-written modules, presets and checkpoints are Lua
/// (Sources/Bridge/lua/lwscript/nn).
enum NNModule {
    static let module = LuaModule(
        name: "nn",
        functions: functions,
        registerTypes: { L in
            registerType(L, Module.self, displayName: "Module",
                         methods: ModuleMethods.all, metamethods: ModuleMethods.metamethods,
                         indexFallback: ModuleMethods.index)
        })

    static let functions: [(String, LuaFunction)] = [
        ("Linear", { a in
            try a.checkOptions(3, ["bias"])
            a.push(try Linear(a.positive(1, "input features"), a.positive(2, "output features"),
                              bias: a.optionBool(3, "bias") ?? true))
            return 1
        }),
        ("Conv2d", { a in
            try a.checkOptions(4, ["stride", "padding", "bias"])
            a.push(try Conv2d(a.positive(1, "input channels"), a.positive(2, "output channels"),
                              kernel: a.pair(3, "kernel size"),
                              stride: a.optionPair(4, "stride") ?? (1, 1),
                              padding: a.optionPair(4, "padding", allowZero: true) ?? (0, 0),
                              bias: a.optionBool(4, "bias") ?? true))
            return 1
        }),
        ("Conv1d", { a in
            try a.checkOptions(4, ["stride", "padding", "bias"])
            a.push(try Conv1d(a.positive(1, "input channels"), a.positive(2, "output channels"),
                              kernel: a.positive(3, "kernel size"),
                              stride: a.optionInt(4, "stride", atLeast: 1) ?? 1,
                              padding: a.optionInt(4, "padding", atLeast: 0) ?? 0,
                              bias: a.optionBool(4, "bias") ?? true))
            return 1
        }),
        ("BatchNorm1d", { a in try batchNorm(a, spatialRank: 1) }),
        ("BatchNorm2d", { a in try batchNorm(a, spatialRank: 2) }),
        ("ReLU", { a in a.push(Activation(.relu)); return 1 }),
        ("Tanh", { a in a.push(Activation(.tanh)); return 1 }),
        ("Sigmoid", { a in a.push(Activation(.sigmoid)); return 1 }),
        ("LeakyReLU", { a in a.push(LeakyReLU(slope: Float(try a.optNumber(1, 0.01)))); return 1 }),
        ("MaxPool2d", { a in try pool(a, .max) }),
        ("AvgPool2d", { a in try pool(a, .average) }),
        ("GlobalAvgPool", { a in a.push(GlobalAvgPool()); return 1 }),
        ("Dropout", { a in a.push(try Dropout(p: Float(a.optNumber(1, 0.5)))); return 1 }),
        ("Flatten", { a in a.push(Flatten()); return 1 }),
        ("Transpose", { a in
            let d0 = try a.positive(1, "a dimension"), d1 = try a.positive(2, "a dimension")
            a.push(Transpose(d0 - 1, d1 - 1))
            return 1
        }),
        ("Embedding", { a in
            a.push(try Embedding(a.positive(1, "vocabulary size"), a.positive(2, "embedding size")))
            return 1
        }),
        ("LSTM", { a in
            try a.checkOptions(3, ["layers", "output", "batch_first"])
            if let bf = try a.optionBool(3, "batch_first"), !bf {
                throw a.error(3, "only batch_first = true is supported (input BxTxI)")
            }
            let lstm = try LSTM(a.positive(1, "input size"), a.positive(2, "hidden size"),
                                layers: a.optionInt(3, "layers", atLeast: 1) ?? 1)
            switch try a.optionString(3, "output") ?? "all" {
            case "all": a.push(lstm)
            case "last": a.push(LastStep(lstm))
            case let other: throw a.error(3, "option 'output' must be \"all\" or \"last\", got \"\(other)\"")
            }
            return 1
        }),
        ("is_module", { a in a.push(toObject(a.L, 1, as: Module.self) != nil); return 1 }),
        ("fused_forward", { a in
            // nn.fused_forward(a, b, x): b(a(x)) by one fused kernel, or nil when there is none
            guard let first = toObject(a.L, 1, as: Module.self), let second = toObject(a.L, 2, as: Module.self),
                  let x = toObject(a.L, 3, as: Tensor.self) else {
                a.pushNil(); return 1
            }
            do {
                if let y = try LayerFusion.forward(first, second, x) { a.push(y) } else { a.pushNil() }
            } catch let e as TensorError {
                throw LuaError.plain(e.message.hasPrefix(first.kind) ? e.message : "\(first.summary): \(e.message)")
            }
            return 1
        }),
    ] + ModelState.functions

    static func batchNorm(_ a: LuaArgs, spatialRank: Int) throws -> Int32 {
        try a.checkOptions(2, ["eps", "momentum"])
        a.push(try BatchNorm(a.positive(1, "channels"), spatialRank: spatialRank,
                             eps: Float(a.optionNumber(2, "eps") ?? 1e-5),
                             momentum: Float(a.optionNumber(2, "momentum") ?? 0.1)))
        return 1
    }

    static func pool(_ a: LuaArgs, _ mode: Pool2d.Mode) throws -> Int32 {
        try a.checkOptions(2, ["stride", "padding"])
        a.push(try Pool2d(mode, kernel: a.pair(1, "kernel size"), stride: a.optionPair(2, "stride"),
                          padding: a.optionPair(2, "padding", allowZero: true) ?? (0, 0)))
        return 1
    }
}

/// An LSTM that returns only the last time step's hidden state [B, H] (for classifiers).
final class LastStep: Module {
    let lstm: LSTM
    init(_ lstm: LSTM) { self.lstm = lstm }
    override var kind: String { "LSTM" }
    override var summary: String { lstm.summary.dropLast() + ", last step)" }
    override var namedParameters: [(String, Tensor)] { lstm.namedParameters }
    override func forward(_ x: Tensor) throws -> Tensor {
        try lstm.forwardLast(x)
    }
}

extension LuaArgs {
    /// A positive integer argument (sizes, channels).
    func positive(_ i: Int32, _ what: String) throws -> Int {
        let v = try int(i, what)
        guard v > 0 else { throw error(i, "\(what) must be positive, got \(v)") }
        return v
    }

    /// A size given as one number (square) or a pair {h, w}.
    func pair(_ i: Int32, _ what: String, allowZero: Bool = false) throws -> (Int, Int) {
        let values: [Int]
        if isTable(i) { values = try integerTable(i, what) } else { values = [try int(i, what)] }
        guard values.count == 1 || values.count == 2 else { throw error(i, "\(what) must be a number or {h, w}") }
        let p = (values[0], values.count == 2 ? values[1] : values[0])
        guard p.0 >= (allowZero ? 0 : 1), p.1 >= (allowZero ? 0 : 1) else {
            let shown = values.count == 1 ? "\(values[0])" : "{\(values[0]), \(values[1])}"
            throw error(i, "\(what) must be \(allowZero ? "non-negative" : "positive"), got \(shown)")
        }
        return p
    }

    /// An integer option that must be at least `minimum`: positive (1), non-negative (0).
    func optionInt(_ table: Int32, _ key: String, atLeast minimum: Int) throws -> Int? {
        guard let v = try optionInt(table, key) else { return nil }
        let bound = minimum == 1 ? "positive" : minimum == 0 ? "non-negative" : "at least \(minimum)"
        guard v >= minimum else { throw error(table, "option '\(key)' must be \(bound), got \(v)") }
        return v
    }

    /// An option that is a number or {h, w}.
    func optionPair(_ table: Int32, _ key: String, allowZero: Bool = false) throws -> (Int, Int)? {
        guard isTable(table) else { return nil }
        let t = lws_rawgetfield(L, table, key)
        defer { lws_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        do {
            return try pair(lua_gettop(L), "option '\(key)'", allowZero: allowZero)
        } catch LuaError.argument(_, let m) {
            throw error(table, m)
        }
    }

}
