#ifndef LWS_LSTM_CELL_H
#define LWS_LSTM_CELL_H
/* One time step of an LSTM layer's forward pass after the products, for n sequences, in one
 * pass over each sequence's row: the gate activations, the cell state and the hidden state.
 * Why one pass: as separate calls (sigmoid, tanh, then Swift loops for c and h) the step read
 * and wrote each row five times, and the gate pass cost as much as the recurrent product.
 *
 * act: n rows of 4H pre-activations (input, forget, cell, output gates; PyTorch's order),
 * act_stride apart, replaced by the activations in place (the backward pass reads them).
 * c_prev: the previous cell states, or NULL at the first step (c_0 = 0). c, tanh_c, h: this
 * step's cell state, its tanh (NULL when no backward pass needs it) and the hidden state.
 * c_prev, c, tanh_c and h rows are state_stride apart.
 *   c = f c_prev + i g (two products, then the sum), tanh_c = tanh(c), h = o tanh_c.
 * Every path gives the same bits (vmath.h), `path` as there. */
void lws_lstm_cell_forward(int path, long n, long H, float *act, long act_stride, const float *c_prev,
                           float *c, float *tanh_c, float *h, long state_stride);

/* The same step backwards (through time), for n sequences: from the gate activations `act`,
 * c_prev (NULL at the first step: zeros), tanh_c and the gradient g_out of h from above, and
 * dh and dc, the gradients of h and c from the step after, writes the pre-activation
 * gradients d_gates (rows act_stride apart, like act) and replaces dc by the gradient of
 * c_prev. dh and dc rows are H apart; g_out rows g_out_stride apart. Per entry, in this order
 * and without fused multiply-adds (the Swift loop it replaced, bit for bit):
 *   dh' = g_out + dh,  dc' = dc + dh' o (1 - tanh_c^2)
 *   d_i = dc' g i (1 - i),  d_f = dc' c_prev f (1 - f),  d_g = dc' i (1 - g^2),
 *   d_o = dh' tanh_c o (1 - o),  dc <- dc' f
 * Why here: as a Swift loop (SSE2, 4 lanes) it took a quarter of the LSTM's backward pass. */
void lws_lstm_cell_backward(int path, long n, long H, const float *act, long act_stride, const float *c_prev,
                            const float *tanh_c, long state_stride, const float *g_out, long g_out_stride,
                            const float *dh, float *dc, float *d_gates);
#endif
