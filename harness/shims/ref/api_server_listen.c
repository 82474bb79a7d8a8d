/*
 * api_server_listen.c - server.listen() in all its forms: port/host,
 * path, options, and handles (another server, a socket, { fd }), with
 * Node 8's argument handling mapped onto the C API.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "api_server.h"
#include "net_args.h"
#include "toint32.h"
#include "value.h"

/* Node's toNumber(x): Number(x) when >= 0, else false (here 0). */
static double to_nonneg_number(const json_value *v) {
  double d = val_to_number(v);
  return d >= 0 ? d : 0;
}

/* A port value (number or string) as the int the C API takes: itself when
 * Node's isLegalPort() accepts it, else -1, which the library rejects with
 * Node's RangeError. */
static int port_to_int(const json_value *port) {
  int p;

  return net_args_legal_port(port, &p) ? p : -1;
}

/* A C string option from a truthy value; EBADARGS when it has none. */
static int c_string_option(call *c, const json_value *v, const char *what,
                           const char **out) {
  if ((*out = val_c_string(v)) == NULL) {
    reply_bad(c->r, "EBADARGS", "%s must be a string without NUL bytes", what);
    return -1;
  }
  return 0;
}

/* listen(handle[, backlog][, cb]): Node 8 first replaces the argument by
 * its _handle (or handle) when it has one, then listens on a server's or
 * socket's handle, or on { fd } with fd >= 0. Returns 1 when the call was
 * handled here (replied), 0 when it goes on as listen(options). */
static int listen_handle(call *c, const json_value *arg, double backlog,
                         const char *label) {
  server_state *st = c->self->state;
  const json_value *h = val_prop(arg, "_handle");
  const json_value *fd;
  ns_error err;
  int rc;

  if (!val_truthy(h)) h = val_prop(arg, "handle");
  if (!val_truthy(h)) h = arg;
  memset(&err, 0, sizeof err);
  if (val_kind_of(h) == VK_HANDLE) {
    handle *other = val_handle(h);
    if (other->cls == &server_class)
      rc = ns_server_listen_server(st->srv, ((server_state *)other->state)->srv,
                                   js_to_int32(backlog), &err);
    else if (other->cls == &socket_class)
      rc = ns_server_listen_socket(st->srv, socket_of(other), js_to_int32(backlog), &err);
    else
      return 0;
  } else if (val_kind_of(h) == VK_OBJECT &&
             val_kind_of(fd = val_prop(h, "fd")) == VK_NUMBER &&
             (val_number(fd) >= 0 ||
              /* { fd: -1 }: the library throws Node's exact message */
              (h == arg && arg->len == 1 && val_number(fd) == trunc(val_number(fd)) &&
               val_number(fd) >= INT_MIN))) {
    double d = val_number(fd);
    if (d != trunc(d) || d > INT_MAX) {
      reply_bad(c->r, "EBADARGS", "listen({fd}) needs an integer descriptor");
      return 1;
    }
    rc = ns_server_listen_fd(st->srv, (int)d, js_to_int32(backlog), &err);
  } else {
    return 0;
  }
  if (label != NULL) labels_add(&st->once_listening, label);
  if (rc != 0) {
    reply_threw(c->r, &err);
    ns_error_free(&err);
  }
  else val_write_handle(&c->r->value, c->self);
  return 1;
}

/* server.listen(port[, host][, backlog][, cb]), listen(path[, backlog][, cb]),
 * listen(options[, cb]), listen([cb]): Node 8's argument handling, mapped
 * onto ns_listen_options. */
void server_listen(call *c) {
  server_state *st = c->self->state;
  const json_value *const *a = c->args;
  const size_t n = c->nargs;
  const json_value *backlog;
  int port_zero = 0;
  net_args na;
  double backlog_from_args;
  ns_listen_options lo;
  ns_error err;

  backlog_from_args = n > 1 ? to_nonneg_number(a[1]) : 0;
  if (backlog_from_args == 0 && n > 2) backlog_from_args = to_nonneg_number(a[2]);

  /* normalizeArgs(): which form is this? */
  net_args_normalize(a, n, &na);
  if (na.options != NULL) {
    if (listen_handle(c, na.options, backlog_from_args, na.label)) return;
    if (val_kind_of(na.options) != VK_OBJECT) {
      reply_bad(c->r, "EBADARGS", "listen() on this kind of value is not supported by the C API");
      return;
    }
  }

  /* listen(), listen(cb), listen(null), {port: undefined|null}: port 0. */
  if (n == 0 || val_is_function(a[0]) ||
      (na.port_given && val_kind_of(na.port) == VK_UNDEFINED) ||
      val_kind_of(na.port) == VK_NULL)
    port_zero = 1;

  memset(&lo, 0, sizeof lo);
  backlog = val_prop(na.options, "backlog");
  lo.backlog = js_to_int32(val_truthy(backlog) ? val_to_number(backlog)
                                               : backlog_from_args);
  lo.exclusive = val_truthy(val_prop(na.options, "exclusive"));
  if (port_zero || val_kind_of(na.port) == VK_NUMBER || val_kind_of(na.port) == VK_STRING) {
    lo.has_port = 1;
    lo.port = port_zero ? 0 : port_to_int(na.port);
    if (val_truthy(na.host) && c_string_option(c, na.host, "host", &lo.host) != 0) return;
  } else if (val_truthy(na.path) && val_is_pipe_name(na.path)) {
    lo.path = na.path->str; /* may hold NUL bytes: the name ends at the first */
    lo.path_len = na.path->len;
  } else {
    /* Neither a port nor a pipe name: the library throws Node's "Invalid
     * listen argument: <options>"; hand it what it can quote of them. */
    lo.host = val_c_string(na.host);
    lo.path = val_c_string(na.path);
    lo.backlog = val_kind_of(backlog) == VK_NUMBER ? js_to_int32(val_number(backlog)) : 0;
  }

  /* Node adds the callback as a 'listening' once-listener before it
   * validates anything, so it stays attached even if listen() throws. */
  if (na.label != NULL) labels_add(&st->once_listening, na.label);
  memset(&err, 0, sizeof err);
  if (ns_server_listen(st->srv, &lo, &err) != 0) {
    reply_threw(c->r, &err);
    ns_error_free(&err);
    return;
  }
  val_write_handle(&c->r->value, c->self);
}

