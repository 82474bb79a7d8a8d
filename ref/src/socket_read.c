/*
 * socket_read.c - the readable side: reads of up to 64 KiB (several per
 * wake-up, as libuv does; libevent 2.1's bufferevents read 4 KiB), 'data'
 * as one contiguous chunk per read, pause/resume with Node 8's buffering,
 * EOF ('end', half-close), setEncoding().
 *
 * While flowing, a read lands in the event base's one 64 KiB read buffer
 * and is emitted from there: no allocation and no copy per chunk, and no
 * read memory held by idle connections. While
 * paused (or while earlier chunks wait), reads go into a block the base
 * lends (kept, see base.h) until 16 KiB are kept, and resume() emits them
 * chunk by chunk, then gives the block back.
 */
#include "socket_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "base.h"
#include "error.h"

void ns__socket_start_reading(ns_socket *sock) {
  if (sock->fd < 0 || sock->connecting || sock->destroyed || sock->eof)
    return;
  sock->reading = 1;
  ns__socket_watch_read(sock, 1);
}

void ns__socket_stop_reading(ns_socket *sock) {
  sock->reading = 0;
  if (sock->fd >= 0)
    ns__socket_watch_read(sock, 0);
}

/* Bytes read but not yet emitted (kept while paused). */
static size_t buffered(const ns_socket *sock) {
  return sock->kept_tail - sock->kept_head;
}

/* Gives the kept block back to the base once nothing is kept in it. */
static void release_kept_if_empty(ns_socket *sock) {
  if (sock->kept == NULL || buffered(sock) > 0)
    return;
  ns__base_block_return(sock->base, sock->kept);
  sock->kept = NULL;
  sock->kept_head = sock->kept_tail = 0;
}

/* Emits one 'data' event for in[0..n), decoded if an encoding is set.
 * Returns -1 if the socket's memory is gone. */
static int emit_data(ns_socket *sock, const unsigned char *in, size_t n);
static void push_chunk(ns_socket *sock, size_t n);

static int emit_data(ns_socket *sock, const unsigned char *in, size_t n) {
  ns_socket_event ev;
  char *text = NULL;

  memset(&ev, 0, sizeof ev);
  ev.type = NS_SOCKET_DATA;
  if (sock->dec.enc != NS_ENC_NONE) {
    text = malloc(ns__decoder_max_out(n));
    if (text == NULL)
      return 0;
    ev.len = ns__decoder_write(&sock->dec, in, n, text);
    ev.data = text;
    ev.is_text = 1;
    if (ev.len == 0) { /* nothing complete yet: Node emits nothing */
      free(text);
      return 0;
    }
  } else {
    ev.data = (const char *)in;
    ev.len = n;
  }
  n = (size_t)ns__socket_emit(sock, &ev);
  free(text);
  return (int)n;
}

/* Emits what the decoder still holds (Node pushes decoder.end() at EOF). */
static int emit_decoder_rest(ns_socket *sock) {
  char text[64];
  ns_socket_event ev;

  if (sock->dec.enc == NS_ENC_NONE)
    return 0;
  memset(&ev, 0, sizeof ev);
  ev.len = ns__decoder_end(&sock->dec, text);
  if (ev.len == 0)
    return 0;
  ev.type = NS_SOCKET_DATA;
  ev.data = text;
  ev.is_text = 1;
  return ns__socket_emit(sock, &ev);
}

/* Node's maybeDestroy(). */
static void maybe_destroy(ns_socket *sock) {
  if (!sock->readable && !sock->writable && !sock->destroyed &&
      !sock->connecting && sock->wq.length == 0)
    ns__socket_destroy(sock, NULL, 0, 0);
}

