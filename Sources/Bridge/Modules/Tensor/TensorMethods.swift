import CLua
import Numerics

/// Tensor methods about shape, views and element access. Indices and dimensions are 1-based
/// and may be negative (-1 is the last), as in Torch.
enum TensorMethods {
    static let all: [(String, LuaFunction)] = [
        ("shape", { a in a.pushArray(try a.tensor(1).shape); return 1 }),
        ("size", size),
        ("dim", { a in a.push(try a.tensor(1).rank); return 1 }),
        ("numel", { a in a.push(try a.tensor(1).count); return 1 }),
        ("type", { a in _ = try a.tensor(1); a.push("FloatTensor"); return 1 }),
        ("reshape", reshape),
        ("view", reshape),
        ("flatten", { a in a.push(try Ops.reshape(a.tensor(1), [-1])); return 1 }),
        ("transpose", transpose),
        ("t", transposeMatrix),
        ("permute", permute),
        ("contiguous", { a in a.push(try Ops.contiguous(a.tensor(1))); return 1 }),
        ("is_contiguous", { a in a.push(try a.tensor(1).isContiguous); return 1 }),
        ("clone", { a in a.push(try Ops.contiguous(a.tensor(1), copy: true)); return 1 }),
        ("narrow", narrow),
        ("slice", slice),
        ("select", select),
        ("squeeze", { a in
            let t = try a.tensor(1)
            a.push(try Ops.squeeze(t, a.optDim(2, of: t)))
            return 1
        }),
        ("unsqueeze", { a in
            let t = try a.tensor(1)
            let d = try a.int(2, "a dimension")
            a.push(try Ops.unsqueeze(t, a.luaDim(d, rank: t.rank + 1, at: 2)))
            return 1
        }),
        ("expand", { a in
            let t = try a.tensor(1)
            a.push(try Ops.expand(t, a.sizes(from: 2)))
            return 1
        }),
        ("get", get),
        ("set", set),
        ("item", { a in a.push(try a.tensor(1).item()); return 1 }),
        ("totable", { a in try a.pushTable(try a.tensor(1)); return 1 }),
        ("fill", { a in
            let t = try a.tensor(1)
            try a.prepareInPlace(t)
            t.fill(Float(try a.number(2, "a fill value (number)")))
            lua_settop(a.L, 1)
            return 1
        }),
        ("copy", copy),
        ("index", indexSelect),
        ("requires_grad", { a in
            let t = try a.tensor(1)
            let flag = try a.optBool(2, true)
            guard t.isLeaf else {
                throw a.error(1, "requires_grad can only be set on leaf tensors (this one was computed by \(t.gradFn?.name ?? "an operation")); use detach() for a new leaf")
            }
            t.requiresGrad = flag
            lua_settop(a.L, 1)
            return 1
        }),
        ("backward", backward),
        ("zero_grad", { a in
            let t = try a.tensor(1)
            t.grad = nil
            lua_settop(a.L, 1)
            return 1
        }),
        ("detach", { a in a.push(try a.tensor(1).detach()); return 1 }),
    ]

    /// y:backward([gradient], [{retain_graph = true}]).
    static func backward(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        var gradient: Tensor? = nil
        var optionsAt: Int32 = 2
        if a.isTensor(2) { gradient = try a.tensor(2); optionsAt = 3 }
        else if a.isNumber(2) { gradient = try Tensor(shape: t.shape, repeating: Float(try a.number(2))); optionsAt = 3 }
        else if a.type(2) == LUA_TNIL { optionsAt = 3 }
        if !a.isNoneOrNil(optionsAt) {
            try a.table(optionsAt, "an options table")
            try a.checkOptionKeys(optionsAt, allowed: ["retain_graph"])
        }
        let retain = try a.optionBool(optionsAt, "retain_graph") ?? false
        try t.backward(gradient: gradient, retainGraph: retain)
        return 0
    }

    /// t:size() is the shape as a table; t:size(d) the size of dimension d.
    static func size(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        if a.isNoneOrNil(2) { a.pushArray(t.shape) } else { a.push(t.shape[try a.dim(2, of: t)]) }
        return 1
    }

    /// t:reshape(2, 3), t:reshape({2, 3}); one size may be -1.
    static func reshape(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        var shape: [Int] = []
        if a.isTable(2) {
            shape = try a.integerTable(2, "sizes")
        } else {
            var k: Int32 = 2
            while k <= a.count { shape.append(try a.int(k, "a size")); k += 1 }
        }
        guard !shape.isEmpty || t.count == 1 else { throw a.error(2, "expected the new sizes") }
        a.push(try Ops.reshape(t, shape))
        return 1
    }

    static func transpose(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        let d0 = try a.optDim(2, of: t) ?? 0
        let d1 = try a.optDim(3, of: t) ?? 1
        guard t.rank >= 2 || (a.isNoneOrNil(2) && a.isNoneOrNil(3)) else {
            throw a.error(1, "expected a tensor with at least 2 dimensions, got size \(describeShape(t.shape))")
        }
        a.push(t.rank < 2 ? t : try Ops.transpose(t, d0, d1))
        return 1
    }

    static func transposeMatrix(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        guard t.rank <= 2 else {
            throw a.error(1, "t() expects a tensor with at most 2 dimensions, got size \(describeShape(t.shape)); use transpose(d1, d2)")
        }
        a.push(t.rank < 2 ? t : try Ops.transpose(t, 0, 1))
        return 1
    }

