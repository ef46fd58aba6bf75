/// A flat, owned buffer of Float32 values. Tensors are views (shape, strides, offset) into
/// one storage; several tensors may share it, as in Torch (`narrow`, `select`, `t()`).
public final class TensorStorage {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>
    /// Bumped by every in-place write made on the user's behalf (fill, set, copy, t[i] = v),
    /// so autograd can tell when a tensor it saved for backward has changed since.
    public var version = 0

    /// Bytes held by all live storages; the Lua bridge uses it to run the collector, which
    /// only sees the small userdata and not the buffers behind them.
    nonisolated(unsafe) public static var liveBytes = 0

    /// Uninitialised storage: callers fill every element before reading.
    public init(uninitializedCount count: Int) {
        self.count = count
        // 64-byte alignment lets the compiler's vector loops and BLAS use aligned loads.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        self.base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        TensorStorage.liveBytes += count * 4
    }

    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    deinit {
        TensorStorage.liveBytes -= count * 4
        UnsafeMutableRawPointer(base).deallocate()
    }
}
