/* out.c - writes protocol messages to stdout, one whole line each. */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "handles.h"
#include "netspec.h"
#include "value.h"

static json_writer msg;
static long long seq;
static int failed;

void out_init(void) {
  int flags = fcntl(STDOUT_FILENO, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK))
    fcntl(STDOUT_FILENO, F_SETFL, flags & ~O_NONBLOCK);
}

int out_failed(void) { return failed; }

/* Writes msg and a newline with one write where possible. */
static void flush_line(void) {
  const char *p;
  size_t n;

  jw_append(&msg, "\n", 1);
  p = msg.buf;
  n = msg.len;
  while (n > 0) {
    ssize_t w = write(STDOUT_FILENO, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        /* Someone made stdout non-blocking again: wait, keep order. */
        struct pollfd pfd = {STDOUT_FILENO, POLLOUT, 0};
        poll(&pfd, 1, -1);
        continue;
      }
      fprintf(stderr, "netspec-shim-ref: stdout: %s\n", strerror(errno));
      failed = 1;
      if (shim_base != NULL) event_base_loopbreak(shim_base);
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

/* Starts a numbered message of the given type. */
static void begin(const char *type) {
  jw_reset(&msg);
  jw_object_begin(&msg);
  jw_key(&msg, "type");
  jw_string(&msg, type);
  jw_key(&msg, "seq");
  jw_int(&msg, ++seq);
}

static void put_args(const json_writer *args) {
  jw_key(&msg, "args");
  if (args != NULL && args->len > 0) {
    jw_raw(&msg, args->buf, args->len);
  } else {
    jw_array_begin(&msg);
    jw_array_end(&msg);
  }
}

static void finish(void) {
  jw_object_end(&msg);
  flush_line();
}

void out_hello(void) {
  jw_reset(&msg);
  jw_object_begin(&msg);
  jw_key(&msg, "type");
  jw_string(&msg, "hello");
  jw_key(&msg, "protocol");
  jw_int(&msg, 1);
  jw_key(&msg, "impl");
  jw_object_begin(&msg);
  jw_key(&msg, "name");
  jw_string(&msg, "netspec-ref");
  jw_key(&msg, "version");
  jw_string(&msg, ns_version());
  jw_object_end(&msg);
  jw_key(&msg, "capabilities");
  jw_array_begin(&msg);
  jw_string(&msg, "tcp");
  jw_string(&msg, "ipv6");
  jw_string(&msg, "pipe");
  jw_string(&msg, "detach");
  jw_array_end(&msg);
  finish();
}

void out_response(const json_value *id, const reply *r) {
  if (failed) return;
  begin("response");
  jw_key(&msg, "id");
  if (id != NULL) jw_int(&msg, id->integer);
  else jw_null(&msg);
  jw_key(&msg, "status");
  switch (r->status) {
  case REPLY_OK:
    jw_string(&msg, "ok");
    jw_key(&msg, "value");
    if (r->value.len > 0) jw_raw(&msg, r->value.buf, r->value.len);
    else val_write_undefined(&msg);
    break;
  case REPLY_THREW:
    jw_string(&msg, "threw");
    jw_key(&msg, "error");
    val_write_error(&msg, &r->error);
    break;
  case REPLY_BAD:
    jw_string(&msg, "bad_request");
    jw_key(&msg, "code");
    jw_string(&msg, r->code);
    jw_key(&msg, "message");
    jw_string(&msg, r->message);
    break;
  }
  finish();
}

void out_event(const struct handle *h, const char *event,
               const json_writer *args) {
  if (failed) return;
  begin("event");
  jw_key(&msg, "target");
  jw_string(&msg, h->name);
  jw_key(&msg, "event");
  jw_string(&msg, event);
  put_args(args);
  finish();
}

void out_callback(const char *label, const json_writer *args) {
  if (failed) return;
  begin("callback");
  jw_key(&msg, "callback");
  jw_string(&msg, label);
  put_args(args);
  finish();
}

void out_cleanup(void) { jw_free(&msg); }
