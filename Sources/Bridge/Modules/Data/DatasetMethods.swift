import CLua
import Numerics

/// Methods and fields of `Dataset` userdata. Datasets are immutable: splits, subsets and
/// normalised variants are new datasets sharing the same samples.
enum DatasetMethods {
    static let all: [(String, LuaFunction)] = [
        ("size", { a in a.push(try a.dataset(1).count); return 1 }),
        ("counts", { a in a.pushArray(try a.dataset(1).counts()); return 1 }),
        ("get", get),
        ("tensors", tensors),
        ("labels", { a in
            let d = try a.dataset(1)
            a.push(try d.targets(Array(0..<d.count)[...]))
            return 1
        }),
        ("split", split),
        ("subset", subset),
        ("imbalance", imbalance),
        ("standardize", standardize),
        ("normalize", normalize),
        ("smote", smote),
        ("with_copies", withCopies),
        ("copies", { a in a.pushArray(try a.dataset(1).copyCounts()); return 1 }),
        ("encode", encode),
        ("batches", DatasetBatches.batches),
    ]

    static let metamethods: [(String, LuaFunction)] = [
        ("__tostring", { a in a.push(try a.dataset(1).describe()); return 1 }),
        ("__len", { a in a.push(try a.dataset(1).count); return 1 }),
    ]

    /// ds.classes, ds.vocab, ds.features, ds.kind, ds.shape, ds.mean, ds.std (fresh tables:
    /// changing them changes nothing); other keys give nil.
    static func field(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        guard a.isString(2), let key = try a.optString(2) else { a.pushNil(); return 1 }
        switch key {
        case "classes": a.pushStrings(d.classes)
        case "vocab": if let v = d.store.vocab { a.pushStrings(v) } else { a.pushNil() }
        case "features": if let f = d.store.featureNames { a.pushStrings(f) } else { a.pushNil() }
        case "kind": a.push(d.kind.rawValue)
        case "shape": a.pushArray(d.sampleShape)
        case "mean": if let n = d.normalization { a.pushArray(n.mean.map(Double.init)) } else { a.pushNil() }
        case "std": if let n = d.normalization { a.pushArray(n.std.map(Double.init)) } else { a.pushNil() }
        default: a.pushNil()
        }
        return 1
    }

    /// ds:get(i) -> input Tensor (as in a batch, without the batch dimension), 1-based label.
    static func get(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let i = try a.int(2, "an index")
        guard d.count > 0 else { throw a.error(2, "index \(i) out of range: the dataset is empty") }
        let k = try a.luaIndex(i, size: d.count, at: 2)
        let x = try d.inputs([k][...])
        a.push(try x.reshape(d.sampleShape))
        a.push(d.label(k) + 1)
        return 2
    }

    /// ds:tensors() -> all inputs [N, ...] and labels [N] at once (for evaluation).
    static func tensors(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let all = Array(0..<d.count)[...]
        do { try Tensor.validateShape([d.count] + d.sampleShape) } catch {
            throw a.error(1, "\(d.count) samples of \(describeShape(d.sampleShape)) are too many for one tensor; use ds:batches")
        }
        a.push(try d.inputs(all))
        a.push(try d.targets(all))
        return 2
    }

    /// ds:split(fraction[, {seed = n}]) -> two stratified datasets (fraction of each class, rest).
    static func split(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let f = try a.number(2, "a fraction between 0 and 1")
        guard f >= 0 && f <= 1 else { throw a.error(2, "fraction must be between 0 and 1, got \(formatNumber(f))") }
        try a.checkOptions(3, ["seed"])
        let (x, y) = try d.split(fraction: f, generator: a.generator(seedOption: 3))
        a.push(x)
        a.push(y)
        return 2
    }

    /// ds:subset(n or {n_1, ..., n_C}[, {seed = n}]): n samples per class (the first ones, or
    /// a random choice with a seed).
    static func subset(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let counts = try a.perClassInts(2, classes: d.classes.count, what: "per-class counts")
        try a.checkOptions(3, ["seed"])
        let g = try a.optionGenerator(3)
        a.push(try d.subset(counts: counts, generator: g))
        return 1
    }

    /// ds:imbalance({r_1, ..., r_C}[, {seed = n}]) keeps round(r_c * n_c) of class c;
    /// ds:imbalance(rho) uses the exponential profile r_c = rho^(-(c-1)/(C-1)).
    static func imbalance(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let ratios: [Double]
        if a.isNumber(2) {
            ratios = try Dataset.exponentialRatios(classes: d.classes.count, factor: try a.number(2))
        } else {
            ratios = try a.numberList(at: 2, argument: 2, what: "per-class ratios (or an imbalance factor)")
        }
        try a.checkOptions(3, ["seed"])
        let g = try a.optionGenerator(3)
        a.push(try d.imbalance(ratios: ratios, generator: g))
        return 1
    }