/* Tick job: endReadableNT(): 'end', then the socket's own once('end'). */
static void end_job(void *owner, void *payload) {
  ns_socket *sock = owner;
  ns_socket_event ev;

  (void)payload;
  if (buffered(sock) > 0)
    return;
  ns__socket_enter(sock);
  sock->readable = 0;
  memset(&ev, 0, sizeof ev);
  ev.type = NS_SOCKET_END;
  ns__socket_emit(sock, &ev);
  maybe_destroy(sock);
  ns__socket_leave(sock);
}

/* Node's endReadable(): queues 'end' once. */
static void post_end(ns_socket *sock) {
  if (sock->end_emitted)
    return;
  sock->end_emitted = 1;
  ns__tick_post0(sock->base, &sock->ticks, end_job, sock);
}

/* The peer's FIN: Node's onread(EOF) and onSocketEnd(). */
static void on_eof(ns_socket *sock) {
  sock->eof = 1;
  ns__socket_stop_reading(sock);
  if (sock->flowing && buffered(sock) == 0) {
    if (emit_decoder_rest(sock) != 0)
      return;
    post_end(sock);
  }
  if (buffered(sock) == 0) {
    sock->readable = 0;
    maybe_destroy(sock);
  }
  if (sock->destroy_on_eof && !sock->destroyed)
    ns__socket_destroy(sock, NULL, 0, 0);
  /* Node's onSocketEnd() replaces write() by writeAfterFIN even when the
   * socket has already been destroyed (its own end() came first). */
  if (!sock->allow_half_open) {
    sock->fin_refused = 1;
    if (!sock->destroyed)
      ns__socket_destroy_soon(sock);
  }
}

/* Remembers the size of a chunk kept while paused. */
static void push_chunk(ns_socket *sock, size_t n) {
  if (sock->nchunks == sock->chunks_cap) {
    size_t cap = sock->chunks_cap ? sock->chunks_cap * 2 : 8;
    size_t *c = realloc(sock->chunks, cap * sizeof *c);

    if (c == NULL) { /* merge with the previous chunk instead */
      if (sock->nchunks > 0)
        sock->chunks[sock->nchunks - 1] += n;
      return;
    }
    sock->chunks = c;
    sock->chunks_cap = cap;
  }
  sock->chunks[sock->nchunks++] = n;
}

/* One readv(2) into `vec`. Returns the byte count, 0 at EOF, -1 with
 * errno. */
static ssize_t read_into(ns_socket *sock, struct evbuffer_iovec *vec) {
  ssize_t n;

  do
    n = readv(sock->fd, (struct iovec *)vec, 1);
  while (n == -1 && errno == EINTR);
  return n;
}

/*
 * One read. While flowing with nothing buffered, the bytes go into the
 * base's shared 64 KiB buffer (reused for every read of every socket: no
 * allocation or copy per chunk) and are emitted from there. Otherwise
 * (paused, or bytes still buffered) they are read straight into the
 * socket's kept block, after what it already keeps, as one more chunk.
 * Returns what read(2) returned (-1 with EAGAIN when enough is kept).
 */
