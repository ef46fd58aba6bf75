/// Pairs of adjacent layers that have one fused kernel: fewer passes over activations that do
/// not fit in cache (measured on the residual CNN, see the README's speed section).
/// nn.Sequential asks for each adjacent pair; results and gradients equal running the two
/// layers one after the other.
public enum LayerFusion {
    /// second(first(x)) in one kernel, or nil when the pair (or this input) has none.
    /// Errors are those of the first layer.
    public static func forward(_ first: Module, _ second: Module, _ x: Tensor) throws -> Tensor? {
        switch (first, second) {
        case let (bn as BatchNorm, relu as Activation) where relu.function == .relu:
            return try bn.forward(x, relu: true)
        case let (conv as Conv1d, relu as Activation) where relu.function == .relu:
            return try conv.forwardReLU(x)
        case let (relu as Activation, pool as Pool2d)
            where relu.function == .relu && pool.mode == .max && pool.outputSize(for: x) != nil:
            return try pool.forward(x, reluInput: true)
        default:
            return nil
        }
    }
}
