extension Tensor {
    /// True when every |a - b| <= atol + rtol * |b| after broadcasting (PyTorch's `allclose`).
    /// NaN is never close to anything unless `equalNaN`.
    public func allClose(_ other: Tensor, rtol: Float = 1e-5, atol: Float = 1e-8, equalNaN: Bool = false) throws -> Bool {
        let close = try mapBinary(self, other) { a, b in
            if a.isNaN || b.isNaN { return equalNaN && a.isNaN && b.isNaN ? 1 : 0 }
            if a == b { return 1 }   // equal infinities
            return Swift.abs(a - b) <= atol + rtol * Swift.abs(b) ? 1 : 0
        }
        let p = close.pointer
        for i in 0..<close.count where p[i] == 0 { return false }
        return true
    }

}
