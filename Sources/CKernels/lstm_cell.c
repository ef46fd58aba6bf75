/* No fused multiply-add but the ones written out: every path must give the scalar bits
 * (vmath_impl.h). The direct convolution, by contrast, relies on `acc += x * w` contracting. */
#pragma clang fp contract(off)
#include "lstm_cell.h"
#include "cpu.h"
#include "vmath.h"
#include "vmath_impl.h"

/* The arithmetic of both passes, written once for every vector type V and its operations,
 * for the entries at j: the vector paths run whole vectors and leave the tail to the scalar
 * one, which gives the same bits. */
#define LWS_CELL_FORWARD(V, MUL, ADD, LOAD, STORE, SIG, TANH) do {                          \
        V i = SIG(LOAD(a + j)), f = SIG(LOAD(a + H + j));                                   \
        V g = TANH(LOAD(a + 2 * H + j)), o = SIG(LOAD(a + 3 * H + j));                       \
        STORE(a + j, i); STORE(a + H + j, f); STORE(a + 2 * H + j, g); STORE(a + 3 * H + j, o); \
        V ig = MUL(i, g);                                                                   \
        V cv = cp ? ADD(MUL(f, LOAD(cp + j)), ig) : ig;                                      \
        V t = TANH(cv);                                                                     \
        STORE(c + j, cv);                                                                   \
        if (tc) STORE(tc + j, t);                                                           \
        STORE(h + j, MUL(o, t));                                                            \
    } while (0)

#define LWS_CELL_BACKWARD(V, MUL, ADD, SUB, LOAD, STORE, SET1) do {                        \
        const V one = SET1(1.0f);                                                           \
        V ig = LOAD(a + j), fg = LOAD(a + H + j), gg = LOAD(a + 2 * H + j), og = LOAD(a + 3 * H + j); \
        V tcv = LOAD(tc + j), cpv = cp ? LOAD(cp + j) : SET1(0.0f);                         \
        V dhv = ADD(LOAD(go + j), LOAD(dhr + j));                                           \
        V dcv = ADD(LOAD(dcr + j), MUL(MUL(dhv, og), SUB(one, MUL(tcv, tcv))));             \
        STORE(d + j, MUL(MUL(MUL(dcv, gg), ig), SUB(one, ig)));                             \
        STORE(d + H + j, MUL(MUL(MUL(dcv, cpv), fg), SUB(one, fg)));                        \
        STORE(d + 2 * H + j, MUL(MUL(dcv, ig), SUB(one, MUL(gg, gg))));                     \
        STORE(d + 3 * H + j, MUL(MUL(MUL(dhv, tcv), og), SUB(one, og)));                    \
        STORE(dcr + j, MUL(dcv, fg));                                                       \
    } while (0)

static float s_mul(float a, float b) { return a * b; }
static float s_add(float a, float b) { return a + b; }
static float s_sub(float a, float b) { return a - b; }
static float s_load(const float *p) { return *p; }
static void s_store(float *p, float v) { *p = v; }
static float s_set1(float v) { return v; }

static void cell_scalar(long from, long H, float *a, const float *cp, float *c, float *tc, float *h) {
    for (long j = from; j < H; j++) LWS_CELL_FORWARD(float, s_mul, s_add, s_load, s_store, lws_sigmoidf1, lws_tanhf1);
}

#if defined(__x86_64__)
LWS_AVX2 static void cell_avx2(long H, float *a, const float *cp, float *c, float *tc, float *h) {
    long j = 0;
    for (; j + 8 <= H; j += 8)
        LWS_CELL_FORWARD(__m256, _mm256_mul_ps, _mm256_add_ps, _mm256_loadu_ps, _mm256_storeu_ps, lws_sigmoid8, lws_tanh8);
    cell_scalar(j, H, a, cp, c, tc, h);
}

__attribute__((target("avx512f")))
static void cell_avx512(long H, float *a, const float *cp, float *c, float *tc, float *h) {
    long j = 0;
    for (; j + 16 <= H; j += 16)
        LWS_CELL_FORWARD(__m512, _mm512_mul_ps, _mm512_add_ps, _mm512_loadu_ps, _mm512_storeu_ps, lws_sigmoid16, lws_tanh16);
    cell_scalar(j, H, a, cp, c, tc, h);
}
#endif

static void back_scalar(long from, long H, const float *a, const float *cp, const float *tc, const float *go,
                        const float *dhr, float *dcr, float *d) {
    for (long j = from; j < H; j++) LWS_CELL_BACKWARD(float, s_mul, s_add, s_sub, s_load, s_store, s_set1);
}

#if defined(__x86_64__)
LWS_AVX2 static void back_avx2(long H, const float *a, const float *cp, const float *tc, const float *go,
                               const float *dhr, float *dcr, float *d) {
    long j = 0;
    for (; j + 8 <= H; j += 8)
        LWS_CELL_BACKWARD(__m256, _mm256_mul_ps, _mm256_add_ps, _mm256_sub_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps);
    back_scalar(j, H, a, cp, tc, go, dhr, dcr, d);
}

__attribute__((target("avx512f")))
static void back_avx512(long H, const float *a, const float *cp, const float *tc, const float *go,
                        const float *dhr, float *dcr, float *d) {
    long j = 0;
    for (; j + 16 <= H; j += 16)
        LWS_CELL_BACKWARD(__m512, _mm512_mul_ps, _mm512_add_ps, _mm512_sub_ps, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps);
    back_scalar(j, H, a, cp, tc, go, dhr, dcr, d);
}
#endif

void lws_lstm_cell_backward(int path, long n, long H, const float *act, long act_stride, const float *c_prev,
                            const float *tanh_c, long state_stride, const float *g_out, long g_out_stride,
                            const float *dh, float *dc, float *d_gates) {
    for (long r = 0; r < n; r++) {
        const float *a = act + r * act_stride, *cp = c_prev ? c_prev + r * state_stride : 0;
        const float *tc = tanh_c + r * state_stride, *go = g_out + r * g_out_stride, *dhr = dh + r * H;
        float *dcr = dc + r * H, *d = d_gates + r * act_stride;
#if defined(__x86_64__)
        if (path == LWS_ISA_AVX512) { back_avx512(H, a, cp, tc, go, dhr, dcr, d); continue; }
        if (path == LWS_ISA_AVX2) { back_avx2(H, a, cp, tc, go, dhr, dcr, d); continue; }
#endif
        back_scalar(0, H, a, cp, tc, go, dhr, dcr, d);
    }
}

void lws_lstm_cell_forward(int path, long n, long H, float *act, long act_stride, const float *c_prev,
                           float *c, float *tanh_c, float *h, long state_stride) {
    for (long r = 0; r < n; r++) {
        float *a = act + r * act_stride;
        const float *cp = c_prev ? c_prev + r * state_stride : 0;
        float *cr = c + r * state_stride, *tr = tanh_c ? tanh_c + r * state_stride : 0, *hr = h + r * state_stride;
#if defined(__x86_64__)
        if (path == LWS_ISA_AVX512) { cell_avx512(H, a, cp, cr, tr, hr); continue; }
        if (path == LWS_ISA_AVX2) { cell_avx2(H, a, cp, cr, tr, hr); continue; }
#endif
        cell_scalar(0, H, a, cp, cr, tr, hr);
    }
}
