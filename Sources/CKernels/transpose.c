#include "transpose.h"
#include "cpu.h"

static void blocks_scalar(long R, long C, const float *src, long lds, float *dst, long ldd) {
    for (long r0 = 0; r0 < R; r0 += 16)
        for (long c0 = 0; c0 < C; c0 += 16) {
            const long re = r0 + 16 < R ? r0 + 16 : R, ce = c0 + 16 < C ? c0 + 16 : C;
            for (long r = r0; r < re; r++)
                for (long c = c0; c < ce; c++) dst[c * ldd + r] = src[r * lds + c];
        }
}

#if defined(__x86_64__)
#include <immintrin.h>

/* one 16 x 16 block: rows of src become columns of dst */
__attribute__((target("avx512f"))) static inline void block16(const float *src, long lds, float *dst, long ldd) {
    __m512 r[16], t[16], u[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + i * lds);
    for (int i = 0; i < 16; i += 2) {   /* per 128-bit lane: [a0 b0 a1 b1], [a2 b2 a3 b3] */
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {   /* u[i + e], lane q: rows i..i+3 of column 4q + e */
        const __m512d t0 = _mm512_castps_pd(t[i]), t1 = _mm512_castps_pd(t[i + 1]);
        const __m512d t2 = _mm512_castps_pd(t[i + 2]), t3 = _mm512_castps_pd(t[i + 3]);
        u[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
        u[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
        u[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
        u[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
    }
    for (int e = 0; e < 4; e++) {       /* gather lane q of rows 0-3, 4-7, 8-11, 12-15 */
        const __m512 v = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88), w = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xdd);
        const __m512 v2 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88), w2 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xdd);
        _mm512_storeu_ps(dst + e * ldd, _mm512_shuffle_f32x4(v, v2, 0x88));
        _mm512_storeu_ps(dst + (8 + e) * ldd, _mm512_shuffle_f32x4(v, v2, 0xdd));
        _mm512_storeu_ps(dst + (4 + e) * ldd, _mm512_shuffle_f32x4(w, w2, 0x88));
        _mm512_storeu_ps(dst + (12 + e) * ldd, _mm512_shuffle_f32x4(w, w2, 0xdd));
    }
}

__attribute__((target("avx512f"))) static void transpose_avx512(long R, long C, const float *src, long lds,
                                                                 float *dst, long ldd) {
    const long R16 = R & ~15L, C16 = C & ~15L;
    for (long r0 = 0; r0 < R16; r0 += 16)
        for (long c0 = 0; c0 < C16; c0 += 16) block16(src + r0 * lds + c0, lds, dst + c0 * ldd + r0, ldd);
    if (C16 < C) blocks_scalar(R16, C - C16, src + C16, lds, dst + C16 * ldd, ldd);   /* right edge */
    if (R16 < R) blocks_scalar(R - R16, C, src + R16 * lds, lds, dst + R16, ldd);     /* bottom rows */
}
#endif

void lws_transpose(long R, long C, const float *src, long lds, float *dst, long ldd) {
#if defined(__x86_64__)
    if (lws_kernels_avx512()) { transpose_avx512(R, C, src, lds, dst, ldd); return; }
#endif
    blocks_scalar(R, C, src, lds, dst, ldd);
}
