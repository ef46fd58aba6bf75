import CLua
import Numerics

extension Tensor: LuaObject {
    public static let metatableName = "lwscript.Tensor"
}

/// Makes Lua's collector pace itself to tensor memory, which it cannot see: each MiB of
/// tensor storage allocated since the last look advances the collector as if that much had
/// been allocated inside Lua (so a training loop's dead batches and activations are
/// reclaimed at the rate they are made), and a full collection runs if live tensor memory
/// still grows past twice what it was after the previous one. The collector runs in
/// generational mode (see lws_newstate), whose steps free young garbage only; the full
/// collection is what frees tensors that died old, so its threshold starts low.
enum TensorMemory {
    static let minimumThreshold = 64 << 20
    nonisolated(unsafe) static var collectAbove = minimumThreshold
    nonisolated(unsafe) static var accounted = 0

    static func account(_ L: OpaquePointer) {
        let live = TensorStorage.liveBytes
        if live < accounted { accounted = live }
        let grown = live - accounted
        if grown >= 1 << 20 {
            _ = lws_gc_step(L, Int32(min(grown >> 10, Int(Int32.max))))
            accounted = TensorStorage.liveBytes
        }
        if TensorStorage.liveBytes > collectAbove {
            _ = lws_gc_collect(L)
            collectAbove = max(minimumThreshold, 2 * TensorStorage.liveBytes)
            accounted = TensorStorage.liveBytes
        }
    }
}

/// A binary operand from Lua: a tensor or a plain number.
public enum TensorOperand {
    case tensor(Tensor)
    case scalar(Float)
}

/// Tensor-specific argument reading and the Lua index conventions (1-based, -1 = last).
extension LuaArgs {
    public func tensor(_ i: Int32) throws -> Tensor {
        guard let t = toObject(L, i, as: Tensor.self) else { throw typeError(i, expected: "a Tensor") }
        return t
    }

    public func optTensor(_ i: Int32) throws -> Tensor? {
        isNoneOrNil(i) ? nil : try tensor(i)
    }

    public func isTensor(_ i: Int32) -> Bool { toObject(L, i, as: Tensor.self) != nil }

    public func operand(_ i: Int32) throws -> TensorOperand {
        if let t = toObject(L, i, as: Tensor.self) { return .tensor(t) }
        if lua_type(L, i) == LUA_TNUMBER { return .scalar(Float(lua_tonumberx(L, i, nil))) }
        throw typeError(i, expected: "a Tensor or a number")
    }

    /// Pushes a tensor. Lua's collector sees only the small userdata, not the buffer behind
    /// it; `TensorMemory.account` makes it pace itself to tensor memory too.
    public func push(_ t: Tensor) {
        TensorMemory.account(L)
        pushObject(L, t)
    }

    /// Refuses in-place writes to tensors that autograd tracks, and marks the storage as
    /// changed (so a backward pass that saved it can tell).
    func prepareInPlace(_ t: Tensor) throws {
        if GradMode.isEnabled && t.requiresGrad {
            throw LuaError.message("in-place change of a tensor that requires grad; use clone(), detach(), or do it inside tensor.no_grad(function() ... end)")
        }
        t.storage.version += 1
    }

    /// A Lua dimension (1-based, negative counts from the end) as a 0-based one for `t`.
    public func dim(_ i: Int32, of t: Tensor) throws -> Int {
        let d = try int(i, "a dimension")
        return try luaDim(d, rank: t.rank, at: i)
    }

    public func optDim(_ i: Int32, of t: Tensor) throws -> Int? {
        isNoneOrNil(i) ? nil : try dim(i, of: t)
    }

    func luaDim(_ d: Int, rank: Int, at i: Int32) throws -> Int {
        if d >= 1 && d <= rank { return d - 1 }
        if d <= -1 && d >= -rank { return rank + d }
        if d == 0 { throw error(i, "dimension 0 does not exist (dimensions count from 1)") }
        throw error(i, "dimension \(d) out of range for a \(rank)-dimensional tensor")
    }

    /// A Lua index (1-based, negative counts from the end) into a dimension of `size`.
    func luaIndex(_ k: Int, size: Int, at i: Int32, dim: Int? = nil) throws -> Int {
        if k >= 1 && k <= size { return k - 1 }
        if k <= -1 && k >= -size { return size + k }
        let place = dim.map { " of dimension \($0 + 1)" } ?? ""
        if k == 0 { throw error(i, "index 0 out of range (indices count from 1)") }
        throw error(i, "index \(k) out of range\(place) of size \(size)")
    }

