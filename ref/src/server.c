/*
 * server.c - the server handle: creation, events, close, address, free.
 * Listening is in server_listen.c, accepting in server_accept.c.
 */
#include "server_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "base.h"
#include "error.h"
#include "socket_int.h"

ns_server *ns_server_new(struct event_base *base,
                         const ns_server_options *opts, ns_server_cb cb,
                         void *arg, ns_error *err) {
  ns_server *srv;

  if (base == NULL) {
    ns__error_invalid(err, "ns_server_new: base is NULL");
    return NULL;
  }
  if ((srv = calloc(1, sizeof *srv)) == NULL) {
    ns__error_sys(err, ENOMEM, "socket");
    return NULL;
  }
  srv->base = base;
  srv->cb = cb;
  srv->arg = arg;
  if (opts != NULL)
    srv->opts = *opts;
  srv->fd = -1;
  return srv;
}

/* Releases the memory of a freed server once no callback of it runs. */
static void server_release(ns_server *srv) {
  free(srv);
}

/* Marks a callback of `srv` as running (so it is not released under it). */
void ns__server_enter(ns_server *srv) {
  srv->busy++;
}

/* Ends a callback; returns -1 (and releases it) if `srv` was freed. */
int ns__server_leave(ns_server *srv) {
  if (--srv->busy == 0 && srv->freed) {
    server_release(srv);
    return -1;
  }
  return srv->freed ? -1 : 0;
}

int ns__server_emit(ns_server *srv, const ns_server_event *ev) {
  ns__server_enter(srv);
  if (srv->cb != NULL)
    srv->cb(srv, ev, srv->arg);
  return ns__server_leave(srv);
}

int ns__server_emit_error(ns_server *srv, const ns_error *err) {
  ns_server_event ev;

  memset(&ev, 0, sizeof ev);
  ev.type = NS_SERVER_ERROR;
  ev.error = err;
  return ns__server_emit(srv, &ev);
}

/* Tick job: emits a queued error. */
static void emit_error_job(void *owner, void *payload) {
  ns__server_emit_error(owner, payload);
}

void ns__server_post_error(ns_server *srv, const ns_error *err) {
  ns_error *copy = ns__tick_post(srv->base, &srv->ticks, emit_error_job, srv,
                                 sizeof *copy + ns__error_text_size(err));

  if (copy != NULL) /* the text goes right after the copy, in the payload */
    ns__error_copy_into(copy, err, (char *)(copy + 1));
}

void ns__server_stop_listening(ns_server *srv) {
  if (srv->accept_ev != NULL) {
    event_free(srv->accept_ev);
    srv->accept_ev = NULL;
  }
  if (srv->fd >= 0) {
    if (srv->shared)
      shutdown(srv->fd, SHUT_RDWR); /* the other server's copy stops too */
    close(srv->fd);
    srv->fd = -1;
  }
  srv->shared = 0;
  ns__server_update_ref(srv);
  if (srv->unlink_path != NULL) {
    unlink(srv->unlink_path);
    free(srv->unlink_path);
    srv->unlink_path = NULL;
  }
  srv->is_pipe = 0;
}

/* Takes the close callbacks registered so far off the server. */
static ns__close_req *take_close_reqs(ns_server *srv) {
  ns__close_req *reqs = srv->close_reqs;

  srv->close_reqs = NULL;
  return reqs;
}

/* Frees a list of close requests without calling them. */
static void free_close_reqs(ns__close_req *req) {
  while (req != NULL) {
    ns__close_req *next = req->next;

    free(req);
    req = next;
  }
}

/* Tick job: emits 'close', then runs the close callbacks that were
 * registered before it (Node: once('close') listeners, in order). */
static void emit_close_job(void *owner, void *payload) {
  ns_server *srv = owner;
  ns__close_req *reqs = take_close_reqs(srv);
  ns_server_event ev;

  (void)payload;
  memset(&ev, 0, sizeof ev);
  ev.type = NS_SERVER_CLOSE;
  if (ns__server_emit(srv, &ev) != 0) {
    free_close_reqs(reqs);
    return;
  }
  while (reqs != NULL) {
    ns__close_req *req = reqs;
    ns_error not_running;
    int gone;

    reqs = req->next;
    ns__error_const(&not_running, "Error", "Not running");
    ns__server_enter(srv);
    req->cb(srv, req->not_running ? &not_running : NULL, req->arg);
    free(req);
    gone = ns__server_leave(srv);
    if (gone) {
      free_close_reqs(reqs);
      return;
    }
  }
}

void ns__server_close_if_drained(ns_server *srv) {
  if (srv->fd >= 0 || srv->connections > 0)
    return;
  ns__tick_post0(srv->base, &srv->ticks, emit_close_job, srv);
}

void ns_server_close(ns_server *srv, ns_close_cb cb, void *arg) {
  if (cb != NULL) {
    ns__close_req *req = calloc(1, sizeof *req), **tail;

    if (req != NULL) {
      req->cb = cb;
      req->arg = arg;
      req->not_running = srv->fd < 0;
      for (tail = &srv->close_reqs; *tail != NULL; tail = &(*tail)->next)
        ;
      *tail = req;
    }
  }
  ns__server_stop_listening(srv);
  ns__server_close_if_drained(srv);
}

void ns__server_socket_gone(ns_server *srv, ns_socket *sock) {
  if (sock->prev != NULL)
    sock->prev->next = sock->next;
  else
    srv->sockets = sock->next;
  if (sock->next != NULL)
    sock->next->prev = sock->prev;
  sock->prev = sock->next = NULL;
  srv->connections--;
  ns__server_close_if_drained(srv);
}

int ns_server_address(const ns_server *srv, ns_address *out) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  memset(out, 0, sizeof *out);
  if (srv->fd >= 0 && !srv->is_pipe) {
    if (getsockname(srv->fd, (struct sockaddr *)&ss, &len) == 0 &&
        ns__addr_format((struct sockaddr *)&ss, out) == 0)
      return 0;
    memset(out, 0, sizeof *out);
    return -1;
  }
  if (srv->pipe_name != NULL) {
    ns__addr_pipe(srv->pipe_name, srv->pipe_name_len, out);
    return 0;
  }
  return -1;
}

void ns__server_update_ref(ns_server *srv) {
  int want = srv->fd >= 0 && !srv->unrefd;

  if (want != srv->counted) {
    srv->counted = want;
    ns__base_ref(srv->base, want ? 1 : -1);
  }
}

void ns_server_ref(ns_server *srv) {
  srv->unrefd = 0;
  ns__server_update_ref(srv);
}

void ns_server_unref(ns_server *srv) {
  srv->unrefd = 1;
  ns__server_update_ref(srv);
}

int ns_server_listening(const ns_server *srv) {
  return srv->fd >= 0;
}

void ns_server_free(ns_server *srv) {
  if (srv == NULL || srv->freed)
    return;
  srv->freed = 1;
  ns__server_stop_listening(srv);
  ns__tick_cancel_all(&srv->ticks);
  free_close_reqs(take_close_reqs(srv));
  while (srv->sockets != NULL) {
    ns_socket *sock = srv->sockets;

    srv->sockets = sock->next;
    ns__socket_destroy_detached(sock);
  }
  srv->connections = 0;
  free(srv->pipe_name);
  srv->pipe_name = NULL;
  if (srv->busy == 0)
    server_release(srv);
}

void ns_server_free_at_exit(ns_server *srv) {
  if (srv == NULL || srv->freed)
    return;
  free(srv->unlink_path); /* closing the descriptor leaves the file */
  srv->unlink_path = NULL;
  ns_server_free(srv);
}
