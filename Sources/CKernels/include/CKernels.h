/* lwscript's kernels in C: the direct convolution and the small-batch A B^T product. */
#include "conv_direct.h"
#include "gemm_nt.h"
