#ifndef LWS_CZMQ_SHIM_H
#define LWS_CZMQ_SHIM_H
/* ZeroMQ (Debian libzmq3-dev) for the Jupyter kernel's five sockets. */
#include <zmq.h>
#include <errno.h>

/* zmq_msg_t's size is opaque to Swift; the kernel only needs one on the heap. */
static inline int lws_zmq_errno(void) { return zmq_errno(); }
#endif
