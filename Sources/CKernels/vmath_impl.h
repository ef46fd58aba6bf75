#ifndef LWS_VMATH_IMPL_H
#define LWS_VMATH_IMPL_H
/* exp, sigmoid and tanh of floats, inline for the kernels of this target (vmath.c, lstm_cell.c;
 * the public calls are in include/vmath.h). Why: with libm's scalar calls the gates took 12 of
 * the 18 ms of the ConvLSTM's LSTM forward pass (B 128, T 20, H 128; measured by replacing
 * them with a multiply). Swift's SIMD types compiled for the SSE2 baseline were slower than
 * libm, so this is C with AVX2 intrinsics, and the same arithmetic in scalar C for the tail
 * and for CPUs without AVX2, and 16 lanes wide with AVX-512. Every fused multiply-add is
 * written out (fmaf in scalar C), and the files that include this one turn contraction off
 * (`#pragma clang fp contract(off)`, before the include), so every path gives the same bits.
 * The polynomials use them: half the operations of multiply-then-add, and the gate pass
 * (lstm_cell.c) is bound by these operations (4.0 against 5.9 ns a cell).
 *
 * exp is Cephes' expf (range reduction by ln 2 in two parts, a degree-6 polynomial, 2^n from
 * the exponent bits), within 2.5e-7 relative of libm; arguments are clamped to [-87.3, 88.3]
 * (no inf, no denormal), NaN stays NaN. sigmoid = 1 / (1 + exp(-x)); tanh is an odd Taylor
 * polynomial below |x| = 0.3, 1 - 2 / (exp(2|x|) + 1) above, with the sign of x. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline float lws_expf1(float x) {
    if (x != x) return x;
    float c = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    float fx = floorf(__builtin_fmaf(c, 1.44269504088896341f, 0.5f));
    float r = __builtin_fmaf(-fx, 0.693359375f, c);
    r = __builtin_fmaf(-fx, -2.12194440e-4f, r);
    float z = r * r;
    float y = 1.9875691500e-4f;
    y = __builtin_fmaf(y, r, 1.3981999507e-3f);
    y = __builtin_fmaf(y, r, 8.3334519073e-3f);
    y = __builtin_fmaf(y, r, 4.1665795894e-2f);
    y = __builtin_fmaf(y, r, 1.6666665459e-1f);
    y = __builtin_fmaf(y, r, 5.0000001201e-1f);
    y = __builtin_fmaf(y, z, r) + 1.0f;
    uint32_t bits = (uint32_t)((int32_t)fx + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return y * scale;
}
static inline float lws_sigmoidf1(float x) { return 1.0f / (1.0f + lws_expf1(-x)); }
static inline float lws_tanhf1(float x) {
    if (x != x) return x;
    float a = x < 0 ? -x : x;
    float t;
    if (a < 0.3f) {
        float a2 = a * a;
        float p = 62.0f / 2835.0f;
        p = __builtin_fmaf(p, a2, -17.0f / 315.0f);
        p = __builtin_fmaf(p, a2, 2.0f / 15.0f);
        p = __builtin_fmaf(p, a2, -1.0f / 3.0f);
        t = __builtin_fmaf(a * a2, p, a);
    } else {
        t = 1.0f - 2.0f / (lws_expf1(a + a) + 1.0f);
    }
    return x < 0 ? -t : t;
}

#if defined(__x86_64__)
#include <immintrin.h>
/* max(lo, x) and min(hi, .) return their second operand when it is NaN: NaN goes through
 * the clamp, and every later step keeps it. */