    /// Sizes given as numbers from position `i` on (`zeros(2, 3)`), as one table
    /// (`zeros({2, 3})`) or as a Tensor whose size is taken. Every argument up to `last`
    /// (default: the last one given) belongs to the sizes: a nil or a string among them is an
    /// error, never the end of the list. The one reader of sizes for every function taking them.
    public func sizes(from i: Int32, upTo last: Int32? = nil) throws -> [Int] {
        let end = last ?? count
        if isTable(i) || isTensor(i) {
            let shape = isTable(i) ? try sizeTable(i) : try tensor(i).shape
            if i < end {
                let what = isTable(i) ? "a table of sizes" : "a Tensor (whose size is taken)"
                throw error(i + 1, "expected nothing after \(what), got \(typeName(i + 1))")
            }
            return shape
        }
        var out: [Int] = []
        var k = i
        while k <= end {
            guard isNumber(k) else {
                throw typeError(k, expected: k == i ? "sizes (numbers or a table of numbers)" : "a size (number)")
            }
            let s = try int(k, "a size")
            guard s >= 0 else { throw error(k, "sizes must be non-negative, got \(s)") }
            out.append(s)
            k += 1
        }
        try checkShape(out, at: i)
        return out
    }

    /// Numbers from a Lua array or a 1-D Tensor at stack index `idx`, reported against
    /// argument `argument` with messages prefixed by `prefix` (e.g. "option 'betas': "). The
    /// one reader behind doubles, numberList, optionDoubles and the optimizer options.
    func numberArray(at idx: Int32, reportAs argument: Int32, prefix: String = "") throws -> [Double] {
        if let t = toObject(L, idx, as: Tensor.self) {
            guard t.rank <= 1 else { throw error(argument, "\(prefix)expected a 1-D Tensor, got size \(describeShape(t.shape))") }
            return t.toArray().map(Double.init)
        }
        guard lua_type(L, idx) == LUA_TTABLE else {
            throw error(argument, "\(prefix)expected a table of numbers or a Tensor, got \(typeNameAt(L, idx))")
        }
        let table = lua_absindex(L, idx)
        let n = Int(lua_rawlen(L, table))
        var out: [Double] = []
        out.reserveCapacity(n)
        for k in stride(from: 1, through: n, by: 1) {
            let t = lua_rawgeti(L, table, lua_Integer(k))
            defer { lws_pop(L, 1) }
            guard t == LUA_TNUMBER else { throw error(argument, "\(prefix)element [\(k)] must be a number, got \(typeNameAt(L, -1))") }
            out.append(lua_tonumberx(L, -1, nil))
        }
        return out
    }

    /// Option `key` of the options table at `table`: a Lua array of numbers or a 1-D Tensor;
    /// nil when the table or the key is absent.
    func optionDoubles(_ table: Int32, _ key: String) throws -> [Double]? {
        guard isTable(table) else { return nil }
        let t = lws_rawgetfield(L, table, key)
        defer { lws_pop(L, 1) }
        if t == LUA_TNIL { return nil }
        return try numberArray(at: lua_gettop(L), reportAs: table, prefix: "option '\(key)': ")
    }

    /// A Lua array of integers at stack position `i` (any sign).
    public func integerTable(_ i: Int32, _ what: String = "integers") throws -> [Int] {
        try table(i, "a table of \(what)")
        let n = Int(lua_rawlen(L, i))
        var out: [Int] = []
        out.reserveCapacity(n)
        for k in 0..<n {
            lua_rawgeti(L, i, lua_Integer(k + 1))
            defer { lws_pop(L, 1) }
            guard lua_type(L, -1) == LUA_TNUMBER else {
                throw error(i, "element \(k + 1) must be a number, got \(typeNameAt(L, -1))")
            }
            out.append(try integerValue(lua_tonumberx(L, -1, nil), at: i, expected: what))
        }
        return out
    }

    func sizeTable(_ i: Int32) throws -> [Int] {
        let n = Int(lua_rawlen(L, i))
        var out: [Int] = []
        for k in 1...max(n, 1) where k <= n {
            let t = lua_rawgeti(L, i, lua_Integer(k))
            defer { lws_pop(L, 1) }
            guard t == LUA_TNUMBER else {
                throw error(i, "size \(k) must be a number, got \(typeNameAt(L, -1))")
            }
            let d = lua_tonumberx(L, -1, nil)
            guard d.isFinite, d == d.rounded(), d >= 0, d < 9.0e15 else {
                throw error(i, "sizes must be non-negative integers, got \(formatNumber(d))")
            }
            out.append(Int(d))
        }
        try checkShape(out, at: i)
        return out
    }

    private func checkShape(_ shape: [Int], at i: Int32) throws {
        do { try Tensor.validateShape(shape) } catch let e as TensorError { throw error(i, e.message) }
    }

    /// Reads an options table at `i` with keys `keepdim` and (for var/std) `unbiased`.
    func reductionOptions(_ i: Int32, allowUnbiased: Bool = false) throws -> (keepDim: Bool, unbiased: Bool) {
        if isNoneOrNil(i) { return (false, true) }
        if allowUnbiased && type(i) == LUA_TBOOLEAN { return (false, try bool(i)) }
        try table(i, "an options table")
        try checkOptionKeys(i, allowed: allowUnbiased ? ["keepdim", "unbiased"] : ["keepdim"])
        return (try optionBool(i, "keepdim") ?? false, try optionBool(i, "unbiased") ?? true)
    }
}
