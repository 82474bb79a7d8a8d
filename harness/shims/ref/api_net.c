/* api_net.c - the `net` module target: its functions. */
#include "shim.h"

#include "handles.h"
#include "value.h"

/* net.isIP(input), net.isIPv4(input), net.isIPv6(input) */
static int is_ip(call *c) {
  const json_value *v = c->nargs > 0 ? c->args[0] : NULL;

  /* The binding converts with String(v) and reads it as a C string (a NUL
   * ends it); an array of one string reads as that string. */
  if (val_kind_of(v) == VK_ARRAY && v->len == 1) v = v->child;
  if (val_kind_of(v) != VK_STRING) return 0;
  return ns_is_ip(v->str);
}

/* net.Server / net.Socket read as values: the classes (functions). */
static void net_class_value(handle *h, reply *r) {
  (void)h;
  jw_object_begin(&r->value);
  jw_key(&r->value, "$opaque");
  jw_string(&r->value, "Function");
  jw_object_end(&r->value);
}

static const prop_def net_props[] = {
    {"Server", net_class_value, NULL},
    {"Socket", net_class_value, NULL},
    {NULL, NULL, NULL},
};
static void net_is_ip(call *c) { jw_int(&c->r->value, is_ip(c)); }
static void net_is_ipv4(call *c) { jw_bool(&c->r->value, is_ip(c) == 4); }
static void net_is_ipv6(call *c) { jw_bool(&c->r->value, is_ip(c) == 6); }

static const method_def net_methods[] = {
    {"isIP", net_is_ip},
    {"isIPv4", net_is_ipv4},
    {"isIPv6", net_is_ipv6},
    {"createServer", server_create},
    {"Server", server_create}, /* net.Server() without new: as new */
    {"connect", socket_create_connection},
    {"createConnection", socket_create_connection},
    {NULL, NULL},
};

const class_def net_module = {
    .name = "net",
    .construct = NULL,
    .methods = net_methods,
    .props = net_props,
    .release = NULL,
};
