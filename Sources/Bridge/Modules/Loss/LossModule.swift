import CLua
import Numerics

/// A configured loss: called as `crit(logits, targets[, sample_weights])`, it returns a
/// scalar tensor (or per-sample losses with reduction "none") that backpropagates.
public final class Criterion: LuaObject {
    public static let metatableName = "lwscript.Criterion"
    /// The constructor's name ("loss.focal"), which prefixes errors raised by a call.
    let name: String
    let summary: String
    let apply: (_ input: Tensor, _ targets: Tensor, _ sampleWeights: Tensor?) throws -> Tensor
    /// The state of loss.group_dro (crit.q, crit:reset()).
    let groupDRO: GroupDRO?
    /// Per-class values the loss was built with, readable from Lua for checking and plotting
    /// (crit.margins of loss.ldam, crit.weights, crit.offsets, crit.alpha).
    let values: [String: [Double]]

    init(name: String, summary: String, groupDRO: GroupDRO? = nil, values: [String: [Double]] = [:],
         apply: @escaping (Tensor, Tensor, Tensor?) throws -> Tensor) {
        self.name = name
        self.summary = summary
        self.groupDRO = groupDRO
        self.values = values
        self.apply = apply
    }
}

/// The Lua module `loss`: the Swift losses (this file) and the Lua half (lwscript/loss.lua:
/// loss.custom, loss.one_hot). Formulas are in docs/losses.md and beside each kernel in
/// Numerics/Losses.
enum LossModule {
    static let module = LuaModule(
        name: "loss",
        functions: [("cross_entropy", crossEntropy), ("nll", nll), ("focal", focal),
                    ("sigmoid_focal", sigmoidFocal), ("class_balanced", classBalanced),
                    ("threshold_ce", thresholdCE), ("ldam", ldam), ("logit_adjusted", logitAdjusted),
                    ("balanced_softmax", balancedSoftmax), ("adjust_logits", adjustLogits),
                    ("group_dro", groupDRO)],
        registerTypes: { L in
            registerType(L, Criterion.self, displayName: "Loss",
                         methods: [("forward", callCriterion), ("reset", resetCriterion)],
                         metamethods: [("__call", callCriterion),
                                       ("__tostring", { a in a.push(try a.criterion(1).summary); return 1 })],
                         indexFallback: criterionIndex)
        })

    /// crit(logits, targets[, sample_weights]); errors name the loss ("loss.focal: ...").
    static func callCriterion(_ a: LuaArgs) throws -> Int32 {
        let c = try a.criterion(1)
        do {
            let input = try a.tensor(2)
            let targets = try a.tensor(3)
            let sampleWeights = try a.optTensor(4)
            a.push(try c.apply(input, targets, sampleWeights))
        } catch LuaError.argument(let i, let m) {
            // crit(...) and crit:forward(...) both number their arguments after self
            let what = ["logits", "targets", "sample weights"][max(0, min(Int(i) - 1, 2))]
            throw LuaError.plain("bad argument #\(i) to '\(c.name)' (\(what): \(m))")
        } catch let e as TensorError {
            throw LuaError.plain("\(c.name): \(e.message)")
        }
        return 1
    }

    static func resetCriterion(_ a: LuaArgs) throws -> Int32 {
        let c = try a.criterion(1)
        guard let dro = c.groupDRO else { throw LuaError.plain("\(c.name): only loss.group_dro has reset()") }
        dro.reset()
        return 0
    }

    /// crit.q (group_dro's class weights), crit.name, and the per-class values of the loss
    /// (crit.margins, crit.weights, crit.offsets, crit.alpha; nil when it has none), each a new
    /// array.
    static func criterionIndex(_ a: LuaArgs) throws -> Int32 {
        let c = try a.criterion(1)
        guard a.isString(2) else { a.pushNil(); return 1 }
        let key = try a.string(2)
        switch key {
        case "name": a.push(c.name)
        case "q":
            if let dro = c.groupDRO, !dro.q.isEmpty { a.pushArray(dro.q) } else { a.pushNil() }
        default:
            if let v = c.values[key] { a.pushArray(v) } else { a.pushNil() }
        }
        return 1
    }

    // MARK: constructors

    static func push(_ a: LuaArgs, _ name: String, _ options: [String?], groupDRO: GroupDRO? = nil,
                     values: [String: [Double]?] = [:], _ apply: @escaping (Tensor, Tensor, Tensor?) throws -> Tensor) {
        let summary = "loss.\(name){" + options.compactMap { $0 }.joined(separator: ", ") + "}"
        a.push(Criterion(name: "loss.\(name)", summary: summary, groupDRO: groupDRO, values: values.compactMapValues { $0 },
                         apply: apply))
    }

