/* api_net.c - the `net` module target: its functions. */
#include "shim.h"

#include "value.h"

/* net.isIP(input), net.isIPv4(input), net.isIPv6(input) */
static int is_ip(call *c) {
  const char *s = c->nargs > 0 ? val_c_string(c->args[0]) : NULL;
  return s != NULL ? ns_is_ip(s) : 0;
}
static void net_is_ip(call *c) { jw_int(&c->r->value, is_ip(c)); }
static void net_is_ipv4(call *c) { jw_bool(&c->r->value, is_ip(c) == 4); }
static void net_is_ipv6(call *c) { jw_bool(&c->r->value, is_ip(c) == 6); }

static const method_def net_methods[] = {
    {"isIP", net_is_ip},
    {"isIPv4", net_is_ipv4},
    {"isIPv6", net_is_ipv6},
    {"createServer", server_create},
    {"connect", socket_create_connection},
    {"createConnection", socket_create_connection},
    {NULL, NULL},
};

const class_def net_module = {
    .name = "net",
    .construct = NULL,
    .methods = net_methods,
    .props = NULL,
    .release = NULL,
};
