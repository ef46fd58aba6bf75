/* The vector kernels of conv_direct.c, included once per instruction set (no include guard)
 * with
 *   VF     the vector type (L floats), TARGET its target attribute, FN(name) a suffixed name,
 *   NV     vectors per forward tile (AVX-512: 4 output channels x 6 vectors = 24 sums of 32
 *          registers; AVX2: 4 x 3 = 12 of 16),
 *   CB_W   input channels per weight-gradient tile (3: 27 sums; 1 for AVX2's 16 registers). */

#define L ((long)(sizeof(VF) / sizeof(float)))

TARGET static inline VF FN(load)(const float *p) { VF v; memcpy(&v, p, sizeof v); return v; }

/* The forward pass over "wide rows": with the image padded to rows of S floats, output
 * (y, x) is at position p = y S + x of a plane that also has the S - Wo positions between
 * rows, and its taps are at p + ky S + kx. So one pass over consecutive positions needs no
 * row or column edges, and a 7-wide output fills 7 of 9 lanes, not 7 of 16; the caller
 * drops the in-between positions. One tile: OB output channels x NVT vectors of positions,
 * summed over input channels and taps. xp: the padded input at the tile's first position;
 * w: the first output channel's weights (wO floats apart); yw: the wide output there (YS
 * floats between output channels). */
TARGET static inline __attribute__((always_inline)) void FN(tile)(
        const float *xp, long C, long PS, long S, long KH, long KW, const float *w, long wO,
        float *yw, long YS, const float *bias, const int OB, const int NVT) {
    VF acc[4][NV];
    for (int o = 0; o < OB; o++) {
        const float b = bias ? bias[o] : 0.0f;
        for (int v = 0; v < NVT; v++) acc[o][v] = (VF){0} + b;
    }
    const long KK = KH * KW;
    for (long c = 0; c < C; c++) {
        const float *xc = xp + c * PS, *wc = w + c * KK;
        for (long ky = 0; ky < KH; ky++) {
            for (long kx = 0; kx < KW; kx++) {
                VF in[NV];
                for (int v = 0; v < NVT; v++) in[v] = FN(load)(xc + ky * S + kx + v * L);
                for (int o = 0; o < OB; o++) {
                    const float s = wc[o * wO + ky * KW + kx];
                    for (int v = 0; v < NVT; v++) acc[o][v] += in[v] * s;
                }
            }
        }
    }
    for (int o = 0; o < OB; o++)
        for (int v = 0; v < NVT; v++) memcpy(yw + o * YS + v * L, &acc[o][v], sizeof(VF));
}

/* Calls the tile specialised for OB and NVT (the compiler keeps its sums in registers only
 * when the sizes are constants). */
TARGET static void FN(tile_any)(const float *xp, long C, long PS, long S, long KH, long KW,
                                const float *w, long wO, float *yw, long YS, const float *bias, int ob, int nv) {
#define LWS_TILE(OB_, NV_) FN(tile)(xp, C, PS, S, KH, KW, w, wO, yw, YS, bias, OB_, NV_)
#define LWS_VECTORS(OB_)                                   \
    switch (nv) {                                          \
    case 1: LWS_TILE(OB_, 1); break;                       \
    case 2: if (2 <= NV) LWS_TILE(OB_, 2); break;          \
    case 3: if (3 <= NV) LWS_TILE(OB_, 3); break;          \
    case 4: if (4 <= NV) LWS_TILE(OB_, 4); break;          \
    case 5: if (5 <= NV) LWS_TILE(OB_, 5); break;          \
    case 6: if (6 <= NV) LWS_TILE(OB_, 6); break;          \
    }
    if (ob == 4) { LWS_VECTORS(4) } else { LWS_VECTORS(1) }
#undef LWS_VECTORS
#undef LWS_TILE
}

/* One padded image into the wide output yw [O][YS]: positions in tiles of NV vectors, and
 * for each, output channels in fours (then one at a time), so the few input rows a tile
 * reads stay in L1 while every output channel passes over them. */