    /// loss.cross_entropy{weights=, label_smoothing=, reduction="mean"|"sum"|"none"}
    static func crossEntropy(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["weights", "label_smoothing", "reduction"])
        let weights = try a.classArray(1, "weights")
        let smoothing = try a.optionNumber(1, "label_smoothing") ?? 0
        guard smoothing >= 0 && smoothing <= 1 else { throw a.error(1, "label_smoothing must be in [0, 1], got \(smoothing)") }
        let reduction = try a.optionReduction(1)
        let w = try a.classTensor(weights)
        push(a, "cross_entropy", [describe("weights", weights), smoothing > 0 ? "label_smoothing = \(smoothing)" : nil,
                                  describe(reduction)], values: ["weights": weights]) { logits, targets, sw in
            try Ops.crossEntropy(logits, targets: targets, weights: w, labelSmoothing: Float(smoothing),
                                 sampleWeights: sw, reduction: reduction)
        }
        return 1
    }

    /// loss.nll{weights=, reduction=} on log-probabilities.
    static func nll(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["weights", "reduction"])
        let weights = try a.classArray(1, "weights")
        let reduction = try a.optionReduction(1)
        push(a, "nll", [describe("weights", weights), describe(reduction)], values: ["weights": weights]) { x, targets, sw in
            try Ops.nll(x, targets: targets, weights: weights, sampleWeights: sw, reduction: reduction)
        }
        return 1
    }

    /// loss.focal{gamma=2, alpha=number|array, reduction=}
    static func focal(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["gamma", "alpha", "reduction"])
        let gamma = try a.gamma(1)
        let alpha = try a.classArray(1, "alpha", allowNumber: true)
        let alphaIsNumber = a.isTable(1) && a.optionType(1, "alpha") == LUA_TNUMBER
        let reduction = try a.optionReduction(1)
        push(a, "focal", ["gamma = \(formatNumber(gamma))", describe("alpha", alpha), describe(reduction)],
             values: ["alpha": alphaIsNumber ? nil : alpha]) { logits, targets, sw in
            let perClass = alpha.map { alphaIsNumber && logits.rank == 2 ? [Double](repeating: $0[0], count: logits.shape[1]) : $0 }
            return try Ops.focal(logits, targets: targets, gamma: gamma, alpha: perClass, sampleWeights: sw, reduction: reduction)
        }
        return 1
    }

    /// loss.sigmoid_focal{gamma=2, alpha=0.25, reduction=} (torchvision's sigmoid_focal_loss).
    static func sigmoidFocal(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["gamma", "alpha", "reduction"])
        let gamma = try a.gamma(1)
        let alpha = try a.optionNumber(1, "alpha") ?? 0.25
        guard alpha.isFinite, alpha <= 1 else { throw a.error(1, "option 'alpha' must be in [0, 1] (or negative for no alpha), got \(formatNumber(alpha))") }
        let reduction = try a.optionReduction(1)
        push(a, "sigmoid_focal", ["gamma = \(formatNumber(gamma))", "alpha = \(formatNumber(alpha))", describe(reduction)]) { logits, targets, sw in
            try Ops.sigmoidFocal(logits, targets: targets, gamma: gamma, alpha: alpha, sampleWeights: sw, reduction: reduction)
        }
        return 1
    }

    /// loss.class_balanced{beta=0.999, counts=, base="ce"|"focal", gamma=2, reduction=}
    static func classBalanced(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["beta", "counts", "base", "gamma", "reduction"])
        let counts = try a.requiredCounts(1, "counts")
        let beta = try a.optionNumber(1, "beta") ?? 0.999
        let w: [Double]
        do { w = try ClassWeights.effectiveNumber(counts: counts, beta: beta) } catch let e as TensorError { throw a.error(1, e.message) }
        let base = try a.optionString(1, "base") ?? "ce"
        guard base == "ce" || base == "focal" else { throw a.error(1, "option 'base' must be \"ce\" or \"focal\", got \"\(base)\"") }
        if base == "ce", a.hasOption(1, "gamma") { throw a.error(1, "option 'gamma' needs base = \"focal\"") }
        let gamma = try a.gamma(1)
        let reduction = try a.optionReduction(1)
        push(a, "class_balanced", ["beta = \(formatNumber(beta))", describe("weights", w), "base = \"\(base)\"",
                                   base == "focal" ? "gamma = \(formatNumber(gamma))" : nil, describe(reduction)],
             values: ["weights": w]) { logits, targets, sw in
            base == "ce"
                ? try Ops.classWeightedCrossEntropy(logits, targets: targets, weights: w, sampleWeights: sw, reduction: reduction)
                : try Ops.focal(logits, targets: targets, gamma: gamma, alpha: w, sampleWeights: sw, reduction: reduction)
        }
        return 1
    }

    /// loss.threshold_ce{m=, keep="wrong_or_unsure"|"wrong"|"unsure", terms="bce"|"target", reduction=}
    static func thresholdCE(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["m", "keep", "terms", "reduction"])
        guard let m = try a.optionNumber(1, "m") else { throw a.error(1, "option 'm' is required (a number in (0.5, 1))") }
        guard m > 0.5, m < 1 else { throw a.error(1, "option 'm' must be in (0.5, 1), got \(formatNumber(m))") }
        let keepName = try a.optionString(1, "keep") ?? "wrong_or_unsure"
        guard let keep = ThresholdRegion(rawValue: keepName) else {
            throw a.error(1, "option 'keep' must be \"wrong_or_unsure\", \"wrong\" or \"unsure\", got \"\(keepName)\"")
        }
        let terms = try a.optionString(1, "terms") ?? "bce"
        guard terms == "bce" || terms == "target" else { throw a.error(1, "option 'terms' must be \"bce\" or \"target\", got \"\(terms)\"") }
        let reduction = try a.optionReduction(1)
        push(a, "threshold_ce", ["m = \(formatNumber(m))", keep != .wrongOrUnsure ? "keep = \"\(keepName)\"" : nil,
                                 terms != "bce" ? "terms = \"target\"" : nil, describe(reduction)]) { logits, targets, sw in
            try Ops.thresholdCrossEntropy(logits, targets: targets, m: m, region: keep, targetOnly: terms == "target",
                                          sampleWeights: sw, reduction: reduction)
        }
        return 1
    }

    /// loss.ldam{counts=, max_m=0.5, s=30, weights=, reduction=}
    static func ldam(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["counts", "max_m", "s", "weights", "reduction"])
        let counts = try a.requiredCounts(1, "counts")
        let maxM = try a.optionNumber(1, "max_m") ?? 0.5
        let s = try a.optionNumber(1, "s") ?? 30
        guard s.isFinite, s > 0 else { throw a.error(1, "option 's' must be a finite number > 0, got \(formatNumber(s))") }
        let margins: [Double]
        do { margins = try ClassWeights.ldamMargins(counts: counts, maxMargin: maxM) } catch let e as TensorError { throw a.error(1, e.message) }
        let weights = try a.classArray(1, "weights")
        let w = try a.classTensor(weights)
        let reduction = try a.optionReduction(1)
        push(a, "ldam", [describe("margins", margins), "s = \(formatNumber(s))", describe("weights", weights), describe(reduction)],
             values: ["margins": margins, "weights": weights]) { logits, targets, sw in
            try Ops.ldam(logits, targets: targets, margins: margins, scale: s, weights: w, sampleWeights: sw, reduction: reduction)
        }
        return 1
    }

    /// loss.logit_adjusted{priors= (or counts=), tau=1, weights=, reduction=}
    static func logitAdjusted(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["priors", "counts", "tau", "weights", "reduction"])
        let hasPriors = a.hasOption(1, "priors"), hasCounts = a.hasOption(1, "counts")
        guard hasPriors != hasCounts else { throw a.error(1, "give exactly one of the options 'priors' and 'counts'") }
        let key = hasPriors ? "priors" : "counts"
        let priors = try a.requiredCounts(1, key)
        let tau = try a.tau(1)
        let logPriors = try ClassWeights.logPriors(priors)
        return try offsetLoss(a, "logit_adjusted", offsets: logPriors.map { tau * $0 }, extra: "tau = \(formatNumber(tau))")
    }

    /// loss.balanced_softmax{counts=, weights=, reduction=}: cross-entropy of z + log n_c.
    static func balancedSoftmax(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["counts", "weights", "reduction"])
        let counts = try a.requiredCounts(1, "counts")
        return try offsetLoss(a, "balanced_softmax", offsets: try ClassWeights.logPriors(counts, what: "counts"), extra: nil)
    }

    static func offsetLoss(_ a: LuaArgs, _ name: String, offsets: [Double], extra: String?) throws -> Int32 {
        let weights = try a.classArray(1, "weights")
        let w = try a.classTensor(weights)
        let reduction = try a.optionReduction(1)
        push(a, name, [describe("offsets", offsets), extra, describe("weights", weights), describe(reduction)],
             values: ["offsets": offsets, "weights": weights]) { logits, targets, sw in
            try Ops.offsetCrossEntropy(logits, targets: targets, offsets: offsets, weights: w, sampleWeights: sw, reduction: reduction)
        }
        return 1
    }

    /// loss.adjust_logits(logits, priors[, tau = 1]): logits - tau log(priors / sum priors).
    static func adjustLogits(_ a: LuaArgs) throws -> Int32 {
        let logits = try a.tensor(1)
        let priors = try a.doubles(2, "priors (an array or a Tensor of positive numbers)")
        let tau = try a.optNumber(3, 1)
        guard tau.isFinite else { throw a.error(3, "tau must be finite, got \(formatNumber(tau))") }
        do {
            a.push(try Ops.adjustLogits(logits, logPriors: try ClassWeights.logPriors(priors), tau: tau))
        } catch let e as TensorError { throw a.error(2, e.message) }
        return 1
    }

    /// loss.group_dro{eta=0.01, classes=}: crit.q holds the class weights, crit:reset() restarts.
    static func groupDRO(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["eta", "classes"])
        let eta = try a.optionNumber(1, "eta") ?? 0.01
        let classes = try a.optionInt(1, "classes")
        let dro: GroupDRO
        do { dro = try GroupDRO(eta: eta, classes: classes) } catch let e as TensorError { throw a.error(1, e.message) }
        push(a, "group_dro", ["eta = \(formatNumber(eta))"], groupDRO: dro) { logits, targets, sw in
            try dro.loss(logits, targets: targets, sampleWeights: sw)
        }
        return 1
    }

    // MARK: summaries

    static func describe(_ key: String, _ values: [Double]?) -> String? {
        guard let values else { return nil }
        let shown = values.map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return values.count == 1 ? "\(key) = \(shown)" : "\(key) = {\(shown)}"
    }

    static func describe(_ r: LossReduction) -> String? { r == .mean ? nil : "reduction = \"\(r.rawValue)\"" }
}

