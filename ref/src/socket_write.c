/*
 * socket_write.c - the writable side: write() onto the queue, writev of the
 * queued chains (evbuffer_write_atmost) when the descriptor is writable,
 * write callbacks and 'drain' in Node 8's order, end() with _final() and
 * shutdown(SHUT_WR), destroySoon().
 */
#include "socket_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>

#include "error.h"

/* A completed group whose afterWrite runs on the next tick. */
struct after_write {
  ns__wreq *list;
  int finished;
};

/* A failed group: its callbacks get the error, then 'error'. The text of
 * `err` follows the struct in the tick's payload. */
struct write_failed {
  ns__wreq *list;
  ns_error err;
};

/* A callback to call on the next tick with an error (or none); the text of
 * `err` follows the struct in the tick's payload. */
struct cb_job {
  ns_write_cb cb;
  void *arg;
  int has_err;
  ns_error err;
};

/* Node's needFinish(). */
static int need_finish(const ns_socket *sock) {
  return sock->ending && ns__wq_idle(&sock->wq) && !sock->finished;
}

/* Runs one user write callback inside enter/leave (already entered). */
static void call_cb(ns_socket *sock, ns_write_cb cb, void *arg,
                    const ns_error *err) {
  if (cb != NULL)
    cb(sock, err, arg);
}

/* Node's afterWrite(): 'drain' if owed, the callbacks, finishMaybe(). */
static void after_write(ns_socket *sock, ns__wreq *list, int finished) {
  ns__wreq *req;

  if (!finished && sock->wq.length == 0 && sock->wq.need_drain) {
    ns_socket_event ev;

    sock->wq.need_drain = 0;
    memset(&ev, 0, sizeof ev);
    ev.type = NS_SOCKET_DRAIN;
    ns__socket_emit(sock, &ev);
  }
  for (req = list; req != NULL; req = req->next) {
    sock->pending_cbs--;
    sock->cb_batched = list->next != NULL;
    call_cb(sock, req->cb, req->arg, NULL);
    sock->cb_batched = 0;
  }
  ns__wq_free_list(list);
  ns__socket_finish_maybe(sock);
}

static void after_write_job(void *owner, void *payload) {
  struct after_write *aw = payload;

  ns__socket_enter(owner);
  after_write(owner, aw->list, aw->finished);
  ns__socket_leave(owner);
}

static void write_failed_job(void *owner, void *payload) {
  ns_socket *sock = owner;
  struct write_failed *wf = payload;
  ns__wreq *req;

  ns__socket_enter(sock);
  for (req = wf->list; req != NULL; req = req->next) {
    sock->cb_batched = wf->list->next != NULL;
    call_cb(sock, req->cb, req->arg, &wf->err);
    sock->cb_batched = 0;
  }
  ns__wq_free_list(wf->list);
  ns__socket_emit_error(sock, &wf->err);
  ns__socket_leave(sock);
}

static void cb_job_run(void *owner, void *payload) {
  struct cb_job *j = payload;

  ns__socket_enter(owner);
  call_cb(owner, j->cb, j->arg, j->has_err ? &j->err : NULL);
  ns__socket_leave(owner);
}

/* Queues cb(err) for the next tick. */
static void post_cb(ns_socket *sock, ns_write_cb cb, void *arg,
                    const ns_error *err) {
  struct cb_job *j;

  if (cb == NULL)
    return;
  j = ns__tick_post(sock->base, &sock->ticks, cb_job_run, sock,
                    sizeof *j + (err != NULL ? ns__error_text_size(err) : 0));
  if (j == NULL)
    return;
  j->cb = cb;
  j->arg = arg;
  if (err != NULL) {
    j->has_err = 1;
    ns__error_copy_into(&j->err, err, (char *)(j + 1));
  }
}

