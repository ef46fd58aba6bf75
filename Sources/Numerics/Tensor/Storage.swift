import Foundation
import Synchronization

/// A flat, owned buffer of Float32 values. Tensors are views (shape, strides, offset) into
/// one storage; several tensors may share it, as in Torch (`narrow`, `select`, `t()`).
public final class TensorStorage {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>
    /// Bumped by every in-place write made on the user's behalf (fill, set, copy, t[i] = v),
    /// so autograd can tell when a tensor it saved for backward has changed since.
    public var version = 0

    /// Bytes held by all live storages; the Lua bridge uses it to run the collector, which
    /// only sees the small userdata and not the buffers behind them. Atomic: batches are
    /// prepared on a background thread while Lua runs.
    public static var liveBytes: Int { liveBytesCounter.load(ordering: .relaxed) }
    private static let liveBytesCounter = Atomic<Int>(0)

    /// Uninitialised storage: callers fill every element before reading.
    public init(uninitializedCount count: Int) {
        self.count = count
        let raw = BufferCache.allocate(byteCount: max(count, 1) * 4)
        self.base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        TensorStorage.liveBytesCounter.add(count * 4, ordering: .relaxed)
    }

    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    deinit {
        TensorStorage.liveBytesCounter.subtract(count * 4, ordering: .relaxed)
        BufferCache.release(UnsafeMutableRawPointer(base), byteCount: max(count, 1) * 4)
    }
}

/// Keeps freed large buffers for reuse by the next allocation of the same size. A training
/// step allocates the same activation and gradient sizes every step; reusing them avoids
/// the page faults and kernel page-zeroing of fresh memory (measured: element-wise passes
/// over 13 MB activations were dominated by stores into new pages). Buffers under 64 KiB go
/// straight to the system allocator, and at most `limit` bytes are kept.
public enum BufferCache {
    static let minimumSize = 64 << 10
    nonisolated(unsafe) public static var limit = 1 << 30
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) public private(set) static var cachedBytes = 0
    private static let lock = NSLock()

    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        if byteCount >= minimumSize {
            lock.lock()
            if let p = free[byteCount]?.popLast() {
                cachedBytes -= byteCount
                lock.unlock()
                return p
            }
            lock.unlock()
        }
        // 64-byte alignment lets the compiler's vector loops and BLAS use aligned loads.
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
    }

    static func release(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= minimumSize {
            lock.lock()
            if cachedBytes + byteCount <= limit {
                free[byteCount, default: []].append(p)
                cachedBytes += byteCount
                lock.unlock()
                return
            }
            lock.unlock()
        }
        p.deallocate()
    }

    /// Returns every cached buffer to the system.
    public static func clear() {
        lock.lock()
        defer { lock.unlock() }
        for (_, list) in free { for p in list { p.deallocate() } }
        free = [:]
        cachedBytes = 0
    }
}
