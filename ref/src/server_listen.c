/*
 * server_listen.c - server.listen(): validation, binding and the
 * 'listening' / 'error' outcome, in Node 8's order of events.
 *
 * Node 8 binds synchronously when no host is given (port only) and for a
 * path, but first resolves a given host with dns.lookup(), which answers on
 * a later tick even for an IP literal; the bind happens then. Both paths
 * end in setup_listen(), Node's setupListenHandle(): a server that already
 * has a listening socket keeps it and just listens again.
 */
#include "server_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "error.h"
#include "listen_args.h"
#include "netfd.h"

/* A listen request waiting for its host lookup (the next tick). */
struct lookup_job {
  int port;
  int backlog;
  char host[]; /* NUL-terminated */
};

/* Tick job: emits 'listening' if the server still listens then (Node's
 * emitListeningNT checks its handle). */
static void emit_listening_job(void *owner, void *payload) {
  ns_server *srv = owner;
  ns_server_event ev;

  (void)payload;
  if (srv->fd < 0)
    return;
  memset(&ev, 0, sizeof ev);
  ev.type = NS_SERVER_LISTENING;
  ns__server_emit(srv, &ev);
}

/* Queues the 'listen' system error for `address`/`port` (errno). */
static void post_listen_error(ns_server *srv, int errnum, const char *address,
                              int port) {
  ns_error err;

  ns__error_sys_addr(&err, errnum, "listen", address, port);
  ns__server_post_error(srv, &err);
  ns_error_free(&err);
}

void ns__server_setup_listen(ns_server *srv, int backlog, int deferred,
                             const char *address, int port) {
  if (ns__fd_listen(srv->fd, backlog, deferred) == -1 ||
      ns__server_watch(srv) == -1) {
    int errnum = errno;

    ns__server_stop_listening(srv);
    post_listen_error(srv, errnum, address, port);
    return;
  }
  ns__tick_post0(srv->base, &srv->ticks, emit_listening_job, srv);
}

/* Binds a new TCP socket to the IP literal `ip`. Returns the descriptor or
 * -1 (errno set). */
static int bind_ip(const char *ip, int port, int *deferred) {
  struct sockaddr_storage ss;
  socklen_t len;

  if (ns__addr_parse_ip(ip, port, &ss, &len) == 0) {
    errno = EINVAL;
    return -1;
  }
  return ns__fd_tcp_bind((struct sockaddr *)&ss, len, deferred);
}

/*
 * Listens on TCP `ip` (NULL: any address, trying "::" dual-stack first and
 * falling back to "0.0.0.0" when that bind fails for any reason, as Node 8
 * does; an address in use is not among them, since the bind defers
 * EADDRINUSE to listen(2), see netfd.h) and `port`.
 */
static void listen_tcp(ns_server *srv, const struct sockaddr *sa,
                       socklen_t sa_len, const char *ip, int port,
                       int backlog) {
  int deferred = 0;

  if (srv->fd < 0) {
    int fd;

    if (ip == NULL) {
      ip = "::";
      fd = bind_ip(ip, port, &deferred);
      if (fd == -1) {
        ip = "0.0.0.0";
        fd = bind_ip(ip, port, &deferred);
      }
    } else {
      fd = ns__fd_tcp_bind(sa, sa_len, &deferred);
    }
    if (fd == -1) {
      post_listen_error(srv, errno, ip, port);
      return;
    }
    srv->fd = fd;
    srv->is_pipe = 0;
    ns__server_update_ref(srv);
    ns__fd_emfile_reserve();
  }
  ns__server_setup_listen(srv, backlog, deferred, ip != NULL ? ip : "::",
                          port);
}

/* Listens on the Unix domain socket `path`. */
static void listen_pipe(ns_server *srv, const char *path, int backlog) {
  if (srv->fd < 0) {
    char *copy = strdup(path);
    int fd;

    if (copy == NULL) {
      post_listen_error(srv, ENOMEM, path, -1);
      return;
    }
    fd = ns__fd_unix_bind(path);
    if (fd == -1) {
      post_listen_error(srv, errno, path, -1);
      free(copy);
      return;
    }
    srv->fd = fd;
    srv->is_pipe = 1;
    ns__server_update_ref(srv);
    srv->unlink_path = copy; /* the full path, as libuv keeps it */
    ns__fd_emfile_reserve();
  }
  ns__server_setup_listen(srv, backlog, 0, path, -1);
}

/* Tick job: the host lookup of a listen request, then the bind. A lookup
 * error is emitted at once (Node emits it from the lookup callback). */
static void lookup_job(void *owner, void *payload) {
  ns_server *srv = owner;
  struct lookup_job *job = payload;
  struct sockaddr_storage ss;
  socklen_t len;
  char ip[NS_IP_TEXT_MAX];
  ns_error err;

  if (ns__addr_lookup(job->host, job->port, &ss, &len, ip, sizeof ip, &err) !=
      0) {
    ns__server_emit_error(srv, &err);
    ns_error_free(&err);
    return;
  }
  listen_tcp(srv, (struct sockaddr *)&ss, len, ip, job->port, job->backlog);
}

/* Queues the lookup of `host`. Returns 0, or -1 when out of memory. */
static int post_lookup(ns_server *srv, const char *host, int port,
                       int backlog) {
  size_t n = strlen(host) + 1;
  struct lookup_job *job = ns__tick_post(srv->base, &srv->ticks, lookup_job,
                                         srv, sizeof *job + n);

  if (job == NULL)
    return -1;
  job->port = port;
  job->backlog = backlog;
  memcpy(job->host, host, n);
  return 0;
}

/* Node's listen() with no argument: any address, an ephemeral port. */
static const ns_listen_options no_options = {.has_port = 1};

int ns_server_listen(ns_server *srv, const ns_listen_options *opts,
                     ns_error *err) {
  int backlog;

  if (opts == NULL)
    opts = &no_options;
  if (ns__listen_validate(opts, err) != 0)
    return -1;
  backlog = opts->backlog > 0 ? opts->backlog : NS__DEFAULT_BACKLOG;
  if (opts->has_port) {
    if (opts->host != NULL && opts->host[0] != '\0') {
      if (post_lookup(srv, opts->host, opts->port, backlog) != 0) {
        ns__error_sys(err, ENOMEM, "listen");
        return -1;
      }
      return 0;
    }
    listen_tcp(srv, NULL, 0, NULL, opts->port, backlog);
    return 0;
  }
  {
    size_t n = opts->path_len > 0 ? opts->path_len : strlen(opts->path);
    char *name = malloc(n + 1);

    if (name == NULL) {
      ns__error_sys(err, ENOMEM, "listen");
      return -1;
    }
    memcpy(name, opts->path, n);
    name[n] = '\0';
    free(srv->pipe_name);
    srv->pipe_name = name; /* Node sets _pipeName before binding */
    srv->pipe_name_len = n;
  }
  listen_pipe(srv, opts->path, backlog);
  return 0;
}
