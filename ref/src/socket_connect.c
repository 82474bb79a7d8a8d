/*
 * socket_connect.c - socket.connect(): argument checks with Node 8's
 * errors, the host lookup (evdns on the hosts file, never the system
 * resolver) with its 'lookup' event, local binds, and the non-blocking
 * connect of TCP and Unix sockets.
 */
#include "socket_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "addr.h"
#include "base.h"
#include "connect_args.h"
#include "error.h"
#include "netfd.h"
#include "util.h"

int ns__socket_set_fd(ns_socket *sock, int fd, int is_pipe);

static void free_creq(ns__connect_req *r) {
  if (r == NULL)
    return;
  free(r->host);
  free(r->local_address);
  free(r);
}

/* Frees the pending request and cancels a lookup in flight. */
void ns__socket_cancel_connect(ns_socket *sock) {
  if (sock->lookup != NULL) {
    struct evdns_getaddrinfo_request *req = sock->lookup;

    sock->lookup = NULL;
    evdns_getaddrinfo_cancel(req);
  }
  free_creq(sock->creq);
  sock->creq = NULL;
}

/* Fails the connection: Node's afterConnect() with an error status, or a
 * synchronous failure in internalConnect(): destroy(ex). */
static void fail_connect(ns_socket *sock, int errnum, const char *syscall) {
  ns_error err;
  int bind = strcmp(syscall, "bind") == 0;

  if (bind) {
    ns__error_sys_addr(&err, errnum, "bind",
                       sock->local_text != NULL ? sock->local_text : "",
                       sock->local_port);
  } else {
    ns__error_sys_addr(&err, errnum, syscall,
                       sock->connect_address != NULL ? sock->connect_address
                                                     : "",
                       sock->is_pipe ? 0 : sock->connect_port);
    if (sock->local_text != NULL && sock->local_port > 0)
      /* Node 8 adds the local side when both were given (or defaulted). */
      ns__error_append(&err, " - Local (%s:%d)", sock->local_text,
                       sock->local_port);
  }
  ns__socket_destroy(sock, &err, 1, 0);
  ns_error_free(&err);
}

/* The connection is up: Node's afterConnect(status 0). */
static void connected(ns_socket *sock) {
  ns_socket_event ev;

  ns__socket_watch_write(sock, 0);
  sock->connecting = 0;
  sock->readable = sock->writable = 1;
  ns__socket_apply_options(sock);
  ns__socket_touch(sock);
  ns__socket_enter(sock);
  memset(&ev, 0, sizeof ev);
  ev.type = NS_SOCKET_CONNECT;
  if (ns__socket_emit(sock, &ev) == 0 && !sock->destroyed) {
    ns__socket_flush(sock, 0);
    if (sock->final_on_connect && !sock->destroyed) {
      sock->final_on_connect = 0;
      ns__socket_final(sock);
    }
    if (sock->flowing && !sock->destroyed)
      ns__socket_start_reading(sock);
  }
  ns__socket_leave(sock);
}

