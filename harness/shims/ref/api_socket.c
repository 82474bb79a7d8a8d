/*
 * api_socket.c - Socket handles: accepted connections (for now). The
 * library releases a socket's memory on ns_socket_destroy() and when its
 * server is freed, so a destroyed socket is never touched again.
 */
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "shim.h"
#include "value.h"
#include "xalloc.h"

typedef struct socket_state {
  ns_socket *sock; /* NULL once destroyed */
} socket_state;

static ns_socket *sock_of(handle *h) { return ((socket_state *)h->state)->sock; }

handle *socket_register(ns_socket *sock) {
  socket_state *st = xcalloc(1, sizeof *st);
  st->sock = sock;
  return handles_add(&socket_class, st);
}

/* socket.destroy([exception]) returns the socket. */
static void socket_destroy(call *c) {
  socket_state *st = c->self->state;
  if (st->sock != NULL) {
    ns_socket_destroy(st->sock);
    st->sock = NULL;
  }
  val_write_handle(&c->r->value, c->self);
}

/* Reads the peer address; undefined (empty value) when there is none. */
static int remote(handle *h, ns_address *a) {
  return sock_of(h) != NULL && ns_socket_remote(sock_of(h), a) == 0 &&
         a->kind != NS_ADDRESS_NONE;
}

static void get_remote_address(handle *h, reply *r) {
  ns_address a;
  if (remote(h, &a))
    jw_string_n(&r->value, a.address, strnlen(a.address, sizeof a.address));
}

static void get_remote_family(handle *h, reply *r) {
  ns_address a;
  if (remote(h, &a) && a.family != NULL) jw_string(&r->value, a.family);
}

static void get_remote_port(handle *h, reply *r) {
  ns_address a;
  if (remote(h, &a) && a.kind == NS_ADDRESS_INET) jw_int(&r->value, a.port);
}

/* At exit: sockets still alive are destroyed with their server. */
static void socket_release(handle *h) { free(h->state); }

static const method_def socket_methods[] = {
    {"destroy", socket_destroy},
    {NULL, NULL},
};

static const prop_def socket_props[] = {
    {"remoteAddress", get_remote_address, NULL},
    {"remoteFamily", get_remote_family, NULL},
    {"remotePort", get_remote_port, NULL},
    {NULL, NULL, NULL},
};

const class_def socket_class = {
    .name = "Socket",
    .construct = NULL,
    .methods = socket_methods,
    .props = socket_props,
    .release = socket_release,
};
