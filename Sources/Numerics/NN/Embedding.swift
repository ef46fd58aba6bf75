/// A lookup table: 1-based indices (as Lua sees them, stored as floats) -> rows of the
/// weight. Shapes: indices [*], weight [V, E], output [*, E]. Initialised N(0, 1) as PyTorch.
public final class Embedding: Module {
    public let count: Int, dim: Int
    public let weight: Tensor

    public init(_ count: Int, _ dim: Int, generator: Generator = .shared) throws {
        guard count > 0, dim > 0 else { throw TensorError("sizes must be positive, got \(count), \(dim)") }
        self.count = count
        self.dim = dim
        weight = Init.parameter(try Init.normal([count, dim], generator: generator))
    }

    public override var kind: String { "Embedding" }
    public override var summary: String { "Embedding(\(count), \(dim))" }
    public override var namedParameters: [(String, Tensor)] { [("weight", weight)] }

    public override func forward(_ x: Tensor) throws -> Tensor {
        let idx = try x.contiguous()
        var rows = [Int](repeating: 0, count: idx.count)
        for i in 0..<idx.count {
            let v = idx.pointer[i]
            guard v.isFinite, v == v.rounded(), v >= 1, v <= Float(count) else {
                throw TensorError("\(summary): index \(describeNumber(Double(v))) out of range 1..\(count)")
            }
            rows[i] = Int(v) - 1
        }
        let e = dim
        let y = try Tensor(uninitializedShape: x.shape + [e])
        let wc = try weight.contiguous()
        for (i, r) in rows.enumerated() { (y.pointer + i * e).update(from: wc.pointer + r * e, count: e) }
        let w = weight
        return y.recordingGradient(kind, inputs: [w]) { [count] gy in
            let g = try gy.contiguous()
            let gw = try Tensor(shape: [count, e], repeating: 0)
            for (i, r) in rows.enumerated() {
                let dst = gw.pointer + r * e, src = g.pointer + i * e
                for j in 0..<e { dst[j] += src[j] }
            }
            return [gw]
        }
    }
}
