#ifndef LWS_CEDIT_SHIM_H
#define LWS_CEDIT_SHIM_H
#include <stdio.h>
#include <editline/readline.h>
#endif
