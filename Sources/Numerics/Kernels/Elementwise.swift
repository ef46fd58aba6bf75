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

// Element functions are small structs, not closures: the loops below are generic over
// them, so each loop is specialised and the function inlined, also inside the closures that
// split work across cores (a closure there was called through a pointer per element;
// measured: ReLU over 3.2M values took 5.1 ms, about three times the memory-bound time).

public protocol UnaryKernel { func callAsFunction(_ x: Float) -> Float }
public protocol BinaryKernel { func callAsFunction(_ a: Float, _ b: Float) -> Float }

struct ClosureUnary: UnaryKernel {
    let f: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x) }
}
struct ClosureBinary: BinaryKernel {
    let f: (Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { f(a, b) }
}

enum UnaryKernels {
    struct Neg: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { -x } }
    struct Exp: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) } }
    struct Log: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.log(x) } }
    struct Sqrt: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
    struct Abs: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
    struct Sigmoid: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { stableSigmoid(x) } }
    struct Tanh: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.tanh(x) } }
    /// NaN maps to 0, as max(0, NaN) does on x86.
    struct Relu: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }
    struct Square: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x * x } }
    struct Sign: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) } }
    struct Floor: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.down) } }
    struct Ceil: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.up) } }
    struct Round: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.toNearestOrEven) } }
    struct Clamp: UnaryKernel {
        let lo: Float, hi: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x.isNaN ? x : Swift.min(Swift.max(x, lo), hi) }
    }
    /// b(x, v): a binary function with a fixed right operand.
    struct RightScalar<B: BinaryKernel>: UnaryKernel {
        let b: B, v: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { b(x, v) }
    }
    /// b(v, x): a binary function with a fixed left operand.
    struct LeftScalar<B: BinaryKernel>: UnaryKernel {
        let b: B, v: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { b(v, x) }
    }
}

enum BinaryKernels {
    struct Add: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    struct Sub: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    struct Mul: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    struct Div: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
    struct Pow: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Foundation.pow(a, b) } }
    struct Maximum: BinaryKernel {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    }
    struct Minimum: BinaryKernel {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
    }
    struct Gt: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a > b ? 1 : 0 } }
    struct Lt: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a < b ? 1 : 0 } }
    struct Ge: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a >= b ? 1 : 0 } }
    struct Le: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a <= b ? 1 : 0 } }
    struct Eq: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 } }
    struct Ne: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a != b ? 1 : 0 } }
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

/// Applies `k` to every element of `x` into a new packed tensor.
@inline(__always)
func mapUnary<K: UnaryKernel>(_ x: Tensor, _ k: K) throws -> Tensor {
    let out = try Tensor(uninitializedShape: x.shape)
    let dst = out.pointer
    if x.isContiguous {
        let src = x.pointer
        splitElementwise(x.count) { r in for i in r { dst[i] = k(src[i]) } }
    } else {
        let s = x.strides.last ?? 1
        forEachRow(shape: x.shape, strides: [x.strides]) { offsets, n, flat in
            let src = x.pointer + offsets[0]
            for j in 0..<n { dst[flat + j] = k(src[j * s]) }
        }
    }
    return out
}

/// The closure form, for rarely used functions (each element is a call through a pointer).
@inline(__always)
func mapUnary(_ x: Tensor, _ f: (Float) -> Float) throws -> Tensor {
    try withoutActuallyEscaping(f) { try mapUnary(x, ClosureUnary(f: $0)) }
}

/// Applies `k` pairwise after broadcasting `a` and `b` to a common shape.
@inline(__always)
func mapBinary<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, _ k: K) throws -> Tensor {
    let shape = a.shape == b.shape ? a.shape : try broadcastShape(a.shape, b.shape)
    let out = try Tensor(uninitializedShape: shape)
    let dst = out.pointer
    if a.shape == b.shape && a.isContiguous && b.isContiguous {
        let pa = a.pointer, pb = b.pointer
        splitElementwise(out.count) { r in for i in r { dst[i] = k(pa[i], pb[i]) } }
        return out
    }
    if b.count == 1 && a.isContiguous && a.shape == shape {
        let pa = a.pointer, v = b.pointer[0]
        splitElementwise(out.count) { r in for i in r { dst[i] = k(pa[i], v) } }
        return out
    }
    if a.count == 1 && b.isContiguous && b.shape == shape {
        let pb = b.pointer, v = a.pointer[0]
        splitElementwise(out.count) { r in for i in r { dst[i] = k(v, pb[i]) } }
        return out
    }
    let ea = try a.expand(to: shape), eb = try b.expand(to: shape)
    let sa = ea.strides.last ?? 1, sb = eb.strides.last ?? 1
    forEachRow(shape: shape, strides: [ea.strides, eb.strides]) { offsets, n, flat in
        let pa = ea.pointer + offsets[0], pb = eb.pointer + offsets[1]
        for j in 0..<n { dst[flat + j] = k(pa[j * sa], pb[j * sb]) }
    }
    return out
}

