/*
 * socket.c - the socket handle: creation, lifetime, events, destroy,
 * properties. Reading, writing and connecting are in their own files.
 */
#include "socket_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "addr.h"
#include "base.h"
#include "error.h"
#include "netfd.h"
#include "server_int.h"
#include "util.h"

/* ------------------------------------------------------------- lifetime */

/* Bytes from the start of a socket's block to its two events (after the
 * structure, aligned), and the room one event takes there. */
static size_t events_offset(void) {
  return ns__align_up(sizeof(ns_socket));
}

static size_t event_room(void) {
  return ns__align_up(event_get_struct_event_size());
}

/* The socket and its read and write events are one allocation (the events
 * are set up with event_assign()): an idle connection costs one block. */
ns_socket *ns__socket_alloc(struct event_base *base) {
  ns_socket *sock = calloc(1, events_offset() + 2 * event_room());

  if (sock == NULL)
    return NULL;
  sock->base = base;
  sock->fd = -1;
  sock->owned = 1;
  sock->flowing = 1;
  ns__wq_init(&sock->wq);
  sock->wq.base = base;
  ns__base_track(base, sock, 1);
  return sock;
}

/* Removes the descriptor's events from the loop (their memory is the
 * socket's own). */
static void free_events(ns_socket *sock) {
  if (sock->read_ev != NULL)
    event_del(sock->read_ev);
  if (sock->write_ev != NULL)
    event_del(sock->write_ev);
  sock->read_ev = sock->write_ev = NULL;
  sock->read_on = sock->write_on = 0;
  sock->read_added = sock->write_added = 0;
}

/* Frees a list of end() callbacks without calling them. */
static void free_finish_cbs(ns__finish_cb *f) {
  while (f != NULL) {
    ns__finish_cb *next = f->next;

    free(f);
    f = next;
  }
}

/* Releases everything; the socket is neither owned nor held nor busy. */
static void socket_release(ns_socket *sock) {
  ns__tick_cancel_all(&sock->ticks);
  ns__socket_cancel_connect(sock);
  free_events(sock);
  if (sock->timer_ev != NULL)
    event_free(sock->timer_ev);
  if (sock->fd >= 0)
    close(sock->fd);
  if (sock->counted)
    ns__base_ref(sock->base, -1);
  ns__wq_free(&sock->wq);
  ns__base_block_return(sock->base, sock->kept);
  free(sock->chunks);
  free(sock->connect_address);
  free(sock->local_text);
  free_finish_cbs(sock->finish_cbs);
  ns__base_track(sock->base, sock, 0);
  free(sock);
}

void ns__socket_cleanup(ns_socket *sock) {
  ns_server *srv = sock->server;

  sock->holds = 0;
  sock->busy = 0;
  if (sock->pipe_dest != NULL) { /* its hold goes with it */
    sock->pipe_dest->pipe_src = NULL;
    sock->pipe_dest = NULL;
  }
  if (sock->pipe_src != NULL) {
    sock->pipe_src->pipe_dest = NULL;
    sock->pipe_src = NULL;
  }

  if (srv != NULL) {
    sock->server = NULL;
    ns__server_socket_gone(srv, sock);
  }
  socket_release(sock);
}

/* Releases the memory if nothing needs it any more. Returns -1 if so. */
static int maybe_release(ns_socket *sock) {
  if (sock->owned || sock->holds > 0 || sock->busy > 0)
    return 0;
  socket_release(sock);
  return -1;
}

void ns__socket_enter(ns_socket *sock) {
  sock->busy++;
}

int ns__socket_leave(ns_socket *sock) {
  sock->busy--;
  return maybe_release(sock);
}

void ns_socket_hold(ns_socket *sock) {
  if (sock != NULL)
    sock->holds++;
}

void ns_socket_release(ns_socket *sock) {
  if (sock == NULL || sock->holds <= 0)
    return;
  sock->holds--;
  maybe_release(sock);
}

int ns__socket_emit(ns_socket *sock, const ns_socket_event *ev) {
  ns__socket_enter(sock);
  if (sock->cb != NULL)
    sock->cb(sock, ev, sock->arg);
  if (sock->pipe_dest != NULL || sock->pipe_src != NULL)
    ns__socket_pipe_event(sock, ev);
  return ns__socket_leave(sock);
}

