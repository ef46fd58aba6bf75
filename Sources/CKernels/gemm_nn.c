#include "gemm_nn.h"
#include "cpu.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define TARGET __attribute__((target("avx512f")))

/* MR rows x NV vectors (16 columns each) of C. */
TARGET static inline __attribute__((always_inline)) void tile(
        long K, const float *A, long lda, const float *B, long ldb, float *C, long ldc, int accumulate,
        const int MR, const int NV) {
    __m512 acc[12][2];
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < NV; v++)
            acc[i][v] = accumulate ? _mm512_loadu_ps(C + i * ldc + v * 16) : _mm512_setzero_ps();
    for (long k = 0; k < K; k++) {
        __m512 b[2];
        for (int v = 0; v < NV; v++) b[v] = _mm512_loadu_ps(B + k * ldb + v * 16);
        for (int i = 0; i < MR; i++) {
            const __m512 a = _mm512_set1_ps(A[i * lda + k]);
            for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
        }
    }
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < NV; v++) _mm512_storeu_ps(C + i * ldc + v * 16, acc[i][v]);
}

TARGET static void tile_any(long K, const float *A, long lda, const float *B, long ldb, float *C, long ldc,
                            int accumulate, int mr, int nv) {
#define T(MR_) do { if (nv == 2) tile(K, A, lda, B, ldb, C, ldc, accumulate, MR_, 2); \
                    else tile(K, A, lda, B, ldb, C, ldc, accumulate, MR_, 1); } while (0)
    switch (mr) {
    case 1: T(1); break;  case 2: T(2); break;   case 3: T(3); break;   case 4: T(4); break;
    case 5: T(5); break;  case 6: T(6); break;   case 7: T(7); break;   case 8: T(8); break;
    case 9: T(9); break;  case 10: T(10); break; case 11: T(11); break; case 12: T(12); break;
    }
#undef T
}

/* panels of 32 columns outside, rows inside: a panel of B (K x 32 floats, 16 KB for K = 128)
 * stays in L1 while every block of 12 rows passes */
TARGET static void gemm_nn_avx512(long M, long N, long K, const float *A, long lda, const float *B, long ldb,
                                  float *C, long ldc, int accumulate) {
    for (long n = 0; n < N; n += 32) {
        const int nv = N - n >= 32 ? 2 : 1;
        for (long m = 0; m < M; m += 12) {
            const int mr = (int)(M - m < 12 ? M - m : 12);
            tile_any(K, A + m * lda, lda, B + n, ldb, C + m * ldc + n, ldc, accumulate, mr, nv);
        }
    }
}
#endif

void lws_gemm_nn(long M, long N, long K, const float *A, long lda, const float *B, long ldb,
                 float *C, long ldc, int accumulate) {
#if defined(__x86_64__)
    if (lws_kernels_avx512() && N % 16 == 0) { gemm_nn_avx512(M, N, K, A, lda, B, ldb, C, ldc, accumulate); return; }
#endif
    for (long m = 0; m < M; m++)   /* the same sums in the same order */
        for (long n = 0; n < N; n++) {
            float s = accumulate ? C[m * ldc + n] : 0.0f;
            for (long k = 0; k < K; k++) s = __builtin_fmaf(A[m * lda + k], B[k * ldb + n], s);
            C[m * ldc + n] = s;
        }
}
