#ifndef LWS_TRANSPOSE_H
#define LWS_TRANSPOSE_H
/* dst[c ldd + r] = src[r lds + c] for r < R, c < C: exact copies, so every path gives the same
 * bits. With AVX-512 (lws_kernels_avx512), whole 16 x 16 blocks go through registers (unpack
 * pairs of rows, then of pairs, then swap 128-bit lanes twice); the rest, and CPUs without it,
 * in 16 x 16 blocks of scalar copies that stay in L1. Used for the direct convolution's weight
 * gradient (the output gradient, by channel groups) and the small-batch Linear (x^T). */
void lws_transpose(long R, long C, const float *src, long lds, float *dst, long ldd);
#endif
