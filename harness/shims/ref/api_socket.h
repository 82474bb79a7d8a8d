/*
 * api_socket.h - the shim's record of one Socket handle, shared by the
 * files that implement its methods: api_socket.c (creation, the bridge from
 * the library's socket events to messages, the stream and option methods,
 * the class table), api_socket_connect.c (connect() and net.connect() with
 * Node's normalizeArgs), api_socket_write.c (write(), end(), on('finish')
 * and the callbacks they leave pending) and api_socket_props.c (address()
 * and the properties).
 */
#ifndef SHIM_API_SOCKET_H
#define SHIM_API_SOCKET_H

#include "handles.h"
#include "json.h"
#include "labels.h"
#include "shim.h"

/* A write()/end() callback the library has not called yet. */
typedef struct pending_cb {
  struct pending_cb *prev, *next;
  struct socket_state *st;
  char *label;
} pending_cb;

/* What the shim keeps for one Socket handle. */
typedef struct socket_state {
  ns_socket *sock;
  handle *self;
  labels connect_first; /* factory listener: called before the event */
  labels once_connect;  /* connect(..., cb): after the event */
  labels once_timeout;  /* setTimeout(ms, cb) */
  pending_cb *pending;
  labels kept_strings; /* strings of destroy(error) calls: a pending error
                          points to them until the socket goes (freeing
                          them at the next destroy(error) was a
                          use-after-free; found by fuzz/) */
  char *lookup_label;        /* connect({lookup: fn}) */
} socket_state;

static inline socket_state *state_of(handle *h) { return h->state; }

/* Begins the arguments array of an event or callback message. */
static inline void socket_args_begin(json_writer *w) {
  jw_init(w);
  jw_array_begin(w);
}

/* new Socket(opts) for the C API, holding the socket; registered by the
 * caller when it crosses the protocol. NULL when it threw (replied). */
socket_state *socket_state_create(call *c, const json_value *opts);
/* Frees st and what is pending on it (the socket is let go of apart). */
void socket_state_free(socket_state *st);

/* Method and property implementations of the Socket class. */
void socket_connect(call *c);
void socket_write(call *c);
void socket_end(call *c);
void socket_on(call *c);
void socket_address(call *c);
void socket_unsupported(call *c);
extern const prop_def socket_props[];

#endif
