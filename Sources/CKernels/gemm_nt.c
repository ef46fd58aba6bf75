#include "gemm_nt.h"
#include "cpu.h"
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f")))

/* the 16 lanes' sum, in a fixed order */
TARGET static inline float hsum16(__m512 v) {
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
}

/* MR rows of A x NR rows of B. */
TARGET static inline __attribute__((always_inline)) void tile(
        long K, const float *A, long lda, const float *B, long ldb, const float *bias, float *C, long ldc,
        const int MR, const int NR) {
    __m512 acc[4][6];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = _mm512_setzero_ps();
    const long K16 = K & ~15L;
    for (long k = 0; k < K16; k += 16) {
        __m512 a[4];
        for (int i = 0; i < MR; i++) a[i] = _mm512_loadu_ps(A + i * lda + k);
        for (int j = 0; j < NR; j++) {
            const __m512 b = _mm512_loadu_ps(B + j * ldb + k);
            for (int i = 0; i < MR; i++) acc[i][j] = _mm512_fmadd_ps(a[i], b, acc[i][j]);
        }
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) {
            float s = hsum16(acc[i][j]);
            for (long k = K16; k < K; k++) s = __builtin_fmaf(A[i * lda + k], B[j * ldb + k], s);
            C[i * ldc + j] = (bias ? bias[j] : 0.0f) + s;
        }
}

TARGET static void tile_any(long K, const float *A, long lda, const float *B, long ldb, const float *bias,
                            float *C, long ldc, int mr, int nr) {
#define T(MR_, NR_) tile(K, A, lda, B, ldb, bias, C, ldc, MR_, NR_)
#define COLS(MR_) switch (nr) { case 1: T(MR_, 1); break; case 2: T(MR_, 2); break; case 3: T(MR_, 3); break; \
                                case 4: T(MR_, 4); break; case 5: T(MR_, 5); break; case 6: T(MR_, 6); break; }
    switch (mr) {
    case 1: COLS(1) break;
    case 2: COLS(2) break;
    case 3: COLS(3) break;
    case 4: COLS(4) break;
    }
#undef COLS
#undef T
}

TARGET static void gemm_nt_avx512(long M, long n0, long n1, long K, const float *A, long lda,
                                  const float *B, long ldb, const float *bias, float *C, long ldc) {
    /* columns outside, rows inside: the 6 rows of B (6 x K floats, 19 KB for K = 784) stay
     * in L1 while every row of A passes */
    for (long n = n0; n < n1; n += 6) {
        const int nr = (int)(n1 - n < 6 ? n1 - n : 6);
        for (long m = 0; m < M; m += 4) {
            const int mr = (int)(M - m < 4 ? M - m : 4);
            tile_any(K, A + m * lda, lda, B + n * ldb, ldb, bias ? bias + n : NULL, C + m * ldc + n, ldc, mr, nr);
        }
    }
}
#endif

void lws_gemm_nt(long M, long n0, long n1, long K, const float *A, long lda, const float *B, long ldb,
                 const float *bias, float *C, long ldc) {
#if defined(__x86_64__)
    if (lws_kernels_avx512()) { gemm_nt_avx512(M, n0, n1, K, A, lda, B, ldb, bias, C, ldc); return; }
#endif
    for (long m = 0; m < M; m++)   /* not reached from lwscript, which asks OpenBLAS instead */
        for (long n = n0; n < n1; n++) {
            float s = 0;
            for (long k = 0; k < K; k++) s = __builtin_fmaf(A[m * lda + k], B[n * ldb + k], s);
            C[m * ldc + n] = (bias ? bias[n] : 0.0f) + s;
        }
}
