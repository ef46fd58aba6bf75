#include "conv_direct.h"
#include "cpu.h"
#include "transpose.h"
#include <stdlib.h>
#include <string.h>

/* Copies x [C][H][W] into C planes of (H + 2 padH) rows of S = W + 2 padW floats with zero
 * borders, and zeroes the slack after the last plane. */
static void pad_image(const float *x, long C, long H, long W, long padH, long padW, float *xp, long slack) {
    const long S = W + 2 * padW, Hp = H + 2 * padH;
    for (long c = 0; c < C; c++) {
        float *plane = xp + c * Hp * S;
        memset(plane, 0, (size_t)(padH * S) * sizeof(float));
        for (long i = 0; i < H; i++) {
            float *row = plane + (padH + i) * S;
            memset(row, 0, (size_t)padW * sizeof(float));
            memcpy(row + padW, x + (c * H + i) * W, (size_t)W * sizeof(float));
            memset(row + padW + W, 0, (size_t)padW * sizeof(float));
        }
        memset(plane + (padH + H) * S, 0, (size_t)(padH * S) * sizeof(float));
    }
    memset(xp + C * Hp * S, 0, (size_t)slack * sizeof(float));
}

/* the reference path: the same sums in the same order, one output at a time, fused
 * multiply-adds as the vector paths' (so every path gives the same bits) */
static void image_scalar(const float *xp, long C, long PS, long S, long KH, long KW,
                         const float *w, long O, const float *bias, float *y, long Ho, long Wo) {
    for (long o = 0; o < O; o++)
        for (long i = 0; i < Ho; i++)
            for (long j = 0; j < Wo; j++) {
                float acc = bias ? bias[o] : 0.0f;
                for (long c = 0; c < C; c++)
                    for (long ky = 0; ky < KH; ky++)
                        for (long kx = 0; kx < KW; kx++)
                            acc = __builtin_fmaf(w[((o * C + c) * KH + ky) * KW + kx], xp[c * PS + (i + ky) * S + j + kx], acc);
                y[(o * Ho + i) * Wo + j] = acc;
            }
}

/* the slack: the last vector of a row reads at most one vector past the plane's end */
#define LWS_SLACK 32

#if defined(__x86_64__)
#define TARGET __attribute__((target("avx512f")))
#define FN(name) name##_avx512
#define NV 6
#define CB_W 3
typedef float vf16 __attribute__((vector_size(64)));
#define VF vf16
#include "conv_direct_tile.h"
#undef VF
#undef NV
#undef CB_W
#undef FN
#undef TARGET

#define TARGET __attribute__((target("avx2,fma")))
#define FN(name) name##_avx2
#define NV 3
#define CB_W 1
typedef float vf8 __attribute__((vector_size(32)));
#define VF vf8
#include "conv_direct_tile.h"
#undef VF
#undef NV
#undef CB_W
#undef FN
#undef TARGET
#endif

/* gy [O][P] -> gyT [O/L][P][L]: each group of L channels transposed (transpose.c) */
static void transpose_groups(const float *gy, long O, long P, long L, float *gyT) {
    for (long o0 = 0; o0 < O; o0 += L) lws_transpose(L, P, gy + o0 * P, P, gyT + o0 * P, L);
}

/* the reference path: the same sums in the same order as the vector paths */
static void wgrad_scalar(const float *xp, long C, long PS, long S, const float *gy, long O,
                         long Ho, long Wo, float *gwT) {
    for (long c = 0; c < C; c++)
        for (long t = 0; t < 9; t++)
            for (long o = 0; o < O; o++) {
                float acc = 0;
                for (long i = 0; i < Ho; i++)
                    for (long j = 0; j < Wo; j++)
                        acc = __builtin_fmaf(gy[(o * Ho + i) * Wo + j], xp[c * PS + (i + t / 3) * S + j + t % 3], acc);
                gwT[(c * 9 + t) * O + o] += acc;
            }
}


