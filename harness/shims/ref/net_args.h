/* net_args.h - Node 8's normalizeArgs(), which net.Socket's connect() and
 * net.Server's listen() share: which form the arguments take. */
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

#endif
