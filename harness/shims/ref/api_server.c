/*
 * api_server.c - Server handles: net.createServer() / new net.Server(),
 * listen(), close(), address(), `listening`, and the bridge from the
 * library's server events to event and callback messages. Listener
 * callbacks the harness passed in are kept as labels and written after
 * the event they listen to, as an EventEmitter would call them.
 */
#include <math.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "jsnum.h"
#include "labels.h"
#include "out.h"
#include "shim.h"
#include "value.h"
#include "xalloc.h"

/* A close(cb) whose callback has not been called yet. */
typedef struct close_req {
  struct close_req *prev, *next;
  struct server_state *st;
  char *label;
} close_req;

typedef struct server_state {
  ns_server *srv;
  handle *self;
  labels on_connection;  /* createServer's connectionListener */
  labels once_listening; /* listen()'s callbacks */
  close_req *closing;
} server_state;

/* ------------------------------------------------------------------ events */

static void emit_listening(server_state *st) {
  labels once;

  out_event(st->self, "listening", NULL);
  labels_take(&once, &st->once_listening);
  for (size_t i = 0; i < once.n; i++) out_callback(once.v[i], NULL);
  labels_clear(&once);
}

static void emit_connection(server_state *st, ns_socket *sock) {
  handle *h = socket_register(sock); /* before the event that carries it */
  json_writer args;

  jw_init(&args);
  jw_array_begin(&args);
  val_write_handle(&args, h);
  jw_array_end(&args);
  out_event(st->self, "connection", &args);
  for (size_t i = 0; i < st->on_connection.n; i++)
    out_callback(st->on_connection.v[i], &args);
  jw_free(&args);
}

static void emit_error(server_state *st, const ns_error *err) {
  json_writer args;

  jw_init(&args);
  jw_array_begin(&args);
  val_write_error(&args, err);
  jw_array_end(&args);
  out_event(st->self, "error", &args);
  jw_free(&args);
}

static void on_server_event(ns_server *srv, const ns_server_event *ev, void *arg) {
  server_state *st = arg;

  (void)srv;
  switch (ev->type) {
  case NS_SERVER_LISTENING:
    emit_listening(st);
    break;
  case NS_SERVER_CONNECTION:
    if (ev->socket != NULL) emit_connection(st, ev->socket);
    break;
  case NS_SERVER_ERROR:
    if (ev->error != NULL) emit_error(st, ev->error);
    break;
  case NS_SERVER_CLOSE:
    out_event(st->self, "close", NULL);
    break;
  }
}

/* The library calls this right after the 'close' event. */
static void on_closed(ns_server *srv, const ns_error *err, void *arg) {
  close_req *q = arg;
  json_writer args;

  (void)srv;
  jw_init(&args);
  jw_array_begin(&args);
  if (err != NULL) val_write_error(&args, err);
  jw_array_end(&args);
  out_callback(q->label, &args);
  jw_free(&args);

  if (q->prev != NULL) q->prev->next = q->next;
  else q->st->closing = q->next;
  if (q->next != NULL) q->next->prev = q->prev;
  free(q->label);
  free(q);
}

/* ---------------------------------------------------------------- creation */

/* net.createServer([options][, connectionListener]), new net.Server(...). */
void server_create(call *c) {
  const json_value *opts = c->nargs > 0 ? c->args[0] : NULL;
  const json_value *listener = c->nargs > 1 ? c->args[1] : NULL;
  ns_server_options so;
  server_state *st;
  const char *label;
  val_kind k = val_kind_of(opts);

  if (k == VK_CALLBACK) {
    listener = opts;
    opts = NULL;
  } else if (k != VK_UNDEFINED && k != VK_NULL && !val_is_object(opts)) {
    /* Node 8 throws TypeError('options must be an object'); the C API
     * takes a struct and cannot be handed anything else, so the binding
     * raises Node's error itself. */
    ns_error err;
    memset(&err, 0, sizeof err);
    err.name = "TypeError";
    snprintf(err.message, sizeof err.message, "options must be an object");
    reply_threw(c->r, &err);
    return;
  }
  memset(&so, 0, sizeof so);
  so.allow_half_open = val_truthy(val_prop(opts, "allowHalfOpen"));
  so.pause_on_connect = val_truthy(val_prop(opts, "pauseOnConnect"));

  st = xcalloc(1, sizeof *st);
  st->srv = xalloc_check(ns_server_new(shim_base, &so, on_server_event, st));
  st->self = handles_add(&server_class, st);
  if ((label = val_callback_label(listener)) != NULL)
    labels_add(&st->on_connection, label);
  val_write_handle(&c->r->value, st->self);
}

