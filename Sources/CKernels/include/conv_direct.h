#ifndef LWS_CONV_DIRECT_H
#define LWS_CONV_DIRECT_H
/* Direct 2-D convolution, stride 1, for one image: y[O][Ho][Wo] = bias[o] +
 * sum over c, ky, kx of w[O][C][KH][KW] * x_padded[c][y + ky][x + kx].
 *
 * Why not im2col + GEMM: with 32 output channels the GEMM has only 32 rows, and the
 * unfolded input (9x the image) is packed once more by the BLAS for them, so the copies
 * cost about as much as the multiply. Here the input is padded once into `scratch` and
 * read in place; each tile keeps 4 output channels x 6 vectors of positions' sums in
 * vector registers. Compiled with -O3 even in debug builds (Package.swift): the
 * tests train CNNs through it. */

/* Instruction-set paths are cpu.h's LWS_ISA_*: the best the CPU has is chosen unless a test
 * asks for one (tests run every path lws_isa_supported allows). */

/* The path lws_conv2d_direct takes here: lws_isa_best(), or scalar under
 * LWSCRIPT_NO_DIRECT_CONV, which Conv2d reads as "im2col + GEMM" (for comparisons). */
int lws_conv2d_direct_path(void);

/* Floats of scratch one call needs: the zero-padded image with a little slack (the last
 * vector of a row may read past the plane's end; those lanes are never stored) and the
 * output over "wide rows" (conv_direct_tile.h). */
long lws_conv2d_direct_scratch(long C, long H, long W, long padH, long padW, long O, long KH);

/* One image: x [C][H][W] -> y [O][Ho][Wo], Ho = H + 2 padH - KH + 1 (likewise Wo), both
 * positive. bias may be NULL. Deterministic: every output sums c, ky, kx in that order. */
void lws_conv2d_direct(int path, const float *x, long C, long H, long W, long padH, long padW,
                       const float *w, long O, long KH, long KW, const float *bias,
                       float *y, float *scratch);

/* The weight gradient of a 3x3 convolution (stride 1), one image at a time, vectorised over
 * output channels: O must be a multiple of lws_conv2d_direct_lanes(path). Adds the image's
 * dW to gwT, laid out [C][9][O] (transposed: the caller adds the parts up into [O][C][3][3]).
 * Every path gives the same bits: each entry sums its pixels in order with fused
 * multiply-adds. */
long lws_conv2d_direct_lanes(int path);
long lws_conv2d_wgrad_scratch(long C, long H, long W, long padH, long padW, long O);
void lws_conv2d_wgrad(int path, const float *x, long C, long H, long W, long padH, long padW,
                      const float *gy, long O, float *gwT, float *scratch);
#endif