extension LuaArgs {
    func criterion(_ i: Int32) throws -> Criterion {
        guard let c = toObject(L, i, as: Criterion.self) else { throw typeError(i, expected: "a loss") }
        return c
    }

    func push(_ c: Criterion) { pushObject(L, c) }

    /// Per-class values (from `classArray`) as the 1-D tensor the fused losses take.
    func classTensor(_ values: [Double]?) throws -> Tensor? {
        try values.map { try Tensor(shape: [$0.count], values: $0.map(Float.init)) }
    }

    /// The array (Lua array of numbers or 1-D Tensor) at stack position `i`, as Float64.
    func doubles(_ i: Int32, _ expected: String) throws -> [Double] {
        guard isTable(i) || isTensor(i) else { throw typeError(i, expected: expected) }
        return try numberArray(at: i, reportAs: i)
    }

    /// Per-class values (weights, alpha): finite and >= 0; a single number when `allowNumber`.
    func classArray(_ table: Int32, _ key: String, allowNumber: Bool = false) throws -> [Double]? {
        if allowNumber, let d = try? optionNumber(table, key) {
            guard d.isFinite, d >= 0 else { throw error(table, "option '\(key)' must be a finite number >= 0, got \(formatNumber(d))") }
            return [d]
        }
        guard let v = try optionDoubles(table, key) else { return nil }
        guard !v.isEmpty else { throw error(table, "option '\(key)' must not be empty") }
        for (c, w) in v.enumerated() where !(w.isFinite && w >= 0) {
            throw error(table, "option '\(key)': element [\(c + 1)] is \(formatNumber(w)), expected a finite number >= 0")
        }
        return v
    }

