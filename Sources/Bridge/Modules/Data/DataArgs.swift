import CLua
import Numerics

extension Dataset: LuaObject {
    public static let metatableName = "lwscript.Dataset"
}

/// Argument reading shared by the `data`, `sample` and `augment` modules. Tables are read raw.
extension LuaArgs {
    public func dataset(_ i: Int32) throws -> Dataset {
        guard let d = toObject(L, i, as: Dataset.self) else { throw typeError(i, expected: "a Dataset") }
        return d
    }

    public func push(_ d: Dataset) { pushObject(L, d) }

    /// Pushes a Lua array of strings.
    public func pushStrings(_ a: [String]) {
        lua_createtable(L, Int32(a.count), 0)
        for (k, s) in a.enumerated() {
            pushString(L, s)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }

    /// Runs `body` with the raw value of option `key` of the table at `table` on top of the
    /// stack (its absolute index and type); nil when the option is absent.
    func withOption<T>(_ table: Int32, _ key: String, _ body: (Int32, Int32) throws -> T) throws -> T? {
        guard isTable(table) else { return nil }
        let t = lws_rawgetfield(L, table, key)
        defer { lws_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        return try body(lua_gettop(L), t)
    }

    /// Numbers from a Lua array or a Tensor at absolute index `idx` (`argument` and `what`
    /// for messages).
    func numberList(at idx: Int32, argument: Int32, what: String) throws -> [Double] {
        try numberArray(at: idx, reportAs: argument, prefix: "\(what): ")
    }

    /// The 1-based class labels in tensor `y` (argument `argument`) as 0-based indices.
    func labelIndices(_ y: Tensor, argument: Int32) throws -> [Int] {
        try y.toArray().enumerated().map { i, v in
            guard v.isFinite, v == v.rounded(), v >= 1, v < 1e7 else {
                throw error(argument, "label \(i + 1) must be a class index from 1, got \(formatNumber(Double(v)))")
            }
            return Int(v) - 1
        }
    }

    func stringList(at idx: Int32, argument: Int32, what: String) throws -> [String] {
        guard lua_type(L, idx) == LUA_TTABLE else {
            throw error(argument, "\(what): expected a table of strings, got \(typeNameAt(L, idx))")
        }
        let n = Int(lua_rawlen(L, idx))
        var out: [String] = []
        for k in 0..<n {
            lua_rawgeti(L, idx, lua_Integer(k + 1))
            defer { lws_pop(L, 1) }
            guard lua_type(L, -1) == LUA_TSTRING, let s = stringAt(L, -1) else {
                throw error(argument, "\(what): element \(k + 1) must be a string, got \(typeNameAt(L, -1))")
            }
            out.append(s)
        }
        return out
    }

    /// Integer counts (one per class) from a number (the same for every class) or a table.
    func perClassInts(_ i: Int32, classes: Int, what: String) throws -> [Int] {
        if isNumber(i) {
            let n = try int(i, "\(what) (a number or a table with one per class)")
            return [Int](repeating: n, count: classes)
        }
        let list = try numberList(at: i, argument: i, what: what)
        return try list.enumerated().map { k, v in
            guard v.isFinite, v == v.rounded(), abs(v) < 9e15 else {
                throw error(i, "\(what): element \(k + 1) must be an integer, got \(formatNumber(v))")
            }
            return Int(v)
        }
    }

    /// The generator for option `seed` of the options table at `i`; without a seed, one seeded
    /// from the shared generator (which `tensor.seed` sets).
    /// The generator of option `seed` (any integer), or nil when it is absent.
    func optionGenerator(_ i: Int32) throws -> Generator? {
        try optionInt(i, "seed").map { Generator(seed: UInt64(bitPattern: Int64($0))) }
    }

    /// The generator of option `seed`, or one seeded from the shared generator.
    func generator(seedOption i: Int32) throws -> Generator {
        try optionGenerator(i) ?? Generator(seed: Generator.shared.next())
    }

    /// A column given as a name or a 1-based index (option `key` of table `i`).
    func columnOption(_ i: Int32, _ key: String) throws -> CSVColumn? {
        try withOption(i, key) { idx, t in
            if t == LUA_TSTRING, let s = stringAt(L, idx) { return .name(s) }
            if t == LUA_TNUMBER {
                let d = lua_tonumberx(L, idx, nil)
                guard d.isFinite, d == d.rounded(), d >= 1, d < 1e9 else {
                    throw error(i, "option '\(key)' must be a column name or a 1-based column number, got \(formatNumber(d))")
                }
                return .index(Int(d) - 1)
            }
            throw error(i, "option '\(key)' must be a column name or number, got \(typeNameAt(L, idx))")
        }
    }

    /// Option `key` as a Lua array of strings.
    func stringListOption(_ i: Int32, _ key: String) throws -> [String]? {
        try withOption(i, key) { idx, _ in try stringList(at: idx, argument: i, what: "option '\(key)'") }
    }

    /// Option `key` holding a Dataset.
    func datasetOption(_ i: Int32, _ key: String) throws -> Dataset? {
        try withOption(i, key) { idx, _ in
            guard let d = toObject(L, idx, as: Dataset.self) else {
                throw error(i, "option '\(key)' must be a Dataset, got \(typeNameAt(L, idx))")
            }
            return d
        }
    }

    /// An options table at `i` (or nothing), with only the `allowed` keys.
}
