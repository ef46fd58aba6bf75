#ifndef LWS_CBLAS_SHIM_H
#define LWS_CBLAS_SHIM_H
#include <cblas.h>
#include <dlfcn.h>
#include <stdlib.h>

/* Makes OpenBLAS's idle worker threads sleep at once (see letIdleBLASWorkersSleep in
 * Numerics). OpenBLAS reads OPENBLAS_THREAD_TIMEOUT only as the library loads, so after
 * setting it (unless the user did) this has OpenBLAS re-read its environment and stops its
 * workers; the next multithreaded call starts them with the new timeout. The two functions
 * are exported by libopenblas but not declared in cblas.h, and a single-threaded build has
 * no workers to stop, so they are looked up rather than linked. Returns 1 if applied. */
static inline int lws_openblas_idle_workers_sleep(void) {
    void *program = dlopen(NULL, RTLD_NOW);   /* searches the libraries loaded with it too */
    if (!program) return 0;
    void (*read_env)(void) = (void (*)(void))dlsym(program, "openblas_read_env");
    int (*shutdown)(void) = (int (*)(void))dlsym(program, "blas_thread_shutdown_");
    if (!read_env || !shutdown) return 0;
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
    read_env();
    shutdown();
    return 1;
}
#endif
