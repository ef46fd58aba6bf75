import CLua
import Numerics

/// stats.bootstrap_D: the test set's share of the uncertainty of D (TestSetBootstrap).
extension StatsModule {
    /// The predictions at `i`: one run's (a Tensor of class indices or scores, or an array of
    /// indices), or an array of those, one per seed.
    static func predictionList(_ a: LuaArgs, _ i: Int32, _ what: String) throws -> [[Double]] {
        let single = a.isTensor(i) || (a.isTable(i) && {
            let first = lua_rawgeti(a.L, i, 1)
            lws_pop(a.L, 1)
            return first == LUA_TNUMBER
        }())
        if single { return [try a.labels(i, what)] }
        guard a.isTable(i) else { throw a.typeError(i, expected: "\(what): a Tensor of class indices, or an array of them (one per seed)") }
        let table = lua_absindex(a.L, i)
        let n = Int(lua_rawlen(a.L, table))
        guard n >= 1 else { throw a.error(i, "\(what): no runs (an empty array)") }
        var out: [[Double]] = []
        for k in 1...n {
            lua_rawgeti(a.L, table, lua_Integer(k))
            defer { lws_pop(a.L, 1) }
            do {
                out.append(try a.labels(lua_gettop(a.L), what))
            } catch LuaError.argument(_, let m) {
                throw a.error(i, "[\(k)]: \(m)")
            }
        }
        return out
    }

    /// stats.bootstrap_D(y, base, method[, {n = 1000, level = 0.95, min_seeds = 10, seed = 1}]):
    /// y the test labels (1-based), base and method the predictions of each seed's baseline
    /// and method on that test set.
    static func bootstrapD(_ a: LuaArgs) throws -> Int32 {
        let y = try a.labels(1, "the test labels")
        let base = try predictionList(a, 2, "the baseline's predictions")
        let method = try predictionList(a, 3, "the method's predictions")
        guard base.count == method.count else {
            throw a.error(3, "\(method.count) runs of the method for \(base.count) of the baseline (one of each per seed)")
        }
        try a.checkOptions(4, ["n", "level", "min_seeds", "seed"])
        let resamples = try a.optionInt(4, "n") ?? 1000
        let level = try a.optionNumber(4, "level") ?? 0.95
        let minSeeds = try a.optionInt(4, "min_seeds") ?? 10
        guard minSeeds >= 2 else { throw a.error(4, "option 'min_seeds' must be at least 2, got \(minSeeds)") }
        var labels: [Int] = []
        labels.reserveCapacity(y.count)
        for (k, v) in y.enumerated() {
            guard v >= 1, v == v.rounded(), v < Double(Int32.max) else {
                throw a.error(1, "element [\(k + 1)] is \(formatNumber(v)), expected a class index >= 1")
            }
            labels.append(Int(v) - 1)
        }
        let classes = (labels.max() ?? 0) + 1
        for (k, (b, m)) in zip(base, method).enumerated() where b.count != y.count || m.count != y.count {
            throw a.error(b.count != y.count ? 2 : 3,
                          "seed \(k + 1): \(b.count != y.count ? b.count : m.count) predictions for \(y.count) test labels")
        }
        let pairs = zip(base, method).map { b, m in
            TestSetBootstrap.Pair(base: zip(b, y).map { $0 == $1 }, method: zip(m, y).map { $0 == $1 })
        }
        let r = try TestSetBootstrap.run(labels: labels, classes: classes, pairs: pairs, resamples: resamples, level: level,
                                         minSeeds: minSeeds, seed: try seedOption(a, 4))
        lua_createtable(a.L, 0, 10)
        a.pushArray(r.D)
        lws_rawsetfield(a.L, -2, "D")
        a.pushArray(r.seSeed)
        lws_rawsetfield(a.L, -2, "se")
        a.setField("mean", r.D.reduce(0, +) / Double(r.D.count))
        a.setField("se_mean", r.seMean)
        if let ci = r.interval {
            a.setField("lo", ci.lo)
            a.setField("hi", ci.hi)
        } else {
            a.setField("note", "\(r.D.count) seed\(r.D.count == 1 ? "" : "s"): no two-level interval (needs \(minSeeds) or more; "
                       + "a bootstrap over fewer seeds undercovers)")
        }
        a.setField("level", level)
        a.setField("n", resamples)
        a.setField("seeds", r.D.count)
        a.setField("method", "two-level bootstrap (seeds x test samples, stratified by class)")
        return 1
    }
}
