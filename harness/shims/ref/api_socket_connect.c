/*
 * api_socket_connect.c - socket.connect() and net.connect() /
 * net.createConnection(): the form normalizeArgs() (net_args.c) found,
 * the JavaScript-typed checks the C API's types cannot express, then
 * ns_socket_connect(), which validates the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "api_socket.h"
#include "net_args.h"
#include "out.h"
#include "toint32.h"
#include "value.h"
#include "xalloc.h"

/* The library asks a custom lookup: lookup(host, {family, hints}, cb). */
static void on_custom_lookup(ns_socket *sock, const char *host, int family,
                             int hints, void *arg) {
  socket_state *st = arg;
  json_writer args;

  (void)sock;
  socket_args_begin(&args);
  jw_string(&args, host);
  jw_object_begin(&args);
  jw_key(&args, "family");
  if (family != 0) jw_int(&args, family);
  else val_write_undefined(&args);
  jw_key(&args, "hints");
  jw_int(&args, hints);
  jw_object_end(&args);
  jw_object_begin(&args);
  jw_key(&args, "$opaque");
  jw_string(&args, "Function");
  jw_object_end(&args);
  jw_array_end(&args);
  out_callback(st->lookup_label, &args);
  jw_free(&args);
}

/* socket.connect(...) on st; `factory`: the callback goes first. */
static void do_connect(call *c, socket_state *st, int factory) {
  net_args a;
  ns_connect_options co;
  ns_error err;
  char port_text[256];
  const json_value *v;

  net_args_normalize(c->args, c->nargs, &a);
  memset(&co, 0, sizeof co);
  if (val_truthy(a.path)) {
    if (val_kind_of(a.path) != VK_STRING) {
      reply_type_error(c->r, "TypeError [ERR_INVALID_ARG_TYPE]", "ERR_INVALID_ARG_TYPE",
                       "The \"options.path\" argument must be of type string. "
                       "Received type %s", val_typeof(a.path));
      return;
    }
    if ((co.path = val_c_string(a.path)) == NULL) {
      reply_bad(c->r, "EBADARGS", "path must be a string without NUL bytes");
      return;
    }
  } else {
    v = val_prop(a.options, "localAddress");
    if (val_truthy(v) && (co.local_address = val_c_string(v)) == NULL) {
      reply_bad(c->r, "EBADARGS", "localAddress must be a string for the C API");
      return;
    }
    /* a localAddress that is not an IP is the library's TypeError */
    v = val_prop(a.options, "localPort");
    if (val_truthy(v)) {
      if (val_kind_of(v) != VK_NUMBER) {
        val_to_string(v, port_text, sizeof port_text);
        reply_type_error(c->r, "TypeError", NULL,
                         "\"localPort\" option should be a number: %s", port_text);
        return;
      }
      co.local_port = js_to_int32(val_number(v));
    }
    v = val_prop(a.options, "family");
    if (val_kind_of(v) == VK_NUMBER) co.family = js_to_int32(val_number(v));
    if (a.port != NULL && val_kind_of(a.port) != VK_UNDEFINED) {
      val_kind k = val_kind_of(a.port);
      if (k != VK_NUMBER && k != VK_STRING) {
        val_to_string(a.port, port_text, sizeof port_text);
        reply_type_error(c->r, "TypeError", NULL,
                         "\"port\" option should be a number or string: %s", port_text);
        return;
      }
      if (!net_args_legal_port(a.port, &co.port)) {
        co.port_invalid = 1;
        val_to_string(a.port, port_text, sizeof port_text);
        co.port_text = port_text;
      }
    }
    if (val_truthy(a.host) && val_kind_of(a.host) != VK_STRING && !co.port_invalid) {
      reply_type_error(c->r, "TypeError", NULL, "%s",
                       "Invalid arguments: hostname must be a string or falsey");
      return;
    }
    if (val_truthy(a.host) && (co.host = val_c_string(a.host)) == NULL) {
      reply_bad(c->r, "EBADARGS", "host must be a string without NUL bytes");
      return;
    }
    v = val_prop(a.options, "lookup");
    if (val_truthy(v) && !co.port_invalid &&
        ns_is_ip(co.host != NULL ? co.host : "localhost") == 0) {
      if (!val_is_function(v)) {
        reply_type_error(c->r, "TypeError", NULL, "%s", "\"lookup\" option should be a function");
        return;
      }
      /* The harness's function is called (a callback message); it cannot
       * answer through the protocol, so the lookup stays pending. */
      free(st->lookup_label);
      st->lookup_label = xstrdup(val_callback_label(v));
      co.lookup = on_custom_lookup;
      co.lookup_arg = st;
    }
    v = val_prop(a.options, "hints");
    if (val_kind_of(v) == VK_NUMBER) co.hints = js_to_int32(val_number(v));
  }
  if (a.label != NULL) labels_add(factory ? &st->connect_first : &st->once_connect, a.label);
  memset(&err, 0, sizeof err);
  if (ns_socket_connect(st->sock, &co, &err) != 0) {
    reply_threw(c->r, &err);
    ns_error_free(&err);
    return;
  }
  if (st->self == NULL) /* net.connect(): registered when returned */
    st->self = handles_add(&socket_class, st);
  val_write_handle(&c->r->value, st->self);
}

/* net.connect(...) / net.createConnection(...) */
void socket_create_connection(call *c) {
  net_args a;
  socket_state *st;
  const json_value *timeout;

  net_args_normalize(c->args, c->nargs, &a);
  st = socket_state_create(c, a.options);
  if (st == NULL) return;
  timeout = val_prop(a.options, "timeout");
  if (val_truthy(timeout) && val_kind_of(timeout) == VK_NUMBER)
    ns_socket_set_timeout(st->sock, val_number(timeout), NULL);
  do_connect(c, st, 1);
  if (st->self == NULL) { /* it threw (or was refused): never crossed */
    ns_socket_free(st->sock);
    ns_socket_release(st->sock);
    socket_state_free(st);
  }
}

void socket_connect(call *c) { do_connect(c, c->self->state, 0); }