static ssize_t read_one(ns_socket *sock) {
  struct evbuffer_iovec vec;
  ssize_t n;

  if (sock->flowing && sock->nchunks == 0) {
    struct event_base *base = sock->base;
    unsigned char *mem = ns__base_read_buffer(base), *own = NULL;

    if (mem == NULL && (mem = own = malloc(NS_READ_SIZE)) == NULL) {
      errno = ENOMEM;
      return -1;
    }
    vec.iov_base = mem;
    vec.iov_len = NS_READ_SIZE;
    n = read_into(sock, &vec);
    if (n > 0) {
      sock->bytes_read += (unsigned long long)n;
      ns__socket_touch(sock);
      emit_data(sock, mem, (size_t)n);
    }
    if (own != NULL)
      free(own);
    else
      ns__base_read_buffer_return(base);
    return n;
  }
  if (buffered(sock) >= NS_READ_HIGH_WATER) { /* enough kept: wait */
    ns__socket_stop_reading(sock);
    errno = EAGAIN;
    return -1;
  }
  if (sock->kept == NULL &&
      (sock->kept = ns__base_block(sock->base)) == NULL) {
    errno = ENOMEM;
    return -1;
  }
  if (sock->kept_tail + NS_READ_SIZE > NS_BLOCK_SIZE) {
    /* Less than NS_READ_HIGH_WATER is kept: move it to the front. */
    memmove(sock->kept, sock->kept + sock->kept_head, buffered(sock));
    sock->kept_tail -= sock->kept_head;
    sock->kept_head = 0;
  }
  vec.iov_base = sock->kept + sock->kept_tail;
  vec.iov_len = NS_READ_SIZE;
  n = read_into(sock, &vec);
  if (n > 0) {
    sock->kept_tail += (size_t)n;
    sock->bytes_read += (unsigned long long)n;
    ns__socket_touch(sock);
    push_chunk(sock, (size_t)n);
    if (buffered(sock) >= NS_READ_HIGH_WATER)
      ns__socket_stop_reading(sock);
  }
  release_kept_if_empty(sock); /* EOF or an error: nothing to keep */
  return n;
}

void ns__socket_on_readable(ns_socket *sock) {
  int i;

  ns__socket_enter(sock);
  for (i = 0; i < NS_READS_PER_WAKEUP; i++) {
    ssize_t n;

    if (!sock->reading || sock->fd < 0 || sock->destroyed)
      break;
    n = read_one(sock);
    if (n > 0) {
      if (n < NS_READ_SIZE)
        break;
      continue;
    }
    if (n == 0) {
      ns__socket_touch(sock);
      on_eof(sock);
      break;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      break;
    {
      ns_error err;

      ns__error_sys(&err, errno, "read");
      ns__socket_destroy(sock, &err, 1, 0);
      ns_error_free(&err);
    }
    break;
  }
  ns__socket_leave(sock);
}

/* ------------------------------------------------------------ pause/resume */

/* Tick job: Node's resume_(): emits the buffered chunks while flowing,
 * then reads again (or ends). */
static void resume_job(void *owner, void *payload) {
  ns_socket *sock = owner;

  (void)payload;
  sock->resume_posted = 0;
  ns__socket_enter(sock);
  while (sock->flowing && sock->nchunks > 0) {
    size_t n = sock->chunks[0];
    unsigned char *p = sock->kept + sock->kept_head;

    memmove(sock->chunks, sock->chunks + 1,
            (sock->nchunks - 1) * sizeof *sock->chunks);
    sock->nchunks--;
    sock->kept_head += n;
    emit_data(sock, p, n); /* no read can happen inside: p stays put */
  }
  release_kept_if_empty(sock);
  if (sock->flowing && sock->nchunks == 0) {
    if (sock->eof) {
      if (!sock->end_emitted && emit_decoder_rest(sock) == 0)
        post_end(sock);
    } else if (!sock->reading && !sock->destroyed) {
      ns__socket_start_reading(sock);
    }
  }
  ns__socket_leave(sock);
}

void ns_socket_pause(ns_socket *sock) {
  if (sock != NULL)
    sock->flowing = 0;
}

void ns_socket_resume(ns_socket *sock) {
  if (sock == NULL || sock->flowing)
    return;
  sock->flowing = 1;
  if (!sock->resume_posted &&
      ns__tick_post0(sock->base, &sock->ticks, resume_job, sock) == 0)
    sock->resume_posted = 1;
}

int ns_socket_is_paused(const ns_socket *sock) {
  return !sock->flowing;
}

int ns_socket_set_encoding(ns_socket *sock, const char *enc, ns_error *err) {
  ns__encoding e = ns__encoding_parse(enc);

  if (e == NS_ENC_NONE) {
    ns__error_plainf(err, "Error", "Unknown encoding: %s", enc);
    return -1;
  }
  ns__decoder_init(&sock->dec, e);
  return 0;
}
