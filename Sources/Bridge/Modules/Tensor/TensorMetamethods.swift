import CLua
import Numerics

/// Lua operators on tensors: + - * / ^ and unary minus broadcast and accept numbers on
/// either side; `#t` is the size of dimension 1; `t[i] = v` assigns; `<`/`<=` compare
/// one-element tensors (use t:lt(x) for element-wise comparison).
enum TensorMetamethods {
    static let all: [(String, LuaFunction)] = [
        ("__add", arithmetic(.add)),
        ("__sub", arithmetic(.sub)),
        ("__mul", arithmetic(.mul)),
        ("__div", arithmetic(.div)),
        ("__pow", arithmetic(.pow)),
        ("__unm", { a in a.push(try Ops.unary(.neg, a.tensor(1))); return 1 }),
        ("__len", { a in
            let t = try a.tensor(1)
            a.push(t.rank == 0 ? 1 : t.shape[0])
            return 1
        }),
        ("__tostring", { a in a.push(try a.tensor(1).description); return 1 }),
        ("__newindex", newIndex),
        ("__lt", compare(strict: true)),
        ("__le", compare(strict: false)),
    ]

    static func arithmetic(_ op: BinaryOp) -> LuaFunction {
        { a in
            switch (try a.operand(1), try a.operand(2)) {
            case (.tensor(let x), .tensor(let y)): a.push(try Ops.binary(op, x, y))
            case (.tensor(let x), .scalar(let v)): a.push(try Ops.binary(op, x, scalar: v))
            case (.scalar(let v), .tensor(let y)): a.push(try Ops.binary(op, y, scalar: v, scalarFirst: true))
            case (.scalar, .scalar): throw LuaError.message("expected at least one Tensor")
            }
            return 1
        }
    }

    static func scalarValue(_ a: LuaArgs, _ i: Int32) throws -> Float {
        switch try a.operand(i) {
        case .scalar(let v): return v
        case .tensor(let t):
            guard t.count == 1 else {
                throw a.error(i, "'<' and '<=' compare one-element tensors, got size \(describeShape(t.shape)); use t:lt(x), t:le(x) for element-wise comparison")
            }
            return try t.item()
        }
    }

    static func compare(strict: Bool) -> LuaFunction {
        { a in
            let x = try scalarValue(a, 1), y = try scalarValue(a, 2)
            a.push(strict ? x < y : x <= y)
            return 1
        }
    }

    /// t[i] = v: a number fills the slice (or sets the element of a 1-D tensor); a tensor
    /// with as many elements is copied in.
    static func newIndex(_ a: LuaArgs) throws -> Int32 {
        try a.plainErrors { try newIndexBody(a) }
    }

    private static func newIndexBody(_ a: LuaArgs) throws -> Int32 {
        let t = try a.tensor(1)
        if a.isString(2), try a.string(2) == "grad" {
            // t.grad = nil clears a gradient; t.grad = g sets one of the same size.
            if a.isNoneOrNil(3) { t.grad = nil; return 0 }
            let g = try a.tensor(3)
            guard g.shape == t.shape else {
                throw a.error(3, "grad must have the tensor's size \(describeShape(t.shape)), got \(describeShape(g.shape))")
            }
            t.grad = g
            return 0
        }
        guard a.isNumber(2) else {
            throw a.typeError(2, expected: "an integer index (tensors have no assignable fields but grad)")
        }
        try a.prepareInPlace(t)
        guard t.rank > 0 else { throw a.error(2, "cannot index a 0-dimensional tensor; use t:fill(v)") }
        let i = try a.luaIndex(try a.int(2, "an integer index"), size: t.shape[0], at: 2, dim: 0)
        let slot = try t.select(0, i)
        switch try a.operand(3) {
        case .scalar(let v): slot.fill(v)
        case .tensor(let src):
            guard src.count == slot.count else {
                throw a.error(3, "expected \(slot.count) elements for t[\(i + 1)] of size \(describeShape(slot.shape)), got size \(describeShape(src.shape))")
            }
            try slot.copy(from: src)
        }
        return 0
    }
}
