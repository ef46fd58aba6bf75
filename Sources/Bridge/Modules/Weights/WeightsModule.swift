import Numerics

/// The Lua module `weights`: weight functions W(s) of per-class TPRs s (Lua arrays in, Lua
/// arrays out). effective_number is Swift (shared with loss.class_balanced); the rest is Lua
/// (Sources/Bridge/lua/lwscript/weights.lua), short formulas a researcher can read and copy.
enum WeightsModule {
    static let module = LuaModule(
        name: "weights",
        functions: [("effective_number", effectiveNumber)])

    /// weights.effective_number(n, beta): (1 - beta)/(1 - beta^n_c), normalised to sum to C.
    static func effectiveNumber(_ a: LuaArgs) throws -> Int32 {
        let counts = try a.doubles(1, "per-class counts (an array of positive numbers)")
        let beta = try a.number(2, "beta (a number in [0, 1))")
        do { try ClassWeights.checkBeta(beta) } catch let e as TensorError { throw a.error(2, e.message) }
        do {
            a.pushArray(try ClassWeights.effectiveNumber(counts: counts, beta: beta))
        } catch let e as TensorError {
            throw a.error(1, e.message)
        }
        return 1
    }
}
