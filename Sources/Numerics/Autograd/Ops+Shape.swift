/// View and shape operations and their gradients. Views stay views: the gradient of a view
/// is routed back into the shape of its base.
extension Ops {
    public static func reshape(_ x: Tensor, _ shape: [Int]) throws -> Tensor {
        let out = try x.reshape(shape)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        return out.recordingGradient("reshape", inputs: [x]) { g in [try g.reshape(x.shape)] }
    }

    public static func transpose(_ x: Tensor, _ d0: Int, _ d1: Int) throws -> Tensor {
        let out = try x.transpose(d0, d1)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        return out.recordingGradient("transpose", inputs: [x]) { g in [try g.transpose(d0, d1)] }
    }

    public static func permute(_ x: Tensor, _ order: [Int]) throws -> Tensor {
        let out = try x.permute(order)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return out.recordingGradient("permute", inputs: [x]) { g in [try g.permute(inverse)] }
    }

    public static func narrow(_ x: Tensor, _ dim: Int, _ start: Int, _ length: Int) throws -> Tensor {
        let out = try x.narrow(dim, start, length)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        return out.recordingGradient("narrow", inputs: [x]) { g in
            let gx = try Tensor(shape: x.shape, repeating: 0)
            try gx.narrow(dim, start, length).copy(from: g)
            return [gx]
        }
    }

    public static func select(_ x: Tensor, _ dim: Int, _ index: Int) throws -> Tensor {
        let out = try x.select(dim, index)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        return out.recordingGradient("select", inputs: [x]) { g in
            let gx = try Tensor(shape: x.shape, repeating: 0)
            try gx.select(dim, index).copy(from: g)
            return [gx]
        }
    }

    public static func unsqueeze(_ x: Tensor, _ dim: Int) throws -> Tensor {
        let out = try x.unsqueeze(dim)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        return out.recordingGradient("unsqueeze", inputs: [x]) { g in [try g.reshape(x.shape)] }
    }

    public static func squeeze(_ x: Tensor, _ dim: Int?) throws -> Tensor {
        let out = try x.squeeze(dim)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        return out.recordingGradient("squeeze", inputs: [x]) { g in [try g.reshape(x.shape)] }
    }

    public static func expand(_ x: Tensor, _ shape: [Int]) throws -> Tensor {
        let out = try x.expand(to: shape)
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        return out.recordingGradient("expand", inputs: [x]) { g in [try sumTo(g, x.shape)] }
    }

    /// Identity on values (a packed copy or the tensor itself); the gradient passes through.
    public static func contiguous(_ x: Tensor, copy: Bool = false) throws -> Tensor {
        let out = copy ? try x.clone() : try x.contiguous()
        guard GradMode.isEnabled && x.requiresGrad, out !== x else { return out }
        return out.recordingGradient(copy ? "clone" : "contiguous", inputs: [x]) { g in [g] }
    }

    public static func cat(_ xs: [Tensor], dim: Int) throws -> Tensor {
        let out = try Tensor.cat(xs, dim: dim)
        guard GradMode.isEnabled && xs.contains(where: { $0.requiresGrad }) else { return out }
        let d = try xs[0].normalizeDim(dim)
        return out.recordingGradient("cat", inputs: xs) { g in
            var start = 0
            return try xs.map { x in
                defer { start += x.shape[d] }
                return x.requiresGrad ? try g.narrow(d, start, x.shape[d]).contiguous() : nil
            }
        }
    }

    /// Stacks same-shaped tensors along a new dimension `dim` (0...rank; negative counts from
    /// the end); records a gradient only when an input needs one.
    public static func stack(_ xs: [Tensor], dim: Int) throws -> Tensor {
        guard let first = xs.first else { throw TensorError("expected at least one tensor") }
        for (i, t) in xs.enumerated() where t.shape != first.shape {
            throw TensorError("tensor \(i + 1) has size \(describeShape(t.shape)), expected \(describeShape(first.shape))")
        }
        return try cat(xs.map { try unsqueeze($0, dim < 0 ? dim + $0.rank + 1 : dim) }, dim: dim)
    }

    /// Slices of `x` at the given 0-based indices along `dim` (a copy); the gradient is
    /// scattered back and summed over repeated indices.
    public static func indexSelect(_ x: Tensor, dim: Int, indices: [Int]) throws -> Tensor {
        let d = try x.normalizeDim(dim)
        var shape = x.shape
        shape[d] = indices.count
        let out = try Tensor(uninitializedShape: shape)
        for (k, i) in indices.enumerated() {
            guard i >= 0 && i < x.shape[d] else {
                throw TensorError("index \(i + 1) out of range for dimension \(d + 1) of size \(x.shape[d])")
            }
            try out.select(d, k).copy(from: x.select(d, i))
        }
        guard GradMode.isEnabled && x.requiresGrad else { return out }
        return out.recordingGradient("index", inputs: [x]) { g in
            let gx = try Tensor(shape: x.shape, repeating: 0)
            for (k, i) in indices.enumerated() {
                let slot = try gx.select(d, i)
                try slot.copy(from: try slot.binary(.add, g.select(d, k)))
            }
            return [gx]
        }
    }
}
