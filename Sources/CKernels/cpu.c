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
