import Numerics

/// The Lua constructor call that rebuilds a Swift layer, e.g. `nn.Linear(784, 256, {bias = false})`:
/// `layer.constructor` in Lua, and what model checkpoints store for `nn.load` to run.
///
/// Checkpoints written earlier hold this text, so it must not change for an existing layer
/// kind (LayerConstructorTests pins it byte for byte). Numbers of Float settings appear as
/// Swift prints a Float (`0.5`, `1e-05`, `0.0`), as they always have.
enum LayerConstructors {
    /// The constructor call of `layer`, or nil for a layer type nn does not construct
    /// (such a model is saved without one, as models written in Lua are).
    static func call(for layer: Module) -> String? {
        switch layer {
        case let m as Linear:
            return "nn.Linear(\(m.inFeatures), \(m.outFeatures)\(m.bias == nil ? ", {bias = false}" : ""))"
        case let m as Conv1d:
            let c = m.conv
            return "nn.Conv1d(\(c.inChannels), \(c.outChannels), \(c.kernel.1), "
                + "{stride = \(c.stride.1), padding = \(c.padding.1), bias = \(c.bias != nil)})"
        case let m as Conv2d:
            return "nn.Conv2d(\(m.inChannels), \(m.outChannels), {\(m.kernel.0), \(m.kernel.1)}, "
                + "{stride = {\(m.stride.0), \(m.stride.1)}, padding = {\(m.padding.0), \(m.padding.1)}, bias = \(m.bias != nil)})"
        case let m as BatchNorm:
            return "nn.\(m.spatialRank == 2 ? "BatchNorm2d" : "BatchNorm1d")(\(m.channels), {eps = \(m.eps), momentum = \(m.momentum)})"
        case let m as Activation:
            switch m.function {
            case .relu: return "nn.ReLU()"
            case .tanh: return "nn.Tanh()"
            case .sigmoid: return "nn.Sigmoid()"
            }
        case let m as LeakyReLU:
            return "nn.LeakyReLU(\(m.slope))"
        case let m as Pool2d:
            let name = m.mode == .max ? "MaxPool2d" : "AvgPool2d"
            return "nn.\(name)({\(m.kernel.0), \(m.kernel.1)}, "
                + "{stride = {\(m.stride.0), \(m.stride.1)}, padding = {\(m.padding.0), \(m.padding.1)}})"
        case is GlobalAvgPool:
            return "nn.GlobalAvgPool()"
        case let m as Dropout:
            return "nn.Dropout(\(m.p))"
        case is Flatten:
            return "nn.Flatten()"
        case let m as Transpose:
            return "nn.Transpose(\(m.dims.0 + 1), \(m.dims.1 + 1))"
        case let m as Embedding:
            return "nn.Embedding(\(m.count), \(m.dim))"
        case let m as LSTM:
            return "nn.LSTM(\(m.inputSize), \(m.hiddenSize), {layers = \(m.layers)})"
        case let m as LastStep:
            let l = m.lstm
            return "nn.LSTM(\(l.inputSize), \(l.hiddenSize), {layers = \(l.layers), output = \"last\"})"
        default:
            return nil
        }
    }
}
