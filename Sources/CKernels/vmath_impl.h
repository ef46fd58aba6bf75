#ifndef LWS_VMATH_H
#define LWS_VMATH_H
/* exp, sigmoid and tanh over arrays of floats, in place, for the LSTM's gate pass. Why: with
 * libm's scalar calls the gates took 12 of the 18 ms of the ConvLSTM's LSTM forward pass
 * (B 128, T 20, H 128; measured by replacing them with a multiply). Swift's SIMD types
 * compiled for the SSE2 baseline were slower than libm, so this is C with AVX2 intrinsics,
 * chosen at run time, and the same arithmetic in scalar C for the tail and for CPUs without
 * AVX2, and 16 lanes wide with AVX-512 where the CPU has it (LWSCRIPT_NO_AVX512=1 turns that
 * off): multiply then add, never FMA, so every path gives the same bits.
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
    float fx = floorf(c * 1.44269504088896341f + 0.5f);
    float r = c - fx * 0.693359375f;
    r = r - fx * -2.12194440e-4f;
    float z = r * r;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * z + r + 1.0f;
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
        p = p * a2 - 17.0f / 315.0f;
        p = p * a2 + 2.0f / 15.0f;
        p = p * a2 - 1.0f / 3.0f;
        t = a + a * a2 * p;
    } else {
        t = 1.0f - 2.0f / (lws_expf1(a + a) + 1.0f);
    }
    return x < 0 ? -t : t;
}

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx2")))
static inline __m256 lws_exp8(__m256 x) {
    __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    __m256 c = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    __m256 fx = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(c, _mm256_set1_ps(1.44269504088896341f)), _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_sub_ps(c, _mm256_mul_ps(fx, _mm256_set1_ps(0.693359375f)));
    r = _mm256_sub_ps(r, _mm256_mul_ps(fx, _mm256_set1_ps(-2.12194440e-4f)));
    __m256 z = _mm256_mul_ps(r, r);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(y, z), r), _mm256_set1_ps(1.0f));
    __m256i n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
    __m256 out = _mm256_mul_ps(y, _mm256_castsi256_ps(n));
    return _mm256_blendv_ps(out, x, nan);
}
__attribute__((target("avx2")))
static inline void lws_sigmoid_avx2(float *p, long n) {
    long k = 0;
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (; k + 8 <= n; k += 8) {
        __m256 x = _mm256_loadu_ps(p + k);
        _mm256_storeu_ps(p + k, _mm256_div_ps(one, _mm256_add_ps(one, lws_exp8(_mm256_sub_ps(zero, x)))));
    }
    for (; k < n; k++) p[k] = lws_sigmoidf1(p[k]);
}
__attribute__((target("avx2")))
static inline void lws_tanh_avx2(float *p, long n) {
    long k = 0;
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), zero = _mm256_setzero_ps();
    for (; k + 8 <= n; k += 8) {
        __m256 x = _mm256_loadu_ps(p + k);
        __m256 neg = _mm256_cmp_ps(x, zero, _CMP_LT_OQ);
        __m256 a = _mm256_blendv_ps(x, _mm256_sub_ps(zero, x), neg);
        __m256 large = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(lws_exp8(_mm256_add_ps(a, a)), one)));
        __m256 a2 = _mm256_mul_ps(a, a);
        __m256 q = _mm256_set1_ps(62.0f / 2835.0f);
        q = _mm256_sub_ps(_mm256_mul_ps(q, a2), _mm256_set1_ps(17.0f / 315.0f));
        q = _mm256_add_ps(_mm256_mul_ps(q, a2), _mm256_set1_ps(2.0f / 15.0f));
        q = _mm256_sub_ps(_mm256_mul_ps(q, a2), _mm256_set1_ps(1.0f / 3.0f));
        __m256 small = _mm256_add_ps(a, _mm256_mul_ps(_mm256_mul_ps(a, a2), q));
        __m256 t = _mm256_blendv_ps(large, small, _mm256_cmp_ps(a, _mm256_set1_ps(0.3f), _CMP_LT_OQ));
        t = _mm256_blendv_ps(t, _mm256_sub_ps(zero, t), neg);
        /* NaN in, NaN out (the comparisons above are false for NaN; exp keeps it) */
        _mm256_storeu_ps(p + k, _mm256_blendv_ps(t, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
    }
    for (; k < n; k++) p[k] = lws_tanhf1(p[k]);
}
/* The same arithmetic 16 lanes wide. The tail goes through masked loads and stores, not the
 * scalar functions: inlined into a function compiled for AVX-512 (which has FMA), their
 * `a * b + c` could become fused multiply-adds and round differently. */
