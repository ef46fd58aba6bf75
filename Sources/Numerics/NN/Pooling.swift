/// 2-D max and average pooling over [B, C, H, W], and global average pooling to [B, C].
public final class Pool2d: Module {
    public enum Mode: String, Sendable { case max = "MaxPool2d", average = "AvgPool2d" }
    public let mode: Mode
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)

    public init(_ mode: Mode, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws {
        let s = stride ?? kernel
        guard kernel.0 > 0, kernel.1 > 0, s.0 > 0, s.1 > 0, padding.0 >= 0, padding.1 >= 0 else {
            throw TensorError("nn.\(mode.rawValue): kernel and stride must be positive and padding non-negative")
        }
        guard padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
            throw TensorError("nn.\(mode.rawValue): padding must be at most half the kernel size")
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
    public override var constructor: String {
        "nn.\(kind)({\(kernel.0), \(kernel.1)}, {stride = {\(stride.0), \(stride.1)}, padding = {\(padding.0), \(padding.1)}})"
    }

    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4 else { throw TensorError("\(summary) expected input of size BxCxHxW, got \(describeShape(x.shape))") }
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard h + 2 * padding.0 >= kernel.0, w + 2 * padding.1 >= kernel.1 else {
            throw TensorError("\(summary): input \(h)x\(w) is smaller than the window")
        }
        let ho = (h + 2 * padding.0 - kernel.0) / stride.0 + 1
        let wo = (w + 2 * padding.1 - kernel.1) / stride.1 + 1
        let xc = x.contiguous()
        defer { withExtendedLifetime(xc) {} }   // xp points into it
        let y = Tensor(uninitializedShape: [b, c, ho, wo])
        let planes = b * c
        let (kh, kw, sh, sw, ph, pw) = (kernel.0, kernel.1, stride.0, stride.1, padding.0, padding.1)
        let xp = xc.pointer, yp = y.pointer
        switch mode {
        case .max:
            // argmax[k] = flat index within the input plane of the winner of output k, kept in
            // a tensor buffer (reused across steps by the buffer cache) viewed as Int32
            let count = planes * ho * wo
            let argmax = TensorStorage(uninitializedCount: count)
            let fast2x2 = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0
            argmax.base.withMemoryRebound(to: Int32.self, capacity: max(count, 1)) { am in
                if fast2x2 {
                    // The common case (2x2 windows, stride 2, no padding): four loads per
                    // output and no bounds checks. A NaN wins, as in the general path.
                    parallelRanges(planes) { _, range in
                        for pl in range {
                            let src = xp + pl * h * w
                            for oi in 0..<ho {
                                let r0 = src + 2 * oi * w, r1 = r0 + w
                                let out = yp + (pl * ho + oi) * wo
                                let idx = am + (pl * ho + oi) * wo
                                for oj in 0..<wo {
                                    let j = 2 * oj, i0 = 2 * oi * w + j, i1 = i0 + w
                                    let v0 = r0[j], v1 = r0[j + 1], v2 = r1[j], v3 = r1[j + 1]
                                    // branchless selects (random data mispredicts branches)
                                    var best = v0, at = i0
                                    let t1 = v1 > best; best = t1 ? v1 : best; at = t1 ? i0 + 1 : at
                                    let t2 = v2 > best; best = t2 ? v2 : best; at = t2 ? i1 : at
                                    let t3 = v3 > best; best = t3 ? v3 : best; at = t3 ? i1 + 1 : at
                                    if (v0 + v1 + v2 + v3).isNaN {
                                        // rare: a NaN (or +inf and -inf together); the first NaN wins
                                        for (v, i) in [(v0, i0), (v1, i0 + 1), (v2, i1), (v3, i1 + 1)] where v.isNaN {
                                            best = v; at = i
                                            break
                                        }
                                    }
                                    out[oj] = best
                                    idx[oj] = Int32(at)
                                }
                            }
                        }
                    }
                    return
                }
                parallelFor(planes, minimumPerThread: 4) { pl in
                    let src = xp + pl * h * w
                    for oi in 0..<ho {
                        for oj in 0..<wo {
                            var best = -Float.infinity, at = -1
                            for ki in 0..<kh {
                                let ii = oi * sh - ph + ki
                                if ii < 0 || ii >= h { continue }
                                for kj in 0..<kw {
                                    let jj = oj * sw - pw + kj
                                    if jj < 0 || jj >= w { continue }
                                    let v = src[ii * w + jj]
                                    if v > best || at < 0 || v.isNaN { best = v; at = ii * w + jj; if v.isNaN { break } }
                                }
                            }
                            let k = (pl * ho + oi) * wo + oj
                            yp[k] = best
                            am[k] = Int32(at)
                        }
                    }
                }
            }
            return y.recordingGradient(kind, inputs: [x]) { gy in
                let g = gy.contiguous()
                let gx = Tensor(shape: x.shape, repeating: 0)
                argmax.base.withMemoryRebound(to: Int32.self, capacity: max(count, 1)) { am in
                    parallelFor(planes, minimumPerThread: 4) { pl in
                        let dst = gx.pointer + pl * h * w
                        for k in 0..<(ho * wo) {
                            let idx = pl * ho * wo + k
                            dst[Int(am[idx])] += g.pointer[idx]
                        }
                    }
                }
                return [gx]
            }
        case .average:
            // count_include_pad = true, as PyTorch's default
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
                let g = gy.contiguous()
                let gx = Tensor(shape: x.shape, repeating: 0)
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
