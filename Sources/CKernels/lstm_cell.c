/* No fused multiply-add but the ones written out: every path must give the scalar bits
 * (vmath_impl.h). The direct convolution, by contrast, relies on `acc += x * w` contracting. */
#pragma clang fp contract(off)
#include "lstm_cell.h"
#include "vmath.h"
#include "vmath_impl.h"

static void cell_scalar(long from, long H, float *a, const float *cp, float *c, float *tc, float *h) {
    for (long j = from; j < H; j++) {
        float i = lws_sigmoidf1(a[j]), f = lws_sigmoidf1(a[H + j]);
        float g = lws_tanhf1(a[2 * H + j]), o = lws_sigmoidf1(a[3 * H + j]);
        a[j] = i; a[H + j] = f; a[2 * H + j] = g; a[3 * H + j] = o;
        float cv = cp ? f * cp[j] + i * g : i * g;
        float t = lws_tanhf1(cv);
        c[j] = cv;
        if (tc) tc[j] = t;
        h[j] = o * t;
    }
}

#if defined(__x86_64__)
LWS_AVX2
static void cell_avx2(long H, float *a, const float *cp, float *c, float *tc, float *h) {
    long j = 0;
    for (; j + 8 <= H; j += 8) {
        __m256 i = lws_sigmoid8(_mm256_loadu_ps(a + j)), f = lws_sigmoid8(_mm256_loadu_ps(a + H + j));
        __m256 g = lws_tanh8(_mm256_loadu_ps(a + 2 * H + j)), o = lws_sigmoid8(_mm256_loadu_ps(a + 3 * H + j));
        _mm256_storeu_ps(a + j, i); _mm256_storeu_ps(a + H + j, f);
        _mm256_storeu_ps(a + 2 * H + j, g); _mm256_storeu_ps(a + 3 * H + j, o);
        __m256 ig = _mm256_mul_ps(i, g);
        __m256 cv = cp ? _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(cp + j)), ig) : ig;
        __m256 t = lws_tanh8(cv);
        _mm256_storeu_ps(c + j, cv);
        if (tc) _mm256_storeu_ps(tc + j, t);
        _mm256_storeu_ps(h + j, _mm256_mul_ps(o, t));
    }
    cell_scalar(j, H, a, cp, c, tc, h);
}

__attribute__((target("avx512f")))
static void cell_avx512(long H, float *a, const float *cp, float *c, float *tc, float *h) {
    for (long j = 0; j < H; j += 16) {
        __mmask16 m = H - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (H - j)) - 1);
        __m512 i = lws_sigmoid16(_mm512_maskz_loadu_ps(m, a + j));
        __m512 f = lws_sigmoid16(_mm512_maskz_loadu_ps(m, a + H + j));
        __m512 g = lws_tanh16(_mm512_maskz_loadu_ps(m, a + 2 * H + j));
        __m512 o = lws_sigmoid16(_mm512_maskz_loadu_ps(m, a + 3 * H + j));
        _mm512_mask_storeu_ps(a + j, m, i); _mm512_mask_storeu_ps(a + H + j, m, f);
        _mm512_mask_storeu_ps(a + 2 * H + j, m, g); _mm512_mask_storeu_ps(a + 3 * H + j, m, o);
        __m512 ig = _mm512_mul_ps(i, g);
        __m512 cv = cp ? _mm512_add_ps(_mm512_mul_ps(f, _mm512_maskz_loadu_ps(m, cp + j)), ig) : ig;
        __m512 t = lws_tanh16(cv);
        _mm512_mask_storeu_ps(c + j, m, cv);
        if (tc) _mm512_mask_storeu_ps(tc + j, m, t);
        _mm512_mask_storeu_ps(h + j, m, _mm512_mul_ps(o, t));
    }
}
#endif

/* backward: the arithmetic of lws_lstm_cell_backward, written once for every vector type
 * (V, with MUL/ADD/SUB/LOAD/STORE/SET1 for it) */
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
        if (path == LWS_VMATH_AVX512) { back_avx512(H, a, cp, tc, go, dhr, dcr, d); continue; }
        if (path == LWS_VMATH_AVX2) { back_avx2(H, a, cp, tc, go, dhr, dcr, d); continue; }
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
        if (path == LWS_VMATH_AVX512) { cell_avx512(H, a, cp, cr, tr, hr); continue; }
        if (path == LWS_VMATH_AVX2) { cell_avx2(H, a, cp, cr, tr, hr); continue; }
#endif
        cell_scalar(0, H, a, cp, cr, tr, hr);
    }
}
