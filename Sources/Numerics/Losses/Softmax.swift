import Foundation

/// Softmax and log-softmax along one dimension (the last by default), numerically stable (the
/// maximum of each slice is subtracted first), with their gradients. The tensor is seen as
/// [outer, C, inner] around that dimension; the slices along it are C values `inner` apart.
extension Ops {
    public static func logSoftmax(_ x: Tensor, dim: Int? = nil) throws -> Tensor {
        let (g, xc) = try slices(x, dim: dim)
        let y = try Tensor(uninitializedShape: x.shape)
        g.forEach { first in
            let src = xc.pointer + first, dst = y.pointer + first
            if g.inner == 1 {
                let lse = logSumExp(src, g.c)
                for j in 0..<g.c { dst[j] = src[j] - lse }
            } else {
                let lse = logSumExp(src, g.c, stride: g.inner)
                for j in 0..<g.c { dst[j * g.inner] = src[j * g.inner] - lse }
            }
        }
        return y.recordingGradient("log_softmax", inputs: [x]) { gOut, y in
            // dx = g - softmax * sum(g)
            let gc = try gOut.contiguous()
            let gx = try Tensor(uninitializedShape: x.shape)
            let c = g.c, k = g.inner
            g.forEach { first in
                let gr = gc.pointer + first, yr = y.pointer + first, out = gx.pointer + first
                var s: Float = 0
                for j in 0..<c { s += gr[j * k] }
                for j in 0..<c { out[j * k] = gr[j * k] - Foundation.exp(yr[j * k]) * s }
            }
            return [gx]
        }
    }

    public static func softmax(_ x: Tensor, dim: Int? = nil) throws -> Tensor {
        let (g, xc) = try slices(x, dim: dim)
        let y = try Tensor(uninitializedShape: x.shape)
        g.forEach { first in
            if g.inner == 1 {
                softmaxRow(xc.pointer + first, g.c, into: y.pointer + first)
            } else {
                softmaxRow(xc.pointer + first, g.c, stride: g.inner, into: y.pointer + first)
            }
        }
        return y.recordingGradient("softmax", inputs: [x]) { gOut, y in
            // dx = y * (g - sum(g * y))
            let gc = try gOut.contiguous()
            let gx = try Tensor(uninitializedShape: x.shape)
            let c = g.c, k = g.inner
            g.forEach { first in
                let gr = gc.pointer + first, yr = y.pointer + first, out = gx.pointer + first
                var s: Float = 0
                for j in 0..<c { s += gr[j * k] * yr[j * k] }
                for j in 0..<c { out[j * k] = yr[j * k] * (gr[j * k] - s) }
            }
            return [gx]
        }
    }

    /// The slices along dimension `dim` (0-based; nil is the last) of a packed tensor of
    /// `x`'s shape: `outer * inner` slices of `c` values, `inner` apart.
    struct Slices {
        let outer: Int, c: Int, inner: Int
        /// Calls `body` with the offset of each slice's first element.
        func forEach(_ body: (Int) -> Void) {
            for o in 0..<outer {
                for i in 0..<inner { body(o * c * inner + i) }
            }
        }
    }

    static func slices(_ x: Tensor, dim: Int?) throws -> (Slices, Tensor) {
        guard x.rank >= 1 else {
            throw TensorError("expected a tensor with a non-empty last dimension, got size \(describeShape(x.shape))")
        }
        let d = dim ?? x.rank - 1
        guard d >= 0 && d < x.rank else {
            throw TensorError("dimension \(d + 1) out of range for a \(x.rank)-dimensional tensor")
        }
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

/// log(sum(exp(x))) of one row, stable for any magnitude.
@inline(__always) func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, x[j]) }
    if !m.isFinite { return m }
    var s: Float = 0
    for j in 0..<n { s += Foundation.exp(x[j] - m) }
    return m + Foundation.log(s)
}

@inline(__always) func softmaxRow(_ x: UnsafePointer<Float>, _ n: Int, into y: UnsafeMutablePointer<Float>) {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, x[j]) }
    var s: Float = 0
    for j in 0..<n { let e = Foundation.exp(x[j] - m); y[j] = e; s += e }
    let inv = 1 / s
    for j in 0..<n { y[j] *= inv }
}

/// The same over `n` values `stride` apart.
@inline(__always) func logSumExp(_ x: UnsafePointer<Float>, _ n: Int, stride k: Int) -> Float {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, x[j * k]) }
    if !m.isFinite { return m }
    var s: Float = 0
    for j in 0..<n { s += Foundation.exp(x[j * k] - m) }
    return m + Foundation.log(s)
}

@inline(__always) func softmaxRow(_ x: UnsafePointer<Float>, _ n: Int, stride k: Int, into y: UnsafeMutablePointer<Float>) {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, x[j * k]) }
    var s: Float = 0
    for j in 0..<n { let e = Foundation.exp(x[j * k] - m); y[j * k] = e; s += e }
    let inv = 1 / s
    for j in 0..<n { y[j * k] *= inv }
}