int lws_conv2d_direct_path(void) {
    static int path = -1;
    if (path < 0) path = getenv("LWSCRIPT_NO_DIRECT_CONV") ? LWS_ISA_SCALAR : lws_isa_best();
    return path;
}

/* floats of the padded image and its slack */
static long padded_size(long C, long H, long W, long padH, long padW) {
    return C * (H + 2 * padH) * (W + 2 * padW) + LWS_SLACK;
}

/* floats between output channels of the wide output: every position of the Ho rows of S,
 * and room for the last tile's vector that runs past the last position */
static long wide_stride(long Ho, long S) { return Ho * S + 16; }

long lws_conv2d_direct_scratch(long C, long H, long W, long padH, long padW, long O, long KH) {
    const long Ho = H + 2 * padH - KH + 1;
    return padded_size(C, H, W, padH, padW) + (Ho > 0 ? O * wide_stride(Ho, W + 2 * padW) : 0);
}

void lws_conv2d_direct(int path, const float *x, long C, long H, long W, long padH, long padW,
                       const float *w, long O, long KH, long KW, const float *bias,
                       float *y, float *scratch) {
    const long S = W + 2 * padW, Hp = H + 2 * padH, Ho = Hp - KH + 1, Wo = S - KW + 1;
    if (Ho <= 0 || Wo <= 0 || O <= 0) return;
    pad_image(x, C, H, W, padH, padW, scratch, LWS_SLACK);
#if defined(__x86_64__)
    if (path == LWS_ISA_AVX512 || path == LWS_ISA_AVX2) {
        float *yw = scratch + padded_size(C, H, W, padH, padW);
        const long YS = wide_stride(Ho, S), positions = (Ho - 1) * S + Wo;
        if (path == LWS_ISA_AVX512) {
            image_avx512(scratch, C, Hp * S, S, KH, KW, w, O, bias, yw, YS, positions);
            compact_avx512(yw, YS, S, O, Ho, Wo, y);
        } else {
            image_avx2(scratch, C, Hp * S, S, KH, KW, w, O, bias, yw, YS, positions);
            compact_avx2(yw, YS, S, O, Ho, Wo, y);
        }
        return;
    }
#endif
    image_scalar(scratch, C, Hp * S, S, KH, KW, w, O, bias, y, Ho, Wo);
}

long lws_conv2d_direct_lanes(int path) {
    return path == LWS_ISA_AVX512 ? 16 : path == LWS_ISA_AVX2 ? 8 : 1;
}

long lws_conv2d_wgrad_scratch(long C, long H, long W, long padH, long padW, long O) {
    return padded_size(C, H, W, padH, padW) + O * (H + 2 * padH - 2) * (W + 2 * padW - 2);
}

void lws_conv2d_wgrad(int path, const float *x, long C, long H, long W, long padH, long padW,
                      const float *gy, long O, float *gwT, float *scratch) {
    const long S = W + 2 * padW, Hp = H + 2 * padH, Ho = Hp - 2, Wo = S - 2;
    if (Ho <= 0 || Wo <= 0 || O <= 0) return;
    pad_image(x, C, H, W, padH, padW, scratch, LWS_SLACK);
    float *gyT = scratch + padded_size(C, H, W, padH, padW);
#if defined(__x86_64__)
    if (path == LWS_ISA_AVX512 || path == LWS_ISA_AVX2) {
        transpose_groups(gy, O, Ho * Wo, lws_conv2d_direct_lanes(path), gyT);
        if (path == LWS_ISA_AVX512) wgrad_image_avx512(scratch, C, Hp * S, S, gyT, O, Ho, Wo, gwT);
        else wgrad_image_avx2(scratch, C, Hp * S, S, gyT, O, Ho, Wo, gwT);
        return;
    }
#endif
    wgrad_scalar(scratch, C, Hp * S, S, gy, O, Ho, Wo, gwT);
}
