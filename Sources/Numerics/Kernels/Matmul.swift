import CBLAS

/// Single-precision GEMM on raw buffers: C[M,N] = alpha * op(A) op(B) + beta * C, row-major.
/// `lda`/`ldb`/`ldc` are row strides as BLAS defines them.
@inline(__always)
public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                  b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // BLAS would skip the product; make C = beta*C explicitly.
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Sets the thread count of OpenBLAS (0 leaves its default).
public func setBLASThreads(_ n: Int) {
    if n > 0 { openblas_set_num_threads(Int32(n)) }
}

/// Makes OpenBLAS's idle worker threads sleep at once instead of spinning. By default a worker
/// spins (calling sched_yield) for 2^28 cycles, about 0.1 s, after every multithreaded BLAS
/// call; with few cores that takes CPU from our own threads: the convolution workers (which
/// run single-threaded BLAS side by side) and the batch maker. Measured on 2 cores: the
/// spinning worker was 8.7% of a residual-CNN training step's CPU samples, and batching
/// added 6.8-8.0% to an MLP epoch with spinning, 5.2-5.9% without.
/// Sets OPENBLAS_THREAD_TIMEOUT=4 (2^4 cycles) unless the user set it, and restarts the
/// workers so they take it (CBLAS/shim.h). Call before any BLAS work runs on other threads;
/// later calls do nothing.
public func letIdleBLASWorkersSleep() { _ = blasWorkersConfigured }

private let blasWorkersConfigured: Bool = lws_openblas_idle_workers_sleep() == 1

/// Runs `body` with OpenBLAS single-threaded, for code that calls BLAS from several of its
/// own threads at once (multithreaded BLAS inside a parallel loop would oversubscribe the cores).
public func withSingleThreadedBLAS<T>(_ body: () throws -> T) rethrows -> T {
    let previous = Int(openblas_get_num_threads())
    if previous == 1 { return try body() }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(Int32(previous)) }
    return try body()
}

extension Tensor {
    /// How BLAS can read a 2-D view without copying: packed rows, or a transposed packed view.
    fileprivate func blasLayout() throws -> (tensor: Tensor, transposed: Bool, ld: Int) {
        precondition(rank == 2)
        let (r, c) = (shape[0], shape[1])
        if strides[1] == 1 && (strides[0] == c || r == 1) { return (self, false, max(c, 1)) }
        if strides[0] == 1 && (strides[1] == r || c == 1) { return (self, true, max(r, 1)) }
        let packed = try contiguous()
        return (packed, false, max(c, 1))
    }

    /// Matrix product (BLAS): 2-D x 2-D, 2-D x 1-D, batched 3-D x 3-D, and 3-D x 2-D.
    public func matmul(_ other: Tensor) throws -> Tensor {
        let a = self, b = other
        func mismatch() -> TensorError {
            TensorError("sizes \(describeShape(a.shape)) and \(describeShape(b.shape)) do not chain (inner sizes must agree)")
        }
        switch (a.rank, b.rank) {
        case (2, 2):
            guard a.shape[1] == b.shape[0] else { throw mismatch() }
            let out = try Tensor(uninitializedShape: [a.shape[0], b.shape[1]])
            try Tensor.gemm2D(a, b, into: out.pointer)
            return out
        case (2, 1):
            guard a.shape[1] == b.shape[0] else { throw mismatch() }
            return try a.matmul(b.reshape([b.shape[0], 1])).reshape([a.shape[0]])
        case (1, 2):
            guard a.shape[0] == b.shape[0] else { throw mismatch() }
            return try a.reshape([1, a.shape[0]]).matmul(b).reshape([b.shape[1]])
        case (1, 1):
            guard a.shape[0] == b.shape[0] else { throw mismatch() }
            return try a.reshape([1, a.shape[0]]).matmul(b.reshape([b.shape[0], 1])).reshape([])
        case (3, 3):
            guard a.shape[0] == b.shape[0] else {
                throw TensorError("batch sizes differ: \(describeShape(a.shape)) and \(describeShape(b.shape))")
            }
            guard a.shape[2] == b.shape[1] else { throw mismatch() }
            let (bs, m, n) = (a.shape[0], a.shape[1], b.shape[2])
            let out = try Tensor(uninitializedShape: [bs, m, n])
            for i in 0..<bs {
                try Tensor.gemm2D(try a.select(0, i), try b.select(0, i), into: out.pointer + i * m * n)
            }
            return out
        case (3, 2):
            guard a.shape[2] == b.shape[0] else { throw mismatch() }
            let (bs, m) = (a.shape[0], a.shape[1])
            return try a.reshape([bs * m, a.shape[2]]).matmul(b).reshape([bs, m, b.shape[1]])
        default:
            throw TensorError("expected 1-D, 2-D or batched 3-D tensors, got sizes \(describeShape(a.shape)) and \(describeShape(b.shape))")
        }
    }

    /// out[M,N] = a[M,K] b[K,N] for 2-D views; reads transposed views without copying.
    fileprivate static func gemm2D(_ a: Tensor, _ b: Tensor, into out: UnsafeMutablePointer<Float>) throws {
        let la = try a.blasLayout(), lb = try b.blasLayout()
        sgemm(transA: la.transposed, transB: lb.transposed, m: a.shape[0], n: b.shape[1], k: a.shape[1],
              a: la.tensor.pointer, lda: la.ld, b: lb.tensor.pointer, ldb: lb.ld,
              c: out, ldc: max(b.shape[1], 1))
    }
}