int ns__socket_emit_error(ns_socket *sock, const ns_error *err) {
  ns_socket_event ev;

  memset(&ev, 0, sizeof ev);
  ev.type = NS_SOCKET_ERROR;
  ev.error = err;
  return ns__socket_emit(sock, &ev);
}

void ns_socket_set_callback(ns_socket *sock, ns_socket_cb cb, void *arg) {
  sock->cb = cb;
  sock->arg = arg;
}

int ns__socket_set_text(char **dst, const char *src) {
  free(*dst);
  *dst = src != NULL ? strdup(src) : NULL;
  return src != NULL && *dst == NULL ? -1 : 0;
}

/* ------------------------------------------------------------- creation */

ns_socket *ns_socket_new(struct event_base *base,
                         const ns_socket_options *opts, ns_socket_cb cb,
                         void *arg, ns_error *err) {
  ns_socket *sock;

  if (base == NULL) {
    ns__error_invalid(err, "ns_socket_new: base is NULL");
    return NULL;
  }
  if ((sock = ns__socket_alloc(base)) == NULL) {
    ns__error_sys(err, ENOMEM, "socket");
    return NULL;
  }
  sock->cb = cb;
  sock->arg = arg;
  if (opts == NULL)
    return sock;
  sock->allow_half_open = opts->allow_half_open != 0;
  if (opts->has_fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int type = 0;
    socklen_t tlen = sizeof type;

    if (opts->fd < 0 ||
        getsockopt(opts->fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 ||
        type != SOCK_STREAM ||
        getsockname(opts->fd, (struct sockaddr *)&ss, &len) != 0 ||
        (ss.ss_family != AF_INET && ss.ss_family != AF_INET6 &&
         ss.ss_family != AF_UNIX)) {
      ns__error_const(err, "TypeError", "Unsupported fd type: UNKNOWN");
      goto fail;
    }
    if (ns__fd_prepare(opts->fd) != 0) {
      ns__error_sys(err, errno, "open");
      goto fail;
    }
    if (ns__socket_attach(sock, opts->fd, ss.ss_family == AF_UNIX, 0) != 0) {
      ns__error_sys(err, ENOMEM, "open");
      goto fail;
    }
    sock->readable = !opts->not_readable;
    sock->writable = !opts->not_writable;
    if (!sock->readable)
      ns__socket_stop_reading(sock);
  }
  return sock;
fail:
  sock->owned = 0;
  socket_release(sock);
  return NULL;
}

/* libevent callbacks on the descriptor. An event that fires after its
 * watch was turned off (see ns__socket_watch_read) is removed now. */
static void on_read_ev(evutil_socket_t fd, short what, void *arg) {
  ns_socket *sock = arg;

  (void)fd;
  (void)what;
  if (!sock->read_on) {
    event_del(sock->read_ev);
    sock->read_added = 0;
    return;
  }
  ns__socket_on_readable(sock);
}

static void on_write_ev(evutil_socket_t fd, short what, void *arg) {
  ns_socket *sock = arg;

  (void)fd;
  (void)what;
  if (!sock->write_on) {
    event_del(sock->write_ev);
    sock->write_added = 0;
    return;
  }
  if (sock->connecting)
    ns__socket_on_connect_ready(sock);
  else
    ns__socket_on_writable(sock);
}

/* Sets up the events of sock->fd (in the socket's own block). Returns 0
 * or -1. */
static int make_events(ns_socket *sock) {
  struct event *rev = (struct event *)((char *)sock + events_offset());
  struct event *wev = (struct event *)((char *)rev + event_room());

  free_events(sock);
  if (event_assign(rev, sock->base, sock->fd, EV_READ | EV_PERSIST,
                   on_read_ev, sock) != 0 ||
      event_assign(wev, sock->base, sock->fd, EV_WRITE | EV_PERSIST,
                   on_write_ev, sock) != 0)
    return -1;
  sock->read_ev = rev;
  sock->write_ev = wev;
  return 0;
}

/*
 * Watching is turned off lazily: the event stays in the kernel's set until
 * it next fires unwanted. A pause that a resume undoes within the same loop
 * turn (a pipe() that pauses at every 64 KiB chunk and resumes at 'drain'),
 * or a write watch that the next partial write needs again, then costs no
 * epoll_ctl(2) at all; otherwise it costs one spurious wake-up.
 */
static int watch(struct event *ev, int *want, int *added, int on) {
  if (ev == NULL)
    return 0;
  *want = on;
  if (!on || *added)
    return 0;
  if (event_add(ev, NULL) != 0)
    return -1;
  *added = 1;
  return 0;
}

int ns__socket_watch_read(ns_socket *sock, int on) {
  return watch(sock->read_ev, &sock->read_on, &sock->read_added, on);
}

int ns__socket_watch_write(ns_socket *sock, int on) {
  return watch(sock->write_ev, &sock->write_on, &sock->write_added, on);
}

/* Installs a descriptor (connect(): before connecting). */
int ns__socket_set_fd(ns_socket *sock, int fd, int is_pipe);

int ns__socket_set_fd(ns_socket *sock, int fd, int is_pipe) {
  sock->fd = fd;
  sock->is_pipe = is_pipe;
  return make_events(sock);
}

int ns__socket_attach(ns_socket *sock, int fd, int is_pipe, int paused) {
  if (ns__socket_set_fd(sock, fd, is_pipe) != 0) {
    sock->fd = -1;
    return -1;
  }
  sock->has_handle = 1;
  sock->readable = sock->writable = 1;
  ns__socket_update_ref(sock);
  ns__socket_apply_options(sock);
  if (paused) {
    sock->flowing = 0; /* pauseOnCreate: readStop, flowing false */
  } else {
    ns__socket_start_reading(sock);
  }
  return 0;
}

ns_socket *ns__socket_accepted(ns_server *srv, int fd) {
  ns_socket *sock = ns__socket_alloc(srv->base);

  if (sock == NULL)
    return NULL;
  sock->allow_half_open = srv->opts.allow_half_open != 0;
  if (ns__socket_attach(sock, fd, srv->is_pipe,
                        srv->opts.pause_on_connect) != 0) {
    sock->owned = 0;
    socket_release(sock);
    return NULL;
  }
  sock->server = srv;
  return sock;
}

/* -------------------------------------------------------------- destroy */

/* Tick job: emits a queued error. */
static void error_job(void *owner, void *payload) {
  ns__socket_emit_error(owner, payload);
}

void ns__socket_post_error(ns_socket *sock, const ns_error *err) {
  ns_error *copy = ns__tick_post(sock->base, &sock->ticks, error_job, sock,
                                 sizeof *copy + ns__error_text_size(err));

  if (copy != NULL) /* the text goes right after the copy, in the payload */
    ns__error_copy_into(copy, err, (char *)(copy + 1));
}

struct close_payload {
  int had_error;
  int silent; /* no handle: nothing to emit, only give up ownership */
};

/* Tick job: emits 'close' once every job posted before it has run (Node
 * emits it from the handle's close callback, after the pending ticks),
 * then gives up the library's ownership. */
static void close_job(void *owner, void *payload) {
  ns_socket *sock = owner;
  struct close_payload *p = payload;
  ns_socket_event ev;

  if (ns__tick_pending_other(&sock->ticks, close_job)) {
    struct close_payload *again = ns__tick_post(
        sock->base, &sock->ticks, close_job, sock, sizeof *again);

    if (again != NULL) {
      *again = *p;
      return;
    }
  }
  ns__socket_enter(sock);
  if (!p->silent) {
    memset(&ev, 0, sizeof ev);
    ev.type = NS_SOCKET_CLOSE;
    ev.had_error = p->had_error;
    ns__socket_emit(sock, &ev);
  }
  /* Ownership ends unless the socket was connected again meanwhile. */
  if (!sock->has_handle && sock->destroyed)
    sock->owned = 0;
  ns__socket_leave(sock);
}

/* Closes the descriptor and everything watching it. */
static void close_handle(ns_socket *sock) {
  ns__socket_cancel_connect(sock);
  free_events(sock);
  if (sock->fd >= 0) {
    close(sock->fd);
    sock->fd = -1;
  }
}

void ns__socket_destroy(ns_socket *sock, const ns_error *err, int emit_error,
                        int had_error) {
  struct close_payload *p;
  int had_handle = sock->has_handle;
  ns_server *srv;

  if (sock->destroyed) {
    if (err != NULL && emit_error && !sock->error_emitted) {
      sock->error_emitted = 1;
      ns__socket_post_error(sock, err);
    }
    return;
  }
  sock->destroyed = 1;
  sock->connecting = 0;
  sock->readable = sock->writable = 0;
  sock->reading = 0;
  if (sock->timer_ev != NULL)
    event_del(sock->timer_ev);
  close_handle(sock);
  sock->has_handle = 0;
  ns__socket_update_ref(sock);
  ns__wq_clear(&sock->wq);
  sock->pending_cbs = 0;
  if (err != NULL && emit_error && !sock->error_emitted) {
    sock->error_emitted = 1;
    ns__socket_post_error(sock, err);
  }
  /* Node: the server's 'close' is a next-tick job queued here, the
   * socket's 'close' comes from the handle's close callback, later. */
  srv = sock->server;
  if (srv != NULL) {
    sock->server = NULL;
    ns__server_socket_gone(srv, sock);
  }
  p = ns__tick_post(sock->base, &sock->ticks, close_job, sock, sizeof *p);
  if (p != NULL) {
    p->had_error = had_error || err != NULL;
    p->silent = !had_handle;
  }
}

void ns_socket_destroy(ns_socket *sock, const ns_error *err) {
  if (sock == NULL)
    return;
  ns__socket_destroy(sock, err, 1, 0);
}

/* Closes silently and gives up ownership (server freed, ns_socket_free). */
static void destroy_silently(ns_socket *sock) {
  ns__tick_cancel_all(&sock->ticks);
  close_handle(sock);
  if (sock->timer_ev != NULL)
    event_del(sock->timer_ev);
  sock->has_handle = 0;
  sock->destroyed = 1;
  sock->connecting = 0;
  sock->readable = sock->writable = 0;
  ns__socket_update_ref(sock);
  ns__wq_clear(&sock->wq);
  sock->owned = 0;
}

void ns__socket_destroy_detached(ns_socket *sock) {
  sock->server = NULL;
  sock->prev = sock->next = NULL;
  destroy_silently(sock);
  maybe_release(sock);
}

void ns_socket_free(ns_socket *sock) {
  ns_server *srv;

  if (sock == NULL || !sock->owned)
    return;
  srv = sock->server;
  if (srv != NULL) {
    sock->server = NULL;
    ns__server_socket_gone(srv, sock);
  }
  ns__socket_unpipe(sock);
  destroy_silently(sock);
  sock->cb = NULL;
  maybe_release(sock);
}

/* ------------------------------------------------------------ ref, timer */

void ns__socket_update_ref(ns_socket *sock) {
  int want = sock->has_handle && !sock->unrefd;

  if (want != sock->counted) {
    sock->counted = want;
    ns__base_ref(sock->base, want ? 1 : -1);
  }
}

void ns__socket_touch(ns_socket *sock) {
  struct timeval tv;

  if (sock->timeout_ms <= 0 || sock->timer_ev == NULL)
    return;
  tv.tv_sec = (long)(sock->timeout_ms / 1000);
  tv.tv_usec = (long)((sock->timeout_ms - tv.tv_sec * 1000.0) * 1000);
  evtimer_add(sock->timer_ev, &tv);
}

/* ------------------------------------------------------------ properties */

void ns_socket_info_get(const ns_socket *sock, ns_socket_info *out) {
  memset(out, 0, sizeof *out);
  out->connecting = sock->connecting;
  out->destroyed = sock->destroyed;
  out->readable = sock->readable;
  out->writable = sock->writable;
  out->has_handle = sock->has_handle;
  out->buffer_size = ns__wq_buffer_size(&sock->wq);
  out->bytes_read = sock->bytes_read;
  out->bytes_written = sock->wq.total;
}

int ns_socket_remote(ns_socket *sock, ns_address *out) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  memset(out, 0, sizeof *out);
  if (sock == NULL)
    return -1;
  if (!sock->peer_cached && sock->fd >= 0 && !sock->is_pipe &&
      sock->has_handle &&
      getpeername(sock->fd, (struct sockaddr *)&ss, &len) == 0 &&
      ns__addr_format((struct sockaddr *)&ss, out) == 0) {
    sock->peer = ss;
    sock->peer_cached = 1;
  }
  if (!sock->peer_cached)
    return -1;
  return ns__addr_format((const struct sockaddr *)&sock->peer, out) == 0 ? 0
                                                                          : -1;
}

int ns_socket_address(ns_socket *sock, ns_address *out) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  memset(out, 0, sizeof *out);
  if (sock == NULL || sock->fd < 0 || sock->is_pipe || !sock->has_handle ||
      getsockname(sock->fd, (struct sockaddr *)&ss, &len) != 0 ||
      ns__addr_format((struct sockaddr *)&ss, out) != 0) {
    memset(out, 0, sizeof *out);
    return -1;
  }
  return 0;
}
