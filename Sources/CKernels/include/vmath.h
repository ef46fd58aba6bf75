#ifndef LWS_VMATH_H
#define LWS_VMATH_H
/* sigmoid and tanh over arrays of floats, in place (vmath_impl.h says how, and why not libm).
 * Every path gives the bits of the scalar functions below: a study's numbers do not depend on
 * which machine of a cluster ran it. */

/* `path`: cpu.h's LWS_ISA_*, for tests; the calls without one take lws_isa_best(). */

void lws_sigmoid_inplace(float *p, long n);
void lws_tanh_inplace(float *p, long n);
void lws_sigmoid_path(float *p, long n, int path);
void lws_tanh_path(float *p, long n, int path);

/* The scalar arithmetic of every path: exp within 2.5e-7 relative of libm, arguments clamped
 * to [-87.3, 88.3], NaN stays NaN. */
float lws_exp_scalar(float x);
float lws_sigmoid_scalar(float x);
float lws_tanh_scalar(float x);
#endif