    /// ds:standardize() -> a dataset whose features are standardised with this dataset's
    /// per-feature mean and std; ds:standardize(train) reuses train's statistics (use it for
    /// the test split); ds:standardize{mean = ..., std = ...} takes them as given.
    static func standardize(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        guard d.kind == .features else {
            throw a.error(1, "standardize works on features datasets (CSV, tensors); this one holds \(d.kind.rawValue)s; images use ds:normalize{mean =, std =}")
        }
        let norm: Normalization
        if a.isNoneOrNil(2) {
            norm = try d.featureStatistics()
        } else if let other = toObject(a.L, 2, as: Dataset.self) {
            guard let n = other.normalization else {
                throw a.error(2, "the given dataset is not standardised (call :standardize() on it first)")
            }
            norm = n
        } else {
            norm = try normalizationTable(a, 2, for: d)
        }
        try d.validate(norm)
        a.push(d.withNormalization(norm))
        return 1
    }

    /// ds:normalize{mean = {...}, std = {...}} (per image channel or per feature; a number
    /// applies to all); ds:normalize(nil) removes the normalisation.
    static func normalize(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        if a.isNoneOrNil(2) { a.push(d.withNormalization(nil)); return 1 }
        let norm = try normalizationTable(a, 2, for: d)
        try d.validate(norm)
        a.push(d.withNormalization(norm))
        return 1
    }

    /// {mean = ..., std = ...} at `i`: numbers (for every channel/feature) or lists.
    static func normalizationTable(_ a: LuaArgs, _ i: Int32, for d: Dataset) throws -> Normalization {
        try a.table(i, "a table {mean = ..., std = ...} or a Dataset")
        try a.checkOptionKeys(i, allowed: ["mean", "std"])
        let w = d.normalizationWidth
        func values(_ key: String) throws -> [Float] {
            if a.optionType(i, key) == LUA_TNUMBER, let x = try a.optionNumber(i, key) {
                return [Float](repeating: Float(x), count: w)
            }
            guard let list = try a.optionDoubles(i, key) else { throw a.error(i, "missing '\(key)'") }
            return list.map(Float.init)
        }
        do {
            let n = Normalization(mean: try values("mean"), std: try values("std"))
            try d.validate(n)
            return n
        } catch let e as DataError { throw a.error(i, e.message) }
    }

    /// Option `key` of table `i`: true (statistics of `ds`), false, or {mean =, std =}.
    static func normalizationOption(_ a: LuaArgs, _ i: Int32, _ key: String, for ds: Dataset) throws -> Normalization? {
        guard a.isTable(i) else { return nil }
        let t = a.optionType(i, key)
        if t == LUA_TNIL { return nil }
        if t == LUA_TBOOLEAN { return try a.optionBool(i, key) == true ? try ds.featureStatistics() : nil }
        guard t == LUA_TTABLE else {
            throw a.error(i, "option '\(key)' must be true, a standardised Dataset or {mean =, std =}, got \(lua_typename(a.L, t).map { String(cString: $0) } ?? "?")")
        }
        return try a.withOption(i, key) { idx, _ in try normalizationTable(a, idx, for: ds) }
    }

    /// ds:smote(amounts[, {k = 5, seed = n}]): the dataset plus amounts[c] synthetic samples
    /// of class c (a number: the same for every class).
    static func smote(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let amounts = try a.perClassInts(2, classes: d.classes.count, what: "per-class amounts")
        try a.checkOptions(3, ["k", "seed"])
        let k = try a.optionInt(3, "k") ?? 5
        guard k >= 1 else { throw a.error(3, "option 'k' must be at least 1, got \(k)") }
        a.push(try d.smote(amounts: amounts, k: k, generator: a.generator(seedOption: 3)))
        return 1
    }

    /// ds:with_copies(amounts[, {seed = n}]): the dataset plus amounts[c] copies of class c's
    /// samples (a number: the same for every class), marked as copies for `augment_copies`.
    static func withCopies(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let amounts = try a.perClassInts(2, classes: d.classes.count, what: "per-class amounts")
        try a.checkOptions(3, ["seed"])
        a.push(try d.withCopies(amounts: amounts, generator: a.generator(seedOption: 3)))
        return 1
    }

    /// ds:encode("Smith") -> Tensor [T] of character indices with this dataset's vocabulary;
    /// ds:encode{"Smith", "Jones"} -> [N, T].
    static func encode(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        guard d.kind == .sequence, let vocab = d.store.vocab, let length = d.sampleShape.first else {
            throw a.error(1, "encode needs a names dataset, this one holds \(d.kind.rawValue)s")
        }
        if a.isString(2) {
            let codes = try NamesLoader.encode([Array(try a.string(2))], vocab: vocab, length: length)
            a.push(try Tensor(shape: [length], values: codes))
        } else {
            let names = try a.stringList(at: 2, argument: 2, what: "names")
            let codes = try NamesLoader.encode(names.map { Array($0) }, vocab: vocab, length: length)
            a.push(try Tensor(shape: [names.count, length], values: codes))
        }
        return 1
    }
}
