#ifndef LWS_GEMM_NN_H
#define LWS_GEMM_NN_H
/* C (+)= A B for products too small for OpenBLAS to pay off, one thread's share per call: the
 * LSTM's backward products (dh = dG W_hh, 64 x 512 by 512 x 128, T of them a pass, and
 * OpenBLAS packs B again for each; dX = dG W_ih) and the channels-last Conv1d. B is read in panels of
 * 64 (or 48) columns, 6 (8) rows of A at a time, the sums in AVX-512 registers. AVX-512 when
 * lws_kernels_avx512 and N is a multiple of 16; otherwise a scalar loop with the same sums. */

/* C[m ldc + n] = (accumulate ? C[m ldc + n] : 0) + sum over k < K, in order, of
 * A[m lda + k] B[k ldb + n], with fused multiply-adds: the same bits however the rows are
 * split and on every path. B is packed panel by panel as it is read. */
void lws_gemm_nn(long M, long N, long K, const float *A, long lda, const float *B, long ldb,
                 float *C, long ldc, int accumulate);

/* For a B used many times (a layer's weights over a pass): packs B into `packed` (K N floats),
 * entry (k, n) read from B[k k_stride + n n_stride], so a B stored transposed (a weight
 * [N, K]) packs with k_stride 1, n_stride K. */
void lws_gemm_nn_pack(long K, long N, const float *B, long k_stride, long n_stride, float *packed);

/* lws_gemm_nn with B packed by lws_gemm_nn_pack(K, N, ...): the same bits. */
void lws_gemm_nn_packed(long M, long N, long K, const float *A, long lda, const float *packed,
                        float *C, long ldc, int accumulate);
#endif
