#ifndef LWS_CZLIB_SHIM_H
#define LWS_CZLIB_SHIM_H
#include <zlib.h>
#endif
