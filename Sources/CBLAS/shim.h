#ifndef LWS_CBLAS_SHIM_H
#define LWS_CBLAS_SHIM_H
#include <cblas.h>
#endif