#define LWS_AVX2 __attribute__((target("avx2,fma")))
LWS_AVX2 static inline __m256 lws_exp8(__m256 x) {
    __m256 c = _mm256_min_ps(_mm256_set1_ps(88.3f), _mm256_max_ps(_mm256_set1_ps(-87.3f), x));
    __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(c, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), c);
    r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 z = _mm256_mul_ps(r, r);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_add_ps(_mm256_fmadd_ps(y, z, r), _mm256_set1_ps(1.0f));
    __m256i n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(n));
}
LWS_AVX2 static inline __m256 lws_sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, lws_exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}
LWS_AVX2 static inline __m256 lws_tanh8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), zero = _mm256_setzero_ps();
    __m256 neg = _mm256_cmp_ps(x, zero, _CMP_LT_OQ);
    __m256 a = _mm256_blendv_ps(x, _mm256_sub_ps(zero, x), neg);
    __m256 large = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(lws_exp8(_mm256_add_ps(a, a)), one)));
    __m256 a2 = _mm256_mul_ps(a, a);
    __m256 q = _mm256_set1_ps(62.0f / 2835.0f);
    q = _mm256_fmadd_ps(q, a2, _mm256_set1_ps(-17.0f / 315.0f));
    q = _mm256_fmadd_ps(q, a2, _mm256_set1_ps(2.0f / 15.0f));
    q = _mm256_fmadd_ps(q, a2, _mm256_set1_ps(-1.0f / 3.0f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(a, a2), q, a);
    __m256 t = _mm256_blendv_ps(large, small, _mm256_cmp_ps(a, _mm256_set1_ps(0.3f), _CMP_LT_OQ));
    t = _mm256_blendv_ps(t, _mm256_sub_ps(zero, t), neg);
    /* NaN in, NaN out (the comparisons above are false for NaN; exp keeps it) */
    return _mm256_blendv_ps(t, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}
LWS_AVX2 static inline void lws_sigmoid_avx2(float *p, long n) {
    long k = 0;
    for (; k + 8 <= n; k += 8) _mm256_storeu_ps(p + k, lws_sigmoid8(_mm256_loadu_ps(p + k)));
    for (; k < n; k++) p[k] = lws_sigmoidf1(p[k]);
}
LWS_AVX2 static inline void lws_tanh_avx2(float *p, long n) {
    long k = 0;
    for (; k + 8 <= n; k += 8) _mm256_storeu_ps(p + k, lws_tanh8(_mm256_loadu_ps(p + k)));
    for (; k < n; k++) p[k] = lws_tanhf1(p[k]);
}
/* The same arithmetic 16 lanes wide; the tail goes through masked loads and stores. */
__attribute__((target("avx512f")))
static inline __m512 lws_exp16(__m512 x) {
    __m512 c = _mm512_min_ps(_mm512_set1_ps(88.3f), _mm512_max_ps(_mm512_set1_ps(-87.3f), x));
    __m512 fx = _mm512_roundscale_ps(_mm512_fmadd_ps(c, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f)),
                                     _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(0.693359375f), c);
    r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 z = _mm512_mul_ps(r, r);
    __m512 y = _mm512_set1_ps(1.9875691500e-4f);
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.3981999507e-3f));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(8.3334519073e-3f));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(4.1665795894e-2f));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.6666665459e-1f));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(5.0000001201e-1f));
    y = _mm512_add_ps(_mm512_fmadd_ps(y, z, r), _mm512_set1_ps(1.0f));
    /* y 2^fx in one instruction instead of four (the exponent's bits made, then a product):
     * the same bits, both being y times a power of two that the clamp keeps normal, rounded
     * once */
    return _mm512_scalef_ps(y, fx);
}
__attribute__((target("avx512f")))
static inline __m512 lws_sigmoid16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, lws_exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}
__attribute__((target("avx512f")))
static inline __m512 lws_tanh16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f), zero = _mm512_setzero_ps();
    __mmask16 neg = _mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ);
    __m512 a = _mm512_mask_blend_ps(neg, x, _mm512_sub_ps(zero, x));
    __m512 large = _mm512_sub_ps(one, _mm512_div_ps(two, _mm512_add_ps(lws_exp16(_mm512_add_ps(a, a)), one)));
    __m512 a2 = _mm512_mul_ps(a, a);
    __m512 q = _mm512_set1_ps(62.0f / 2835.0f);
    q = _mm512_fmadd_ps(q, a2, _mm512_set1_ps(-17.0f / 315.0f));
    q = _mm512_fmadd_ps(q, a2, _mm512_set1_ps(2.0f / 15.0f));
    q = _mm512_fmadd_ps(q, a2, _mm512_set1_ps(-1.0f / 3.0f));
    __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(a, a2), q, a);
    __m512 t = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, _mm512_set1_ps(0.3f), _CMP_LT_OQ), large, small);
    t = _mm512_mask_blend_ps(neg, t, _mm512_sub_ps(zero, t));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), t, x);
}
__attribute__((target("avx512f")))
static inline void lws_sigmoid_avx512(float *p, long n) {
    long k = 0;
    for (; k + 16 <= n; k += 16) _mm512_storeu_ps(p + k, lws_sigmoid16(_mm512_loadu_ps(p + k)));
    if (k < n) {
        __mmask16 m = (__mmask16)((1u << (n - k)) - 1);
        _mm512_mask_storeu_ps(p + k, m, lws_sigmoid16(_mm512_maskz_loadu_ps(m, p + k)));
    }
}
__attribute__((target("avx512f")))
static inline void lws_tanh_avx512(float *p, long n) {
    long k = 0;
    for (; k + 16 <= n; k += 16) _mm512_storeu_ps(p + k, lws_tanh16(_mm512_loadu_ps(p + k)));
    if (k < n) {
        __mmask16 m = (__mmask16)((1u << (n - k)) - 1);
        _mm512_mask_storeu_ps(p + k, m, lws_tanh16(_mm512_maskz_loadu_ps(m, p + k)));
    }
}
#endif

#endif
