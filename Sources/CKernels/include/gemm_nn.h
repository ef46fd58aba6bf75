#ifndef LWS_GEMM_NN_H
#define LWS_GEMM_NN_H
/* C (+)= A B for the LSTM's recurrent products, one thread's block of sequences per call:
 * h_{s-1} W_hh^T forward (B = W_hh^T, packed once per pass) and dG_s W_hh backward. These are
 * small (64 x 128 by 128 x 512) and come 2T times per pass; OpenBLAS packs B again for each
 * of them. Here B is read as it lies, [K][N] with N a multiple of 16, in panels of 32
 * columns, 12 rows of A at a time, the sums in AVX-512 registers. AVX-512 only (the caller
 * checks lws_kernels_avx512); elsewhere OpenBLAS does it. */

/* C[m ldc + n] = (accumulate ? C[m ldc + n] : 0) + sum over k < K, in order, of
 * A[m lda + k] B[k ldb + n], with fused multiply-adds: the same bits however the rows are
 * split. N must be a multiple of 16. */
void lws_gemm_nn(long M, long N, long K, const float *A, long lda, const float *B, long ldb,
                 float *C, long ldc, int accumulate);
#endif
