#include "gemm_nn.h"
#include "cpu.h"

/* Panels of B are 64 columns wide, or PANEL (the last ones narrower), K rows each, one after
 * another: the panel that starts at column n begins at packed + n K. Read panel by panel, a
 * panel (32 KB for K = 128) is read from L1 or streamed from L2 while every block of rows
 * passes. Read where it lies, a panel's rows are ldb floats apart (2 KB for the LSTM's
 * 4H = 512), which puts them all in a few of L1's sets: they evicted each other and came from
 * L2 for every block of rows. */
enum { WIDE = 64, PANEL = 48, KC = 128 };

/* 64 columns while 64 are left, except that 80 left are 48 + 32 (a panel of 16 runs at half
 * speed); then 48, or what is left. Why 64: 6 rows x 4 vectors take 10 loads for 24 fused
 * multiply-adds where 8 x 3 take 11, and A (the LSTM's dG, 2.6 MB) is read once for 64
 * columns where 32 + 32 read it twice: 1.15x on the LSTM's dX = dG W_ih, 1.21x on the
 * Conv1d's 20 x 64 products, 1.04x on dh = dG W_hh (one core, best of 7). */
static long panel_width(long N, long n) {
    const long left = N - n;
    return left >= WIDE && left != 80 ? WIDE : left < PANEL ? left : PANEL;
}

void lws_gemm_nn_pack(long K, long N, const float *B, long k_stride, long n_stride, float *packed) {
    for (long n = 0, w; n < N; n += w) {
        w = panel_width(N, n);
        float *p = packed + n * K;
        for (long k = 0; k < K; k++)
            for (long j = 0; j < w; j++) p[k * w + j] = B[k * k_stride + (n + j) * n_stride];
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TARGET __attribute__((target("avx512f")))

/* rows x nv vectors (16 columns each) of C, B's panel rows ldb apart. 6 x 4 or 8 x 3: 24 sums
 * in registers, and per k 4 (3) loads of B and 6 (8) broadcasts of A for 24 fused
 * multiply-adds; a 12 x 2 tile needs 14 loads for 24 and ran 15% slower, bound by loads.
 * Narrower panels take 12 rows. */
TARGET static inline __attribute__((always_inline)) void tile(
        long K, const float *A, long lda, const float *B, long ldb, float *C, long ldc, int accumulate,
        const int rows, const int nv) {
    __m512 acc[12][4];
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++)
            acc[i][v] = accumulate ? _mm512_loadu_ps(C + i * ldc + v * 16) : _mm512_setzero_ps();
    for (long k = 0; k < K; k++) {
        __m512 b[4];
        for (int v = 0; v < nv; v++) b[v] = _mm512_loadu_ps(B + k * ldb + v * 16);
        for (int i = 0; i < rows; i++) {
            const __m512 a = _mm512_set1_ps(A[i * lda + k]);
            for (int v = 0; v < nv; v++) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
        }
    }
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++) _mm512_storeu_ps(C + i * ldc + v * 16, acc[i][v]);
}

TARGET static void tile_any(long K, const float *A, long lda, const float *B, long ldb, float *C, long ldc,
                            int accumulate, int rows, int nv) {
#define T(R) do { if (nv == 4) tile(K, A, lda, B, ldb, C, ldc, accumulate, R, 4); \
                  else if (nv == 3) tile(K, A, lda, B, ldb, C, ldc, accumulate, R, 3); \
                  else if (nv == 2) tile(K, A, lda, B, ldb, C, ldc, accumulate, R, 2); \
                  else tile(K, A, lda, B, ldb, C, ldc, accumulate, R, 1); } while (0)
    switch (rows) {
    case 1: T(1); break; case 2: T(2); break; case 3: T(3); break; case 4: T(4); break;
    case 5: T(5); break; case 6: T(6); break; case 7: T(7); break; case 8: T(8); break;
    case 9: T(9); break; case 10: T(10); break; case 11: T(11); break; case 12: T(12); break;
    }
