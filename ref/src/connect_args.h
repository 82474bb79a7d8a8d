/*
 * connect_args.h - synchronous validation of socket.connect() options and
 * of other socket method arguments, with the errors Node 8 throws.
 * Internal.
 */
#ifndef NS_SRC_CONNECT_ARGS_H
#define NS_SRC_CONNECT_ARGS_H

#include "netspec.h"

/* dns.ADDRCONFIG and dns.V4MAPPED (getaddrinfo's flags on Linux). */
#define NS_AI_V4MAPPED 8
#define NS_AI_ADDRCONFIG 32

/*
 * Checks `opts` as Node 8's lookupAndConnect() does (a path skips the TCP
 * checks). `busy`: the socket is connecting or connected. Returns 0, or -1
 * with *err filled:
 *   - busy: Error "Socket is already connected" (the C API refuses);
 *   - local_address not an IP: TypeError
 *     '"localAddress" option must be a valid IP: X';
 *   - port outside 0..65535 (or port_invalid): RangeError
 *     '"port" option should be >= 0 and < 65536: P' (P: port_text if set).
 *   - for a host name looked up without a custom lookup function: family
 *     not 0, 4 or 6 (TypeError "Invalid argument: family must be 4 or 6"),
 *     hints other than 0, ADDRCONFIG, V4MAPPED or both (TypeError
 *     "Invalid argument: hints must use valid flags"); after the port.
 * A local_port outside 0..65535 is not refused here: like Node 8 the bind
 * uses its low 16 bits and then fails with EADDRINUSE.
 */
int ns__connect_validate(const ns_connect_options *opts, int busy,
                         ns_error *err);

/* Checks a setTimeout() duration as Node 8's timers.enroll() does: a
 * negative or non-finite value is a RangeError '"msecs" argument must be a
 * non-negative finite number'. Returns 0 or -1. */
int ns__timeout_validate(double ms, ns_error *err);

#endif /* NS_SRC_CONNECT_ARGS_H */