/// The closure form, for rarely used functions.
@inline(__always)
func mapBinary(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
    try withoutActuallyEscaping(f) { try mapBinary(a, b, ClosureBinary(f: $0)) }
}

extension Tensor {
    public func unary(_ op: UnaryOp) throws -> Tensor {
        typealias U = UnaryKernels
        switch op {
        case .neg: return try mapUnary(self, U.Neg())
        case .exp: return try mapUnary(self, U.Exp())
        case .log: return try mapUnary(self, U.Log())
        case .sqrt: return try mapUnary(self, U.Sqrt())
        case .abs: return try mapUnary(self, U.Abs())
        case .sigmoid: return try mapUnary(self, U.Sigmoid())
        case .tanh: return try mapUnary(self, U.Tanh())
        case .relu: return try mapUnary(self, U.Relu())
        case .square: return try mapUnary(self, U.Square())
        case .sign: return try mapUnary(self, U.Sign())
        case .floor: return try mapUnary(self, U.Floor())
        case .ceil: return try mapUnary(self, U.Ceil())
        case .round: return try mapUnary(self, U.Round())
        }
    }

    public func binary(_ op: BinaryOp, _ other: Tensor) throws -> Tensor {
        typealias B = BinaryKernels
        switch op {
        case .add: return try mapBinary(self, other, B.Add())
        case .sub: return try mapBinary(self, other, B.Sub())
        case .mul: return try mapBinary(self, other, B.Mul())
        case .div: return try mapBinary(self, other, B.Div())
        case .pow: return try mapBinary(self, other, B.Pow())
        case .maximum: return try mapBinary(self, other, B.Maximum())
        case .minimum: return try mapBinary(self, other, B.Minimum())
        case .gt: return try mapBinary(self, other, B.Gt())
        case .lt: return try mapBinary(self, other, B.Lt())
        case .ge: return try mapBinary(self, other, B.Ge())
        case .le: return try mapBinary(self, other, B.Le())
        case .eq: return try mapBinary(self, other, B.Eq())
        case .ne: return try mapBinary(self, other, B.Ne())
        }
    }

    /// `self op value` (or `value op self` when `scalarFirst`).
    public func binary(_ op: BinaryOp, scalar value: Float, scalarFirst: Bool = false) throws -> Tensor {
        typealias B = BinaryKernels
        typealias U = UnaryKernels
        func apply<K: BinaryKernel>(_ k: K) throws -> Tensor {
            try scalarFirst ? mapUnary(self, U.LeftScalar(b: k, v: value)) : mapUnary(self, U.RightScalar(b: k, v: value))
        }
        switch op {
        case .add: return try apply(B.Add())
        case .sub: return try apply(B.Sub())
        case .mul: return try apply(B.Mul())
        case .div: return try apply(B.Div())
        case .pow: return try apply(B.Pow())
        case .maximum: return try apply(B.Maximum())
        case .minimum: return try apply(B.Minimum())
        case .gt: return try apply(B.Gt())
        case .lt: return try apply(B.Lt())
        case .ge: return try apply(B.Ge())
        case .le: return try apply(B.Le())
        case .eq: return try apply(B.Eq())
        case .ne: return try apply(B.Ne())
        }
    }

    /// Limits every element to [low, high]; either bound may be absent.
    public func clamp(min low: Float?, max high: Float?) throws -> Tensor {
        try mapUnary(self, UnaryKernels.Clamp(lo: low ?? -.infinity, hi: high ?? .infinity))
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.add, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.sub, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.mul, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.div, b) }
}
