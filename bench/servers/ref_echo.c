/*
 * ref_echo.c - the echo server on the netspec reference API: the Node
 * documentation's `net.createServer(s => s.pipe(s))`, i.e. every accepted
 * socket piped into itself (ns_socket_pipe: read, write back, pause while
 * the write queue is above the high-water mark, end after the peer's end).
 * Listens on 127.0.0.1:PORT and prints the port once listening.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include <event2/event.h>
#include <netspec.h>

static void on_client(ns_socket *sock, const ns_socket_event *ev, void *arg) {
  (void)sock;
  (void)ev;
  (void)arg; /* errors (e.g. ECONNRESET) just close the socket */
}

static void on_server(ns_server *srv, const ns_server_event *ev, void *arg) {
  switch (ev->type) {
  case NS_SERVER_LISTENING: {
    ns_address a;
    ns_server_address(srv, &a);
    bench_listening(a.port);
    break;
  }
  case NS_SERVER_CONNECTION:
    ns_socket_set_callback(ev->socket, on_client, NULL);
    ns_socket_pipe(ev->socket, ev->socket);
    break;
  case NS_SERVER_ERROR:
    fprintf(stderr, "ref_echo: %s\n", ev->error->message);
    *(int *)arg = 1;
    break;
  case NS_SERVER_CLOSE:
    break;
  }
}

int main(int argc, char **argv) {
  struct event_base *base;
  ns_server *srv;
  ns_listen_options lo = {0};
  ns_error err;
  int status = 0;

  lo.port = bench_port(argc, argv);
  bench_setup();
  base = event_base_new();
  if (base == NULL ||
      (srv = ns_server_new(base, NULL, on_server, &status, NULL)) == NULL) {
    fprintf(stderr, "ref_echo: out of memory\n");
    return 1;
  }
  lo.host = "127.0.0.1";
  lo.has_port = 1;
  if (ns_server_listen(srv, &lo, &err) != 0) {
    fprintf(stderr, "ref_echo: %s\n", err.message);
    ns_error_free(&err);
    return 2;
  }
  if (ns_run(base) != 0)
    status = 1;
  ns_server_free(srv);
  ns_base_cleanup(base);
  event_base_free(base);
  return status;
}
