extension Pool2d {
    /// Max pooling of [B, C, H, W], optionally of relu(x). argmax[k] is the flat index within
    /// the input plane of output k's winner, or -1 when (with `reluInput`) the winner is not
    /// positive and no gradient flows; it lives in a tensor buffer (reused across steps by the
    /// buffer cache) viewed as Int32. A NaN wins a window, as in PyTorch; after a ReLU there
    /// are none.
    func maxPool(_ x: Tensor, outHeight ho: Int, outWidth wo: Int, reluInput: Bool) throws -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let xc = try x.contiguous()
        let y = try Tensor(uninitializedShape: [b, c, ho, wo])
        let planes = b * c, count = planes * ho * wo
        let (kh, kw, sh, sw, ph, pw) = (kernel.0, kernel.1, stride.0, stride.1, padding.0, padding.1)
        let xp = xc.pointer, yp = y.pointer
        let argmax = try TensorStorage(uninitializedShape: [b, c, ho, wo], what: "index buffer")
        let fast2x2 = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0
        let inputEnd = UnsafePointer(xp + planes * h * w)
        // the lanes past a row's last windows, made once: Swift builds such a mask lane by lane
        // through memory, which cost 3x the pooling when it was made per row
        let tailLanes = SIMD4<Int32>(0, 1, 2, 3) .>= Int32(wo % 4)
        @inline(__always) func input(_ v: Float) -> Float { reluInput ? (v > 0 ? v : 0) : v }
        argmax.base.withMemoryRebound(to: Int32.self, capacity: max(count, 1)) { am in
            if fast2x2 {
                // The common case (2x2 windows, stride 2, no padding): four loads per output
                // and no bounds checks.
                parallelRanges(planes) { _, range in
                    for pl in range {
                        let src = xp + pl * h * w
                        for oi in 0..<ho {
                            let r0 = src + 2 * oi * w, r1 = r0 + w
                            let out = yp + (pl * ho + oi) * wo
                            let idx = am + (pl * ho + oi) * wo
                            @inline(__always) func window(_ oj: Int) {
                                let j = 2 * oj, i0 = 2 * oi * w + j, i1 = i0 + w
                                let v0 = input(r0[j]), v1 = input(r0[j + 1]), v2 = input(r1[j]), v3 = input(r1[j + 1])
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
                                idx[oj] = reluInput && !(best > 0) ? -1 : Int32(at)
                            }
                            // Four windows at a time in the lanes of SIMD4s: the same comparisons
                            // in the same order, lane by lane, and no branches on the data; the
                            // first `lanes` are stored. A group with a NaN goes through `window`.
                            @inline(__always) func group(_ oj: Int, _ lanes: Int, _ a0: SIMD4<Float>, _ a1: SIMD4<Float>,
                                                         _ a2: SIMD4<Float>, _ a3: SIMD4<Float>) {
                                var (v0, v1, v2, v3) = (a0, a1, a2, a3)
                                let sum = v0 + v1 + v2 + v3
                                if any(sum .!= sum) {
                                    for k in oj..<(oj + lanes) { window(k) }
                                    return
                                }
                                if reluInput {
                                    let zero = SIMD4<Float>(repeating: 0)
                                    v0 = zero.replacing(with: v0, where: v0 .> zero)
                                    v1 = zero.replacing(with: v1, where: v1 .> zero)
                                    v2 = zero.replacing(with: v2, where: v2 .> zero)
                                    v3 = zero.replacing(with: v3, where: v3 .> zero)
                                }
                                var best = v0, code = SIMD4<Int32>(repeating: 0)
                                let t1 = v1 .> best; best.replace(with: v1, where: t1); code.replace(with: 1, where: t1)
                                let t2 = v2 .> best; best.replace(with: v2, where: t2); code.replace(with: 2, where: t2)
                                let t3 = v3 .> best; best.replace(with: v3, where: t3); code.replace(with: 3, where: t3)
                                // window offsets 0, 1, w, w + 1 from codes 0-3
                                let first = Int32(2 * oi * w + 2 * oj) &+ SIMD4<Int32>(0, 2, 4, 6)
                                var at = first &+ (code & 1) &+ (code &>> 1) &* Int32(w)
                                if reluInput { at.replace(with: -1, where: .!(best .> 0)) }
                                if lanes == 4 {
                                    UnsafeMutableRawPointer(out + oj).storeBytes(of: best, as: SIMD4<Float>.self)
                                    UnsafeMutableRawPointer(idx + oj).storeBytes(of: at, as: SIMD4<Int32>.self)
                                } else {
                                    for k in 0..<lanes { out[oj + k] = best[k]; idx[oj + k] = at[k] }
                                }
                            }
                            var oj = 0
                            while oj + 4 <= wo {
                                let j = 2 * oj
                                let a = UnsafeRawPointer(r0 + j).loadUnaligned(as: SIMD8<Float>.self)
                                let b = UnsafeRawPointer(r1 + j).loadUnaligned(as: SIMD8<Float>.self)
                                group(oj, 4, a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
                                oj += 4
                            }
                            if oj < wo {
                                // the last 1-3 windows: the same full loads, reading into the next
                                // row (lanes past the windows compare -inf and are not stored), but
                                // not past the tensor's end, where `window` takes them one by one
                                let j = 2 * oj, lanes = wo - oj
                                if r1 + j + 8 <= inputEnd {
                                    let a = UnsafeRawPointer(r0 + j).loadUnaligned(as: SIMD8<Float>.self)
                                    let b = UnsafeRawPointer(r1 + j).loadUnaligned(as: SIMD8<Float>.self)
                                    let none = SIMD4<Float>(repeating: -.infinity)
                                    group(oj, lanes, a.evenHalf.replacing(with: none, where: tailLanes),
                                          a.oddHalf.replacing(with: none, where: tailLanes),
                                          b.evenHalf.replacing(with: none, where: tailLanes),
                                          b.oddHalf.replacing(with: none, where: tailLanes))
                                } else {
                                    for k in oj..<wo { window(k) }
                                }
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
                                let v = input(src[ii * w + jj])
                                if v > best || at < 0 || v.isNaN { best = v; at = ii * w + jj; if v.isNaN { break } }
                            }
                        }
                        let k = (pl * ho + oi) * wo + oj
                        yp[k] = best
                        am[k] = reluInput && !(best > 0) ? -1 : Int32(at)
                    }
                }
            }
        }
        withExtendedLifetime(xc) {}
        return y.recordingGradient(reluInput ? "ReLU+" + kind : kind, inputs: [x]) { gy in
            let g = try gy.contiguous()
            let gp = g.pointer
            if fast2x2 {
                let gx = try Tensor(uninitializedShape: x.shape)
                argmax.base.withMemoryRebound(to: Int32.self, capacity: max(count, 1)) { am in
                    Pool2d.maxPool2x2Backward(gp, argmax: am, into: gx.pointer, planes: planes, height: h, width: w)
                }
                return [gx]
            }
            let gx = try Tensor(shape: x.shape, repeating: 0)
            argmax.base.withMemoryRebound(to: Int32.self, capacity: max(count, 1)) { am in
                parallelFor(planes, minimumPerThread: 4) { pl in
                    let dst = gx.pointer + pl * h * w
                    for k in 0..<(ho * wo) {
                        let idx = pl * ho * wo + k
                        if am[idx] >= 0 { dst[Int(am[idx])] += gp[idx] }
                    }
                }
            }
            return [gx]
        }
    }

    /// Backward of 2x2 / stride 2 max pooling: the windows tile the plane, so each pair of
    /// input rows is zeroed while it is in cache and the winners' gradients are stored into
    /// it, instead of zero-filling the whole gradient first and scattering into it.
    static func maxPool2x2Backward(_ g: UnsafePointer<Float>, argmax am: UnsafePointer<Int32>,
                                   into gx: UnsafeMutablePointer<Float>, planes: Int, height h: Int, width w: Int) {
        let (ho, wo) = (h / 2, w / 2)
        parallelRanges(planes) { _, range in
            for pl in range {
                let dst = gx + pl * h * w
                dst.update(repeating: 0, count: h * w)
                let k0 = pl * ho * wo
                for k in 0..<(ho * wo) {
                    // argmax indexes the plane; -1: the window's winner was not positive (fused ReLU)
                    let at = Int(am[k0 + k])
                    if at >= 0 { dst[at] = g[k0 + k] }
                }
            }
        }
    }
}
