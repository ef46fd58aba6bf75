#ifndef LWS_GEMM_NT_H
#define LWS_GEMM_NT_H
/* C = A B^T + bias for few rows of A: a Linear layer's forward pass, y = x W^T + b, at small
 * batches. OpenBLAS packs both operands for every product, which costs as much as the
 * product when A has 32 rows (32x784 by 784x256 ran at about 100 GFLOP/s of its 290); here
 * both A's and B's rows run along k and are read in place, 4 rows of A x 6 rows of B at a
 * time, with the sums over k in AVX-512 registers. AVX-512 only: elsewhere OpenBLAS does it. */

/* For rows m < M and columns n in [n0, n1): C[m ldc + n] = bias[n] (0 if bias is NULL) +
 * sum over k < K of A[m lda + k] B[n ldb + k], the k sum in 16 lanes, added in a fixed tree,
 * then the K % 16 left over in order: the same bits whichever thread or column range. */
void lws_gemm_nt(long M, long n0, long n1, long K, const float *A, long lda, const float *B, long ldb,
                 const float *bias, float *C, long ldc);
#endif
