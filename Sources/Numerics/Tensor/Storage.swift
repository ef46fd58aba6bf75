/// A flat, owned buffer of Float32 values. Tensors are views (shape, strides, offset) into
/// one storage; several tensors may share it, as in Torch (`narrow`, `select`, `t()`).
public final class TensorStorage {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    /// Uninitialised storage: callers fill every element before reading.
    public init(uninitializedCount count: Int) {
        self.count = count
        // 64-byte alignment lets the compiler's vector loops and BLAS use aligned loads.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        self.base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}
