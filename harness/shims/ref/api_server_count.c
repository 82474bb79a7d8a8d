/*
 * api_server_count.c - counting and limiting a server's connections:
 * server.maxConnections, server.getConnections(cb) and the deprecated
 * server.connections (with Node 8's one-time DEP0020 warning on stderr).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_server.h"
#include "out.h"
#include "value.h"

/* The library answers a getConnections(): callback(null, n). */
static void on_count(ns_server *srv, int count, void *arg) {
  server_state *st = arg;
  char *label = labels_shift(&st->counting);
  json_writer args;

  (void)srv;
  if (label == NULL) return;
  jw_init(&args);
  jw_array_begin(&args);
  jw_null(&args);
  jw_int(&args, count);
  jw_array_end(&args);
  out_callback(label, &args);
  jw_free(&args);
  free(label);
}

/* server.getConnections(cb) returns the server; cb(null, n) later. */
void server_get_connections(call *c) {
  server_state *st = c->self->state;
  const char *label = c->nargs > 0 ? val_callback_label(c->args[0]) : NULL;

  if (label == NULL) {
    ns_error err;
    memset(&err, 0, sizeof err);
    err.name = "TypeError";
    err.message = "callback is not a function";
    reply_threw(c->r, &err);
    return;
  }
  labels_add(&st->counting, label);
  if (ns_server_get_connections(st->srv, on_count, st) != 0) {
    free(st->counting.v[--st->counting.n]); /* the label just added */
    reply_bad(c->r, "EBADARGS", "getConnections() failed: out of memory");
    return;
  }
  val_write_handle(&c->r->value, c->self);
}

/* server.maxConnections reads what was assigned, undefined until then. */
void server_get_max_connections(handle *h, reply *r) {
  server_state *st = h->state;

  if (st->has_max) val_write_number(&r->value, st->max);
  else val_write_undefined(&r->value);
}

/* Node tests `max && count >= max`: the int limit with the same outcome
 * (0: none; -1: every connection refused). */
static int limit_of(double d) {
  if (!(d == d) || d == 0) return 0;
  if (d < 0) return -1;
  if (d > INT_MAX) return INT_MAX;
  return (int)ceil(d);
}

void server_set_max_connections(handle *h, const json_value *v, reply *r) {
  server_state *st = h->state;
  val_kind k = val_kind_of(v);

  if (k == VK_UNDEFINED) {
    st->has_max = 0;
    ns_server_set_max_connections(st->srv, 0);
    return;
  }
  if (k != VK_NUMBER) {
    reply_bad(r, "EBADARGS", "maxConnections must be a number in this shim");
    return;
  }
  st->has_max = 1;
  st->max = val_number(v);
  ns_server_set_max_connections(st->srv, limit_of(st->max));
}

/* server.connections (deprecated): warns once per process, like Node 8. */
void server_get_connections_prop(handle *h, reply *r) {
  static int warned;
  server_state *st = h->state;

  if (!warned) {
    warned = 1;
    fprintf(stderr, "(node:%ld) [DEP0020] DeprecationWarning: Server.connections "
            "property is deprecated. Use Server.getConnections method instead.\n",
            (long)getpid());
    fflush(stderr);
  }
  jw_int(&r->value, ns_server_connections(st->srv));
}

void server_set_connections_prop(handle *h, const json_value *v, reply *r) {
  server_state *st = h->state;
  double d = val_to_number(v);

  if (val_kind_of(v) != VK_NUMBER || !(d == trunc(d)) || d < INT_MIN || d > INT_MAX) {
    reply_bad(r, "EBADARGS", "connections must be an integer in this shim");
    return;
  }
  ns_server_set_connections(st->srv, (int)d);
}

void server_counts_release(server_state *st) {
  labels_clear(&st->counting);
}
