import CLua
import Numerics

/// The Lua module `stats`: significance tests, confidence intervals, multiple-testing
/// correction and effect sizes (Numerics/Stats; formulas and SciPy correspondences in
/// docs/stats.md). Samples are Lua arrays of numbers or 1-D Tensors; tests return tables
/// {statistic =, pvalue =, df = (t, F tests), method =, alternative =, ...}.
enum StatsModule {
    static let module = LuaModule(name: "stats", functions: [
        ("welch_t", welch),
        ("paired_t", paired),
        ("mann_whitney", mannWhitney),
        ("wilcoxon", wilcoxon),
        ("levene", { a in try levene(a, median: false) }),
        ("brown_forsythe", { a in try levene(a, median: true) }),
        ("bootstrap_ci", bootstrap),
        ("bootstrap_D", bootstrapD),
        ("permutation_test", permutation),
        ("wilson", wilson),
        ("holm", holm),
        ("cohens_d", { a in try effectSize(a, hedges: false) }),
        ("hedges_g", { a in try effectSize(a, hedges: true) }),
        ("t_interval", tInterval),
        ("t_power", tPower),
        ("t_sample_size", tSampleSize),
        ("t_detectable", tDetectable),
    ])

    static let sample = "an array of numbers or a 1-D Tensor"

    /// Reads the options table at `i` (nil allowed) with the known keys.

    static func alternative(_ a: LuaArgs, _ i: Int32) throws -> Alternative {
        do { return try Alternative.parse(try a.optionString(i, "alternative")) } catch let e as TensorError { throw a.error(i, e.message) }
    }

    /// Pushes a test result as a table.
    static func push(_ a: LuaArgs, _ r: TestResult) {
        lua_createtable(a.L, 0, Int32(6 + r.extras.count))
        a.setField("statistic", r.statistic)
        a.setField("pvalue", r.pvalue)
        if let df = r.df { a.setField("df", df) }
        if let df2 = r.df2 { a.setField("df2", df2) }
        a.setField("method", r.method)
        a.setField("alternative", r.alternative.rawValue)
        for (k, v) in r.extras { a.setField(k, v) }
    }

    static func welch(_ a: LuaArgs) throws -> Int32 {
        let x = try a.doubles(1, sample), y = try a.doubles(2, sample)
        try a.checkOptions(3, ["alternative"])
        push(a, try TTests.welch(x, y, alternative: try alternative(a, 3)))
        return 1
    }

    static func paired(_ a: LuaArgs) throws -> Int32 {
        let x = try a.doubles(1, sample), y = try a.doubles(2, sample)
        try a.checkOptions(3, ["alternative"])
        push(a, try TTests.paired(x, y, alternative: try alternative(a, 3)))
        return 1
    }

    static func mannWhitney(_ a: LuaArgs) throws -> Int32 {
        let x = try a.doubles(1, sample), y = try a.doubles(2, sample)
        try a.checkOptions(3, ["alternative", "method"])
        let method = try a.optionString(3, "method")
        push(a, try RankTests.mannWhitney(x, y, alternative: try alternative(a, 3), method: method))
        return 1
    }

    /// stats.wilcoxon(a, b[, opts]) on a - b; stats.wilcoxon(d, nil[, opts]) on d.
    static func wilcoxon(_ a: LuaArgs) throws -> Int32 {
        let x = try a.doubles(1, sample)
        let y = a.isNoneOrNil(2) ? nil : try a.doubles(2, sample)
        try a.checkOptions(3, ["alternative"])
        push(a, try RankTests.wilcoxon(x, y, alternative: try alternative(a, 3)))
        return 1
    }

