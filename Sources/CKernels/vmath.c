/* No fused multiply-add but the ones written out: every path must give the scalar bits
 * (vmath_impl.h). The direct convolution, by contrast, relies on `acc += x * w` contracting. */
#pragma clang fp contract(off)
#include "vmath.h"
#include "cpu.h"
#include "vmath_impl.h"


void lws_sigmoid_path(float *p, long n, int path) {
#if defined(__x86_64__)
    if (path == LWS_ISA_AVX512) { lws_sigmoid_avx512(p, n); return; }
    if (path == LWS_ISA_AVX2) { lws_sigmoid_avx2(p, n); return; }
#endif
    for (long k = 0; k < n; k++) p[k] = lws_sigmoidf1(p[k]);
}

void lws_tanh_path(float *p, long n, int path) {
#if defined(__x86_64__)
    if (path == LWS_ISA_AVX512) { lws_tanh_avx512(p, n); return; }
    if (path == LWS_ISA_AVX2) { lws_tanh_avx2(p, n); return; }
#endif
    for (long k = 0; k < n; k++) p[k] = lws_tanhf1(p[k]);
}

void lws_sigmoid_inplace(float *p, long n) { lws_sigmoid_path(p, n, lws_isa_best()); }
void lws_tanh_inplace(float *p, long n) { lws_tanh_path(p, n, lws_isa_best()); }

float lws_exp_scalar(float x) { return lws_expf1(x); }
float lws_sigmoid_scalar(float x) { return lws_sigmoidf1(x); }
float lws_tanh_scalar(float x) { return lws_tanhf1(x); }
