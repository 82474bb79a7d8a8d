/*
 * socket.c - the accepted socket: its descriptor, peer and lifetime.
 */
#include "socket_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "server_int.h"

ns_socket *ns__socket_accepted(ns_server *srv, int fd,
                               const struct sockaddr_storage *peer,
                               socklen_t peer_len) {
  ns_socket *sock = calloc(1, sizeof *sock);

  if (sock == NULL)
    return NULL;
  sock->fd = fd;
  sock->refs = 1; /* the user's, dropped by ns_socket_destroy() */
  sock->server = srv;
  memcpy(&sock->peer, peer, sizeof sock->peer);
  sock->peer_len = peer_len;
  sock->allow_half_open = srv->opts.allow_half_open;
  sock->paused = srv->opts.pause_on_connect;
  return sock;
}

void ns__socket_ref(ns_socket *sock) {
  sock->refs++;
}

void ns__socket_unref(ns_socket *sock) {
  if (--sock->refs == 0)
    free(sock);
}

/* Closes the descriptor once. */
static void socket_close_fd(ns_socket *sock) {
  if (sock->fd >= 0) {
    close(sock->fd);
    sock->fd = -1;
  }
}

int ns_socket_remote(const ns_socket *sock, ns_address *out) {
  if (sock == NULL || sock->fd < 0 ||
      ns__addr_format((const struct sockaddr *)&sock->peer, out) != 0) {
    memset(out, 0, sizeof *out);
    return -1;
  }
  return 0;
}

void ns_socket_destroy(ns_socket *sock) {
  ns_server *srv;

  if (sock == NULL)
    return;
  socket_close_fd(sock);
  srv = sock->server;
  if (srv != NULL) {
    sock->server = NULL;
    ns__server_socket_gone(srv, sock);
  }
  ns__socket_unref(sock);
}

void ns__socket_destroy_detached(ns_socket *sock) {
  socket_close_fd(sock);
  sock->server = NULL;
  ns__socket_unref(sock);
}
