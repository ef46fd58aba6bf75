/// A layer: parameters, buffers, a training flag and a differentiable forward.
///
/// Swift modules are leaves; containers (Sequential, residual blocks) are written in Lua on
/// top of them, so a researcher can read and change how a model is wired.
open class Module {
    /// Training mode (dropout active, batch norm uses batch statistics) or evaluation mode.
    public var training = true

    public init() {}

    /// The layer's type name, e.g. "Linear" (also its constructor's name on the Lua side).
    open var kind: String { "Module" }

    /// One line for `tostring(model)`, e.g. "Linear(784 -> 256)".
    open var summary: String { kind }

    /// Trainable tensors, by name ("weight", "bias"), in a fixed order.
    open var namedParameters: [(String, Tensor)] { [] }

    /// Non-trainable state saved in checkpoints (e.g. running statistics).
    open var namedBuffers: [(String, Tensor)] { [] }

    open func forward(_ x: Tensor) throws -> Tensor {
        throw TensorError("\(kind) has no forward")
    }

    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.1.count } }
}

/// Weight initialisation as PyTorch's defaults do it, drawn from a seeded generator.
public enum Init {
    /// U(-bound, bound) with bound = 1/sqrt(fanIn): PyTorch's kaiming_uniform_(a = sqrt(5))
    /// for Linear/Conv weights and its bias rule, which come to the same bound.
    public static func uniformFanIn(_ shape: [Int], fanIn: Int, generator: Generator = .shared) throws -> Tensor {
        let bound = fanIn > 0 ? Float(1 / Double(fanIn).squareRoot()) : 0
        return try uniform(shape, bound: bound, generator: generator)
    }

    public static func uniform(_ shape: [Int], bound: Float, generator: Generator = .shared) throws -> Tensor {
        try Tensor.validateShape(shape)
        let t = try Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.pointer[i] = (2 * generator.uniformFloat() - 1) * bound }
        return t
    }

    public static func normal(_ shape: [Int], std: Float = 1, generator: Generator = .shared) throws -> Tensor {
        try Tensor.validateShape(shape)
        let t = try Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.pointer[i] = std * Float(generator.normal()) }
        return t
    }

    /// A trainable leaf.
    public static func parameter(_ t: Tensor) -> Tensor {
        t.requiresGrad = true
        return t
    }
}
