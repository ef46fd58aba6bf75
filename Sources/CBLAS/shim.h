#ifndef LWS_CBLAS_SHIM_H
#define LWS_CBLAS_SHIM_H
#include <cblas.h>

/* Exported by libopenblas (driver/others) though not declared in cblas.h: re-reading the
 * OPENBLAS_* environment variables, and stopping the worker threads (the next
 * multithreaded call starts them again, with the settings read last). */
void openblas_read_env(void);
int blas_thread_shutdown_(void);
#endif