/* A write to the kernel failed: Node's afterWrite(status < 0). */
static void fail_write(ns_socket *sock, int errnum) {
  struct write_failed *wf;
  ns__wreq *list = ns__wq_complete(&sock->wq);
  ns_error err;

  ns__error_sys(&err, errnum, "write");
  wf = ns__tick_post(sock->base, &sock->ticks, write_failed_job, sock,
                     sizeof *wf + ns__error_text_size(&err));
  if (wf != NULL) {
    wf->list = list;
    ns__error_copy_into(&wf->err, &err, (char *)(wf + 1));
  } else {
    ns__wq_free_list(list);
  }
  ns_error_free(&err);
  sock->error_emitted = 1;
  ns__socket_destroy(sock, NULL, 0, 1);
}

void ns__socket_flush(ns_socket *sock, int sync) {
  ns__wreq *done = NULL;
  int done_finished = 0, have_done = 0;

  ns__socket_enter(sock);
  while (sock->fd >= 0 && !sock->connecting && !sock->destroyed) {
    size_t n = ns__wq_dispatch(&sock->wq, sock->hold_first);
    int w = 0;

    sock->hold_first = 0;
    if (sock->wq.group_count == 0)
      break;
    if (n > 0) {
      w = evbuffer_write_atmost(sock->wq.buf, sock->fd, (ssize_t)n);
      if (w < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          fail_write(sock, errno);
          break;
        }
        w = 0;
      }
      ns__socket_touch(sock);
    }
    if (!ns__wq_sent(&sock->wq, (size_t)w)) {
      ns__socket_watch_write(sock, 1);
      break;
    }
    {
      ns__wreq *list = ns__wq_complete(&sock->wq);
      int finished = need_finish(sock);

      if (sync) {
        struct after_write *aw = ns__tick_post(
            sock->base, &sock->ticks, after_write_job, sock, sizeof *aw);

        if (aw != NULL) {
          aw->list = list;
          aw->finished = finished;
        } else {
          ns__wq_free_list(list);
        }
      } else {
        done = list;
        done_finished = finished;
        have_done = 1;
      }
    }
    sync = 1; /* the next group is dispatched from inside this one */
  }
  if (sock->fd >= 0 && sock->wq.group_count == 0)
    ns__socket_watch_write(sock, 0);
  if (have_done)
    after_write(sock, done, done_finished);
  ns__socket_leave(sock);
}

/* Non-zero when the descriptor has an error pending (a reset), without
 * taking it (a read or write would). */