__attribute__((target("avx512f")))
static inline __m512 lws_exp16(__m512 x) {
    __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    __m512 c = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    __m512 fx = _mm512_roundscale_ps(_mm512_add_ps(_mm512_mul_ps(c, _mm512_set1_ps(1.44269504088896341f)), _mm512_set1_ps(0.5f)),
                                     _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_sub_ps(c, _mm512_mul_ps(fx, _mm512_set1_ps(0.693359375f)));
    r = _mm512_sub_ps(r, _mm512_mul_ps(fx, _mm512_set1_ps(-2.12194440e-4f)));
    __m512 z = _mm512_mul_ps(r, r);
    __m512 y = _mm512_set1_ps(1.9875691500e-4f);
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(1.3981999507e-3f));
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(8.3334519073e-3f));
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(4.1665795894e-2f));
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(1.6666665459e-1f));
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(5.0000001201e-1f));
    y = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(y, z), r), _mm512_set1_ps(1.0f));
    __m512i n = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(fx), _mm512_set1_epi32(127)), 23);
    __m512 out = _mm512_mul_ps(y, _mm512_castsi512_ps(n));
    return _mm512_mask_blend_ps(nan, out, x);
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
    q = _mm512_sub_ps(_mm512_mul_ps(q, a2), _mm512_set1_ps(17.0f / 315.0f));
    q = _mm512_add_ps(_mm512_mul_ps(q, a2), _mm512_set1_ps(2.0f / 15.0f));
    q = _mm512_sub_ps(_mm512_mul_ps(q, a2), _mm512_set1_ps(1.0f / 3.0f));
    __m512 small = _mm512_add_ps(a, _mm512_mul_ps(_mm512_mul_ps(a, a2), q));
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
/* whether the CPU has AVX-512 (tests run that path even under LWSCRIPT_NO_AVX512) */
static inline int lws_cpu_has_avx512f(void) { return __builtin_cpu_supports("avx512f"); }
static inline int lws_has_avx512(void) {
    static int avx512 = -1;
    if (avx512 < 0) avx512 = lws_cpu_has_avx512f() && !getenv("LWSCRIPT_NO_AVX512");
    return avx512;
}
static inline int lws_has_avx2(void) {
    static int avx2 = -1;
    if (avx2 < 0) avx2 = __builtin_cpu_supports("avx2");
    return avx2;
}
#endif

/* p[k] = sigmoid(p[k]) for k < n */
static inline void lws_sigmoid_inplace(float *p, long n) {
#if defined(__x86_64__)
    if (lws_has_avx512()) { lws_sigmoid_avx512(p, n); return; }
    if (lws_has_avx2()) { lws_sigmoid_avx2(p, n); return; }
#endif
    for (long k = 0; k < n; k++) p[k] = lws_sigmoidf1(p[k]);
}

/* p[k] = tanh(p[k]) for k < n */
static inline void lws_tanh_inplace(float *p, long n) {
#if defined(__x86_64__)
    if (lws_has_avx512()) { lws_tanh_avx512(p, n); return; }
    if (lws_has_avx2()) { lws_tanh_avx2(p, n); return; }
#endif
    for (long k = 0; k < n; k++) p[k] = lws_tanhf1(p[k]);
}
#endif
