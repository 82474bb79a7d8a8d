/*
 * connect_args.c - socket.connect() / setTimeout() argument checks.
 */
#include "connect_args.h"

#include <math.h>

#include "addr.h"
#include "error.h"

int ns__connect_validate(const ns_connect_options *opts, int busy,
                         ns_error *err) {
  struct sockaddr_storage ss;
  socklen_t len;
  if (busy) {
    ns__error_const(err, "Error", "Socket is already connected");
    return -1;
  }
  if (opts->path != NULL && opts->path[0] != '\0')
    return 0;
  if (opts->local_address != NULL && opts->local_address[0] != '\0' &&
      ns__addr_parse_ip(opts->local_address, 0, &ss, &len) == 0) {
    ns__error_plainf(err, "TypeError",
                     "\"localAddress\" option must be a valid IP: %s",
                     opts->local_address);
    return -1;
  }
  if (opts->lookup == NULL &&
      (opts->host == NULL || opts->host[0] == '\0' ||
       ns__addr_parse_ip(opts->host, 0, &ss, &len) == 0)) {
    /* dns.lookup()'s checks, made when the host has to be looked up with
     * the default lookup (and only after the port check) */
    int hints = opts->hints;

    /* dns.lookup() checks the hints before the family: with both wrong,
     * Node 8 throws the hints error (found by fuzz/). */
    if (hints != 0 && hints != NS_AI_ADDRCONFIG && hints != NS_AI_V4MAPPED &&
        hints != (NS_AI_ADDRCONFIG | NS_AI_V4MAPPED) &&
        !(opts->port < 0 || opts->port > 65535 || opts->port_invalid)) {
      ns__error_const(err, "TypeError",
                      "Invalid argument: hints must use valid flags");
      return -1;
    }
    if (opts->family != 0 && opts->family != 4 && opts->family != 6 &&
        !(opts->port < 0 || opts->port > 65535 || opts->port_invalid)) {
      ns__error_const(err, "TypeError",
                      "Invalid argument: family must be 4 or 6");
      return -1;
    }
  }
  if (opts->port < 0 || opts->port > 65535 || opts->port_invalid) {
    if (opts->port_text != NULL)
      ns__error_plainf(err, "RangeError",
                       "\"port\" option should be >= 0 and < 65536: %s",
                       opts->port_text);
    else
      ns__error_plainf(err, "RangeError",
                       "\"port\" option should be >= 0 and < 65536: %d",
                       opts->port);
    return -1;
  }
  return 0;
}

int ns__timeout_validate(double ms, ns_error *err) {
  if (ms < 0 || !isfinite(ms)) {
    ns__error_const(err, "RangeError",
                    "\"msecs\" argument must be a non-negative finite number");
    return -1;
  }
  return 0;
}
