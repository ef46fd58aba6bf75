/* The vector kernel of conv_direct.c, included once per instruction set (no include guard) with
 *   VF     the vector type (L floats), TARGET its target attribute, FN(name) a suffixed name,
 *   RB1    rows per tile when a tile is one vector wide, RB2 when it is two,
 *   STORE_FIRST(d, a, n)  stores the first n lanes of a at d (a masked store),
 *   CB_W   input channels per weight-gradient tile (3: 27 sums; 1 for AVX2's 16 registers).
 * 4 output channels x RB rows x V vectors of sums stay in registers (AVX-512: 24 of 32,
 * AVX2: 12 of 16) while the loop runs over input channels and kernel taps. */

#define L ((long)(sizeof(VF) / sizeof(float)))

TARGET static inline VF FN(load)(const float *p) { VF v; memcpy(&v, p, sizeof v); return v; }

/* One tile. xp: the padded input at the tile's first row and column (plane stride PS, row
 * stride S); w: the first output channel's weights (wO floats per output channel); y: the
 * output at the tile's first pixel; `last` lanes of the last vector are stored. */
TARGET static inline __attribute__((always_inline)) void FN(tile)(
        const float *xp, long C, long PS, long S, long KH, long KW, const float *w, long wO,
        float *y, long Wo, long HW, const float *bias, long last, const int OB, const int RB, const int V) {
    VF acc[4][RB1 > RB2 ? RB1 : RB2][2];
    for (int o = 0; o < OB; o++) {
        const float b = bias ? bias[o] : 0.0f;
        for (int r = 0; r < RB; r++)
            for (int v = 0; v < V; v++) acc[o][r][v] = (VF){0} + b;
    }
    const long KK = KH * KW;
    for (long c = 0; c < C; c++) {
        const float *xc = xp + c * PS, *wc = w + c * KK;
        for (long ky = 0; ky < KH; ky++) {
            for (long kx = 0; kx < KW; kx++) {
                VF in[RB1 > RB2 ? RB1 : RB2][2];
                for (int r = 0; r < RB; r++)
                    for (int v = 0; v < V; v++) in[r][v] = FN(load)(xc + (r + ky) * S + kx + v * L);
                for (int o = 0; o < OB; o++) {
                    const float s = wc[o * wO + ky * KW + kx];
                    for (int r = 0; r < RB; r++)
                        for (int v = 0; v < V; v++) acc[o][r][v] += in[r][v] * s;
                }
            }
        }
    }
    for (int o = 0; o < OB; o++) {
        for (int r = 0; r < RB; r++) {
            for (int v = 0; v < V; v++) {
                float *d = y + o * HW + r * Wo + v * L;
                VF a = acc[o][r][v];
                if (v == V - 1 && last < L) {
                    STORE_FIRST(d, a, last);
                } else {
                    memcpy(d, &a, sizeof a);
                }
            }
        }
    }
}

/* Calls the tile speciali  for OB, RB and V (the compiler keeps each one's sums in
 * registers only when the sizes are constants). */
TARGET static void FN(tile_any)(const float *xp, long C, long PS, long S, long KH, long KW,
                                const float *w, long wO, float *y, long Wo, long HW,
                                const float *bias, long last, int ob, int rb, int v) {
#define LWS_TILE(OB_, RB_, V_) FN(tile)(xp, C, PS, S, KH, KW, w, wO, y, Wo, HW, bias, last, OB_, RB_, V_)
#define LWS_ROWS(OB_, V_, RBMAX_)                                        \
    switch (rb) {                                                        \
    case 1: LWS_TILE(OB_, 1, V_); break;                                 \
    case 2: if (2 <= RBMAX_) LWS_TILE(OB_, 2, V_); break; \
    case 3: if (3 <= RBMAX_) LWS_TILE(OB_, 3, V_); break; \
    case 4: if (4 <= RBMAX_) LWS_TILE(OB_, 4, V_); break; \
    case 5: if (5 <= RBMAX_) LWS_TILE(OB_, 5, V_); break; \
    case 6: if (6 <= RBMAX_) LWS_TILE(OB_, 6, V_); break; \
    }
    if (ob == 4) {
        if (v == 2) { LWS_ROWS(4, 2, RB2) } else { LWS_ROWS(4, 1, RB1) }
    } else {
        if (v == 2) { LWS_ROWS(1, 2, RB2) } else { LWS_ROWS(1, 1, RB1) }
    }
#undef LWS_ROWS
#undef LWS_TILE
}

/* One padded image through every tile: columns in chunks of two vectors, rows in blocks,
 * output channels in fours (then one at a time). For one chunk and row block the few input
 * rows the tiles read stay in L1 while every output channel passes over them. */
TARGET static void FN(image)(const float *xp, long C, long PS, long S, long KH, long KW,
                             const float *w, long O, const float *bias, float *y, long Ho, long Wo) {
    const long HW = Ho * Wo, wO = C * KH * KW;
    for (long x0 = 0; x0 < Wo; x0 += 2 * L) {
        const long width = Wo - x0 < 2 * L ? Wo - x0 : 2 * L;
        const int v = width > L ? 2 : 1;
        const long last = width - (v - 1) * L;
        const long rbmax = v == 2 ? RB2 : RB1;
        for (long r0 = 0; r0 < Ho; r0 += rbmax) {
            const int rb = (int)(Ho - r0 < rbmax ? Ho - r0 : rbmax);
            const float *xt = xp + r0 * S + x0;
            float *yt = y + r0 * Wo + x0;
            long o0 = 0;
            for (; o0 + 4 <= O; o0 += 4)
                FN(tile_any)(xt, C, PS, S, KH, KW, w + o0 * wO, wO, yt + o0 * HW, Wo, HW,
                             bias ? bias + o0 : NULL, last, 4, rb, v);
            for (; o0 < O; o0++)
                FN(tile_any)(xt, C, PS, S, KH, KW, w + o0 * wO, wO, yt + o0 * HW, Wo, HW,
                             bias ? bias + o0 : NULL, last, 1, rb, v);
        }
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
#undef L