void ns__socket_on_connect_ready(ns_socket *sock) {
  int soerr = 0;
  socklen_t len = sizeof soerr;

  if (getsockopt(sock->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
    soerr = errno;
  if (soerr == EINPROGRESS || soerr == EALREADY)
    return;
  ns__socket_watch_write(sock, 0);
  if (soerr != 0)
    fail_connect(sock, soerr, "connect");
  else
    connected(sock);
}

/* Tick job: a connect outcome known at once, reported like libuv does, on
 * a later iteration. */
static void connect_result_job(void *owner, void *payload) {
  ns_socket *sock = owner;
  int errnum = *(int *)payload;

  if (!sock->connecting)
    return;
  if (errnum != 0)
    fail_connect(sock, errnum, "connect");
  else
    connected(sock);
}

static void post_connect_result(ns_socket *sock, int errnum) {
  int *p = ns__tick_post(sock->base, &sock->ticks, connect_result_job, sock,
                         sizeof *p);

  if (p != NULL)
    *p = errnum;
}

/* Starts connect(2) on sock->fd; the outcome arrives later. */
static void start_connect(ns_socket *sock, const struct sockaddr *sa,
                          socklen_t len) {
  int rc;

  do
    rc = connect(sock->fd, sa, len);
  while (rc == -1 && errno == EINTR);
  if (rc == 0 || errno == EINPROGRESS) {
    ns__socket_watch_write(sock, 1);
  } else if (errno == ECONNREFUSED || sock->is_pipe) {
    post_connect_result(sock, errno); /* libuv delays these */
  } else {
    fail_connect(sock, errno, "connect");
  }
}

/* Connects to the Unix socket `path` (Node: internalConnect for a pipe). */
static void connect_pipe(ns_socket *sock, const char *path) {
  struct sockaddr_un sun;
  socklen_t len = ns__addr_unix(path, &sun);
  int fd = ns__fd_socket(AF_UNIX);

  ns__socket_set_text(&sock->connect_address, path);
  sock->connect_port = 0;
  sock->is_pipe = 1;
  if (fd == -1 ||
      ns__socket_set_fd(sock, fd, 1) != 0) {
    int errnum = errno != 0 ? errno : ENOMEM;

    if (fd != -1 && sock->fd != fd)
      close(fd);
    post_connect_result(sock, errnum);
    return;
  }
  start_connect(sock, (struct sockaddr *)&sun, len);
}

/* Node's internalConnect() for TCP: optional local bind, then connect. */
static void connect_ip(ns_socket *sock, const char *ip, int port,
                       const char *local_address, int local_port) {
  struct sockaddr_storage ss, ls;
  socklen_t len, llen;
  int family = ns__addr_parse_ip(ip, port, &ss, &len);
  int fd;

  ns__socket_set_text(&sock->connect_address, ip);
  sock->connect_port = port;
  sock->is_pipe = 0;
  fd = ns__fd_socket(ss.ss_family);
  if (fd == -1) {
    int errnum = errno;

    if (fd != -1)
      close(fd);
    fail_connect(sock, errnum, "connect");
    return;
  }
  if (ns__socket_set_fd(sock, fd, 0) != 0) {
    close(fd);
    sock->fd = -1;
    fail_connect(sock, ENOMEM, "connect");
    return;
  }
  if ((local_address != NULL && local_address[0] != '\0') || local_port) {
    const char *la = local_address != NULL && local_address[0] != '\0'
                         ? local_address
                         : (family == 4 ? "0.0.0.0" : "::");
    struct sockaddr_storage got;
    socklen_t glen = sizeof got;
    ns_address a;

    ns__socket_set_text(&sock->local_text, la);
    sock->local_port = local_port;
    /* Node passes the port through a 16-bit field, then checks it. */
    if (ns__addr_parse_ip(la, local_port & 0xFFFF, &ls, &llen) == 0 ||
        ls.ss_family != ss.ss_family) {
      fail_connect(sock, EINVAL, "bind");
      return;
    }
    if (bind(fd, (struct sockaddr *)&ls, llen) != 0) {
      fail_connect(sock, errno, "bind");
      return;
    }
    if (local_port > 0 &&
        getsockname(fd, (struct sockaddr *)&got, &glen) == 0 &&
        ns__addr_format((struct sockaddr *)&got, &a) == 0 &&
        a.port != local_port) {
      fail_connect(sock, EADDRINUSE, "bind");
      return;
    }
  }
  start_connect(sock, (struct sockaddr *)&ss, len);
}

/* Tick job: Node's nextTick(internalConnect) for an IP literal. */
static void connect_ip_job(void *owner, void *payload) {
  ns_socket *sock = owner;
  ns__connect_req *r = sock->creq;

  (void)payload;
  if (r == NULL || !sock->connecting)
    return;
  sock->creq = NULL;
  ns__socket_enter(sock);
  connect_ip(sock, r->host, r->port, r->local_address, r->local_port);
  free_creq(r);
  ns__socket_leave(sock);
}

/* The answer of a lookup, delivered on a tick. */
struct lookup_done {
  int ok;
  int family;
  char ip[NS_IP_TEXT_MAX];
  const char *code;
};

/* Node's emitLookup(): 'lookup', then connect to the address or fail
 * (after " host:port" is added to the error). `err` NULL: success. */
static void finish_lookup(ns_socket *sock, const ns_error *lookup_err,
                          const char *ip, int family) {
  ns__connect_req *r = sock->creq;
  ns_socket_event ev;
  ns_error err = {0};

  sock->creq = NULL;
  ns__socket_enter(sock);
  memset(&ev, 0, sizeof ev);
  ev.type = NS_SOCKET_LOOKUP;
  ev.host = r->host;
  if (lookup_err == NULL) {
    ev.address = ip;
    ev.family = family;
  } else {
    ns_error_copy(&err, lookup_err); /* its message gets host:port below */
    ev.error = &err;
  }
  if (ns__socket_emit(sock, &ev) == 0 && sock->connecting) {
    if (lookup_err == NULL) {
      ns__socket_touch(sock);
      connect_ip(sock, ip, r->port, r->local_address, r->local_port);
    } else {
      /* Node adds host and port, then destroys on the next tick. */
      ns__error_append(&err, " %s:%d", r->host, r->port);
      err.has_port = 1;
      err.port = r->port;
      ns__socket_destroy(sock, &err, 1, 0);
    }
  }
  ns_error_free(&err);
  free_creq(r);
  ns__socket_leave(sock);
}

static void lookup_done_job(void *owner, void *payload) {
  ns_socket *sock = owner;
  struct lookup_done *d = payload;
  ns_error err;

  if (sock->creq == NULL || sock->creq->custom)
    return;
  if (d->ok) {
    finish_lookup(sock, NULL, d->ip, d->family);
    return;
  }
  /* Node 8 names the host in the message of ENOTFOUND only. */
  ns__error_lookup(&err, d->code, sock->creq->host,
                   strcmp(d->code, "ENOTFOUND") == 0);
  finish_lookup(sock, &err, NULL, 0);
  ns_error_free(&err);
}

int ns_socket_lookup_done(ns_socket *sock, const ns_error *err,
                          const char *address, int family) {
  ns_error bad;

  if (sock == NULL || sock->creq == NULL || !sock->creq->custom)
    return -1;
  if (err == NULL && (address == NULL || ns_is_ip(address) == 0)) {
    /* Node would fail the connect on an address that is no IP. */
    ns__error_const(&bad, "TypeError", "Invalid IP address from lookup");
    err = &bad;
  }
  finish_lookup(sock, err, address,
                err == NULL ? (family == 6 ? 6 : ns_is_ip(address)) : 0);
  return 0;
}

/* evdns callback: may run during evdns_getaddrinfo() (hosts file). */
static void on_lookup(int result, struct evutil_addrinfo *res, void *arg) {
  ns_socket *sock = arg;
  struct lookup_done *d;
  struct evutil_addrinfo *ai, *pick = NULL;

  if (result == EVUTIL_EAI_CANCEL) {
    if (res != NULL)
      evutil_freeaddrinfo(res);
    return;
  }
  sock->lookup = NULL;
  d = ns__tick_post(sock->base, &sock->ticks, lookup_done_job, sock,
                    sizeof *d);
  for (ai = res; ai != NULL && pick == NULL; ai = ai->ai_next)
    if (ai->ai_family == AF_INET)
      pick = ai;
  for (ai = res; ai != NULL && pick == NULL; ai = ai->ai_next)
    if (ai->ai_family == AF_INET6)
      pick = ai;
  if (d != NULL) {
    if (result == 0 && pick != NULL) {
      ns_address a;

      ns__addr_format(pick->ai_addr, &a);
      d->ok = 1;
      d->family = pick->ai_family == AF_INET ? 4 : 6;
      ns__copy_text(d->ip, sizeof d->ip, a.address);
    } else {
      /* evdns says FAIL when no name server answers at all (refused or
       * timed out); getaddrinfo() says EAI_AGAIN then. */
      d->code = result == EVUTIL_EAI_AGAIN || result == EVUTIL_EAI_FAIL
                    ? "EAI_AGAIN"
                    : "ENOTFOUND";
    }
  }
  if (res != NULL)
    evutil_freeaddrinfo(res);
}

/* Starts the lookup of r->host (Node: dns.lookup(host, {family, hints})). */
static void start_lookup(ns_socket *sock) {
  struct evdns_base *dns = ns__base_dns(sock->base);
  struct evutil_addrinfo hints;
  struct evdns_getaddrinfo_request *req;

  memset(&hints, 0, sizeof hints);
  hints.ai_family = sock->creq->family == 4   ? AF_INET
                    : sock->creq->family == 6 ? AF_INET6
                                              : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (dns == NULL) {
    on_lookup(EVUTIL_EAI_MEMORY, NULL, sock);
    return;
  }
  req = evdns_getaddrinfo(dns, sock->creq->host, NULL, &hints, on_lookup,
                          sock);
  if (req == NULL)
    return; /* answered (from the hosts file) or failed, already */
  if (evdns_base_count_nameservers(dns) == 0) {
    /* Not in the hosts file and no name server to ask (evdns would wait
     * for one forever): as getaddrinfo() fails when no name server can be
     * reached, a temporary failure, EAI_AGAIN. */
    evdns_getaddrinfo_cancel(req);
    on_lookup(EVUTIL_EAI_AGAIN, NULL, sock);
    return;
  }
  sock->lookup = req;
}

/* Resets a destroyed socket for a new connection (Node's _undestroy()). */
static void undestroy(ns_socket *sock) {
  sock->destroyed = 0;
  sock->error_emitted = 0;
  sock->reading = 0;
  sock->eof = 0;
  sock->end_emitted = 0;
  sock->ending = sock->final_called = sock->prefinished = 0;
  sock->finished = sock->final_on_connect = 0;
  sock->destroy_on_finish = sock->destroy_on_eof = 0;
  sock->pending_cbs = 0;
  sock->hold_first = 0;
  ns__wq_clear(&sock->wq);
  sock->wq.total = 0;
  sock->wq.need_drain = 0;
  sock->bytes_read = 0;
  sock->owned = 1;
}

int ns_socket_connect(ns_socket *sock, const ns_connect_options *opts,
                      ns_error *err) {
  static const ns_connect_options none;
  ns__connect_req *r;
  const char *host;

  if (opts == NULL)
    opts = &none;
  if (ns__connect_validate(opts, sock->connecting || (sock->has_handle &&
                                                      !sock->destroyed),
                           err) != 0)
    return -1;
  host = opts->host != NULL && opts->host[0] != '\0' ? opts->host
                                                       : "localhost";
  r = NULL;
  if (opts->path == NULL || opts->path[0] == '\0') {
    r = calloc(1, sizeof *r);
    if (r == NULL || (r->host = strdup(host)) == NULL ||
        (opts->local_address != NULL &&
         (r->local_address = strdup(opts->local_address)) == NULL)) {
      free_creq(r);
      ns__error_sys(err, ENOMEM, "connect");
      return -1;
    }
    r->port = opts->port;
    r->local_port = opts->local_port;
    r->family = opts->family;
  }
  if (sock->destroyed)
    undestroy(sock);
  sock->peer_cached = 0;
  sock->fin_refused = 0;
  ns__socket_set_text(&sock->local_text, NULL);
  sock->local_port = 0;
  sock->has_handle = 1;
  sock->connecting = 1;
  sock->writable = 1;
  ns__socket_update_ref(sock);
  ns__socket_touch(sock);
  ns__socket_cancel_connect(sock);
  if (r == NULL) {
    connect_pipe(sock, opts->path);
    return 0;
  }
  sock->creq = r;
  sock->connect_port = r->port;
  ns__socket_set_text(&sock->connect_address, host);
  if (ns__addr_parse_ip(host, 0, &(struct sockaddr_storage){0},
                        &(socklen_t){0}) != 0) {
    ns__tick_post0(sock->base, &sock->ticks, connect_ip_job, sock);
    return 0;
  }
  if (opts->lookup != NULL) {
    /* Node: lookup(host, {family, hints}, cb), during connect(). */
    int hints = opts->hints;

    if (opts->family != 4 && opts->family != 6 && hints == 0)
      hints = NS_AI_ADDRCONFIG;
    r->custom = 1;
    opts->lookup(sock, r->host, opts->family, hints, opts->lookup_arg);
    return 0;
  }
  start_lookup(sock);
  return 0;
}
