import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Geometry of a 2-D convolution or pooling window over one image [C, H, W].
public struct ConvGeometry: Equatable, Sendable {
    public let channels: Int, height: Int, width: Int
    public let kernelH: Int, kernelW: Int
    public let strideH: Int, strideW: Int
    public let padH: Int, padW: Int

    public init(channels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int,
                strideH: Int, strideW: Int, padH: Int, padW: Int) {
        self.channels = channels; self.height = height; self.width = width
        self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW
        self.padH = padH; self.padW = padW
    }

    public var outHeight: Int { (height + 2 * padH - kernelH) / strideH + 1 }
    public var outWidth: Int { (width + 2 * padW - kernelW) / strideW + 1 }
    /// Rows of the column matrix: C * KH * KW.
    public var patchSize: Int { channels * kernelH * kernelW }
    public var outPixels: Int { outHeight * outWidth }
}

/// Unfolds one image [C, H, W] into columns [C*KH*KW, Ho*Wo], written with row stride `ld`
/// (so several images can sit side by side in one matrix). Zero padding.
func im2col(_ image: UnsafePointer<Float>, _ g: ConvGeometry, into cols: UnsafeMutablePointer<Float>, ld: Int) {
    let (ho, wo) = (g.outHeight, g.outWidth)
    // (stride 1 and wo == width mean kernelW == 2 * padW + 1: every shift is under the width
    // when padW is)
    if g.strideH == 1 && g.strideW == 1 && wo == g.width && g.padW < g.width {
        im2colSameWidth(image, g, into: cols, ld: ld)
        return
    }
    var row = 0
    for c in 0..<g.channels {
        let plane = image + c * g.height * g.width
        for ki in 0..<g.kernelH {
            for kj in 0..<g.kernelW {
                let dst = cols + row * ld
                for oi in 0..<ho {
                    let ii = oi * g.strideH - g.padH + ki
                    let out = dst + oi * wo
                    if ii < 0 || ii >= g.height {
                        out.update(repeating: 0, count: wo)
                        continue
                    }
                    let src = plane + ii * g.width
                    if g.strideW == 1 {
                        // a shifted copy of one input row, zeros where the window leaves it
                        // inline loops: rows are short (14-28 values), too short for memmove calls
                        let shift = kj - g.padW
                        let lo = min(max(0, -shift), wo), hi = max(min(wo, g.width - shift), lo)
                        var j = 0
                        while j < lo { out[j] = 0; j += 1 }
                        let from = src + shift
                        while j < hi { out[j] = from[j]; j += 1 }
                        while j < wo { out[j] = 0; j += 1 }
                    } else {
                        for oj in 0..<wo {
                            let jj = oj * g.strideW - g.padW + kj
                            out[oj] = (jj >= 0 && jj < g.width) ? src[jj] : 0
                        }
                    }
                }
                row += 1
            }
        }
    }
}

/// im2col for stride 1 when output rows are as wide as input rows (3x3 with padding 1 and the
/// like): each column-matrix row is then the input plane shifted by a constant offset, so it
/// is one long copy followed by zeroing the few columns that wrapped around a row edge.
/// Measured on the residual CNN: the row-by-row copy of 7-28 values took a fifth of a
/// training step; this takes a fraction of that.
private func im2colSameWidth(_ image: UnsafePointer<Float>, _ g: ConvGeometry,
                             into cols: UnsafeMutablePointer<Float>, ld: Int) {
    let (ho, w) = (g.outHeight, g.width)
    let planeSize = g.height * w
    var row = 0
    for c in 0..<g.channels {
        let plane = image + c * planeSize
        for ki in 0..<g.kernelH {
            // output rows whose input row oi + ki - padH lies inside the image
            let first = min(max(0, g.padH - ki), ho), end = max(min(ho, g.height + g.padH - ki), first)
            for kj in 0..<g.kernelW {
                let dst = cols + row * ld
                let shift = kj - g.padW
                dst.update(repeating: 0, count: first * w)
                if end > first {
                    let count = (end - first) * w
                    let start = (first + ki - g.padH) * w + shift
                    // source positions outside the plane can only be wrapped edge columns,
                    // which are zeroed below, so the copy is clamped to the plane
                    let lo = max(0, -start), hi = min(count, planeSize - start)
                    if hi > lo { (dst + first * w + lo).update(from: plane + start + lo, count: hi - lo) }
                    if shift < 0 {
                        for r in first..<end { (dst + r * w).update(repeating: 0, count: -shift) }
                    } else if shift > 0 {
                        for r in first..<end { (dst + r * w + w - shift).update(repeating: 0, count: shift) }
                    }
                }
                (dst + end * w).update(repeating: 0, count: (ho - end) * w)
                row += 1
            }
        }
    }
}

