/*
 * api_server.h - the shim's record of one Server handle, shared by the
 * files that implement its methods: api_server.c (creation, events, close,
 * address, the class table), api_server_listen.c (listen() in all its
 * forms) and api_server_count.c (maxConnections, getConnections(),
 * connections).
 */
#ifndef SHIM_API_SERVER_H
#define SHIM_API_SERVER_H

#include "handles.h"
#include "labels.h"
#include "shim.h"

/* A close(cb) whose callback has not been called yet. */
typedef struct close_req {
  struct close_req *prev, *next;
  struct server_state *st;
  char *label;
} close_req;

/* What the shim keeps for one Server handle. */
typedef struct server_state {
  ns_server *srv;
  handle *self;
  labels on_connection;  /* createServer's connectionListener */
  labels once_listening; /* listen()'s callbacks */
  close_req *closing;
  labels counting;       /* getConnections() callbacks, in call order */
  int has_max;           /* maxConnections was assigned a number */
  double max;            /* ... that number, as read back */
} server_state;

/* Method and property implementations of the Server class. */
void server_listen(call *c);
void server_get_connections(call *c);
void server_get_max_connections(handle *h, reply *r);
void server_set_max_connections(handle *h, const json_value *v, reply *r);
void server_get_connections_prop(handle *h, reply *r);
void server_set_connections_prop(handle *h, const json_value *v, reply *r);
/* Frees the getConnections() callbacks still waiting (at exit). */
void server_counts_release(server_state *st);

#endif
