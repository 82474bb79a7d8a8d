/*
 * server_int.h - the ns_server structure and the functions its source
 * files share. Internal.
 */
#ifndef NS_SRC_SERVER_INT_H
#define NS_SRC_SERVER_INT_H

#include "netspec.h"
#include "tick.h"

struct event;

/* One pending server.close(callback): called right after a 'close'. */
typedef struct ns__close_req {
  ns_close_cb cb;
  void *arg;
  int not_running; /* the server was not listening when close was called */
  struct ns__close_req *next;
} ns__close_req;

struct ns_server {
  struct event_base *base;
  ns_server_cb cb;
  void *arg;
  ns_server_options opts;

  int fd;                    /* listening descriptor; -1: Node's _handle null */
  int is_pipe;               /* fd is a Unix domain socket */
  int shared;                /* fd is also another server's (listen(server)):
                                shut the socket down when closing it */
  struct event *accept_ev;   /* readable-fd watcher while fd >= 0 */
  char *pipe_name;           /* Node's _pipeName: address() of a pipe server */
  size_t pipe_name_len;      /* its bytes (it may hold NUL bytes) */
  char *unlink_path;         /* the path bound; removed when fd is closed */

  int connections;           /* accepted sockets not yet destroyed (or the
                                value assigned to `connections`) */
  int max_connections;       /* 0: no limit; negative: refuse every one */
  ns_socket *sockets;        /* their list, to destroy them on free */

  ns__close_req *close_reqs; /* close callbacks waiting for 'close' */
  ns__tick_list ticks;       /* emissions queued for the next tick */

  int unrefd;                /* server.unref() in force */
  int counted;               /* counted in the base's ref'd handles */

  int busy;                  /* user callbacks of this server running */
  int freed;                 /* ns_server_free() was called */
};

/*
 * Calls the user's event callback. Returns 0, or -1 when the server was
 * freed during the callback: the caller must then not touch `srv` again.
 */
int ns__server_emit(ns_server *srv, const ns_server_event *ev);

/* Emits NS_SERVER_ERROR with `err`; same return value as ns__server_emit. */
int ns__server_emit_error(ns_server *srv, const ns_error *err);

/* Queues NS_SERVER_ERROR with a copy of *err for the next tick. */
void ns__server_post_error(ns_server *srv, const ns_error *err);

/* Closes the listening descriptor, if any, and removes a bound Unix path,
 * like closing Node's server handle. Emits nothing. */
void ns__server_stop_listening(ns_server *srv);

/* Node's _emitCloseIfDrained(): queues 'close' when the server neither
 * listens nor has connections. */
void ns__server_close_if_drained(ns_server *srv);

/* Recomputes whether the server counts as a ref'd handle (listening and
 * not unref'd) for ns_run(). */
void ns__server_update_ref(ns_server *srv);

/* Starts watching the listening descriptor for connections. Returns 0 or
 * -1 (out of memory). */
int ns__server_watch(ns_server *srv);

/* Node's default backlog: 511, which the kernel rounds up to 512. */
#define NS__DEFAULT_BACKLOG 511

/*
 * Listens on the bound descriptor in srv->fd (deferred: a bind error to
 * report now). On failure the descriptor is closed and the error queued
 * (with `address`, `port`); on success the server watches for connections
 * and 'listening' is queued. Node's setupListenHandle().
 */
void ns__server_setup_listen(ns_server *srv, int backlog, int deferred,
                             const char *address, int port);

/* Marks a user callback of `srv` as running / ended (the server is not
 * released under it). ns__server_leave returns -1 when it was freed. */
void ns__server_enter(ns_server *srv);
int ns__server_leave(ns_server *srv);

/* Non-zero when maxConnections turns the next connection away. */
int ns__server_over_limit(const ns_server *srv);

/* Called by ns_socket_destroy(): `sock` is no longer a connection. */
void ns__server_socket_gone(ns_server *srv, ns_socket *sock);

#endif /* NS_SRC_SERVER_INT_H */
