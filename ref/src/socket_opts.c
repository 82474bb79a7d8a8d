/*
 * socket_opts.c - setTimeout (the idle timer), setNoDelay, setKeepAlive,
 * ref/unref.
 */
#include "socket_int.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <event2/event.h>

#include "connect_args.h"
#include "error.h"

/* Largest timer Node accepts (2^31 - 1 ms). */
#define TIMEOUT_MAX 2147483647.0

/* libevent callback: the socket was idle for timeout_ms. */
static void on_timeout(evutil_socket_t fd, short what, void *arg) {
  ns_socket *sock = arg;
  ns_socket_event ev;

  (void)fd;
  (void)what;
  memset(&ev, 0, sizeof ev);
  ev.type = NS_SOCKET_TIMEOUT;
  ns__socket_emit(sock, &ev);
}

int ns_socket_set_timeout(ns_socket *sock, double ms, ns_error *err) {
  if (ms == 0) {
    sock->timeout_ms = 0;
    if (sock->timer_ev != NULL)
      event_del(sock->timer_ev);
    return 0;
  }
  if (ns__timeout_validate(ms, err) != 0)
    return -1;
  if (ms > TIMEOUT_MAX)
    ms = TIMEOUT_MAX;
  if (ms < 1)
    ms = 1; /* Node's timers run after at least 1 ms */
  if (sock->timer_ev == NULL) {
    sock->timer_ev = evtimer_new(sock->base, on_timeout, sock);
    if (sock->timer_ev == NULL) {
      ns__error_sys(err, 12 /* ENOMEM */, "setTimeout");
      return -1;
    }
  }
  sock->timeout_ms = ms;
  ns__socket_touch(sock);
  return 0;
}

/* Sets the TCP options of a connected TCP descriptor. */
void ns__socket_apply_options(ns_socket *sock) {
  if (sock->fd < 0 || sock->is_pipe)
    return;
  if (sock->want_nodelay) {
    int on = sock->nodelay;

    setsockopt(sock->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  if (sock->want_keepalive) {
    int on = sock->keepalive;
    int secs = (int)(sock->keepalive_delay / 1000);

    setsockopt(sock->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    if (on && secs > 0)
      setsockopt(sock->fd, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
  }
}

void ns_socket_set_no_delay(ns_socket *sock, int enable) {
  sock->want_nodelay = 1;
  sock->nodelay = enable != 0;
  if (!sock->connecting)
    ns__socket_apply_options(sock);
}

void ns_socket_set_keep_alive(ns_socket *sock, int enable,
                              double initial_delay_ms) {
  sock->want_keepalive = 1;
  sock->keepalive = enable != 0;
  sock->keepalive_delay = initial_delay_ms > 0 ? initial_delay_ms : 0;
  if (!sock->connecting)
    ns__socket_apply_options(sock);
}

void ns_socket_ref(ns_socket *sock) {
  sock->unrefd = 0;
  ns__socket_update_ref(sock);
}

void ns_socket_unref(ns_socket *sock) {
  sock->unrefd = 1;
  ns__socket_update_ref(sock);
}
