#include "cpu.h"
#include <stdlib.h>

int lws_kernels_avx512(void) {
#if defined(__x86_64__)
    static int ok = -1;
    if (ok < 0) ok = __builtin_cpu_supports("avx512f") && !getenv("LWSCRIPT_NO_AVX512");
    return ok;
#else
    return 0;
#endif
}

int lws_isa_supported(int isa) {
#if defined(__x86_64__)
    if (isa == LWS_ISA_AVX512) return __builtin_cpu_supports("avx512f");
    if (isa == LWS_ISA_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return isa == LWS_ISA_SCALAR;
}

int lws_isa_best(void) {
    static int isa = -1;
    if (isa < 0) isa = lws_kernels_avx512() ? LWS_ISA_AVX512 : lws_isa_supported(LWS_ISA_AVX2) ? LWS_ISA_AVX2 : LWS_ISA_SCALAR;
    return isa;
}
