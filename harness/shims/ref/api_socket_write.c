/*
 * api_socket_write.c - socket.write(), socket.end() and on('finish'): the
 * chunk's bytes (a string in an encoding, or $bytes), and the callbacks
 * left pending on the socket until the library calls them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_socket.h"
#include "base64.h"
#include "out.h"
#include "strenc.h"
#include "utf8.h" /* the library's (ref/src) */
#include "value.h"
#include "xalloc.h"

/* A pending callback has been called: it leaves its socket's list and is freed. */
static void pending_done(pending_cb *p) {
  if (p->prev != NULL) p->prev->next = p->next;
  else p->st->pending = p->next;
  if (p->next != NULL) p->next->prev = p->prev;
  free(p->label);
  free(p);
}

/* The library calls a write() or end() callback. */
static void on_write_done(ns_socket *sock, const ns_error *err, void *arg) {
  pending_cb *p = arg;
  json_writer args;

  socket_args_begin(&args);
  if (err != NULL) val_write_error(&args, err);
  else if (ns_socket_write_batched(sock)) val_write_undefined(&args); /* cb(undefined) */
  jw_array_end(&args);
  out_callback(p->label, &args);
  jw_free(&args);
  pending_done(p);
}

/* A callback labelled `label` now pending on st: the library's callback
 * argument. */
static pending_cb *pending_add(socket_state *st, const char *label) {
  pending_cb *p = xcalloc(1, sizeof *p);
  p->st = st;
  p->label = xstrdup(label);
  p->next = st->pending;
  if (p->next != NULL) p->next->prev = p;
  st->pending = p;
  return p;
}

/* A JavaScript string's length: its UTF-16 code units (the JSON reader
 * let only well-formed UTF-8 in). */
static size_t utf16_units(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t units = 0, i = 0;

  while (i < n) {
    uint32_t cp;

    i += ns__utf8_next(p + i, n - i, &cp);
    units += cp != NS__UTF8_INVALID && cp >= 0x10000 ? 2 : 1;
  }
  return units;
}

/* The bytes of a write/end chunk: a string (with encoding) or $bytes, and
 * *count, what Node counts for it (bytes, or a string's length).
 * Returns 0, 1 (no chunk) or -1 (bad request answered). */
static int chunk_bytes(call *c, const json_value *data, const json_value *enc,
                       unsigned char **out, size_t *len, size_t *count) {
  val_kind k = val_kind_of(data);

  if (k == VK_BYTES) {
    const json_value *b64 = data->child;
    *out = xmalloc(base64_decoded_max(b64->len));
    base64_decode(b64->str, b64->len, *out, len);
    *count = *len;
    return 0;
  }
  if (k == VK_STRING) {
    *count = utf16_units(data->str, data->len);
    const char *e = val_kind_of(enc) == VK_STRING ? val_c_string(enc) : NULL;
    *out = strenc_encode(data->str, data->len, e, len);
    if (*out == NULL) {
      reply_bad(c->r, "EBADARGS", "unknown encoding");
      return -1;
    }
    return 0;
  }
  return 1;
}

/* socket.write(data[, encoding][, cb]) */
void socket_write(call *c) {
  socket_state *st = c->self->state;
  const json_value *enc = c->nargs > 1 ? c->args[1] : NULL;
  const char *label = NULL;
  unsigned char *bytes = NULL;
  size_t len = 0, count = 0;
  int rc;

  if (c->nargs > 1 && val_is_function(c->args[1])) {
    label = val_callback_label(c->args[1]);
    enc = NULL;
  } else if (c->nargs > 2) {
    label = val_callback_label(c->args[2]);
  }
  rc = chunk_bytes(c, c->nargs > 0 ? c->args[0] : NULL, enc, &bytes, &len, &count);
  if (rc < 0) return;
  if (rc > 0) {
    reply_type_error(c->r, "TypeError", NULL,
                     "Invalid data, chunk must be a string or buffer, not %s",
                     val_typeof(c->nargs > 0 ? c->args[0] : NULL));
    return;
  }
  rc = ns_socket_write_counted(st->sock, bytes, len, count,
                               label ? on_write_done : NULL,
                               label ? pending_add(st, label) : NULL);
  free(bytes);
  if (rc >= 0) jw_bool(&c->r->value, rc);
  /* -1: Node's writeAfterFIN returns undefined (empty value) */
}

/* socket.end([data][, encoding][, cb]) returns the socket. */
void socket_end(call *c) {
  socket_state *st = c->self->state;
  const json_value *data = NULL, *enc = NULL;
  const char *label = NULL;
  unsigned char *bytes = NULL;
  size_t len = 0, count = 0;

  if (c->nargs > 0 && val_is_function(c->args[0])) {
    label = val_callback_label(c->args[0]);
  } else {
    data = c->nargs > 0 ? c->args[0] : NULL;
    if (c->nargs > 1 && val_is_function(c->args[1])) label = val_callback_label(c->args[1]);
    else {
      enc = c->nargs > 1 ? c->args[1] : NULL;
      if (c->nargs > 2) label = val_callback_label(c->args[2]);
    }
  }
  if (data != NULL && val_kind_of(data) != VK_UNDEFINED && val_kind_of(data) != VK_NULL) {
    /* Node's end(data) is write(data) then end(). */
    int rc = chunk_bytes(c, data, enc, &bytes, &len, &count);
    if (rc < 0) return;
    if (rc > 0) {
      reply_type_error(c->r, "TypeError", NULL,
                       "Invalid data, chunk must be a string or buffer, not %s",
                       val_typeof(data));
      return;
    }
    ns_socket_write_counted(st->sock, bytes, len, count, NULL, NULL);
    free(bytes);
  }
  ns_socket_end(st->sock, NULL, 0, label ? on_write_done : NULL,
                label ? pending_add(st, label) : NULL);
  val_write_handle(&c->r->value, c->self);
}

/* A once('finish') / on('finish') listener: called with no arguments. */
static void on_finish_done(ns_socket *sock, const ns_error *err, void *arg) {
  pending_cb *p = arg;
  json_writer args;

  (void)sock;
  (void)err;
  socket_args_begin(&args);
  jw_array_end(&args);
  out_callback(p->label, &args);
  jw_free(&args);
  pending_done(p);
}

/* socket.once('finish', cb) and socket.on('finish', cb) (the event fires
 * at most once per connection); other events are reported by the shim's own
 * subscription and cannot be listened to again. */
void socket_on(call *c) {
  socket_state *st = c->self->state;
  const char *event = c->nargs > 0 ? val_c_string(c->args[0]) : NULL;

  if (event == NULL || strcmp(event, "finish") != 0 || c->nargs < 2 || !val_is_function(c->args[1])) {
    socket_unsupported(c);
    return;
  }
  ns_socket_on_finish(st->sock, on_finish_done, pending_add(st, val_callback_label(c->args[1])));
  val_write_handle(&c->r->value, c->self);
}

