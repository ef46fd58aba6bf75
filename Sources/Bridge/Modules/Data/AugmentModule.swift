import CLua
import Numerics

/// One augmentation as handed to Lua.
final class LuaAugmentation: LuaObject {
    static let metatableName = "lwscript.Augmentation"
    let value: Augmentation
    init(_ value: Augmentation) { self.value = value }
}

/// The Lua module `augment`: image augmentations with per-class probabilities, for
/// `ds:batches(size, {augment = {...}})` or `augment.apply(x, y, {...})`.
enum AugmentModule {
    static let module = LuaModule(
        name: "augment",
        functions: [
            ("flip", { a in
                try push(a, .flip(probability: probability(a, 1, default: 0.5)))
            }),
            ("crop", { a in
                let pad = try a.int(1, "a padding in pixels")
                guard pad >= 0 && pad <= 1024 else { throw a.error(1, "padding must be between 0 and 1024, got \(pad)") }
                return try push(a, .crop(padding: pad, probability: probability(a, 2, default: 1)))
            }),
            ("noise", { a in
                let std = try a.number(1, "a standard deviation")
                guard std >= 0 && std.isFinite else { throw a.error(1, "standard deviation must be finite and non-negative, got \(formatNumber(std))") }
                return try push(a, .noise(std: Float(std), probability: probability(a, 2, default: 1)))
            }),
            ("apply", apply),
        ],
        registerTypes: { L in
            registerType(L, LuaAugmentation.self, displayName: "Augmentation", methods: [],
                         metamethods: [("__tostring", { a in
                             guard let g = toObject(a.L, 1, as: LuaAugmentation.self) else { throw a.typeError(1, expected: "an Augmentation") }
                             let p = g.value.probability.map { formatNumber(Double($0)) }.joined(separator: ", ")
                             switch g.value {
                             case .flip: a.push("augment.flip(p = {\(p)})")
                             case .crop(let pad, _): a.push("augment.crop(padding = \(pad), p = {\(p)})")
                             case .noise(let s, _): a.push("augment.noise(std = \(formatNumber(Double(s))), p = {\(p)})")
                             }
                             return 1
                         })],
                         indexFallback: nil)
        })

    static func push(_ a: LuaArgs, _ g: Augmentation) throws -> Int32 {
        pushObject(a.L, LuaAugmentation(g))
        return 1
    }

    /// A probability: a number for every class, or a table/Tensor with one per class.
    static func probability(_ a: LuaArgs, _ i: Int32, default value: Float) throws -> [Float] {
        if a.isNoneOrNil(i) { return [value] }
        let list = a.isNumber(i) ? [try a.number(i)] : try a.numberList(at: i, argument: i, what: "probabilities")
        guard !list.isEmpty else { throw a.error(i, "expected a probability or one per class, got an empty table") }
        for p in list where !(p >= 0 && p <= 1) {
            throw a.error(i, "probabilities must be between 0 and 1, got \(formatNumber(p))")
        }
        return list.map(Float.init)
    }

    /// An Augmentation or a Lua array of them at absolute index `idx`.
    static func list(_ a: LuaArgs, at idx: Int32, argument: Int32) throws -> [Augmentation] {
        if let g = toObject(a.L, idx, as: LuaAugmentation.self) { return [g.value] }
        guard lua_type(a.L, idx) == LUA_TTABLE else {
            throw a.error(argument, "expected an Augmentation or a table of them, got \(typeNameAt(a.L, idx))")
        }
        let n = Int(lua_rawlen(a.L, idx))
        var out: [Augmentation] = []
        for k in 0..<n {
            lua_rawgeti(a.L, idx, lua_Integer(k + 1))
            defer { lws_pop(a.L, 1) }
            guard let g = toObject(a.L, -1, as: LuaAugmentation.self) else {
                throw a.error(argument, "augmentation \(k + 1) must be an Augmentation (augment.flip, crop, noise), got \(typeNameAt(a.L, -1))")
            }
            out.append(g.value)
        }
        return out
    }

    /// augment.apply(x, y, augmentations[, {seed = n, classes = C}]) -> an augmented copy of
    /// x [B, C, H, W]; y holds the 1-based classes that pick each sample's probability.
    static func apply(_ a: LuaArgs) throws -> Int32 {
        let x = try a.tensor(1), y = try a.tensor(2)
        let list = try AugmentModule.list(a, at: 3, argument: 3)
        try a.checkOptions(4, ["seed", "classes"])
        guard x.rank == 4 else { throw a.error(1, "expected images [B, C, H, W], got size \(describeShape(x.shape))") }
        guard y.rank == 1, y.shape[0] == x.shape[0] else {
            throw a.error(2, "expected \(x.shape[0]) labels, got size \(describeShape(y.shape))")
        }
        let labels = try a.labelIndices(y, argument: 2)
        let classes = try a.optionInt(4, "classes") ?? max(labels.max().map { $0 + 1 } ?? 1, list.map(\.probability.count).max() ?? 1)
        guard let top = labels.max(), top < classes else {
            if labels.isEmpty { a.push(try x.clone()); return 1 }
            throw a.error(2, "label \(labels.max()! + 1) out of range for \(classes) classes")
        }
        let out = try x.clone()
        do {
            try Augmentation.apply(list, to: out, labels: labels, classes: classes, generator: a.generator(seedOption: 4))
        } catch let e as DataError { throw a.error(3, e.message) }
        a.push(out)
        return 1
    }
}
