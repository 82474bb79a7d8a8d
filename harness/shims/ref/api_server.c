/*
 * api_server.c - Server handles: net.createServer() / new net.Server(),
 * close(), address(), `listening`, ref/unref, the class table, and the
 * bridge from the library's server events to event and callback messages.
 * Listener callbacks the harness passed in are kept as labels and written
 * after the event they listen to, as an EventEmitter would call them.
 * listen() is in api_server_listen.c, the connection counts in
 * api_server_count.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_server.h"
#include "out.h"
#include "value.h"
#include "xalloc.h"

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
    err.message = "options must be an object";
    reply_threw(c->r, &err);
    return;
  }
  memset(&so, 0, sizeof so);
  so.allow_half_open = val_truthy(val_prop(opts, "allowHalfOpen"));
  so.pause_on_connect = val_truthy(val_prop(opts, "pauseOnConnect"));

  st = xcalloc(1, sizeof *st);
  st->srv = xalloc_check(ns_server_new(shim_base, &so, on_server_event, st, NULL));
  st->self = handles_add(&server_class, st);
  if ((label = val_callback_label(listener)) != NULL)
    labels_add(&st->on_connection, label);
  val_write_handle(&c->r->value, st->self);
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
    jw_string_n(w, a.path, a.path_len);
  } else {
    jw_object_begin(w);
    jw_key(w, "address");
    jw_string_n(w, a.address, a.address_len);
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

/* At exit: the library closes the socket silently, leaving a bound path in
 * place as an exiting Node process does; pending callbacks are dropped. */
static void server_release(handle *h) {
  server_state *st = h->state;

  ns_server_free_at_exit(st->srv);
  labels_clear(&st->on_connection);
  labels_clear(&st->once_listening);
  server_counts_release(st);
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
    {"getConnections", server_get_connections},
    {"ref", server_ref},
    {"unref", server_unref},
    {"listen", server_listen},
    {"close", server_close},
    {"address", server_address},
    {NULL, NULL},
};

static const prop_def server_props[] = {
    {"listening", get_listening, NULL},
    {"maxConnections", server_get_max_connections, server_set_max_connections},
    {"connections", server_get_connections_prop, server_set_connections_prop},
    {NULL, NULL, NULL},
};

const class_def server_class = {
    .name = "Server",
    .construct = server_create,
    .methods = server_methods,
    .props = server_props,
    .release = server_release,
};
