/*
 * input.c - stdin reader. stdin stays blocking: it is read once per
 * readiness notification (all that is there), which cannot block for pipes,
 * sockets and terminals. Regular files (and /dev/null), which epoll refuses, are read
 * a chunk per loop iteration instead.
 */
#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "xalloc.h"

#define CHUNK 65536

static struct {
  struct event *ev;
  int pollable;    /* ev watches fd 0; else ev is activated by hand */
  int stopped;
  char *buf;
  size_t len, cap;
  size_t scanned;  /* buf[0..scanned) holds no '\n' */
  int discarding;  /* inside an overlong line */
  size_t discarded;
  input_handlers h;
} in;

/* Hands out every complete line in the buffer, keeping the partial rest. */
static void split_lines(void) {
  size_t start = 0;
  char *nl;

  while (!in.stopped &&
         (nl = memchr(in.buf + in.scanned, '\n', in.len - in.scanned)) != NULL) {
    size_t end = (size_t)(nl - in.buf);
    if (in.discarding) {
      in.discarding = 0;
      in.h.overlong(in.discarded + (end - start));
    } else {
      in.h.line(in.buf + start, end - start);
    }
    start = in.scanned = end + 1;
  }
  if (in.stopped) return;
  memmove(in.buf, in.buf + start, in.len - start);
  in.len -= start;
  in.scanned = in.len;
  if (in.len > INPUT_MAX_LINE) { /* drop it, remember how long it was */
    in.discarding = 1;
    in.discarded += in.len;
    in.len = in.scanned = 0;
  } else if (!in.discarding) {
    in.discarded = 0;
  }
  if (in.cap > 4 * CHUNK && in.len < CHUNK) { /* give back a big buffer */
    in.cap = 2 * CHUNK;
    in.buf = xrealloc(in.buf, in.cap);
  }
}

static void at_eof(void) {
  if (in.discarding) in.h.overlong(in.discarded + in.len);
  else if (in.len > 0) in.h.line(in.buf, in.len); /* unterminated last line */
  in.len = 0;
  input_stop();
  in.h.eof();
}

/* Room for everything the pipe holds now (at least CHUNK): lines the
 * harness wrote together are carried out in one turn of the loop
 * (PROTOCOL.md section 2), however long they are. */
static size_t room_wanted(void) {
  int avail = 0;

  if (in.pollable && ioctl(STDIN_FILENO, FIONREAD, &avail) == 0 && avail > CHUNK)
    return (size_t)avail;
  return CHUNK;
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
  size_t want = room_wanted();
  ssize_t n;

  (void)fd;
  (void)what;
  (void)arg;
  if (in.cap - in.len < want) {
    in.cap = in.cap * 2 > in.len + want ? in.cap * 2 : in.len + want;
    in.buf = xrealloc(in.buf, in.cap);
  }
  n = read(STDIN_FILENO, in.buf + in.len, in.cap - in.len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
    if (!in.pollable) event_active(in.ev, EV_READ, 0);
    return;
  }
  if (n < 0) fprintf(stderr, "netspec-shim-ref: stdin: %s\n", strerror(errno));
  if (n <= 0) {
    at_eof();
    return;
  }
  in.len += (size_t)n;
  split_lines();
  if (!in.stopped && !in.pollable) event_active(in.ev, EV_READ, 0);
}

/* Swallows libevent's complaint while probing whether fd 0 is pollable. */
static void quiet_log(int severity, const char *msg) {
  (void)severity;
  (void)msg;
}

int input_start(struct event_base *base, const input_handlers *h) {
  struct stat st;
  int added;

  memset(&in, 0, sizeof in);
  in.h = *h;
  if (fstat(STDIN_FILENO, &st) == 0 && !S_ISREG(st.st_mode)) {
    in.ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST, on_readable, NULL);
    event_set_log_callback(quiet_log);
    added = in.ev != NULL && event_add(in.ev, NULL) == 0;
    event_set_log_callback(NULL);
    if (added) {
      in.pollable = 1;
      return 0;
    }
    if (in.ev != NULL) event_free(in.ev);
  }
  in.ev = event_new(base, -1, 0, on_readable, NULL);
  if (in.ev == NULL) return -1;
  event_active(in.ev, EV_READ, 0);
  return 0;
}

void input_stop(void) {
  in.stopped = 1;
  if (in.ev != NULL) {
    event_free(in.ev);
    in.ev = NULL;
  }
  free(in.buf);
  in.buf = NULL;
  in.len = in.cap = in.scanned = 0;
}
