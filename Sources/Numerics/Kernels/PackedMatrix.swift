import CKernels

/// A right-hand matrix B [K, N] packed once for many products C (+)= A B by lwscript's kernel
/// (Sources/CKernels/gemm_nn.c): a layer's weights over a pass, used by every block and every
/// time step. Why packed: read where it lies, B's rows are N floats apart, and for N = 512
/// they fall into a few of L1's sets and are fetched from L2 again for every 8 rows of A;
/// packed, the LSTM's recurrent product ran 1.13-1.26x faster. Results are the same bits
/// either way (sums in k order, fused multiply-adds).
struct PackedMatrix {
    let k: Int, n: Int
    private let storage: Tensor

    /// B(k, n) = base[k * kStride + n * nStride]: a weight W [N, K] used as W^T packs with
    /// kStride 1, nStride K.
    init(_ base: UnsafePointer<Float>, k: Int, n: Int, kStride: Int, nStride: Int) throws {
        (self.k, self.n) = (k, n)
        storage = try Tensor(uninitializedShape: [max(k * n, 1)])
        lws_gemm_nn_pack(k, n, base, kStride, nStride, storage.pointer)
    }

    /// C[i * ldc + j] = (accumulate ? C[i * ldc + j] : 0) + sum over k of A[i * lda + k] B(k, j),
    /// for the m rows of A.
    func product(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        lws_gemm_nn_packed(m, n, k, a, lda, storage.pointer, c, ldc, accumulate ? 1 : 0)
    }
}
