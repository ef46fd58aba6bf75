import Foundation

/// Element-wise operations and their gradients (shapes letters: any; broadcasting allowed).
extension Ops {
    public static func unary(_ op: UnaryOp, _ x: Tensor) throws -> Tensor {
        let out = try x.unary(op)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        return out.recordingGradient(op.rawValue, inputs: [x]) { g, out in
            let gx: Tensor
            switch op {
            case .neg: gx = try g.unary(.neg)
            case .exp: gx = try g.binary(.mul, out)
            case .log: gx = try g.binary(.div, x)
            case .sqrt: gx = try mapBinary(g, out, GradKernels.Sqrt())
            case .abs: gx = try mapBinary(g, x, GradKernels.Abs())
            case .sigmoid: gx = try mapBinary(g, out, GradKernels.Sigmoid())
            case .tanh: gx = try mapBinary(g, out, GradKernels.Tanh())
            case .relu: gx = try mapBinary(g, x, GradKernels.Relu())
            case .square: gx = try mapBinary(g, x, GradKernels.Square())
            case .sign, .floor, .ceil, .round: gx = try Tensor(shape: x.shape, repeating: 0)
            }
            return [gx]
        }
    }

    public static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try a.binary(op, b)
        guard GradMode.isEnabled && (a.requiresGrad || b.requiresGrad) else { return out }
        switch op {
        case .gt, .lt, .ge, .le, .eq, .ne: return out   // piecewise constant: no gradient
        default: break
        }
        return out.recordingGradient(op.rawValue, inputs: [a, b]) { g, out in
            var ga: Tensor? = nil, gb: Tensor? = nil
            switch op {
            case .add:
                ga = g; gb = g
            case .sub:
                ga = g; gb = try g.unary(.neg)
            case .mul:
                if a.requiresGrad { ga = try g.binary(.mul, b) }
                if b.requiresGrad { gb = try g.binary(.mul, a) }
            case .div:
                if a.requiresGrad { ga = try g.binary(.div, b) }
                if b.requiresGrad { gb = try mapBinary(try g.binary(.mul, out), b) { -$0 / $1 } }
            case .pow:
                if a.requiresGrad {
                    // d/da a^b = b * a^(b-1)
                    ga = try g.binary(.mul, try mapBinary(a, b) { x, y in y == 0 ? 0 : y * Foundation.pow(x, y - 1) })
                }
                if b.requiresGrad {
                    // d/db a^b = a^b * log(a), taken as 0 where a == 0 (as PyTorch does)
                    gb = try g.binary(.mul, try mapBinary(out, a) { o, x in x == 0 ? 0 : o * Foundation.log(x) })
                }
            case .maximum, .minimum:
                // Ties split the gradient in half, as in PyTorch.
                let wantMax = op == .maximum
                let share = try mapBinary(a, b) { x, y in x == y ? 0.5 : ((x > y) == wantMax ? 1 : 0) }
                if a.requiresGrad { ga = try g.binary(.mul, share) }
                if b.requiresGrad { gb = try g.binary(.mul, share.binary(.sub, scalar: 1, scalarFirst: true)) }
            case .gt, .lt, .ge, .le, .eq, .ne:
                break
            }
            return [try ga.map { try sumTo($0, a.shape) }, try gb.map { try sumTo($0, b.shape) }]
        }
    }

    /// `x op value`, or `value op x` when `scalarFirst`.
    public static func binary(_ op: BinaryOp, _ x: Tensor, scalar v: Float, scalarFirst: Bool = false) throws -> Tensor {
        let out = try x.binary(op, scalar: v, scalarFirst: scalarFirst)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        switch op {
        case .gt, .lt, .ge, .le, .eq, .ne: return out
        default: break
        }
        return out.recordingGradient(op.rawValue, inputs: [x]) { g, out in
            switch (op, scalarFirst) {
            case (.add, _): return [g]
            case (.sub, false): return [g]
            case (.sub, true): return [try g.unary(.neg)]
            case (.mul, _): return [try g.binary(.mul, scalar: v)]
            case (.div, false): return [try g.binary(.div, scalar: v)]
            case (.div, true): return [try mapBinary(g, x) { g, x in -g * v / (x * x) }]       // d(v/x) = -v/x^2
            case (.pow, false): return [try mapBinary(g, x) { g, x in v == 0 ? 0 : g * v * Foundation.pow(x, v - 1) }]
            case (.pow, true): return [try mapBinary(g, out) { g, o in v == 0 ? 0 : g * o * Foundation.log(v) }]   // d(v^x) = v^x log v
            case (.maximum, _), (.minimum, _):
                let wantMax = op == .maximum
                return [try mapBinary(g, x) { g, x in x == v ? g / 2 : ((x > v) == wantMax ? g : 0) }]
            default: return [nil]
            }
        }
    }

    public static func clamp(_ x: Tensor, min lo: Float?, max hi: Float?) throws -> Tensor {
        let out = try x.clamp(min: lo, max: hi)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        let l = lo ?? -.infinity, h = hi ?? .infinity
        return out.recordingGradient("clamp", inputs: [x]) { g in
            [try mapBinary(g, x, GradKernels.Clamp(lo: l, hi: h))]
        }
    }
}

/// Backward element functions f(upstream gradient, saved value) of the hot operations.
enum GradKernels {
    /// d sqrt: g / (2 sqrt(x)), from the saved output.
    struct Sqrt: BinaryKernel { @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g / (2 * y) } }
    struct Abs: BinaryKernel { @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) } }
    /// From the saved output s = sigmoid(x).
    struct Sigmoid: BinaryKernel { @inline(__always) func callAsFunction(_ g: Float, _ s: Float) -> Float { g * s * (1 - s) } }
    /// From the saved output t = tanh(x).
    struct Tanh: BinaryKernel { @inline(__always) func callAsFunction(_ g: Float, _ t: Float) -> Float { g * (1 - t * t) } }
    struct Relu: BinaryKernel { @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : 0 } }
    struct Square: BinaryKernel { @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { 2 * x * g } }
    struct Clamp: BinaryKernel {
        let lo: Float, hi: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { (x >= lo && x <= hi) ? g : 0 }
    }
    struct LeakyRelu: BinaryKernel {
        let slope: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : slope * g }
    }
}

extension UnaryKernels {
    struct LeakyRelu: UnaryKernel {
        let slope: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
    }
}
