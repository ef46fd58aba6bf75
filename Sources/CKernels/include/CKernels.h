/* lwscript's kernels in C: the direct convolution, the small products of Linear and LSTM layers,
 * and the LSTM's gate pass with its vector sigmoid and tanh, alone or fused with a step's products. */
#include "cpu.h"
#include "conv_direct.h"
#include "gemm_nt.h"
#include "gemm_nn.h"
#include "vmath.h"
#include "lstm_cell.h"
#include "lstm_step.h"
#include "transpose.h"
