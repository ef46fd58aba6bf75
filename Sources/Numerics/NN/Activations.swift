import Foundation

/// Element-wise activation layers. ReLU, Tanh and Sigmoid reuse the differentiable
/// tensor operations; LeakyReLU has its own fused pair.
public final class Activation: Module {
    public enum Function: String, Sendable { case relu = "ReLU", tanh = "Tanh", sigmoid = "Sigmoid" }
    public let function: Function

    public init(_ function: Function) { self.function = function }

    public override var kind: String { function.rawValue }
    public override var summary: String { "\(kind)()" }

    public override func forward(_ x: Tensor) throws -> Tensor {
        switch function {
        case .relu: return try Ops.unary(.relu, x)
        case .tanh: return try Ops.unary(.tanh, x)
        case .sigmoid: return try Ops.unary(.sigmoid, x)
        }
    }
}

/// max(0, x) + slope * min(0, x).
public final class LeakyReLU: Module {
    public let slope: Float

    public init(slope: Float = 0.01) { self.slope = slope }

    public override var kind: String { "LeakyReLU" }
    public override var summary: String { "LeakyReLU(\(slope))" }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let s = slope
        let y = try mapUnary(x, UnaryKernels.LeakyRelu(slope: s))
        return y.recordingGradient("LeakyReLU", inputs: [x]) { g in
            [try mapBinary(g, x, GradKernels.LeakyRelu(slope: s))]
        }
    }
}

/// Flattens every dimension after the first: [B, ...] -> [B, D].
public final class Flatten: Module {
    public override var kind: String { "Flatten" }
    public override var summary: String { "Flatten()" }

    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1 else { throw TensorError("Flatten expected a batch (at least 1 dimension), got a scalar") }
        return try Ops.reshape(x, [x.shape[0], x.count / max(x.shape[0], 1)])
    }
}

/// Zeroes each element with probability p during training and scales the rest by 1/(1-p)
/// (inverted dropout, as PyTorch); the identity in evaluation mode.
public final class Dropout: Module {
    public let p: Float
    let generator: Generator

    public init(p: Float = 0.5, generator: Generator = .shared) throws {
        guard p >= 0 && p < 1 else { throw TensorError("p must be in [0, 1), got \(p)") }
        self.p = p
        self.generator = generator
    }

    public override var kind: String { "Dropout" }
    public override var summary: String { "Dropout(\(p))" }

    public override func forward(_ x: Tensor) throws -> Tensor {
        guard training && p > 0 else { return x }
        let keep = 1 - p, scale = 1 / keep
        let mask = try Tensor(uninitializedShape: x.shape)
        // the draws first, then scale or 0 in a loop of its own, which compiles to vector
        // compares and blends: in one loop the compiler branched on each random draw, and the
        // branch was mispredicted half the time (150 us for the ConvLSTM's 128 x 128, 1.5% of a
        // training step)
        let m = mask.pointer
        for i in 0..<mask.count { m[i] = generator.uniformFloat() }
        for i in 0..<mask.count { m[i] = m[i] < keep ? scale : 0 }
        let y = try x.binary(.mul, mask)
        return y.recordingGradient("Dropout", inputs: [x]) { g in [try g.binary(.mul, mask)] }
    }
}
