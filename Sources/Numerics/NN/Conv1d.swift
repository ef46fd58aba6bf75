/// 1-D convolution over [B, C, L], computed by the 2-D kernel with a 1 x K window.
public final class Conv1d: Module {
    public let conv: Conv2d

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, generator: Generator = .shared) throws {
        conv = try Conv2d(inChannels, outChannels, kernel: (1, kernel), stride: (1, stride),
                          padding: (0, padding), bias: bias, generator: generator)
    }

    public override var kind: String { "Conv1d" }
    public override var summary: String {
        "Conv1d(\(conv.inChannels) -> \(conv.outChannels), \(conv.kernel.1)"
            + (conv.stride.1 != 1 ? ", stride \(conv.stride.1)" : "")
            + (conv.padding.1 != 0 ? ", padding \(conv.padding.1)" : "") + (conv.bias == nil ? ", no bias" : "") + ")"
    }
    public override var namedParameters: [(String, Tensor)] {
        // the weight is stored as [O, C, 1, K] (PyTorch's Conv1d weight is [O, C, K])
        conv.namedParameters
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3, x.shape[1] == conv.inChannels else {
            throw TensorError("\(summary) expected input of size Bx\(conv.inChannels)xL, got \(describeShape(x.shape))")
        }
        guard x.shape[2] + 2 * conv.padding.1 >= conv.kernel.1 else {
            throw TensorError("\(summary): input length \(x.shape[2]) is shorter than the kernel")
        }
        if channelsLast(x) { return try forwardChannelsLast(x, relu: false) }
        let y = try conv.forward(try Ops.unsqueeze(x, 2))
        return try Ops.squeeze(y, 2)
    }

    /// relu(forward(x)) in one pass where the input lies channels-last (Conv1dChannelsLast.swift),
    /// else nil: nn.Sequential then runs the two layers one after the other.
    public func forwardReLU(_ x: Tensor) throws -> Tensor? {
        guard x.rank == 3, x.shape[1] == conv.inChannels, x.shape[2] + 2 * conv.padding.1 >= conv.kernel.1,
              channelsLast(x) else { return nil }
        return try forwardChannelsLast(x, relu: true)
    }
}

/// Swaps two dimensions (e.g. [B, T, E] -> [B, E, T] between an embedding and a Conv1d). The
/// result is a view, not a copy: a Conv1d reads such a view of an embedding in place, and a
/// Transpose back after it gives the LSTM a contiguous tensor (Conv1dChannelsLast.swift).
public final class Transpose: Module {
    public let dims: (Int, Int)   // 0-based

    public init(_ d0: Int, _ d1: Int) { dims = (d0, d1) }

    public override var kind: String { "Transpose" }
    public override var summary: String { "Transpose(\(dims.0 + 1), \(dims.1 + 1))" }

    public override func forward(_ x: Tensor) throws -> Tensor {
        guard dims.0 < x.rank, dims.1 < x.rank else {
            throw TensorError("\(summary) expected at least \(max(dims.0, dims.1) + 1) dimensions, got size \(describeShape(x.shape))")
        }
        return try Ops.transpose(x, dims.0, dims.1)
    }
}