    static func permute(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        var order: [Int] = []
        var k: Int32 = 2
        while k <= a.count { order.append(try a.dim(k, of: t)); k += 1 }
        a.push(try Ops.permute(t, order))
        return 1
    }

    /// t:narrow(dim, start, length), as in Torch (a view).
    static func narrow(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        let d = try a.dim(2, of: t)
        let start = try a.luaIndex(try a.int(3, "a start index"), size: t.shape[d], at: 3, dim: d)
        let length = try a.int(4, "a length")
        guard length >= 0 && start + length <= t.shape[d] else {
            throw a.error(4, "length \(length) from index \(start + 1) runs past the end of dimension \(d + 1) (size \(t.shape[d]))")
        }
        a.push(try Ops.narrow(t, d, start, length))
        return 1
    }

    /// t:slice(dim, first, last), both ends included like string.sub; negatives count from
    /// the end; `last` defaults to the end (a view).
    static func slice(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        let d = try a.dim(2, of: t)
        let n = t.shape[d]
        let first = try a.luaIndex(try a.int(3, "a first index"), size: n, at: 3, dim: d)
        let lastRaw = try a.optInt(4, -1)
        let last = lastRaw == 0 ? -1 : try a.luaIndex(lastRaw, size: n, at: 4, dim: d)
        a.push(try Ops.narrow(t, d, first, max(0, last - first + 1)))
        return 1
    }

    /// t:select(dim, i): the slice at index i with dimension dim removed (a view).
    static func select(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        let d = try a.dim(2, of: t)
        let i = try a.luaIndex(try a.int(3, "an index"), size: t.shape[d], at: 3, dim: d)
        a.push(try Ops.select(t, d, i))
        return 1
    }

    /// The 0-based position given by arguments from..<from+rank.
    static func position(_ a: LuaArgs, _ t: Tensor, from: Int32) throws -> [Int] {
        var index: [Int] = []
        for d in 0..<t.rank {
            let i = from + Int32(d)
            index.append(try a.luaIndex(try a.int(i, "an index"), size: t.shape[d], at: i, dim: d))
        }
        return index
    }

    /// t:get(i, j, ...) with one index per dimension.
    static func get(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        guard a.count - 1 == Int32(t.rank) else {
            throw a.error(1, "get expects \(t.rank) indices for a tensor of size \(describeShape(t.shape)), got \(a.count - 1)")
        }
        a.push(try t.element(at: position(a, t, from: 2)))
        return 1
    }

    /// t:set(i, j, ..., value); returns t.
    static func set(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        guard a.count - 2 == Int32(t.rank) else {
            throw a.error(1, "set expects \(t.rank) indices and a value for a tensor of size \(describeShape(t.shape)), got \(a.count - 1) arguments")
        }
        let value = try a.number(a.count, "a value (number)")
        try a.prepareInPlace(t)
        try t.setElement(Float(value), at: position(a, t, from: 2))
        lua_settop(a.L, 1)
        return 1
    }

    /// t:copy(src): copies the values of a tensor with as many elements into t; returns t.
    static func copy(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1), src = try a.tensor(2)
        guard src.count == t.count else {
            throw a.error(2, "expected \(t.count) elements to copy into size \(describeShape(t.shape)), got size \(describeShape(src.shape))")
        }
        try a.prepareInPlace(t)
        try t.copy(from: src)
        lua_settop(a.L, 1)
        return 1
    }

    /// t:index(dim, indices): a copy holding the slices at the given 1-based indices
    /// (a table of numbers or a tensor), in that order; like Torch's index / PyTorch's index_select.
    static func indexSelect(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        let d = try a.dim(2, of: t)
        var picks: [Int] = []
        if let idx = try? a.tensor(3) {
            picks = try idx.toArray().map { v in
                guard v.isFinite, v == v.rounded(), abs(v) < 1e15 else { throw a.error(3, "indices must be integers, got \(v)") }
                return Int(v)
            }
        } else {
            picks = try a.integerTable(3, "indices")
        }
        let n = t.shape[d]
        let zeroBased = try picks.map { try a.luaIndex($0, size: n, at: 3, dim: d) }
        a.push(try Ops.indexSelect(t, dim: d, indices: zeroBased))
        return 1
    }

    /// `t[i]`: a number for a 1-D tensor, else the sub-tensor view along dimension 1.
    /// Other keys (unknown method names) give nil, like a table.
    static func index(_ a: LuaArgs) throws -> Int32 {
        try a.plainErrors { try indexBody(a) }
    }

    private static func indexBody(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        if a.isString(2) {
            switch try a.string(2) {
            case "grad": if let g = t.grad { a.push(g) } else { a.pushNil() }
            case "needs_grad": a.push(t.requiresGrad)
            case "is_leaf": a.push(t.isLeaf)
            case "grad_fn": if let fn = t.gradFn { a.push(fn.name) } else { a.pushNil() }
            default: a.pushNil()
            }
            return 1
        }
        guard a.isNumber(2) else { a.pushNil(); return 1 }
        guard t.rank > 0 else { throw a.error(2, "cannot index a 0-dimensional tensor; use t:item()") }
        let i = try a.luaIndex(try a.int(2, "an integer index"), size: t.shape[0], at: 2, dim: 0)
        if t.rank == 1 { a.push(t.pointer[i * t.strides[0]]) } else { a.push(try Ops.select(t, 0, i)) }
        return 1
    }
}
