#ifndef LWS_KERNELS_CPU_H
#define LWS_KERNELS_CPU_H
/* Whether lwscript's AVX-512 kernels run: the CPU has AVX-512 and LWSCRIPT_NO_AVX512 is
 * unset (for speed comparisons). One answer for every kernel here; CPrefetch's header-only
 * vmath.h keeps its own, as a system-library module cannot depend on this target. */
int lws_kernels_avx512(void);
#endif