    /// stats.levene(g1, g2, ...) or stats.levene({g1, g2, ...}).
    static func levene(_ a: LuaArgs, median: Bool) throws -> Int32 {
        var groups: [[Double]] = []
        if a.count == 1 && a.isTable(1) && lua_rawgeti(a.L, 1, 1) == LUA_TTABLE {
            lws_pop(a.L, 1)
            let n = Int(lua_rawlen(a.L, 1))
            for k in stride(from: 1, through: n, by: 1) {
                lua_rawgeti(a.L, 1, lua_Integer(k))
                defer { lws_pop(a.L, 1) }
                do {
                    groups.append(try a.doubles(lua_gettop(a.L), sample))
                } catch LuaError.argument(_, let m) {
                    throw a.error(1, "group \(k): \(m)")
                }
            }
        } else {
            if a.count == 1 && a.isTable(1) { lws_pop(a.L, 1) }
            for i in stride(from: 1, through: a.count, by: 1) { groups.append(try a.doubles(Int32(i), "group \(i) (\(sample))")) }
        }
        push(a, try VarianceTests.levene(groups, median: median))
        return 1
    }

    /// stats.bootstrap_ci(values[, {statistic = "mean", level = 0.95, n = 10000, seed = 1,
    /// method = "percentile" | "bca"}]).
    static func bootstrap(_ a: LuaArgs) throws -> Int32 {
        let x = try a.doubles(1, sample)
        try a.checkOptions(2, ["statistic", "level", "n", "seed", "method"])
        let methodName = try a.optionString(2, "method") ?? "percentile"
        guard let interval = Resampling.Interval(rawValue: methodName) else {
            throw a.error(2, "option 'method' must be \"percentile\" or \"bca\", got \"\(methodName)\"")
        }
        let name = try a.optionString(2, "statistic") ?? "mean"
        guard let kind = Resampling.Statistic(rawValue: name) else {
            throw a.error(2, "option 'statistic' must be \"mean\", \"median\" or \"std\", got \"\(name)\"")
        }
        let level = try a.optionNumber(2, "level") ?? 0.95
        let n = try a.optionInt(2, "n") ?? 10_000
        let seed = try seedOption(a, 2)
        let r = try Resampling.bootstrapCI(x, statistic: kind, level: level, resamples: n, seed: seed, interval: interval)
        lua_createtable(a.L, 0, 7)
        a.setField("lo", r.lo)
        a.setField("hi", r.hi)
        a.setField("estimate", r.estimate)
        a.setField("level", level)
        a.setField("n", n)
        a.setField("statistic", name)
        a.setField("method", interval == .bca ? "BCa bootstrap" : "percentile bootstrap")
        return 1
    }

    static func seedOption(_ a: LuaArgs, _ i: Int32) throws -> UInt64 {
        guard let s = try a.optionInt(i, "seed") else { return 1 }
        guard s >= 0 else { throw a.error(i, "option 'seed' must be >= 0, got \(s)") }
        return UInt64(s)
    }

    /// stats.permutation_test(a, b[, {paired = false, n = 10000, seed = 1, alternative =}]).
    static func permutation(_ a: LuaArgs) throws -> Int32 {
        let x = try a.doubles(1, sample), y = try a.doubles(2, sample)
        try a.checkOptions(3, ["paired", "n", "seed", "alternative"])
        let r = try Resampling.permutationTest(x, y, paired: try a.optionBool(3, "paired") ?? false,
                                               resamples: try a.optionInt(3, "n") ?? 10_000,
                                               seed: try seedOption(a, 3), alternative: try alternative(a, 3))
        push(a, r)
        return 1
    }

    /// stats.wilson(k, n[, {level = 0.95}]) -> lo, hi; with arrays k and n -> lo array, hi array.
    static func wilson(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(3, ["level"])
        let level = try a.optionNumber(3, "level") ?? 0.95
        if a.isNumber(1) {
            let r = try Intervals.wilson(successes: try a.number(1), trials: try a.number(2, "the number of trials n"), level: level)
            a.push(r.lo)
            a.push(r.hi)
            return 2
        }
        let k = try a.doubles(1, "successes (a number or an array of numbers)")
        let n = a.isNumber(2) ? [Double](repeating: try a.number(2), count: k.count) : try a.doubles(2, "trials (a number or an array of numbers)")
        guard k.count == n.count else { throw a.error(2, "successes and trials differ in length (\(k.count) and \(n.count))") }
        var lo: [Double] = [], hi: [Double] = []
        for i in 0..<k.count {
            do {
                let r = try Intervals.wilson(successes: k[i], trials: n[i], level: level)
                lo.append(r.lo)
                hi.append(r.hi)
            } catch let e as TensorError {
                throw LuaError.message("class \(i + 1): \(e.message)")
            }
        }
        a.pushArray(lo)
        a.pushArray(hi)
        return 2
    }

