/*
 * libevent_echo.c - the echo server on raw libevent 2.1, written for speed:
 * no bufferevents (they read at most 4 KiB per wake-up in 2.1). Each
 * connection has a read and a write event (event_new) and one evbuffer.
 * On readable: up to 32 reads of ~64 KiB straight into the evbuffer's own
 * memory (evbuffer_reserve_space + readv + evbuffer_commit_space), each
 * followed by evbuffer_write (writev of every chain) of what is buffered;
 * what the kernel does not take waits for the write event, and reading
 * stops while 64 KiB or more wait. Closes after the peer's end once every
 * byte was written back.
 * Listens on 127.0.0.1:PORT and prints the port once listening.
 */
#define _GNU_SOURCE

#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>

/* Ask for a little less than 64 KiB so the chain (with libevent's header)
 * is one 64 KiB allocation; reserve_space hands out all of its room. */
#define READ_SIZE (65536 - 512)
#define READS_PER_WAKEUP 32
#define HIGH_WATER 65536

typedef struct conn {
  evutil_socket_t fd;
  struct event *rev, *wev;
  struct evbuffer *out;
  int reading, writing, eof;
} conn;

static void conn_close(conn *c) {
  event_free(c->rev);
  event_free(c->wev);
  evbuffer_free(c->out);
  evutil_closesocket(c->fd);
  free(c);
}

static void set_reading(conn *c, int on) {
  if (on != c->reading) {
    c->reading = on;
    if (on)
      event_add(c->rev, NULL);
    else
      event_del(c->rev);
  }
}

static void set_writing(conn *c, int on) {
  if (on != c->writing) {
    c->writing = on;
    if (on)
      event_add(c->wev, NULL);
    else
      event_del(c->wev);
  }
}

/* Writes what is buffered; watches writability while some is left. Returns
 * 0, or -1 after closing the connection on a write error. */
static int flush(conn *c) {
  if (evbuffer_get_length(c->out) > 0 && evbuffer_write(c->out, c->fd) < 0 &&
      errno != EAGAIN && errno != EINTR) {
    conn_close(c);
    return -1;
  }
  set_writing(c, evbuffer_get_length(c->out) > 0);
  return 0;
}

static void on_write(evutil_socket_t fd, short what, void *arg) {
  conn *c = arg;
  (void)fd;
  (void)what;
  if (flush(c) < 0)
    return;
  if (c->eof) {
    if (evbuffer_get_length(c->out) == 0)
      conn_close(c);
  } else if (evbuffer_get_length(c->out) < HIGH_WATER) {
    set_reading(c, 1);
  }
}

static void on_read(evutil_socket_t fd, short what, void *arg) {
  conn *c = arg;
  int i;
  (void)what;
  for (i = 0; i < READS_PER_WAKEUP; i++) {
    struct evbuffer_iovec v;
    ssize_t n;
    if (evbuffer_reserve_space(c->out, READ_SIZE, &v, 1) < 1) {
      conn_close(c);
      return;
    }
    /* struct evbuffer_iovec has the layout of struct iovec on POSIX. */
    n = readv(fd, (struct iovec *)&v, 1);
    if (n > 0) {
      v.iov_len = (size_t)n;
      evbuffer_commit_space(c->out, &v, 1);
      if (flush(c) < 0)
        return;
      if (evbuffer_get_length(c->out) >= HIGH_WATER) {
        set_reading(c, 0);
        return;
      }
      if ((size_t)n < READ_SIZE)
        return; /* the socket is drained */
    } else if (n == 0) {
      c->eof = 1;
      set_reading(c, 0);
      if (evbuffer_get_length(c->out) == 0)
        conn_close(c);
      return;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN) {
      return;
    } else {
      conn_close(c);
      return;
    }
  }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg) {
  struct event_base *base = arg;
  conn *c = calloc(1, sizeof *c);
  (void)l;
  (void)sa;
  (void)salen;
  if (c == NULL || (c->out = evbuffer_new()) == NULL) {
    free(c);
    evutil_closesocket(fd);
    return;
  }
  c->fd = fd;
  c->rev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, c);
  c->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, on_write, c);
  if (c->rev == NULL || c->wev == NULL) {
    if (c->rev)
      event_free(c->rev);
    if (c->wev)
      event_free(c->wev);
    evbuffer_free(c->out);
    free(c);
    evutil_closesocket(fd);
    return;
  }
  set_reading(c, 1);
}

int main(int argc, char **argv) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  struct event_base *base;
  struct evconnlistener *l;

  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t)bench_port(argc, argv));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bench_setup();
  bench_tune_malloc();
  if ((base = event_base_new()) == NULL)
    return 1;
  /* The listener accepts (accept4, non-blocking) until EAGAIN per wake-up. */
  l = evconnlistener_new_bind(base, on_accept, base,
                              LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 511,
                              (struct sockaddr *)&sin, sizeof sin);
  if (l == NULL) {
    perror("libevent_echo: listen");
    return 1;
  }
  getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &len);
  bench_listening(ntohs(sin.sin_port));
  event_base_dispatch(base);
  evconnlistener_free(l);
  event_base_free(base);
  return 0;
}
