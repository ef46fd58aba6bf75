/// An n-dimensional Float32 tensor: a strided view into a `TensorStorage`.
///
/// Row-major by default. Views (`transpose`, `narrow`, `select`, `expand`) share storage;
/// kernels call `contiguous()` first when they need packed memory. Shape letters used in
/// comments across Numerics: B batch, C channels/classes, H height, W width, T time, D features.
public final class Tensor {
    public let storage: TensorStorage
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int
    public let count: Int

    // Autograd (see Numerics/Autograd): whether gradients flow to this tensor, the
    // accumulated gradient of a leaf, and the node that computed a non-leaf.
    public var requiresGrad = false
    public var grad: Tensor?
    public var gradFn: GradNode?
    public var isLeaf: Bool { gradFn == nil }

    /// The largest number of elements a tensor may hold (8 GiB of Float32): a guard against
    /// typos like 1e12, and it keeps every size within BLAS's 32-bit integers.
    public static let maxElements = Int(Int32.max)

    /// The largest number of dimensions a tensor may have, as in PyTorch (and NumPy 2): code
    /// that walks dimensions (printing, nested tables) stays shallow, and a file that declares
    /// 22,000 dimensions is an error, not a crash.
    public static let maxDimensions = 64

    public init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.count = shape.reduce(1, *)
    }

    /// A new contiguous tensor with uninitialised values; fill before reading. Throws when
    /// the size is impossible (see `MemoryGuard`): every new tensor comes from here.
    public convenience init(uninitializedShape shape: [Int]) throws {
        self.init(storage: try TensorStorage(uninitializedShape: shape), shape: shape,
                  strides: Tensor.contiguousStrides(shape), offset: 0)
    }

    public convenience init(shape: [Int], repeating value: Float) throws {
        try self.init(uninitializedShape: shape)
        storage.base.initialize(repeating: value, count: count)
    }

    /// A contiguous tensor holding `values` (row-major) with the given shape.
    public convenience init(shape: [Int], values: [Float]) throws {
        let n = shape.reduce(1, *)
        guard n == values.count else {
            throw TensorError("\(values.count) values do not fill shape \(describeShape(shape)) (\(n) elements)")
        }
        try self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { src in
            if n > 0 { storage.base.update(from: src.baseAddress!, count: n) }
        }
    }

    /// A 0-dimensional tensor holding one number.
    public convenience init(scalar: Float) {
        self.init(storage: TensorStorage(scalar: scalar), shape: [], strides: [], offset: 0)
    }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = acc
            acc *= max(shape[d], 1)
        }
        return strides
    }

    /// Checks sizes a user asked for: non-negative and not absurdly large.
    public static func validateShape(_ shape: [Int]) throws {
        try checkRank(shape.count)
        var n = 1
        for s in shape {
            guard s >= 0 else { throw TensorError("sizes must be non-negative, got \(describeShape(shape))") }
            let (m, overflow) = n.multipliedReportingOverflow(by: s)
            guard !overflow, m <= maxElements else {
                throw TensorError("shape \(describeShape(shape)) is too large")
            }
            n = m
        }
    }

    /// Throws unless `rank` is at most `maxDimensions`.
    @inline(__always)
    public static func checkRank(_ rank: Int) throws {
        guard rank <= maxDimensions else {
            throw TensorError("a tensor has at most \(maxDimensions) dimensions, got \(rank)")
        }
    }

    public var rank: Int { shape.count }

    public var isContiguous: Bool {
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if strides[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }

    /// Pointer to the first element of this view.
    public var pointer: UnsafeMutablePointer<Float> { storage.base + offset }

    /// This tensor if it is packed row-major, else a packed copy.
    public func contiguous() throws -> Tensor {
        if isContiguous { return self }
        let out = try Tensor(uninitializedShape: shape)
        copyStrided(from: self, into: out.pointer)
        return out
    }

    /// A packed copy that never shares storage with this tensor.
    public func clone() throws -> Tensor {
        let out = try Tensor(uninitializedShape: shape)
        copyStrided(from: self, into: out.pointer)
        return out
    }

    /// The values in row-major order.
    public func toArray() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buf, n in
            if let base = buf.baseAddress { copyStrided(from: self, into: base) }
            n = count
        }
    }

    /// The single value of a tensor with one element (any shape).
    public func item() throws -> Float {
        guard count == 1 else {
            throw TensorError("expected a tensor with one element, got size \(describeShape(shape))")
        }
        return pointer[linearOffset(ofFlat: 0)]
    }

    /// Storage offset (relative to `pointer`) of the element at a row-major position.
    public func linearOffset(ofFlat flat: Int) -> Int {
        var rest = flat
        var off = 0
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            let s = shape[d]
            off += (rest % s) * strides[d]
            rest /= s
        }
        return off
    }

    /// Element at 0-based indices (one per dimension), checked.
    public func element(at index: [Int]) throws -> Float {
        pointer[try offsetOf(index)]
    }

    public func setElement(_ value: Float, at index: [Int]) throws {
        pointer[try offsetOf(index)] = value
    }

    private func offsetOf(_ index: [Int]) throws -> Int {
        guard index.count == shape.count else {
            throw TensorError("expected \(shape.count) indices for a tensor of size \(describeShape(shape)), got \(index.count)")
        }
        var off = 0
        for d in 0..<index.count {
            guard index[d] >= 0 && index[d] < shape[d] else {
                throw TensorError("index \(index[d] + 1) out of range for dimension \(d + 1) of size \(shape[d])")
            }
            off += index[d] * strides[d]
        }
        return off
    }
}

/// Copies any strided view into packed row-major memory.
func copyStrided(from t: Tensor, into dst: UnsafeMutablePointer<Float>) {
    if t.count == 0 { return }
    if t.isContiguous {
        dst.update(from: t.pointer, count: t.count)
        return
    }
    forEachRow(shape: t.shape, strides: [t.strides]) { offsets, n, flat in
        let src = t.pointer + offsets[0]
        let s = t.strides.last ?? 1
        let out = dst + flat
        for i in 0..<n { out[i] = src[i * s] }
    }
}

/// Walks the rows (last dimension) of an n-d index space. For each row it passes the storage
/// offset of the row's first element in every operand (each operand has its own strides over
/// the same shape), the row length and the row-major flat index of the row's first element.
@inline(__always)
func forEachRow(shape: [Int], strides: [[Int]],
                _ body: (_ offsets: [Int], _ n: Int, _ flat: Int) -> Void) {
    let rank = shape.count
    let total = shape.reduce(1, *)
    if total == 0 { return }
    if rank == 0 {
        body([Int](repeating: 0, count: strides.count), 1, 0)
        return
    }
    let n = shape[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var offsets = [Int](repeating: 0, count: strides.count)
    var flat = 0
    while flat < total {
        body(offsets, n, flat)
        flat += n
        // advance the odometer over dimensions 0..<rank-1
        var d = rank - 2
        while d >= 0 {
            index[d] += 1
            for k in 0..<strides.count { offsets[k] += strides[k][d] }
            if index[d] < shape[d] { break }
            for k in 0..<strides.count { offsets[k] -= strides[k][d] * shape[d] }
            index[d] = 0
            d -= 1
        }
    }
}
