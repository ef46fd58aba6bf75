/* lwscript's kernels in C: the direct convolution and the small products of Linear and LSTM layers. */
#include "cpu.h"
#include "conv_direct.h"
#include "gemm_nt.h"
#include "gemm_nn.h"