    /// Required per-class counts or priors: finite and > 0.
    func requiredCounts(_ table: Int32, _ key: String) throws -> [Double] {
        guard let v = try optionDoubles(table, key) else {
            throw error(table, "option '\(key)' is required (one positive number per class; weights.pseudo_counts(s) derives them from TPRs)")
        }
        do { try ClassWeights.checkCounts(v, what: key) } catch let e as TensorError { throw error(table, "option \(e.message)") }
        return v
    }

    /// Whether the options table at `table` (possibly absent) sets `key`.
    func hasOption(_ table: Int32, _ key: String) -> Bool {
        isTable(table) && optionType(table, key) != LUA_TNIL
    }

    func gamma(_ table: Int32) throws -> Double {
        let g = try optionNumber(table, "gamma") ?? 2
        guard g.isFinite, g >= 0 else { throw error(table, "option 'gamma' must be a finite number >= 0, got \(formatNumber(g))") }
        return g
    }

    func tau(_ table: Int32) throws -> Double {
        let t = try optionNumber(table, "tau") ?? 1
        guard t.isFinite else { throw error(table, "option 'tau' must be a finite number, got \(formatNumber(t))") }
        return t
    }

    func optionReduction(_ table: Int32) throws -> LossReduction {
        guard let r = try optionString(table, "reduction") else { return .mean }
        guard let value = LossReduction(rawValue: r) else {
            throw error(table, "option 'reduction' must be \"mean\", \"sum\" or \"none\", got \"\(r)\"")
        }
        return value
    }
}
