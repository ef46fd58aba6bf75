/// Differentiable operations: each computes its forward value with a kernel and records how
/// to compute input gradients from the output gradient. The Lua bridge calls these, not the
/// raw kernels, so any expression a researcher writes in Lua can be differentiated.
public enum Ops {
    /// Sums a broadcast gradient back down to `shape` (the inverse of broadcasting).
    public static func sumTo(_ g: Tensor, _ shape: [Int]) throws -> Tensor {
        if g.shape == shape { return g }
        var r = g
        while r.rank > shape.count { r = try r.reduce(.sum, dim: 0) }
        for d in 0..<shape.count where shape[d] == 1 && r.shape[d] != 1 {
            r = try r.reduce(.sum, dim: d, keepDim: true)
        }
        return r
    }
}
