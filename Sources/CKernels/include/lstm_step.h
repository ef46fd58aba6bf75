#ifndef LWS_LSTM_STEP_H
#define LWS_LSTM_STEP_H
/* One time step of an LSTM layer's forward pass, products and cell in one pass: each tile of
 * sums holds the four gates of 16 hidden units for a few sequences, so the activations, c and
 * h are made from registers. Why: as two products and a cell pass (gemm_nn.c, lstm_cell.c)
 * a step wrote its gates (128 KB for 64 sequences, H = 128) to L2 and read them back twice,
 * copied the bias into them first, and the products ran at 70% of their speed alone.
 *
 * W [4H, K] (PyTorch's layout, gates i, f, g, o of H rows each) packs for it into panels of
 * 16 hidden units: K rows of 64 columns, the four gates' 16 columns side by side. */

/* packed: 4 H K floats. H a multiple of 16. */
void lws_lstm_pack(long K, long H, const float *W, float *packed);

/* For n sequences, H a multiple of 16 as for the packing, on instruction-set path `path`
 * (cpu.h: LWS_ISA_AVX512, or any other for a scalar loop with the same bits):
 *   pre = bias + sum over k < I of x[k] W_ih[:, k] + sum over k < H of h_prev[k] W_hh[:, k],
 * in that order with fused multiply-adds (the bits of bias + lws_gemm_nn_packed twice), then
 * the cell exactly as lws_lstm_cell_forward: activations (written to `act` unless NULL, rows
 * act_stride apart, PyTorch's column order), c = f c_prev + i g, tanh_c (unless NULL), h.
 * h_prev and c_prev NULL at the first step. x rows x_stride apart; h_prev, c_prev, c, tanh_c
 * and h rows state_stride apart. */
void lws_lstm_step_forward(int path, long n, long H, long I, const float *x, long x_stride, const float *wih_packed,
                           const float *h_prev, const float *whh_packed, const float *bias,
                           const float *c_prev, float *c, float *tanh_c, float *h, long state_stride,
                           float *act, long act_stride);
#endif
