/*
 * server_accept.c - accepting connections on a listening server.
 */
#include "server_int.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "error.h"
#include "netfd.h"
#include "socket_int.h"

/* Wraps an accepted descriptor, counts it and emits 'connection'.
 * Returns 0, or -1 if the server was freed by the callback. */
static int deliver(ns_server *srv, int fd) {
  ns_socket *sock;
  ns_server_event ev;

  if (ns__server_over_limit(srv)) {
    close(fd); /* maxConnections: the peer sees an orderly end */
    return 0;
  }
  sock = ns__socket_accepted(srv, fd);
  if (sock == NULL) {
    close(fd); /* out of memory: drop the connection */
    return 0;
  }
  sock->next = srv->sockets;
  if (srv->sockets != NULL)
    srv->sockets->prev = sock;
  srv->sockets = sock;
  srv->connections++;
  memset(&ev, 0, sizeof ev);
  ev.type = NS_SERVER_CONNECTION;
  ev.socket = sock;
  return ns__server_emit(srv, &ev);
}

/*
 * libevent callback: the listening descriptor is readable. Accepts until
 * none is pending (or the server stops listening during a callback). A
 * failure other than "nothing pending" is emitted as an 'error' with
 * syscall "accept" (Node 8: "accept EMFILE"); the loop then stops until the
 * next readiness.
 */
static void on_acceptable(evutil_socket_t lfd, short what, void *arg) {
  ns_server *srv = arg;

  (void)what;
  while (srv->fd == lfd) {
    struct sockaddr_storage peer;
    socklen_t len;
    int fd = ns__fd_accept(lfd, &peer, &len);
    ns_error err;

    if (fd >= 0) {
      if (deliver(srv, fd) != 0)
        return;
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return;
    if (errno == ECONNABORTED)
      continue;
    if ((errno == EMFILE || errno == ENFILE) && ns__fd_emfile_drain(lfd) == 0)
      return;
    ns__error_sys(&err, errno, "accept");
    ns__server_emit_error(srv, &err);
    ns_error_free(&err);
    return;
  }
}

int ns__server_watch(ns_server *srv) {
  if (srv->accept_ev != NULL)
    return 0;
  srv->accept_ev =
      event_new(srv->base, srv->fd, EV_READ | EV_PERSIST, on_acceptable, srv);
  if (srv->accept_ev == NULL || event_add(srv->accept_ev, NULL) == -1) {
    if (srv->accept_ev != NULL)
      event_free(srv->accept_ev);
    srv->accept_ev = NULL;
    errno = ENOMEM;
    return -1;
  }
  return 0;
}
