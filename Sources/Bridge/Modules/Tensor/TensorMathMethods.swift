import CLua
import Numerics

/// Tensor math methods: element-wise functions, arithmetic, comparisons, reductions, matmul.
enum TensorMathMethods {
    static let all: [(String, LuaFunction)] =
        UnaryOp.allCases.map { op in (op.rawValue, unary(op)) } +
        [BinaryOp.add, .sub, .mul, .div, .gt, .lt, .ge, .le, .eq, .ne].map { op in (op.rawValue, binary(op)) } +
        [
            ("pow", binary(.pow)),
            ("maximum", binary(.maximum)),
            ("minimum", binary(.minimum)),
            ("clamp", clamp),
            ("sum", reduction(.sum)),
            ("mean", reduction(.mean)),
            ("prod", reduction(.prod)),
            ("var", reduction(.variance)),
            ("std", reduction(.std)),
            ("max", extremum(max: true)),
            ("min", extremum(max: false)),
            ("argmax", argExtremum(max: true)),
            ("argmin", argExtremum(max: false)),
            ("matmul", { a in a.push(try Ops.matmul(a.tensor(1), a.tensor(2))); return 1 }),
            ("softmax", softmax(log: false)),
            ("log_softmax", softmax(log: true)),
        ]

    /// t:softmax([dim]) / t:log_softmax([dim]): along dimension `dim` (1-based, negative from
    /// the end), the last one when it is absent.
    static func softmax(log: Bool) -> LuaFunction {
        { a in
            let t = try a.tensor(1)
            let d = try a.optDim(2, of: t)
            a.push(log ? try Ops.logSoftmax(t, dim: d) : try Ops.softmax(t, dim: d))
            return 1
        }
    }

    static func unary(_ op: UnaryOp) -> LuaFunction {
        { a in a.push(try Ops.unary(op, a.tensor(1))); return 1 }
    }

    static func binary(_ op: BinaryOp) -> LuaFunction {
        { a in
            let t = try a.tensor(1)
            switch try a.operand(2) {
            case .tensor(let other): a.push(try Ops.binary(op, t, other))
            case .scalar(let v): a.push(try Ops.binary(op, t, scalar: v))
            }
            return 1
        }
    }

    /// t:clamp(lo, hi); either bound may be nil.
    static func clamp(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        let lo = a.isNoneOrNil(2) ? nil : Float(try a.number(2, "a lower bound (number or nil)"))
        let hi = a.isNoneOrNil(3) ? nil : Float(try a.number(3, "an upper bound (number or nil)"))
        if let lo, let hi, lo > hi { throw a.error(2, "lower bound \(lo) is above upper bound \(hi)") }
        a.push(try Ops.clamp(t, min: lo, max: hi))
        return 1
    }

    /// t:sum() -> 0-d tensor; t:sum(dim[, {keepdim=true}]) -> tensor. var/std also take
    /// `unbiased` (default true, as in PyTorch), as an option or a boolean.
    static func reduction(_ r: Reduction) -> LuaFunction {
        { a in
            let t = try a.tensor(1)
            let spread = (r == .variance || r == .std)
            if a.isNoneOrNil(2) || a.isTable(2) || (spread && a.type(2) == LUA_TBOOLEAN) {
                let opts = try a.reductionOptions(2, allowUnbiased: spread)
                a.push(try Ops.reduce(r, t, dim: nil, unbiased: opts.unbiased))
                return 1
            }
            let d = try a.dim(2, of: t)
            let opts = try a.reductionOptions(3, allowUnbiased: spread)
            a.push(try Ops.reduce(r, t, dim: d, keepDim: opts.keepDim, unbiased: opts.unbiased))
            return 1
        }
    }

    /// t:max() -> 0-d tensor; t:max(dim[, {keepdim=}]) -> values, 1-based indices.
    static func extremum(max wantMax: Bool) -> LuaFunction {
        { a in
            let t = try a.tensor(1)
            guard t.count > 0 else { throw a.error(1, "\(wantMax ? "max" : "min") of an empty tensor is undefined") }
            if a.isNoneOrNil(2) {
                a.push(try Ops.reduce(wantMax ? .max : .min, t, dim: nil))
                return 1
            }
            let d = try a.dim(2, of: t)
            let opts = try a.reductionOptions(3)
            let (values, indices) = try Ops.extremum(max: wantMax, t, dim: d, keepDim: opts.keepDim)
            a.push(values)
            a.push(try indices.binary(.add, scalar: 1))
            return 2
        }
    }

    /// t:argmax() -> 1-based flat index (number); t:argmax(dim) -> tensor of 1-based indices.
    static func argExtremum(max wantMax: Bool) -> LuaFunction {
        { a in
            let t = try a.tensor(1)
            guard t.count > 0 else { throw a.error(1, "\(wantMax ? "argmax" : "argmin") of an empty tensor is undefined") }
            let r: Reduction = wantMax ? .argmax : .argmin
            if a.isNoneOrNil(2) {
                a.push(Int(try t.reduceAll(r).item()) + 1)
                return 1
            }
            let d = try a.dim(2, of: t)
            let opts = try a.reductionOptions(3)
            a.push(try t.reduce(r, dim: d, keepDim: opts.keepDim).binary(.add, scalar: 1))
            return 1
        }
    }
}
