#ifndef LWS_KERNELS_CPU_H
#define LWS_KERNELS_CPU_H
/* Whether lwscript's AVX-512 kernels run: the CPU has AVX-512 and LWSCRIPT_NO_AVX512 is
 * unset (for speed comparisons). One answer for every kernel here. */
int lws_kernels_avx512(void);
#endif