static int error_pending(int fd) {
  struct pollfd p;

  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  return poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

void ns__socket_on_writable(ns_socket *sock) {
  ns__socket_enter(sock);
  /* A reset makes the descriptor readable and writable at once, and
   * libevent may run the write event first. libuv handles readability
   * first, so Node 8 reports a reset as a failed read (and the queued
   * writes never call back): while reading, let the read take it. */
  if (sock->reading && !sock->eof && error_pending(sock->fd))
    ns__socket_on_readable(sock);
  if (!sock->destroyed && sock->fd >= 0)
    ns__socket_flush(sock, 0);
  ns__socket_leave(sock);
}

/* ----------------------------------------------------------------- write */

/*
 * A write on an idle queue: straight from the caller's memory to the
 * kernel (libuv's try-write), so the common case neither copies nor
 * allocates; only what the kernel did not take is queued. The accounting is
 * that of a group dispatched at once.
 */
static int try_write(ns_socket *sock, const void *data, size_t len,
                     size_t count, ns_write_cb cb, void *arg) {
  ssize_t w;
  int ret, errnum = 0;

  do
    w = send(sock->fd, data, len, MSG_NOSIGNAL);
  while (w == -1 && errno == EINTR);
  if (w < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      errnum = errno;
    w = 0;
  }
  ret = ns__wq_push_sent(&sock->wq, data, len, count, (size_t)w, cb, arg);
  if (ret < 0) {
    ns_error err;

    ns__error_sys(&err, ENOMEM, "write");
    ns__socket_destroy(sock, &err, 1, 0);
    ns_error_free(&err);
    return 0;
  }
  sock->pending_cbs++;
  ns__socket_touch(sock);
  if (errnum != 0) {
    fail_write(sock, errnum);
    return ret;
  }
  if (sock->wq.group_unsent > 0) {
    ns__socket_watch_write(sock, 1);
    return ret;
  }
  ns__wq_sent(&sock->wq, 0);
  {
    ns__wreq *list = ns__wq_complete(&sock->wq);
    struct after_write *aw = ns__tick_post(sock->base, &sock->ticks,
                                           after_write_job, sock, sizeof *aw);

    if (aw != NULL) {
      aw->list = list;
      aw->finished = need_finish(sock);
    } else {
      ns__wq_free_list(list);
    }
  }
  return ret;
}

/* Reports a write() that cannot be made: the error as NS_SOCKET_ERROR on
 * the next tick (during the call with sync_errors, as Node emits it), and
 * to the write's callback on the tick after that. Queues nothing. Returns
 * -1, or with sync_errors `node_ret`: what Node's write() returns. */
static int misuse(ns_socket *sock, const ns_error *err, ns_write_cb cb,
                  void *arg, int node_ret) {
  int sync = sock->sync_errors; /* `sock` may be gone after leave() */

  ns__socket_enter(sock);
  if (sync)
    ns__socket_emit_error(sock, err);
  else
    ns__socket_post_error(sock, err);
  post_cb(sock, cb, arg, err);
  ns__socket_leave(sock);
  return sync ? node_ret : -1;
}

int ns_socket_write(ns_socket *sock, const void *data, size_t len,
                    ns_write_cb cb, void *arg) {
  return ns_socket_write_counted(sock, data, len, len, cb, arg);
}

int ns_socket_write_counted(ns_socket *sock, const void *data, size_t len,
                            size_t count, ns_write_cb cb, void *arg) {
  ns_error err;
  int ret;

  if (sock->fin_refused) {
    ns__error_const(&err, "Error",
                    "This socket has been ended by the other party");
    err.code = "EPIPE";
    return misuse(sock, &err, cb, arg, -1); /* Node: undefined */
  }
  if (sock->ending) {
    ns__error_const(&err, "Error", "write after end");
    return misuse(sock, &err, cb, arg, 0);
  }
  if (!sock->has_handle) {
    /* Node: _writeGeneric() without a handle destroys the socket with
     * "This socket is closed", through the write's callback. */
    ret = sock->wq.length + count < NS_WQ_HIGH_WATER;
    ns__error_const(&err, "Error", "This socket is closed");
    ns__socket_enter(sock);
    ns__socket_destroy(sock, NULL, 0, 0);
    sock->error_emitted = 1;
    ret = misuse(sock, &err, cb, arg, ret);
    ns__socket_leave(sock);
    return ret;
  }
  if (!sock->connecting && sock->fd >= 0 && ns__wq_idle(&sock->wq) &&
      len > 0)
    return try_write(sock, data, len, count, cb, arg);
  ret = ns__wq_push(&sock->wq, data, len, count, cb, arg);
  if (ret < 0) {
    ns__error_sys(&err, ENOMEM, "write");
    ns__socket_destroy(sock, &err, 1, 0);
    ns_error_free(&err);
    return 0;
  }
  sock->pending_cbs++;
  if (sock->connecting || sock->fd < 0) {
    if (sock->wq.head == sock->wq.tail)
      sock->hold_first = 1;
    return ret;
  }
  /* Node 8 buffers a write while an earlier one is in flight (its
   * writable state is 'writing'): the kernel sees it when that one
   * completes, not now, so bufferSize grows by exactly this write. */
  if (sock->wq.group_count == 0)
    ns__socket_flush(sock, 1);
  return ret;
}

/* ------------------------------------------------------------- end/final */

/* 'finish': the end() callbacks, then destroySoon()'s destroy. */
static void emit_finish(ns_socket *sock) {
  ns__finish_cb *f = sock->finish_cbs;

  sock->finished = 1;
  sock->finish_cbs = NULL;
  ns__socket_enter(sock);
  while (f != NULL) {
    ns__finish_cb *next = f->next;

    call_cb(sock, f->cb, f->arg, NULL);
    free(f);
    f = next;
  }
  if (sock->destroy_on_finish)
    ns__socket_destroy(sock, NULL, 0, 0);
  ns__socket_leave(sock);
}

static void final_job(void *owner, void *payload) {
  (void)payload;
  ns__socket_final(owner);
}

void ns__socket_finish_maybe(ns_socket *sock) {
  if (!need_finish(sock))
    return;
  if (!sock->final_called) {
    sock->final_called = 1;
    ns__tick_post0(sock->base, &sock->ticks, final_job, sock);
  }
  if (sock->prefinished && sock->pending_cbs == 0)
    emit_finish(sock);
}

/* The _final() callback: 'prefinish', then maybe 'finish'. */
static void final_done(ns_socket *sock) {
  sock->prefinished = 1;
  ns__socket_finish_maybe(sock);
}

static void after_shutdown_job(void *owner, void *payload) {
  ns_socket *sock = owner;

  (void)payload;
  ns__socket_enter(sock);
  final_done(sock);
  if (!sock->destroyed) {
    if (sock->eof)
      ns__socket_destroy(sock, NULL, 0, 0);
    else
      sock->destroy_on_eof = 1;
  }
  ns__socket_leave(sock);
}

void ns__socket_final(ns_socket *sock) {
  ns__socket_enter(sock);
  if (sock->connecting) {
    sock->final_on_connect = 1;
  } else if (!sock->readable || sock->eof || sock->fd < 0) {
    final_done(sock);
    ns__socket_destroy(sock, NULL, 0, 0);
  } else {
    shutdown(sock->fd, SHUT_WR); /* Node ignores the outcome */
    ns__tick_post0(sock->base, &sock->ticks, after_shutdown_job, sock);
  }
  ns__socket_leave(sock);
}

void ns_socket_end(ns_socket *sock, const void *data, size_t len,
                   ns_write_cb cb, void *arg) {
  if (data != NULL)
    ns_socket_write(sock, data, len, NULL, NULL);
  if (sock->ending)
    return;
  sock->ending = 1;
  ns__socket_enter(sock);
  ns__socket_finish_maybe(sock);
  if (cb != NULL) {
    if (sock->finished) {
      post_cb(sock, cb, arg, NULL);
    } else {
      ns__finish_cb *f = calloc(1, sizeof *f), **tail;

      if (f != NULL) {
        f->cb = cb;
        f->arg = arg;
        for (tail = &sock->finish_cbs; *tail != NULL; tail = &(*tail)->next)
          ;
        *tail = f;
      }
    }
  }
  sock->writable = 0;
  ns__socket_leave(sock);
}

int ns_socket_on_finish(ns_socket *sock, ns_write_cb cb, void *arg) {
  ns__finish_cb *f, **tail;

  if (sock->finished || cb == NULL)
    return 0;
  if ((f = calloc(1, sizeof *f)) == NULL)
    return -1;
  f->cb = cb;
  f->arg = arg;
  for (tail = &sock->finish_cbs; *tail != NULL; tail = &(*tail)->next)
    ;
  *tail = f;
  return 0;
}

void ns__socket_destroy_soon(ns_socket *sock) {
  if (sock->writable)
    ns_socket_end(sock, NULL, 0, NULL, NULL);
  if (sock->finished)
    ns__socket_destroy(sock, NULL, 0, 0);
  else
    sock->destroy_on_finish = 1;
}

int ns_socket_write_batched(const ns_socket *sock) {
  return sock->cb_batched;
}

void ns_socket_set_sync_errors(ns_socket *sock, int on) {
  sock->sync_errors = on != 0;
}