TARGET static void FN(image)(const float *xp, long C, long PS, long S, long KH, long KW,
                             const float *w, long O, const float *bias, float *yw, long YS, long positions) {
    const long wO = C * KH * KW;
    for (long p0 = 0; p0 < positions; p0 += NV * L) {
        const long left = (positions - p0 + L - 1) / L;
        const int nv = (int)(left < NV ? left : NV);
        long o0 = 0;
        for (; o0 + 4 <= O; o0 += 4)
            FN(tile_any)(xp + p0, C, PS, S, KH, KW, w + o0 * wO, wO, yw + o0 * YS + p0, YS,
                         bias ? bias + o0 : NULL, 4, nv);
        for (; o0 < O; o0++)
            FN(tile_any)(xp + p0, C, PS, S, KH, KW, w + o0 * wO, wO, yw + o0 * YS + p0, YS,
                         bias ? bias + o0 : NULL, 1, nv);
    }
}

/* The weight gradient of a 3x3 convolution, vectorised over output channels: with the
 * output gradient transposed to [O/L][P][L] (gyT, one block of L output channels per
 * slice), each tile keeps CB input channels x 9 taps of sums for L output channels in
 * registers (AVX-512: 27 of 32) and needs no horizontal sums: lane o of a sum is
 * dW[o0 + o][c][ky][kx] summed over the pixels in order, the same on every path. */
TARGET static inline __attribute__((always_inline)) void FN(wgrad_tile)(
        const float *xp, long PS, long S, const float *gyT, long Ho, long Wo, float *gwT, long O, const int CB) {
    VF acc[3][9];
    for (int cb = 0; cb < CB; cb++)
        for (int t = 0; t < 9; t++) acc[cb][t] = (VF){0};
    for (long i = 0; i < Ho; i++) {
        const float *g = gyT + i * Wo * L;
        for (long j = 0; j < Wo; j++) {
            const VF gv = FN(load)(g + j * L);
            for (int cb = 0; cb < CB; cb++)
                for (int ky = 0; ky < 3; ky++) {
                    const float *row = xp + cb * PS + (i + ky) * S + j;
                    for (int kx = 0; kx < 3; kx++) acc[cb][ky * 3 + kx] += gv * row[kx];
                }
        }
    }
    for (int cb = 0; cb < CB; cb++)
        for (int t = 0; t < 9; t++) {
            float *d = gwT + (cb * 9 + t) * O;
            VF sum = FN(load)(d) + acc[cb][t];
            memcpy(d, &sum, sizeof sum);
        }
}

/* One image's 3x3 weight gradient added to gwT [C][9][O]; O a multiple of L. */
TARGET static void FN(wgrad_image)(const float *xp, long C, long PS, long S, const float *gyT, long O,
                                   long Ho, long Wo, float *gwT) {
    for (long o0 = 0; o0 < O; o0 += L) {
        const float *g = gyT + o0 * Ho * Wo;
        long c0 = 0;
        for (; c0 + CB_W <= C; c0 += CB_W)
            FN(wgrad_tile)(xp + c0 * PS, PS, S, g, Ho, Wo, gwT + c0 * 9 * O + o0, O, CB_W);
        for (; c0 < C; c0++)
            FN(wgrad_tile)(xp + c0 * PS, PS, S, g, Ho, Wo, gwT + c0 * 9 * O + o0, O, 1);
    }
}
/* y [O][Ho][Wo] from the wide output in whole vectors: a row's last vector runs into the
 * next row, which is written after it; only vectors that would run past the end of y are
 * copied exactly. (memcpy per row took longer than the 1 -> 32 layer's products.) */
TARGET static void FN(compact)(const float *yw, long YS, long S, long O, long Ho, long Wo, float *y) {
    const float *end = y + O * Ho * Wo;
    for (long o = 0; o < O; o++)
        for (long i = 0; i < Ho; i++) {
            const float *src = yw + o * YS + i * S;
            float *dst = y + (o * Ho + i) * Wo;
            for (long j = 0; j < Wo; j += L) {
                if (dst + j + L <= end) {
                    VF v = FN(load)(src + j);
                    memcpy(dst + j, &v, sizeof v);
                } else {
                    memcpy(dst + j, src + j, (size_t)(Wo - j < L ? Wo - j : L) * sizeof(float));
                }
            }
        }
}

#undef L
