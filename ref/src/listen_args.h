/*
 * listen_args.h - synchronous validation of server.listen() options, with
 * the errors Node 8 throws. Internal.
 */
#ifndef NS_SRC_LISTEN_ARGS_H
#define NS_SRC_LISTEN_ARGS_H

#include "netspec.h"

/*
 * Checks `opts` as Node 8's Server.prototype.listen() does before doing
 * anything. Returns 0 when they are usable, or -1 with *err filled:
 *   - has_port with port outside 0..65535: RangeError
 *     '"port" argument must be >= 0 and < 65536';
 *   - no port and no usable path: Error
 *     "Invalid listen argument: " + util.inspect(options).
 */
int ns__listen_validate(const ns_listen_options *opts, ns_error *err);

/*
 * Node 8's isPipeName() of the string s[0..n) (NUL bytes allowed, and
 * making it one): non-zero unless JavaScript's Number(s) (jsnum.h) is a
 * number >= 0 ("", " 12 ", "0x10", "1e3", "Infinity", "-0" and "-1e-400"
 * are not pipe names; "-1", "abc", "1_0" are). The shim decides which form
 * of listen() and connect() it was given with it too.
 */
int ns__is_pipe_name(const char *s, size_t n);

/* Bytes util.inspect(options) below can need, its NUL included. */
size_t ns__inspect_listen_options_size(const ns_listen_options *opts);

/* Writes util.inspect(options) of the JavaScript object the C options stand
 * for, e.g. "{ host: '127.0.0.1' }", into buf[size] (complete when size is
 * ns__inspect_listen_options_size(opts); "" when out of memory). */
void ns__inspect_listen_options(const ns_listen_options *opts, char *buf,
                                size_t size);

#endif /* NS_SRC_LISTEN_ARGS_H */