#undef T
}

/* C[:, n:n+w] for one panel (K rows of w columns, ldb apart), every row of A */
TARGET static void panel_avx512(long M, long K, const float *A, long lda, const float *B, long ldb, long w,
                                float *C, long ldc, int accumulate) {
    const int nv = (int)(w / 16), mr = nv == 4 ? 6 : nv == 3 ? 8 : 12;
    for (long m = 0; m < M; m += mr) {
        const int rows = (int)(M - m < mr ? M - m : mr);
        tile_any(K, A + m * lda, lda, B, ldb, C + m * ldc, ldc, accumulate, rows, nv);
    }
}

TARGET static void gemm_nn_packed_avx512(long M, long N, long K, const float *A, long lda, const float *packed,
                                         float *C, long ldc, int accumulate) {
    for (long n = 0, w; n < N; n += w) {
        w = panel_width(N, n);
        panel_avx512(M, K, A, lda, packed + n * K, w, w, C + n, ldc, accumulate);
    }
}

/* B as it lies: each panel is packed into a buffer on the stack KC rows at a time, and the
 * sums carried from one KC block to the next through C, which keeps them exact (a float
 * stored and loaded again is the same float) and in k order. With few rows of A a panel is
 * read too few times to repay its packing (20 rows: 102 GFLOP/s packed, 160 in place), and
 * it is read where it lies. */
TARGET static void gemm_nn_avx512(long M, long N, long K, const float *A, long lda, const float *B, long ldb,
                                  float *C, long ldc, int accumulate) {
    float buf[KC * WIDE] __attribute__((aligned(64)));
    for (long n = 0, w; n < N; n += w) {
        w = panel_width(N, n);
        if (M < 32) { panel_avx512(M, K, A, lda, B + n, ldb, w, C + n, ldc, accumulate); continue; }
        for (long k0 = 0; k0 < K; k0 += KC) {
            const long kc = K - k0 < KC ? K - k0 : KC;
            lws_gemm_nn_pack(kc, w, B + k0 * ldb + n, ldb, 1, buf);
            panel_avx512(M, kc, A + k0, lda, buf, w, w, C + n, ldc, accumulate || k0 > 0);
        }
    }
}
#endif

/* The same sums in the same order, one entry at a time; B's entry (k, n) at B[k kb + n nb] */
static void gemm_nn_scalar(long M, long N, long K, const float *A, long lda, const float *B, long kb, long nb,
                           float *C, long ldc, int accumulate) {
    for (long m = 0; m < M; m++)
        for (long n = 0; n < N; n++) {
            float s = accumulate ? C[m * ldc + n] : 0.0f;
            for (long k = 0; k < K; k++) s = __builtin_fmaf(A[m * lda + k], B[k * kb + n * nb], s);
            C[m * ldc + n] = s;
        }
}

void lws_gemm_nn(long M, long N, long K, const float *A, long lda, const float *B, long ldb,
                 float *C, long ldc, int accumulate) {
#if defined(__x86_64__)
    if (lws_kernels_avx512() && N % 16 == 0) { gemm_nn_avx512(M, N, K, A, lda, B, ldb, C, ldc, accumulate); return; }
#endif
    gemm_nn_scalar(M, N, K, A, lda, B, ldb, 1, C, ldc, accumulate);
}

void lws_gemm_nn_packed(long M, long N, long K, const float *A, long lda, const float *packed,
                        float *C, long ldc, int accumulate) {
#if defined(__x86_64__)
    if (lws_kernels_avx512() && N % 16 == 0) { gemm_nn_packed_avx512(M, N, K, A, lda, packed, C, ldc, accumulate); return; }
#endif
    for (long n = 0, w; n < N; n += w) {
        w = panel_width(N, n);
        gemm_nn_scalar(M, w, K, A, lda, packed + n * K, w, 1, C + n, ldc, accumulate);
    }
}
