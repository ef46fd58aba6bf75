import Foundation

/// Softmax and log-softmax along one dimension (the last by default), numerically stable (the
/// maximum of each slice is subtracted first), with their gradients. The tensor is seen as
/// [outer, C, inner] around that dimension; the slices along it are C values `inner` apart.
/// Each loop runs through `forEachSlice`, which calls its body with a literal stride of 1 for
/// the usual last dimension, so that case compiles to unit-stride loops.
extension Ops {
    public static func logSoftmax(_ x: Tensor, dim: Int? = nil) throws -> Tensor {
        let (g, xc) = try slices(x, dim: dim)
        let y = try Tensor(uninitializedShape: x.shape)
        g.forEachSlice { first, k in
            let src = xc.pointer + first, dst = y.pointer + first
            let lse = logSumExp(src, g.c, stride: k)
            for j in 0..<g.c { dst[j &* k] = src[j &* k] - lse }
        }
        return y.recordingGradient("log_softmax", inputs: [x]) { gOut, y in
            // dx = g - softmax * sum(g)
            let gc = try gOut.contiguous()
            let gx = try Tensor(uninitializedShape: x.shape)
            g.forEachSlice { first, k in
                let gr = gc.pointer + first, yr = y.pointer + first, out = gx.pointer + first
                var s: Float = 0
                for j in 0..<g.c { s += gr[j &* k] }
                for j in 0..<g.c { out[j &* k] = gr[j &* k] - Foundation.exp(yr[j &* k]) * s }
            }
            return [gx]
        }
    }

    public static func softmax(_ x: Tensor, dim: Int? = nil) throws -> Tensor {
        let (g, xc) = try slices(x, dim: dim)
        let y = try Tensor(uninitializedShape: x.shape)
        g.forEachSlice { first, k in softmaxRow(xc.pointer + first, g.c, stride: k, into: y.pointer + first) }
        return y.recordingGradient("softmax", inputs: [x]) { gOut, y in
            // dx = y * (g - sum(g * y))
            let gc = try gOut.contiguous()
            let gx = try Tensor(uninitializedShape: x.shape)
            g.forEachSlice { first, k in
                let gr = gc.pointer + first, yr = y.pointer + first, out = gx.pointer + first
                var s: Float = 0
                for j in 0..<g.c { s += gr[j &* k] * yr[j &* k] }
                for j in 0..<g.c { out[j &* k] = yr[j &* k] * (gr[j &* k] - s) }
            }
            return [gx]
        }
    }

    /// The slices along dimension `dim` (0-based; nil is the last) of a packed tensor of
    /// `x`'s shape: `outer * inner` slices of `c` values, `inner` apart.
    struct Slices {
        let outer: Int, c: Int, inner: Int
        /// Calls `body` with the offset of each slice's first element and the stride of its
        /// values (the literal 1 when they are adjacent).
        @inline(__always) func forEachSlice(_ body: (Int, Int) -> Void) {
            if inner == 1 {
                for o in 0..<outer { body(o &* c, 1) }
            } else {
                for o in 0..<outer {
                    for i in 0..<inner { body(o &* c &* inner &+ i, inner) }
                }
            }
        }
    }

    static func slices(_ x: Tensor, dim: Int?) throws -> (Slices, Tensor) {
        guard x.rank >= 1 else {
            throw TensorError("expected a tensor with a non-empty last dimension, got size \(describeShape(x.shape))")
        }
        let d = try x.normalizeDim(dim ?? -1)
        let c = x.shape[d]
        guard c > 0 else {
            throw TensorError(dim == nil
                ? "expected a tensor with a non-empty last dimension, got size \(describeShape(x.shape))"
                : "expected a non-empty dimension \(d + 1), got size \(describeShape(x.shape))")
        }
        let outer = x.shape[..<d].reduce(1, *), inner = x.shape[(d + 1)...].reduce(1, *)
        return (Slices(outer: outer, c: c, inner: inner), try x.contiguous())
    }
}

/// log(sum(exp(x))) of `n` values `stride` apart (adjacent by default), stable for any magnitude.
@inline(__always) func logSumExp(_ x: UnsafePointer<Float>, _ n: Int, stride k: Int = 1) -> Float {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, x[j &* k]) }
    if !m.isFinite { return m }
    var s: Float = 0
    for j in 0..<n { s += Foundation.exp(x[j &* k] - m) }
    return m + Foundation.log(s)
}

@inline(__always) func softmaxRow(_ x: UnsafePointer<Float>, _ n: Int, stride k: Int = 1, into y: UnsafeMutablePointer<Float>) {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, x[j &* k]) }
    var s: Float = 0
    for j in 0..<n { let e = Foundation.exp(x[j &* k] - m); y[j &* k] = e; s += e }
    let inv = 1 / s
    for j in 0..<n { y[j &* k] *= inv }
}
