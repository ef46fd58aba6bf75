import Foundation

/// Softmax and log-softmax along the last dimension of [N, C], numerically stable (the row
/// maximum is subtracted first), with their gradients.
extension Ops {
    public static func logSoftmax(_ x: Tensor) throws -> Tensor {
        let (rows, c, xc) = try rowsAndClasses(x)
        let y = try Tensor(uninitializedShape: x.shape)
        for r in 0..<rows {
            let src = xc.pointer + r * c, dst = y.pointer + r * c
            let lse = logSumExp(src, c)
            for j in 0..<c { dst[j] = src[j] - lse }
        }
        return y.recordingGradient("log_softmax", inputs: [x]) { g, y in
            // dx = g - softmax * sum(g)
            let gc = try g.contiguous()
            let gx = try Tensor(uninitializedShape: x.shape)
            for r in 0..<rows {
                let gr = gc.pointer + r * c, yr = y.pointer + r * c, out = gx.pointer + r * c
                var s: Float = 0
                for j in 0..<c { s += gr[j] }
                for j in 0..<c { out[j] = gr[j] - Foundation.exp(yr[j]) * s }
            }
            return [gx]
        }
    }

    public static func softmax(_ x: Tensor) throws -> Tensor {
        let (rows, c, xc) = try rowsAndClasses(x)
        let y = try Tensor(uninitializedShape: x.shape)
        for r in 0..<rows { softmaxRow(xc.pointer + r * c, c, into: y.pointer + r * c) }
        return y.recordingGradient("softmax", inputs: [x]) { g, y in
            // dx = y * (g - sum(g * y))
            let gc = try g.contiguous()
            let gx = try Tensor(uninitializedShape: x.shape)
            for r in 0..<rows {
                let gr = gc.pointer + r * c, yr = y.pointer + r * c, out = gx.pointer + r * c
                var s: Float = 0
                for j in 0..<c { s += gr[j] * yr[j] }
                for j in 0..<c { out[j] = yr[j] * (gr[j] - s) }
            }
            return [gx]
        }
    }

    static func rowsAndClasses(_ x: Tensor) throws -> (Int, Int, Tensor) {
        guard x.rank >= 1, let c = x.shape.last, c > 0 else {
            throw TensorError("expected a tensor with a non-empty last dimension, got size \(describeShape(x.shape))")
        }
        return (x.count / c, c, try x.contiguous())
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
