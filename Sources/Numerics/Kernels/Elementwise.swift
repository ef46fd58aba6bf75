import Foundation

/// Element-wise operations with NumPy/PyTorch broadcasting.
public enum BinaryOp: String, CaseIterable, Sendable {
    case add, sub, mul, div, pow, maximum, minimum
    case gt, lt, ge, le, eq, ne
}

public enum UnaryOp: String, CaseIterable, Sendable {
    case neg, exp, log, sqrt, abs, sigmoid, tanh, relu, square, sign, floor, ceil, round
}

/// The shape two operands broadcast to, or an error naming both shapes.
public func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        if x == y || y == 1 { out[i] = x }
        else if x == 1 { out[i] = y }
        else { throw TensorError("sizes \(describeShape(a)) and \(describeShape(b)) do not broadcast") }
    }
    return out
}

@inline(__always) func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
}

@inline(__always) func scalarBinary(_ op: BinaryOp) -> (Float, Float) -> Float {
    switch op {
    case .add: return { $0 + $1 }
    case .sub: return { $0 - $1 }
    case .mul: return { $0 * $1 }
    case .div: return { $0 / $1 }
    case .pow: return { Foundation.pow($0, $1) }
    case .maximum: return { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
    case .minimum: return { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }
    case .gt: return { $0 > $1 ? 1 : 0 }
    case .lt: return { $0 < $1 ? 1 : 0 }
    case .ge: return { $0 >= $1 ? 1 : 0 }
    case .le: return { $0 <= $1 ? 1 : 0 }
    case .eq: return { $0 == $1 ? 1 : 0 }
    case .ne: return { $0 != $1 ? 1 : 0 }
    }
}

@inline(__always) func scalarUnary(_ op: UnaryOp) -> (Float) -> Float {
    switch op {
    case .neg: return { -$0 }
    case .exp: return { Foundation.exp($0) }
    case .log: return { Foundation.log($0) }
    case .sqrt: return { $0.squareRoot() }
    case .abs: return { Swift.abs($0) }
    case .sigmoid: return stableSigmoid
    case .tanh: return { Foundation.tanh($0) }
    case .relu: return { $0 > 0 ? $0 : 0 }   // NaN maps to 0, as max(0, NaN) would not
    case .square: return { $0 * $0 }
    case .sign: return { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    case .floor: return { $0.rounded(.down) }
    case .ceil: return { $0.rounded(.up) }
    case .round: return { $0.rounded(.toNearestOrEven) }
    }
}

/// Element counts above which element-wise loops are split across the cores (they are
/// memory-bound; below this the thread hand-off costs more than it saves).
let parallelElementwiseThreshold = 1 << 16

/// Runs `body(range)` over 0..<n, in one piece or split across the cores for large n.
@inline(__always)
func splitElementwise(_ n: Int, _ body: (Range<Int>) -> Void) {
    if n < parallelElementwiseThreshold { body(0..<n); return }
    parallelRanges(n) { _, r in body(r) }
}

/// Applies `f` to every element of `x` into a new packed tensor.
@inline(__always)
func mapUnary(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
    let out = Tensor(uninitializedShape: x.shape)
    let dst = out.pointer
    if x.isContiguous {
        let src = x.pointer
        splitElementwise(x.count) { r in for i in r { dst[i] = f(src[i]) } }
    } else {
        let s = x.strides.last ?? 1
        forEachRow(shape: x.shape, strides: [x.strides]) { offsets, n, flat in
            let src = x.pointer + offsets[0]
            for j in 0..<n { dst[flat + j] = f(src[j * s]) }
        }
    }
    return out
}

/// Applies `f` pairwise after broadcasting `a` and `b` to a common shape.
@inline(__always)
func mapBinary(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
    let shape = a.shape == b.shape ? a.shape : try broadcastShape(a.shape, b.shape)
    let out = Tensor(uninitializedShape: shape)
    let dst = out.pointer
    if a.shape == b.shape && a.isContiguous && b.isContiguous {
        let pa = a.pointer, pb = b.pointer
        splitElementwise(out.count) { r in for i in r { dst[i] = f(pa[i], pb[i]) } }
        return out
    }
    if b.count == 1 && a.isContiguous && a.shape == shape {
        let pa = a.pointer, v = b.pointer[0]
        splitElementwise(out.count) { r in for i in r { dst[i] = f(pa[i], v) } }
        return out
    }
    if a.count == 1 && b.isContiguous && b.shape == shape {
        let pb = b.pointer, v = a.pointer[0]
        splitElementwise(out.count) { r in for i in r { dst[i] = f(v, pb[i]) } }
        return out
    }
    let ea = try a.expand(to: shape), eb = try b.expand(to: shape)
    let sa = ea.strides.last ?? 1, sb = eb.strides.last ?? 1
    forEachRow(shape: shape, strides: [ea.strides, eb.strides]) { offsets, n, flat in
        let pa = ea.pointer + offsets[0], pb = eb.pointer + offsets[1]
        for j in 0..<n { dst[flat + j] = f(pa[j * sa], pb[j * sb]) }
    }
    return out
}

extension Tensor {
    public func unary(_ op: UnaryOp) -> Tensor {
        switch op {
        case .neg: return mapUnary(self, scalarUnary(.neg))
        case .exp: return mapUnary(self, scalarUnary(.exp))
        case .log: return mapUnary(self, scalarUnary(.log))
        case .sqrt: return mapUnary(self, scalarUnary(.sqrt))
        case .abs: return mapUnary(self, scalarUnary(.abs))
        case .sigmoid: return mapUnary(self, scalarUnary(.sigmoid))
        case .tanh: return mapUnary(self, scalarUnary(.tanh))
        case .relu: return mapUnary(self, scalarUnary(.relu))
        case .square: return mapUnary(self, scalarUnary(.square))
        case .sign: return mapUnary(self, scalarUnary(.sign))
        case .floor: return mapUnary(self, scalarUnary(.floor))
        case .ceil: return mapUnary(self, scalarUnary(.ceil))
        case .round: return mapUnary(self, scalarUnary(.round))
        }
    }

    public func binary(_ op: BinaryOp, _ other: Tensor) throws -> Tensor {
        // One specialised loop per operator: the closure is a constant in each branch.
        switch op {
        case .add: return try mapBinary(self, other, scalarBinary(.add))
        case .sub: return try mapBinary(self, other, scalarBinary(.sub))
        case .mul: return try mapBinary(self, other, scalarBinary(.mul))
        case .div: return try mapBinary(self, other, scalarBinary(.div))
        case .pow: return try mapBinary(self, other, scalarBinary(.pow))
        case .maximum: return try mapBinary(self, other, scalarBinary(.maximum))
        case .minimum: return try mapBinary(self, other, scalarBinary(.minimum))
        case .gt: return try mapBinary(self, other, scalarBinary(.gt))
        case .lt: return try mapBinary(self, other, scalarBinary(.lt))
        case .ge: return try mapBinary(self, other, scalarBinary(.ge))
        case .le: return try mapBinary(self, other, scalarBinary(.le))
        case .eq: return try mapBinary(self, other, scalarBinary(.eq))
        case .ne: return try mapBinary(self, other, scalarBinary(.ne))
        }
    }

    /// `self op value` (or `value op self` when `scalarFirst`).
    public func binary(_ op: BinaryOp, scalar value: Float, scalarFirst: Bool = false) -> Tensor {
        let f = scalarBinary(op)
        if scalarFirst { return mapUnary(self) { f(value, $0) } }
        switch op {
        case .add: return mapUnary(self) { $0 + value }
        case .sub: return mapUnary(self) { $0 - value }
        case .mul: return mapUnary(self) { $0 * value }
        case .div: return mapUnary(self) { $0 / value }
        default: return mapUnary(self) { f($0, value) }
        }
    }

    /// Limits every element to [low, high]; either bound may be absent.
    public func clamp(min low: Float?, max high: Float?) -> Tensor {
        let lo = low ?? -.infinity, hi = high ?? .infinity
        return mapUnary(self) { $0.isNaN ? $0 : Swift.min(Swift.max($0, lo), hi) }
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.add, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.sub, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.mul, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.div, b) }
}
