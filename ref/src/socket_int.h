/*
 * socket_int.h - the ns_socket structure. Internal.
 *
 * For now a socket is what a server accepts: a descriptor and its peer. The
 * full stream socket (reads, writes, connect) extends this structure.
 */
#ifndef NS_SRC_SOCKET_INT_H
#define NS_SRC_SOCKET_INT_H

#include <sys/socket.h>

#include "netspec.h"

struct ns_socket {
  int fd;                        /* -1 once destroyed */
  int refs;                      /* the user's reference + library holds */
  ns_server *server;             /* the server that accepted it, or NULL */
  ns_socket *prev, *next;        /* in server->sockets */
  struct sockaddr_storage peer;  /* remote address from accept() */
  socklen_t peer_len;
  int allow_half_open;           /* from the server's options */
  int paused;                    /* pause_on_connect: no reading yet */
};

/* Wraps an accepted descriptor; the socket is not yet linked to `srv`'s
 * list. Returns NULL when memory is exhausted (fd is left open). */
ns_socket *ns__socket_accepted(ns_server *srv, int fd,
                               const struct sockaddr_storage *peer,
                               socklen_t peer_len);

/* Takes / drops a reference; the memory is released with the last one. */
void ns__socket_ref(ns_socket *sock);
void ns__socket_unref(ns_socket *sock);

/* Closes the descriptor, detaches from the server without notifying it
 * (used by ns_server_free()), and drops the user's reference. */
void ns__socket_destroy_detached(ns_socket *sock);

#endif /* NS_SRC_SOCKET_INT_H */
