/*
 * tcp_unix_proxy.c - forwards every TCP connection to a Unix domain socket
 * server, both ways, with back-pressure and half-close:
 *
 *     net.createServer({allowHalfOpen: true}, (client) => {
 *       const upstream = net.connect({path: PATH, allowHalfOpen: true});
 *       client.pipe(upstream).pipe(client);
 *       client.on('close', () => upstream.destroy());
 *       upstream.on('close', () => client.destroy());
 *     }).listen(PORT, HOST);
 *
 * Usage: tcp_unix_proxy PORT PATH [HOST]
 *   PORT 0 picks a free port; HOST defaults to 127.0.0.1. Prints
 *   "listening on HOST:PORT"; SIGINT/SIGTERM stop accepting, and the
 *   program exits once the connections have closed.
 * The two sockets of a connection are tied with NS_PIPE_DESTROY_PEER: the
 * program keeps no pointer to either, so nothing of it can outlive them.
 */
#define _POSIX_C_SOURCE 200809L /* SIGPIPE, sigaction */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <netspec.h>

static const char *upstream_path;
static struct event_base *base;

static void on_upstream(ns_socket *sock, const ns_socket_event *ev,
                        void *arg) {
  (void)sock, (void)arg;
  if (ev->type == NS_SOCKET_ERROR)
    fprintf(stderr, "upstream: %s\n", ev->error->message);
}

static void on_client(ns_socket *sock, const ns_socket_event *ev, void *arg) {
  (void)sock, (void)arg;
  if (ev->type == NS_SOCKET_ERROR)
    fprintf(stderr, "client: %s\n", ev->error->message);
}

/* A new client: connect upstream and tie the two sockets together. */
static void proxy(ns_socket *client) {
  ns_socket_options so = {0};
  ns_connect_options co = {0};
  ns_error err;
  ns_socket *up;

  ns_socket_set_callback(client, on_client, NULL);
  so.allow_half_open = 1; /* the client's end is forwarded, not mirrored */
  up = ns_socket_new(base, &so, on_upstream, NULL, &err);
  if (up == NULL) {
    fprintf(stderr, "%s\n", err.message);
    ns_error_free(&err);
    ns_socket_destroy(client, NULL);
    return;
  }
  co.path = upstream_path;
  if (ns_socket_connect(up, &co, &err) != 0) {
    fprintf(stderr, "%s\n", err.message);
    ns_error_free(&err);
    ns_socket_free(up);
    ns_socket_destroy(client, NULL);
    return;
  }
  /* Bytes written to `up` while it connects are queued; each direction
   * pauses its reader while the other side's queue is full, ends the other
   * side after its own end, and a close of either destroys the other. */
  ns_socket_pipe_ex(client, up, NS_PIPE_DESTROY_PEER);
  ns_socket_pipe_ex(up, client, NS_PIPE_DESTROY_PEER);
}

static void on_server(ns_server *srv, const ns_server_event *ev, void *arg) {
  int *status = arg;

  switch (ev->type) {
  case NS_SERVER_LISTENING: {
    ns_address a;

    ns_server_address(srv, &a);
    printf("listening on %s:%d\n", a.address, a.port);
    fflush(stdout);
    break;
  }
  case NS_SERVER_CONNECTION:
    proxy(ev->socket);
    break;
  case NS_SERVER_ERROR:
    fprintf(stderr, "server: %s\n", ev->error->message);
    *status = 1;
    break;
  case NS_SERVER_CLOSE:
    break;
  }
}

/* SIGINT/SIGTERM: stop accepting; ns_run() returns once every proxied
 * connection has closed. */
static void on_signal(evutil_socket_t sig, short what, void *arg) {
  (void)sig, (void)what;
  ns_server_close(arg, NULL, NULL);
}

int main(int argc, char **argv) {
  struct event *sigint, *sigterm;
  ns_server_options opts = {0};
  ns_listen_options lo = {0};
  ns_server *srv;
  ns_error err;
  int status = 0;

  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: %s PORT PATH [HOST]\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  upstream_path = argv[2];
  base = event_base_new();
  opts.allow_half_open = 1;
  if (base == NULL ||
      (srv = ns_server_new(base, &opts, on_server, &status, &err)) == NULL) {
    fprintf(stderr, "cannot start\n");
    return 1;
  }
  sigint = evsignal_new(base, SIGINT, on_signal, srv);
  sigterm = evsignal_new(base, SIGTERM, on_signal, srv);
  evsignal_add(sigint, NULL);
  evsignal_add(sigterm, NULL);
  lo.host = argc > 3 ? argv[3] : "127.0.0.1";
  lo.port = atoi(argv[1]);
  lo.has_port = 1;
  if (ns_server_listen(srv, &lo, &err) != 0) {
    fprintf(stderr, "%s: %s\n", err.name, err.message);
    ns_error_free(&err);
    status = 2;
  } else if (ns_run(base) != 0) {
    status = 1;
  }
  event_free(sigint);
  event_free(sigterm);
  ns_server_free(srv);
  ns_base_cleanup(base);
  event_base_free(base);
  return status;
}