/// The adjoint of im2col: adds columns [C*KH*KW, Ho*Wo] (row stride `ld`) back into an
/// image gradient [C, H, W].
func col2imAdd(_ cols: UnsafePointer<Float>, ld: Int, _ g: ConvGeometry, into image: UnsafeMutablePointer<Float>) {
    let (ho, wo) = (g.outHeight, g.outWidth)
    var row = 0
    for c in 0..<g.channels {
        let plane = image + c * g.height * g.width
        for ki in 0..<g.kernelH {
            for kj in 0..<g.kernelW {
                let src = cols + row * ld
                for oi in 0..<ho {
                    let ii = oi * g.strideH - g.padH + ki
                    if ii < 0 || ii >= g.height { continue }
                    let dst = plane + ii * g.width
                    let col = src + oi * wo
                    if g.strideW == 1 {
                        let shift = kj - g.padW
                        let lo = max(0, -shift), hi = min(wo, g.width - shift)
                        if hi > lo { for oj in lo..<hi { dst[oj + shift] += col[oj] } }
                    } else {
                        for oj in 0..<wo {
                            let jj = oj * g.strideW - g.padW + kj
                            if jj >= 0 && jj < g.width { dst[jj] += col[oj] }
                        }
                    }
                }
                row += 1
            }
        }
    }
}

/// Splits 0..<n into one contiguous range per worker (at most the core count, and fewer
/// when a worker would get under `minimumPerWorker` items) and runs `body(worker, range)`
/// for each on its own thread; `worker` indexes per-thread scratch. Never call
/// multithreaded BLAS from inside `body`.
@inline(__always)
func parallelRanges(_ n: Int, minimumPerWorker: Int = 1,
                    _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
    let workers = min(kernelThreads, n / max(minimumPerWorker, 1))
    if workers <= 1 {
        if n > 0 { body(0, 0..<n) }
        return
    }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: workers) { t in
            body(t, (n * t / workers)..<(n * (t + 1) / workers))
        }
    }
}

/// Runs `body(i)` for i in 0..<n, split across the cores as `parallelRanges` does.
@inline(__always)
func parallelFor(_ n: Int, minimumPerThread: Int = 1, _ body: (Int) -> Void) {
    parallelRanges(n, minimumPerWorker: minimumPerThread) { _, range in
        for i in range { body(i) }
    }
}

var parallelWorkers: Int { kernelThreads }

/// The threads of lwscript's own kernels: the cores, or LWSCRIPT_THREADS when set, or what
/// setKernelThreads chose. Results depend on it (sums split across threads add up in another
/// order), so a study fixes it per cell (docs/experiment.md, "Threads").
nonisolated(unsafe) var kernelThreads: Int = {
    if let v = getenv("LWSCRIPT_THREADS"), let n = Int(String(cString: v)), n >= 1 { return min(n, 256) }
    return ProcessInfo_activeCores
}()

public func setKernelThreads(_ n: Int) { kernelThreads = max(1, min(n, 256)) }
public var currentKernelThreads: Int { kernelThreads }

let ProcessInfo_activeCores: Int = {
    #if canImport(Glibc)
    return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    #else
    return 1
    #endif
}()
