#ifndef LWS_CPREFETCH_SHIM_H
#define LWS_CPREFETCH_SHIM_H
/* Software prefetch (Swift has no intrinsic for it): asks for the cache lines of
 * [p, p + bytes) ahead of use, for gathers over memory the hardware cannot predict. */
static inline void lws_prefetch_range(const void *p, long bytes) {
    const char *c = (const char *)p;
    for (long i = 0; i < bytes; i += 64) __builtin_prefetch(c + i, 0, 3);
}
#endif
