import CLua
import Numerics

/// A weighted sampler made for one dataset (its labels), as handed to Lua.
final class LuaSampler: LuaObject {
    static let metatableName = "lwscript.Sampler"
    let sampler: WeightedSampler
    let labels: [Int]
    let classCount: Int
    init(sampler: WeightedSampler, labels: [Int], classCount: Int) {
        self.sampler = sampler
        self.labels = labels
        self.classCount = classCount
    }
}

/// The Lua module `sample`: per-class sampling probabilities and weighted samplers for
/// `ds:batches(size, {sampler = s})` (oversampling driven by class sizes or TPRs).
enum SampleModule {
    static let module = LuaModule(
        name: "sample",
        functions: [
            ("probabilities", probabilities),
            ("WeightedRandom", weightedRandom),
            ("balanced", balanced),
        ],
        registerTypes: { L in
            registerType(L, LuaSampler.self, displayName: "Sampler", methods: methods,
                         metamethods: [("__tostring", { a in
                             let s = try sampler(a, 1)
                             a.push("Sampler(\(s.sampler.numSamples) draws from \(s.labels.count) samples, \(s.sampler.replacement ? "with" : "without") replacement)")
                             return 1
                         })],
                         indexFallback: nil)
        })

    static let methods: [(String, LuaFunction)] = [
        // s:draw(): one epoch of 1-based sample indices (a Lua array).
        ("draw", { a in a.pushArray(try sampler(a, 1).sampler.draw().map { $0 + 1 }); return 1 }),
        ("size", { a in a.push(try sampler(a, 1).sampler.numSamples); return 1 }),
        // s:class_probabilities(): the probability that one draw (with replacement) is of class c.
        ("class_probabilities", { a in
            let s = try sampler(a, 1)
            a.pushArray(WeightedSampler.classProbabilities(weights: s.sampler.weights, labels: s.labels, classes: s.classCount))
            return 1
        }),
    ]

    static func sampler(_ a: LuaArgs, _ i: Int32) throws -> LuaSampler {
        guard let s = toObject(a.L, i, as: LuaSampler.self) else { throw a.typeError(i, expected: "a Sampler") }
        return s
    }

    /// sample.probabilities(stat[, {power = -1}]) -> p with p_c proportional to stat_c^power,
    /// summing to 1. stat: a table or Tensor with one value per class (sizes, TPRs, ...).
    static func probabilities(_ a: LuaArgs) throws -> Int32 {
        let stat = try a.numberList(at: 1, argument: 1, what: "per-class statistic")
        try a.checkOptions(2, ["power"])
        let power = try a.optionNumber(2, "power") ?? -1
        guard power.isFinite else { throw a.error(2, "option 'power' must be finite") }
        a.pushArray(try classProbabilities(from: stat, power: power))
        return 1
    }

    /// sample.WeightedRandom(ds, weights[, {num_samples = N, replacement = true,
    /// per = "sample" | "class", seed = n}]).
    static func weightedRandom(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let w = try a.numberList(at: 2, argument: 2, what: "weights")
        try push(a, d, weights: w, optionsAt: 3)
        return 1
    }

    /// sample.balanced(ds[, {num_samples =, replacement =, seed =}]): every class equally
    /// likely (equal per-class probabilities, spread over each class's samples).
    static func balanced(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let classes = d.counts().map { $0 > 0 ? 1.0 : 0 }
        try push(a, d, weights: classes, optionsAt: 2, fixedPer: "class")
        return 1
    }

    /// `fixedPer`: the meaning of the weights when the caller decides it (no 'per' option).
    private static func push(_ a: LuaArgs, _ d: Dataset, weights w: [Double], optionsAt i: Int32,
                             fixedPer: String? = nil) throws {
        try a.checkOptions(i, ["num_samples", "replacement", "seed"] + (fixedPer == nil ? ["per"] : []))
        let n = try a.optionInt(i, "num_samples") ?? d.count
        guard n >= 0 && n <= 1 << 28 else {
            throw a.error(i, "option 'num_samples' must be between 0 and 268435456, got \(n)")
        }
        let replacement = try a.optionBool(i, "replacement") ?? true
        let per = try fixedPer ?? a.optionString(i, "per") ?? "sample"
        guard per == "sample" || per == "class" else {
            throw a.error(i, "option 'per' must be \"sample\" or \"class\", got \"\(per)\"")
        }
        let labels = d.labels
        let classes = d.classes.count
        let sampleWeights: [Double]
        if w.count == classes {
            for (c, v) in w.enumerated() where !(v >= 0 && v.isFinite) {
                throw a.error(i - 1, "weight of class \(c + 1) must be finite and non-negative, got \(formatNumber(v))")
            }
            sampleWeights = try WeightedSampler.sampleWeights(labels: labels, classWeights: w, perClass: per == "class")
        } else if w.count == d.count && per == "sample" {
            sampleWeights = w
        } else {
            throw a.error(i - 1, "expected \(classes) per-class weights (or \(d.count) per-sample weights), got \(w.count)")
        }
        let s = try WeightedSampler(weights: sampleWeights, numSamples: n, replacement: replacement,
                                    generator: a.generator(seedOption: i))
        pushObject(a.L, LuaSampler(sampler: s, labels: labels, classCount: classes))
    }
}