/* ------------------------------------------------------------------ listen */

/* Node's toNumber(x): Number(x) when >= 0, else false (here 0). */
static double to_nonneg_number(const json_value *v) {
  double d = val_to_number(v);
  return d >= 0 ? d : 0;
}

/* isPipeName(v): a string that does not read as a number >= 0. */
static int is_pipe_name(const json_value *v) {
  return val_kind_of(v) == VK_STRING && !(val_to_number(v) >= 0);
}

/* Maps a port value (number or string) to the int the C API takes:
 * itself when Node's isLegalPort() accepts it, else an int the library
 * must reject the same way (the value itself if it fits, else -1). */
static int port_to_int(const json_value *port) {
  double d = val_to_number(port);
  int integral = isfinite(d) && d == trunc(d);

  if (val_kind_of(port) == VK_STRING && js_string_is_blank(port->str, port->len))
    return -1; /* "" and "  " read as 0 but are not legal ports */
  if (integral && d >= 0 && d <= 65535) return (int)d;
  if (integral && d >= INT_MIN && d <= INT_MAX) return (int)d;
  return -1;
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

/* server.listen(port[, host][, backlog][, cb]), listen(path[, backlog][, cb]),
 * listen(options[, cb]), listen([cb]): Node 8's argument handling, mapped
 * onto ns_listen_options. */
static void server_listen(call *c) {
  server_state *st = c->self->state;
  const json_value *const *a = c->args;
  const size_t n = c->nargs;
  const json_value *options = NULL, *port = NULL, *host = NULL, *path = NULL;
  const json_value *backlog;
  const char *label = n > 0 ? val_callback_label(a[n - 1]) : NULL;
  int port_given = 0, port_zero = 0;
  double backlog_from_args;
  ns_listen_options lo;
  ns_error err;

  /* normalizeArgs(): which form is this? */
  if (n > 0 && val_is_object(a[0])) {
    if (val_kind_of(a[0]) != VK_OBJECT) {
      reply_bad(c->r, "EBADARGS", "listen() on a handle or fd is not supported by the C API");
      return;
    }
    options = a[0];
    port = val_prop(options, "port");
    port_given = port != NULL;
    host = val_prop(options, "host");
    path = val_prop(options, "path");
  } else if (n > 0 && is_pipe_name(a[0])) {
    path = a[0];
  } else if (n > 0) {
    port = a[0];
    port_given = 1;
    if (n > 1 && val_kind_of(a[1]) == VK_STRING) host = a[1];
  }
  backlog_from_args = n > 1 ? to_nonneg_number(a[1]) : 0;
  if (backlog_from_args == 0 && n > 2) backlog_from_args = to_nonneg_number(a[2]);

  /* listen(), listen(cb), listen(null), {port: undefined|null}: port 0. */
  if (n == 0 || val_is_function(a[0]) ||
      (port_given && val_kind_of(port) == VK_UNDEFINED) ||
      val_kind_of(port) == VK_NULL)
    port_zero = 1;

  memset(&lo, 0, sizeof lo);
  backlog = val_prop(options, "backlog");
  lo.backlog = js_to_int32(val_truthy(backlog) ? val_to_number(backlog)
                                               : backlog_from_args);
  lo.exclusive = val_truthy(val_prop(options, "exclusive"));
  if (port_zero || val_kind_of(port) == VK_NUMBER || val_kind_of(port) == VK_STRING) {
    lo.has_port = 1;
    lo.port = port_zero ? 0 : port_to_int(port);
    if (val_truthy(host) && c_string_option(c, host, "host", &lo.host) != 0) return;
  } else if (val_truthy(path) && is_pipe_name(path)) {
    if (c_string_option(c, path, "path", &lo.path) != 0) return;
  } else {
    /* Neither a port nor a pipe name: the library throws Node's "Invalid
     * listen argument: <options>"; hand it what it can quote of them. */
    lo.host = val_c_string(host);
    lo.path = val_c_string(path);
    lo.backlog = val_kind_of(backlog) == VK_NUMBER ? js_to_int32(val_number(backlog)) : 0;
  }

  /* Node adds the callback as a 'listening' once-listener before it
   * validates anything, so it stays attached even if listen() throws. */
  if (label != NULL) labels_add(&st->once_listening, label);
  memset(&err, 0, sizeof err);
  if (ns_server_listen(st->srv, &lo, &err) != 0) {
    reply_threw(c->r, &err);
    return;
  }
  val_write_handle(&c->r->value, c->self);
}

/* ------------------------------------------------------------ close, etc. */

/* server.close([cb]) returns the server. */
static void server_close(call *c) {
  server_state *st = c->self->state;
  const char *label = c->nargs > 0 ? val_callback_label(c->args[0]) : NULL;
  close_req *q;

  if (label == NULL) {
    ns_server_close(st->srv, NULL, NULL);
  } else {
    q = xcalloc(1, sizeof *q);
    q->st = st;
    q->label = xstrdup(label);
    q->next = st->closing;
    if (q->next != NULL) q->next->prev = q;
    st->closing = q;
    ns_server_close(st->srv, on_closed, q);
  }
  val_write_handle(&c->r->value, c->self);
}

/* server.address(): {address, family, port}, a pipe's path, or null. */
static void server_address(call *c) {
  server_state *st = c->self->state;
  json_writer *w = &c->r->value;
  ns_address a;

  memset(&a, 0, sizeof a);
  if (ns_server_address(st->srv, &a) != 0 || a.kind == NS_ADDRESS_NONE) {
    jw_null(w);
  } else if (a.kind == NS_ADDRESS_PIPE) {
    jw_string_n(w, a.address, strnlen(a.address, sizeof a.address));
  } else {
    jw_object_begin(w);
    jw_key(w, "address");
    jw_string_n(w, a.address, strnlen(a.address, sizeof a.address));
    jw_key(w, "family");
    jw_string(w, a.family != NULL ? a.family : "IPv4");
    jw_key(w, "port");
    jw_int(w, a.port);
    jw_object_end(w);
  }
}

static void get_listening(handle *h, reply *r) {
  server_state *st = h->state;
  jw_bool(&r->value, ns_server_listening(st->srv));
}

/* At exit: the library closes the socket silently; pending callbacks are
 * dropped. */
static void server_release(handle *h) {
  server_state *st = h->state;

  ns_server_free(st->srv);
  labels_clear(&st->on_connection);
  labels_clear(&st->once_listening);
  while (st->closing != NULL) {
    close_req *q = st->closing;
    st->closing = q->next;
    free(q->label);
    free(q);
  }
  free(st);
}

/* server.ref() / server.unref() return the server. */
static void server_ref(call *c) {
  ns_server_ref(((server_state *)c->self->state)->srv);
  val_write_handle(&c->r->value, c->self);
}

static void server_unref(call *c) {
  ns_server_unref(((server_state *)c->self->state)->srv);
  val_write_handle(&c->r->value, c->self);
}

static const method_def server_methods[] = {
    {"ref", server_ref},
    {"unref", server_unref},
    {"listen", server_listen},
    {"close", server_close},
    {"address", server_address},
    {NULL, NULL},
};

static const prop_def server_props[] = {
    {"listening", get_listening, NULL},
    {NULL, NULL, NULL},
};

const class_def server_class = {
    .name = "Server",
    .construct = server_create,
    .methods = server_methods,
    .props = server_props,
    .release = server_release,
};
