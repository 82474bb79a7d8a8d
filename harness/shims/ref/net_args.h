/* net_args.h - what net.Socket's connect() and net.Server's listen() share
 * in Node 8: normalizeArgs() (which form the arguments take) and
 * isLegalPort(). */
#ifndef SHIM_NET_ARGS_H
#define SHIM_NET_ARGS_H

#include <stddef.h>

#include "json.h"

typedef struct net_args {
  const json_value *options; /* args[0] when it is an object, else NULL */
  const json_value *port;    /* options.port, or args[0] (the port form) */
  const json_value *host;    /* options.host, or args[1] when a string */
  const json_value *path;    /* options.path, or args[0] (a pipe name) */
  int port_given;            /* the port form, or options has a "port" key */
  const char *label;         /* the last argument's callback label, or NULL */
} net_args;

/* normalizeArgs(args): (options[, cb]); (path[, cb]) when args[0] is a
 * pipe name (isPipeName: a string that is not a number >= 0); else
 * (port[, host][, cb]). No arguments leave everything NULL. */
void net_args_normalize(const json_value *const *args, size_t n, net_args *out);

/* Node's isLegalPort(v), which listen() and connect() both apply: a number,
 * or a string whose trim() is not empty, whose Number() is an integer in
 * 0..65535. Returns 1 with that integer in *out, else 0. */
int net_args_legal_port(const json_value *v, int *out);

#endif
