/// Sums written with explicit SIMD accumulators: the compiler keeps a plain `s += x[i]` loop
/// scalar (it may not reorder floating-point additions), which made reductions several times
/// slower than the memory they read.

@inline(__always)
private func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
}

/// (sum of (x - shift), sum of (x - shift)^2) over n values.
@inline(__always)
func shiftedSums(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> (Float, Float) {
    var s = SIMD8<Float>(repeating: 0), q = SIMD8<Float>(repeating: 0)
    let k = SIMD8<Float>(repeating: shift)
    var i = 0
    while i + 8 <= n {
        let d = load8(x, i) - k
        s += d
        q += d * d
        i += 8
    }
    var ss = s.sum(), qq = q.sum()
    while i < n { let d = x[i] - shift; ss += d; qq += d * d; i += 1 }
    return (ss, qq)
}

/// (sum of g, sum of g * x) over n values.
@inline(__always)
func sumAndDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) -> (Float, Float) {
    var s = SIMD8<Float>(repeating: 0), d = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n {
        let gv = load8(g, i)
        s += gv
        d += gv * load8(x, i)
        i += 8
    }
    var ss = s.sum(), dd = d.sum()
    while i < n { ss += g[i]; dd += g[i] * x[i]; i += 1 }
    return (ss, dd)
}

/// sumAndDot of g masked by a ReLU that follows y = x * scale + shift: g counts where y > 0.
/// y is computed exactly as the fused forward computes it, so the mask agrees with it.
@inline(__always)
func sumAndDotWhereReLUPasses(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int,
                              scale: Float, shift: Float) -> (Float, Float) {
    var s = SIMD8<Float>(repeating: 0), d = SIMD8<Float>(repeating: 0)
    let (sc, sh) = (SIMD8<Float>(repeating: scale), SIMD8<Float>(repeating: shift))
    var i = 0
    while i + 8 <= n {
        let xv = load8(x, i)
        let gv = load8(g, i).replacing(with: 0, where: .!(xv * sc + sh .> 0))
        s += gv
        d += gv * xv
        i += 8
    }
    var ss = s.sum(), dd = d.sum()
    while i < n { let gi = x[i] * scale + shift > 0 ? g[i] : 0; ss += gi; dd += gi * x[i]; i += 1 }
    return (ss, dd)
}

/// Sum of n values.
@inline(__always)
func simdSum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var s = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n { s += load8(x, i); i += 8 }
    var ss = s.sum()
    while i < n { ss += x[i]; i += 1 }
    return ss
}
