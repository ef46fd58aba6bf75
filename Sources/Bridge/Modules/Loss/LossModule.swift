import CLua
import Numerics

/// A configured loss: called as `crit(logits, targets[, sample_weights])`, it returns a
/// scalar tensor (or per-sample losses with reduction "none") that backpropagates.
public final class Criterion: LuaObject {
    public static let metatableName = "lwscript.Criterion"
    let summary: String
    let apply: (_ input: Tensor, _ targets: Tensor, _ sampleWeights: Tensor?) throws -> Tensor

    init(summary: String, apply: @escaping (Tensor, Tensor, Tensor?) throws -> Tensor) {
        self.summary = summary
        self.apply = apply
    }
}

/// The Lua module `loss`.
enum LossModule {
    static let module = LuaModule(
        name: "loss",
        functions: [("cross_entropy", crossEntropy)],
        registerTypes: { L in
            registerType(L, Criterion.self, displayName: "Loss",
                         methods: [("forward", callCriterion)],
                         metamethods: [("__call", callCriterion),
                                       ("__tostring", { a in a.push(try a.criterion(1).summary); return 1 })],
                         indexFallback: nil)
        })

    static func callCriterion(_ a: LuaArgs) throws -> Int32 {
        let c = try a.criterion(1)
        let input = try a.tensor(2)
        let targets = try a.tensor(3)
        let sampleWeights = try a.optTensor(4)
        a.push(try c.apply(input, targets, sampleWeights))
        return 1
    }

    /// loss.cross_entropy{weights=, label_smoothing=, reduction="mean"|"sum"|"none"}
    static func crossEntropy(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["weights", "label_smoothing", "reduction"])
        let weights = try a.optionTensorOrArray(1, "weights")
        let smoothing = try a.optionNumber(1, "label_smoothing") ?? 0
        guard smoothing >= 0 && smoothing <= 1 else { throw a.error(1, "label_smoothing must be in [0, 1], got \(smoothing)") }
        let reduction = try a.optionReduction(1)
        var summary = "cross_entropy{"
        summary += [weights.map { "weights = \($0.toArray().map { String(format: "%.4g", $0) }.joined(separator: ", "))" },
                    smoothing > 0 ? "label_smoothing = \(smoothing)" : nil,
                    reduction != .mean ? "reduction = \"\(reduction.rawValue)\"" : nil].compactMap { $0 }.joined(separator: ", ")
        summary += "}"
        a.push(Criterion(summary: summary) { logits, targets, sw in
            try Ops.crossEntropy(logits, targets: targets, weights: weights, labelSmoothing: Float(smoothing),
                                 sampleWeights: sw, reduction: reduction)
        })
        return 1
    }
}

extension LuaArgs {
    func criterion(_ i: Int32) throws -> Criterion {
        guard let c = toObject(L, i, as: Criterion.self) else { throw typeError(i, expected: "a loss") }
        return c
    }

    func push(_ c: Criterion) { pushObject(L, c) }

    /// An option holding a tensor or a Lua array of numbers (per-class values such as weights).
    func optionTensorOrArray(_ table: Int32, _ key: String) throws -> Tensor? {
        guard isTable(table) else { return nil }
        let t = lws_rawgetfield(L, table, key)
        defer { lws_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        if let tensor = toObject(L, -1, as: Tensor.self) { return tensor }
        guard t == LUA_TTABLE else {
            throw error(table, "option '\(key)' must be a Tensor or an array of numbers, got \(typeNameAt(L, -1))")
        }
        do {
            let values = try tensorFromTable(lua_gettop(L))
            guard values.rank == 1 else { throw error(table, "option '\(key)' must be a flat array of numbers") }
            return values
        } catch LuaError.argument(_, let m) {
            throw error(table, "option '\(key)': \(m)")
        }
    }

    func optionReduction(_ table: Int32) throws -> LossReduction {
        guard let r = try optionString(table, "reduction") else { return .mean }
        guard let value = LossReduction(rawValue: r) else {
            throw error(table, "option 'reduction' must be \"mean\", \"sum\" or \"none\", got \"\(r)\"")
        }
        return value
    }
}
