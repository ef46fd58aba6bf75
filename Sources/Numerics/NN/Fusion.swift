/// Pairs of adjacent layers that have one fused kernel: fewer passes over activations that do
/// not fit in cache (measured on the residual CNN, see the README's speed section).
/// nn.Sequential asks for each adjacent pair; results and gradients equal running the two
/// layers one after the other.
public enum LayerFusion {
    /// second(first(x)) in one kernel, or nil when the pair (or this input) has none.
    /// Errors are those of the first layer.
    public static func forward(_ first: Module, _ second: Module, _ x: Tensor) throws -> Tensor? {
        guard let activation = first as? Activation ?? second as? Activation, activation.function == .relu else { return nil }
        if let bn = first as? BatchNorm, second === activation {
            return try bn.forward(x, relu: true)
        }
        if first === activation, let pool = second as? Pool2d, pool.mode == .max, pool.outputSize(for: x) != nil {
            return try pool.forward(x, reluInput: true)
        }
        return nil
    }
}
