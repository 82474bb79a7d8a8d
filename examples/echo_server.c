/*
 * echo_server.c - the echo server of Node's `net` documentation, on netspec:
 *
 *     const server = net.createServer((c) => {
 *       console.log('client connected');
 *       c.on('end', () => console.log('client disconnected'));
 *       c.write('hello\r\n');        // (left out here: we echo bytes exactly)
 *       c.pipe(c);
 *     });
 *     server.listen(8124, () => console.log('server bound'));
 *
 * Usage: echo_server PORT [HOST]
 *   PORT 0 picks a free port; HOST defaults to 127.0.0.1 (loopback).
 * Prints "listening on HOST:PORT" once it listens (the real port when PORT
 * was 0), then echoes every byte it receives back to its sender. When a
 * client ends its side, the echo is finished and the connection is ended in
 * turn (pipe() ends the destination after the source's 'end'). SIGINT or
 * SIGTERM closes the server; the program exits once the connections are gone.
 */
#define _POSIX_C_SOURCE 200809L /* SIGPIPE, SIGTERM */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <netspec.h>

/* One callback per accepted socket: we only log; pipe() does the echo. */
static void on_client(ns_socket *sock, const ns_socket_event *ev, void *arg) {
  (void)sock;
  (void)arg;
  switch (ev->type) {
  case NS_SOCKET_END:
    printf("client disconnected (ended its side)\n");
    break;
  case NS_SOCKET_ERROR:
    printf("client error: %s\n", ev->error->message);
    break;
  case NS_SOCKET_CLOSE:
    /* The library releases the socket after this callback returns. */
    printf("client closed%s\n", ev->had_error ? " after an error" : "");
    break;
  default:
    break;
  }
  fflush(stdout);
}

/* `arg` points to main's exit status. */
static void on_server(ns_server *srv, const ns_server_event *ev, void *arg) {
  switch (ev->type) {
  case NS_SERVER_LISTENING: {
    ns_address a;
    ns_server_address(srv, &a);
    printf("listening on %s:%d\n", a.address, a.port);
    break;
  }
  case NS_SERVER_CONNECTION: {
    ns_address peer;
    if (ns_socket_remote(ev->socket, &peer) == 0)
      printf("client connected from %s:%d\n", peer.address, peer.port);
    /* Set the callback during this event, then c.pipe(c): every chunk read
     * is written back, and the socket is ended after its 'end'. */
    ns_socket_set_callback(ev->socket, on_client, NULL);
    ns_socket_pipe(ev->socket, ev->socket);
    break;
  }
  case NS_SERVER_ERROR:
    /* e.g. "listen EADDRINUSE 127.0.0.1:8124": the server is not listening
     * any more, so ns_run() will return. */
    fprintf(stderr, "server error: %s\n", ev->error->message);
    *(int *)arg = 1;
    break;
  case NS_SERVER_CLOSE:
    printf("server closed\n");
    break;
  }
  fflush(stdout);
}

/* SIGINT/SIGTERM: stop accepting; ns_run() returns once every connection
 * has ended. */
static void on_signal(evutil_socket_t sig, short what, void *arg) {
  (void)what;
  printf("signal %d: closing the server\n", (int)sig);
  fflush(stdout);
  ns_server_close(arg, NULL, NULL);
}

int main(int argc, char **argv) {
  struct event_base *base;
  struct event *sigint, *sigterm;
  ns_server *srv;
  ns_listen_options lo = {0};
  ns_error err;
  int status = 0;

  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s PORT [HOST]\n", argv[0]);
    return 2;
  }
  /* Like Node: a write to a peer that is gone must fail with EPIPE, not
   * kill the process. */
  signal(SIGPIPE, SIG_IGN);

  base = event_base_new();
  if (base == NULL ||
      (srv = ns_server_new(base, NULL, on_server, &status, NULL)) == NULL) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  /* Plain libevent events live next to netspec's on the same base. They do
   * not keep ns_run() running (only netspec handles do), which is what we
   * want for signal handlers. */
  sigint = evsignal_new(base, SIGINT, on_signal, srv);
  sigterm = evsignal_new(base, SIGTERM, on_signal, srv);
  evsignal_add(sigint, NULL);
  evsignal_add(sigterm, NULL);

  lo.host = argc > 2 ? argv[2] : "127.0.0.1";
  lo.port = atoi(argv[1]);
  lo.has_port = 1;
  /* Bad options (e.g. a port out of range) fail synchronously, as Node's
   * listen() throws; everything else arrives as an event. */
  if (ns_server_listen(srv, &lo, &err) != 0) {
    fprintf(stderr, "%s: %s\n", err.name, err.message);
    ns_error_free(&err); /* an error the library filled in is ours */
    status = 2;
  } else if (ns_run(base) != 0) { /* until closed, or failed to listen */
    status = 1;
  }

  event_free(sigint);
  event_free(sigterm);
  ns_server_free(srv);
  ns_base_cleanup(base);
  event_base_free(base);
  return status;
}
