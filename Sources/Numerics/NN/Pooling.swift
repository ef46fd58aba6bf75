/// 2-D max and average pooling over [B, C, H, W], and global average pooling to [B, C].
public final class Pool2d: Module {
    public enum Mode: String, Sendable { case max = "MaxPool2d", average = "AvgPool2d" }
    public let mode: Mode
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)

    public init(_ mode: Mode, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws {
        let s = stride ?? kernel
        guard kernel.0 > 0, kernel.1 > 0, s.0 > 0, s.1 > 0, padding.0 >= 0, padding.1 >= 0 else {
            throw TensorError("kernel and stride must be positive and padding non-negative, got kernel \(kernel.0)x\(kernel.1), "
                              + "stride \(s.0)x\(s.1), padding \(padding.0)x\(padding.1)")
        }
        guard padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
            throw TensorError("padding must be at most half the kernel size, got padding \(padding.0)x\(padding.1) for a \(kernel.0)x\(kernel.1) kernel")
        }
        self.mode = mode
        self.kernel = kernel
        self.stride = s
        self.padding = padding
    }

    public override var kind: String { mode.rawValue }
    public override var summary: String {
        "\(kind)(\(kernel.0)x\(kernel.1)" + (stride != kernel ? ", stride \(stride.0)x\(stride.1)" : "")
            + (padding != (0, 0) ? ", padding \(padding.0)x\(padding.1)" : "") + ")"
    }

    public override func forward(_ x: Tensor) throws -> Tensor { try forward(x, reluInput: false) }

    /// The output size for an input, or nil when the input is not [B, C, H, W] or is smaller
    /// than the window.
    func outputSize(for x: Tensor) -> (Int, Int)? {
        guard x.rank == 4, x.shape[2] + 2 * padding.0 >= kernel.0, x.shape[3] + 2 * padding.1 >= kernel.1 else { return nil }
        return ((x.shape[2] + 2 * padding.0 - kernel.0) / stride.0 + 1, (x.shape[3] + 2 * padding.1 - kernel.1) / stride.1 + 1)
    }

    /// With `reluInput` (max pooling only), pool(relu(x)) in one pass and its backward
    /// likewise: nn.Sequential uses it for a ReLU followed by a max-pool. Values and gradients
    /// equal the two layers run one after the other.
    public func forward(_ x: Tensor, reluInput: Bool) throws -> Tensor {
        precondition(!reluInput || mode == .max, "only max pooling fuses a ReLU")
        guard x.rank == 4 else { throw TensorError("\(summary) expected input of size BxCxHxW, got \(describeShape(x.shape))") }
        guard let (ho, wo) = outputSize(for: x) else {
            throw TensorError("\(summary): input \(x.shape[2])x\(x.shape[3]) is smaller than the window")
        }
        if mode == .max { return try maxPool(x, outHeight: ho, outWidth: wo, reluInput: reluInput) }
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let xc = try x.contiguous()
        defer { withExtendedLifetime(xc) {} }   // xp points into it
        let y = try Tensor(uninitializedShape: [b, c, ho, wo])
        let planes = b * c
        let (kh, kw, sh, sw, ph, pw) = (kernel.0, kernel.1, stride.0, stride.1, padding.0, padding.1)
        let xp = xc.pointer, yp = y.pointer
        // average pooling, count_include_pad = true as PyTorch's default
        let area = Float(kh * kw)
        parallelFor(planes, minimumPerThread: 4) { pl in
            let src = xp + pl * h * w
            for oi in 0..<ho {
                for oj in 0..<wo {
                    var sum: Float = 0
                    for ki in 0..<kh {
                        let ii = oi * sh - ph + ki
                        if ii < 0 || ii >= h { continue }
                        for kj in 0..<kw {
                            let jj = oj * sw - pw + kj
                            if jj >= 0 && jj < w { sum += src[ii * w + jj] }
                        }
                    }
                    yp[(pl * ho + oi) * wo + oj] = sum / area
                }
            }
        }
        return y.recordingGradient(kind, inputs: [x]) { gy in
            let g = try gy.contiguous()
            let gx = try Tensor(shape: x.shape, repeating: 0)
            parallelFor(planes, minimumPerThread: 4) { pl in
                let dst = gx.pointer + pl * h * w
                for oi in 0..<ho {
                    for oj in 0..<wo {
                        let gv = g.pointer[(pl * ho + oi) * wo + oj] / area
                        for ki in 0..<kh {
                            let ii = oi * sh - ph + ki
                            if ii < 0 || ii >= h { continue }
                            for kj in 0..<kw {
                                let jj = oj * sw - pw + kj
                                if jj >= 0 && jj < w { dst[ii * w + jj] += gv }
                            }
                        }
                    }
                }
            }
            return [gx]
        }
    }
}

/// Mean over the spatial dimensions: [B, C, H, W] -> [B, C].
public final class GlobalAvgPool: Module {
    public override var kind: String { "GlobalAvgPool" }
    public override var summary: String { "GlobalAvgPool()" }

    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 3 else { throw TensorError("GlobalAvgPool expected input of size BxCxHxW, got \(describeShape(x.shape))") }
        let (b, c) = (x.shape[0], x.shape[1])
        return try Ops.reduce(.mean, Ops.reshape(x, [b, c, x.count / max(b * c, 1)]), dim: 2)
    }
}
