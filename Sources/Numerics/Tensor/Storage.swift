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

    /// Uninitialised storage for the elements of `shape`: callers fill every element before
    /// reading. The one way to get tensor memory: it throws, through `MemoryGuard`, when the
    /// size is past the limits or the system has no memory for it, so no kernel can allocate
    /// without a `try`. `shape` is what the message names ("a 100000x100000 tensor").
    public init(uninitializedShape shape: [Int], what: String = "tensor") throws {
        let count = try MemoryGuard.elements(of: shape, what: what)
        self.count = count
        guard let raw = BufferCache.allocate(byteCount: max(count, 1) * 4) else {
            throw MemoryGuard.failure(shape: shape, what: what, reason: "out of memory")
        }
        self.base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        TensorStorage.liveBytesCounter.add(count * 4, ordering: .relaxed)
    }

    /// One element: no limit can refuse it (and a failed allocation of a few bytes ends the
    /// process, as for any Swift object).
    convenience init(scalar value: Float) {
        try! self.init(uninitializedShape: [])
        base.initialize(to: value)
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

    /// A buffer of `byteCount` bytes, or nil when the system has none (after returning the
    /// cached buffers to it and trying again).
    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer? {
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
        // posix_memalign, not UnsafeMutableRawPointer.allocate: that one ends the process
        // when the memory is not there.
        var p: UnsafeMutableRawPointer?
        if posix_memalign(&p, 64, byteCount) == 0, let p { return p }
        if cachedBytes > 0 {
            clear()
            if posix_memalign(&p, 64, byteCount) == 0, let p { return p }
        }
        return nil
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
        Foundation.free(p)
    }

    /// Returns every cached buffer to the system.
    public static func clear() {
        lock.lock()
        defer { lock.unlock() }
        for (_, list) in free { for p in list { Foundation.free(p) } }
        free = [:]
        cachedBytes = 0
    }
}

/// The guard every tensor allocation goes through (`TensorStorage.init(uninitializedShape:)`):
/// an impossible size is a `TensorError`, never an abort. Limits, per allocation (a tensor, a
/// column buffer, a gradient):
/// - at most `Tensor.maxElements` (2^31 - 1) elements, 8.6 GB: BLAS counts in 32 bits, and
///   the limit catches typos such as 1e12;
/// - at most the machine's physical memory (no swap is assumed: a buffer larger than the
///   memory cannot be filled).
/// A size within both that the system still refuses (a `ulimit -v`, memory taken by others)
/// is an error too ("out of memory"). Documented in docs/tensor.md (Limits).
public enum MemoryGuard {
    /// Bytes of physical memory (0 when unknown, then only the element limit applies).
    public static let physicalBytes: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 0 }
        let (b, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? Int.max : b
    }()

    /// The memory limit in bytes: the physical memory (tests lower it).
    nonisolated(unsafe) public static var memoryLimit = physicalBytes > 0 ? physicalBytes : Int.max

    /// The number of elements of `shape`, or the error that refuses it. `what` names the
    /// buffer in the message ("tensor", "column buffer").
    @inline(__always)
    public static func elements(of shape: [Int], what: String = "tensor") throws -> Int {
        guard shape.count <= Tensor.maxDimensions else {
            throw TensorError("cannot allocate a \(what) of \(shape.count) dimensions (a tensor has at most \(Tensor.maxDimensions))")
        }
        var n = 1
        for s in shape {
            let (m, overflow) = n.multipliedReportingOverflow(by: s)
            guard !overflow, s >= 0, m <= Tensor.maxElements else {
                throw failure(shape: shape, what: what, reason: s < 0 ? "negative size" : elementLimit)
            }
            n = m
        }
        guard n <= memoryLimit / 4 else {
            throw failure(shape: shape, what: what, reason: "more than the machine's \(describeBytes(Double(memoryLimit))) of memory")
        }
        return n
    }

    /// Checks memory that several allocations will take together (a layer's parameters):
    /// `bytes` against the memory limit.
    public static func checkTotal(bytes: Double, for what: String) throws {
        guard bytes <= Double(memoryLimit) else {
            throw TensorError("cannot allocate \(describeBytes(bytes)) for \(what) "
                              + "(more than the machine's \(describeBytes(Double(memoryLimit))) of memory)")
        }
    }

    static let elementLimit = "a tensor holds at most \(Tensor.maxElements) elements"

    /// "cannot allocate 40.0 GB for a 100000x100000 tensor (reason)"; without the size when
    /// the element count does not fit in an Int.
    static func failure(shape: [Int], what: String, reason: String) -> TensorError {
        var n = 1, overflow = false
        for s in shape where !overflow { (n, overflow) = n.multipliedReportingOverflow(by: max(s, 0)) }
        let (bytes, o2) = n.multipliedReportingOverflow(by: 4)
        let size = overflow || o2 ? "" : "\(describeBytes(Double(bytes))) for "
        return TensorError("cannot allocate \(size)a \(describeShape(shape)) \(what) (\(reason))")
    }

    /// Bytes in decimal units with one decimal: "40.0 GB", "512.0 kB", "16.0 TB".
    public static func describeBytes(_ b: Double) -> String {
        if b < 1000 { return "\(Int(b)) bytes" }
        var v = b / 1000
        for unit in ["kB", "MB", "GB", "TB", "PB"] {
            if v < 999.95 { return String(format: "%.1f", v) + " " + unit }
            v /= 1000
        }
        return String(format: "%.1f", v) + " EB"
    }
}