    static func holm(_ a: LuaArgs) throws -> Int32 {
        let p = try a.doubles(1, "p-values (an array of numbers)")
        do { a.pushArray(try Intervals.holm(p)) } catch let e as TensorError { throw a.error(1, e.message) }
        return 1
    }

    static func effectSize(_ a: LuaArgs, hedges: Bool) throws -> Int32 {
        let x = try a.doubles(1, sample), y = try a.doubles(2, sample)
        try a.checkOptions(3, ["paired"])
        let pairedOpt = try a.optionBool(3, "paired") ?? false
        a.push(hedges ? try Intervals.hedgesG(x, y, paired: pairedOpt) : try Intervals.cohensD(x, y, paired: pairedOpt).d)
        return 1
    }

    // MARK: t intervals and power (Numerics/Stats/Power.swift)

    /// stats.t_interval(values[, {level = 0.95}]): the t interval of the mean.
    static func tInterval(_ a: LuaArgs) throws -> Int32 {
        let x = try a.doubles(1, sample)
        try a.checkOptions(2, ["level"])
        let level = try a.optionNumber(2, "level") ?? 0.95
        let r = try Intervals.tInterval(x, level: level)
        lua_createtable(a.L, 0, 7)
        a.setField("lo", r.lo)
        a.setField("hi", r.hi)
        a.setField("estimate", r.estimate)
        a.setField("se", r.se)
        a.setField("df", r.df)
        a.setField("level", level)
        a.setField("method", "t")
        return 1
    }

    /// The options of the power functions: alpha (0.05), alternative, and power (0.8) where
    /// it is an input.
    static func powerOptions(_ a: LuaArgs, _ i: Int32, withPower: Bool) throws -> (alpha: Double, power: Double, alternative: Alternative) {
        try a.checkOptions(i, withPower ? ["alpha", "power", "alternative"] : ["alpha", "alternative"])
        return (try a.optionNumber(i, "alpha") ?? 0.05, try a.optionNumber(i, "power") ?? 0.8, try alternative(a, i))
    }

    /// stats.t_power(d, n[, {alpha = 0.05, alternative}]): the power of a one-sample (paired)
    /// t-test with n pairs at effect size d = mean / sd of the differences.
    static func tPower(_ a: LuaArgs) throws -> Int32 {
        let d = try a.number(1, "an effect size d (mean / sd of the differences)")
        let n = try a.number(2, "the number of pairs n")
        let o = try powerOptions(a, 3, withPower: false)
        a.push(try TPower.power(effect: d, n: n, alpha: o.alpha, alternative: o.alternative))
        return 1
    }

    /// stats.t_sample_size(d[, {power = 0.8, alpha = 0.05, alternative}]) -> n, exact: the
    /// pairs (seeds) needed, rounded up, and the fractional solution.
    static func tSampleSize(_ a: LuaArgs) throws -> Int32 {
        let d = try a.number(1, "an effect size d (mean / sd of the differences)")
        let o = try powerOptions(a, 2, withPower: true)
        let exact = try TPower.sampleSize(effect: d, power: o.power, alpha: o.alpha, alternative: o.alternative)
        a.push(Int(exact.rounded(.up)))
        a.push(exact)
        return 2
    }

    /// stats.t_detectable(n[, {power = 0.8, alpha = 0.05, alternative}]): the smallest effect
    /// size n pairs detect with that power.
    static func tDetectable(_ a: LuaArgs) throws -> Int32 {
        let n = try a.number(1, "the number of pairs n")
        let o = try powerOptions(a, 2, withPower: true)
        a.push(try TPower.detectableEffect(n: n, power: o.power, alpha: o.alpha, alternative: o.alternative))
        return 1
    }
}
