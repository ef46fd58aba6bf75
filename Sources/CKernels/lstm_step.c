/* Fused multiply-adds only where written out, as in lstm_cell.c: the cell's arithmetic must
 * give the bits of lws_lstm_cell_forward. */
#pragma clang fp contract(off)
#include "lstm_step.h"
#include "cpu.h"
#include "lstm_cell.h"
#include "vmath_impl.h"

enum { UNITS = 16, WIDTH = 4 * UNITS };   /* a panel: 16 hidden units, their four gates */

void lws_lstm_pack(long K, long H, const float *W, float *packed) {
    for (long p = 0; p < H / UNITS; p++)
        for (long k = 0; k < K; k++)
            for (int q = 0; q < 4; q++)
                for (int l = 0; l < UNITS; l++)
                    packed[(p * K + k) * WIDTH + q * UNITS + l] = W[(q * H + p * UNITS + l) * K + k];
}

/* A row's pre-activations in PyTorch's order, then lws_lstm_cell_forward's scalar path on them:
 * the cell's arithmetic is written once, in lstm_cell.c. */
static void step_scalar(long n, long H, long I, const float *x, long xs, const float *wi, const float *hp,
                        const float *wh, const float *bias, const float *cp, float *c, float *tc, float *h,
                        long ss, float *act, long as) {
    float *pre = malloc(4 * H * sizeof(float));
    if (!pre) abort();
    for (long r = 0; r < n; r++) {
        for (long q = 0; q < 4; q++)
            for (long j = 0; j < H; j++) {
                const long p = j / UNITS, l = j % UNITS;
                float sum = bias[q * H + j];
                for (long k = 0; k < I; k++) sum = __builtin_fmaf(x[r * xs + k], wi[(p * I + k) * WIDTH + q * UNITS + l], sum);
                if (hp)
                    for (long k = 0; k < H; k++) sum = __builtin_fmaf(hp[r * ss + k], wh[(p * H + k) * WIDTH + q * UNITS + l], sum);
                pre[q * H + j] = sum;
            }
        lws_lstm_cell_forward(LWS_ISA_SCALAR, 1, H, pre, 4 * H, cp ? cp + r * ss : 0, c + r * ss, tc ? tc + r * ss : 0,
                              h + r * ss, ss);
        if (act) memcpy(act + r * as, pre, 4 * H * sizeof(float));
    }
    free(pre);
}

#if defined(__x86_64__)
#define TARGET __attribute__((target("avx512f")))

/* acc[r][q] += A[r lda + k] times the panel's row k, gate q, for k < K in order */
TARGET static inline __attribute__((always_inline)) void sums(const int rows, long K, const float *A, long lda,
                                                              const float *W, __m512 acc[6][4]) {
    for (long k = 0; k < K; k++) {
        __m512 w[4];
        for (int q = 0; q < 4; q++) w[q] = _mm512_loadu_ps(W + k * WIDTH + q * UNITS);
        for (int r = 0; r < rows; r++) {
            const __m512 a = _mm512_set1_ps(A[r * lda + k]);
            for (int q = 0; q < 4; q++) acc[r][q] = _mm512_fmadd_ps(a, w[q], acc[r][q]);
        }
    }
}

/* `rows` (up to 6) sequences x one panel: rows x 4 gates of sums in registers, per k 4 loads
 * of the panel and a broadcast per row for 4 fused multiply-adds each; then the cell per row, as
 * lstm_cell.c's LWS_CELL_FORWARD does it 16 lanes wide. Every pointer is at the panel's first
 * unit. */
TARGET static inline __attribute__((always_inline)) void tile(
        const int rows, long I, long H, const float *x, long xs, const float *wi, const float *hp, const float *wh,
        const float *bias, const float *cp, float *c, float *tc, float *h, long ss, float *act, long as) {
    __m512 acc[6][4];
    for (int q = 0; q < 4; q++) {
        const __m512 b = _mm512_loadu_ps(bias + q * H);
        for (int r = 0; r < rows; r++) acc[r][q] = b;
    }
    sums(rows, I, x, xs, wi, acc);
    if (hp) sums(rows, H, hp, ss, wh, acc);
    for (int r = 0; r < rows; r++) {
        const __m512 i = lws_sigmoid16(acc[r][0]), f = lws_sigmoid16(acc[r][1]);
        const __m512 g = lws_tanh16(acc[r][2]), o = lws_sigmoid16(acc[r][3]);
        if (act) {
            float *a = act + r * as;
            _mm512_storeu_ps(a, i); _mm512_storeu_ps(a + H, f); _mm512_storeu_ps(a + 2 * H, g); _mm512_storeu_ps(a + 3 * H, o);
        }
        const __m512 ig = _mm512_mul_ps(i, g);
        const __m512 cv = cp ? _mm512_add_ps(_mm512_mul_ps(f, _mm512_loadu_ps(cp + r * ss)), ig) : ig;
        const __m512 t = lws_tanh16(cv);
        _mm512_storeu_ps(c + r * ss, cv);
        if (tc) _mm512_storeu_ps(tc + r * ss, t);
        _mm512_storeu_ps(h + r * ss, _mm512_mul_ps(o, t));
    }
}

TARGET static void step_avx512(long n, long H, long I, const float *x, long xs, const float *wi, const float *hp,
                               const float *wh, const float *bias, const float *cp, float *c, float *tc, float *h,
                               long ss, float *act, long as) {
    enum { ROWS = 6 };
    for (long p = 0; p < H / UNITS; p++) {
        const long u = p * UNITS;
        const float *wip = wi + p * I * WIDTH, *whp = wh + p * H * WIDTH;
        for (long m = 0; m < n; m += ROWS) {
            const int rows = (int)(n - m < ROWS ? n - m : ROWS);
#define T(R) tile(R, I, H, x + m * xs, xs, wip, hp ? hp + m * ss : 0, whp, bias + u, cp ? cp + m * ss + u : 0, \
                  c + m * ss + u, tc ? tc + m * ss + u : 0, h + m * ss + u, ss, act ? act + m * as + u : 0, as)
            switch (rows) {
            case 1: T(1); break; case 2: T(2); break; case 3: T(3); break;
            case 4: T(4); break; case 5: T(5); break; default: T(6); break;
            }
#undef T
        }
    }
}
#endif

void lws_lstm_step_forward(int path, long n, long H, long I, const float *x, long x_stride, const float *wih_packed,
                           const float *h_prev, const float *whh_packed, const float *bias,
                           const float *c_prev, float *c, float *tanh_c, float *h, long state_stride,
                           float *act, long act_stride) {
#if defined(__x86_64__)
    if (path == LWS_ISA_AVX512) {
        step_avx512(n, H, I, x, x_stride, wih_packed, h_prev, whh_packed, bias, c_prev, c, tanh_c, h, state_stride,
                    act, act_stride);
        return;
    }
#endif
    step_scalar(n, H, I, x, x_stride, wih_packed, h_prev, whh_packed, bias, c_prev, c, tanh_c, h, state_stride,
                act, act_stride);
}
