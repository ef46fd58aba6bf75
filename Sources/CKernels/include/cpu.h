#ifndef LWS_KERNELS_CPU_H
#define LWS_KERNELS_CPU_H
/* Whether lwscript's AVX-512 kernels run: the CPU has AVX-512 and LWSCRIPT_NO_AVX512 is
 * unset (for speed comparisons). One answer for every kernel here. */
int lws_kernels_avx512(void);

/* Instruction-set paths of every kernel here that has several: AVX2 means AVX2 with FMA.
 * lws_isa_best: AVX-512 if lws_kernels_avx512, else AVX2 where the CPU has it, else scalar. */
enum { LWS_ISA_SCALAR = 0, LWS_ISA_AVX2 = 1, LWS_ISA_AVX512 = 2 };
int lws_isa_supported(int isa);
int lws_isa_best(void);
#endif
