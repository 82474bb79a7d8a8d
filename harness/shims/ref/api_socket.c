/*
 * api_socket.c - Socket handles: new net.Socket(options), net.connect() /
 * net.createConnection(), accepted sockets, their methods and properties,
 * and the bridge from the library's socket events to event and callback
 * messages. The shim holds every socket it registered (ns_socket_hold), so
 * properties stay readable after 'close', as in Node; it lets go at exit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "handles.h"
#include "jsnum.h" /* the library's Number() (ref/src) */
#include "toint32.h"
#include "labels.h"
#include "out.h"
#include "shim.h"
#include "strenc.h"
#include "value.h"
#include "xalloc.h"

/* A write()/end() callback the library has not called yet. */
typedef struct pending_cb {
  struct pending_cb *prev, *next;
  struct socket_state *st;
  char *label;
} pending_cb;

typedef struct socket_state {
  ns_socket *sock;
  handle *self;
  labels connect_first; /* factory listener: called before the event */
  labels once_connect;  /* connect(..., cb): after the event */
  labels once_timeout;  /* setTimeout(ms, cb) */
  pending_cb *pending;
  labels kept_strings; /* strings of destroy(error) calls: a pending error
                          points to them until the socket goes (freeing
                          them at the next destroy(error) was a
                          use-after-free; found by ref/fuzz) */
  char *lookup_label;        /* connect({lookup: fn}) */
} socket_state;

static socket_state *state_of(handle *h) { return h->state; }

ns_socket *socket_of(handle *h) { return state_of(h)->sock; }

/* ------------------------------------------------------------------ events */

static void write_args_begin(json_writer *w) {
  jw_init(w);
  jw_array_begin(w);
}

static void emit_plain(socket_state *st, const char *name) {
  out_event(st->self, name, NULL);
}

static void call_labels(labels *l, const json_writer *args) {
  labels once;

  labels_take(&once, l);
  for (size_t i = 0; i < once.n; i++) out_callback(once.v[i], args);
  labels_clear(&once);
}

static void on_socket_event(ns_socket *sock, const ns_socket_event *ev, void *arg) {
  socket_state *st = arg;
  json_writer args;

  (void)sock;
  switch (ev->type) {
  case NS_SOCKET_LOOKUP:
    write_args_begin(&args);
    if (ev->error != NULL) {
      val_write_error(&args, ev->error);
      val_write_undefined(&args);
      val_write_undefined(&args);
    } else {
      jw_null(&args);
      jw_string(&args, ev->address);
      jw_int(&args, ev->family);
    }
    jw_string(&args, ev->host);
    jw_array_end(&args);
    out_event(st->self, "lookup", &args);
    jw_free(&args);
    break;
  case NS_SOCKET_CONNECT:
    call_labels(&st->connect_first, NULL);
    emit_plain(st, "connect");
    call_labels(&st->once_connect, NULL);
    break;
  case NS_SOCKET_DATA:
    write_args_begin(&args);
    if (ev->is_text) {
      jw_string_n(&args, ev->data, ev->len);
    } else {
      char *b64 = xmalloc(base64_encoded_len(ev->len) + 1);
      base64_encode((const unsigned char *)ev->data, ev->len, b64);
      jw_object_begin(&args);
      jw_key(&args, "$bytes");
      jw_string(&args, b64);
      jw_object_end(&args);
      free(b64);
    }
    jw_array_end(&args);
    out_event(st->self, "data", &args);
    jw_free(&args);
    break;
  case NS_SOCKET_END:
    emit_plain(st, "end");
    break;
  case NS_SOCKET_DRAIN:
    emit_plain(st, "drain");
    break;
  case NS_SOCKET_TIMEOUT:
    emit_plain(st, "timeout");
    call_labels(&st->once_timeout, NULL);
    break;
  case NS_SOCKET_ERROR:
    write_args_begin(&args);
    val_write_error(&args, ev->error);
    jw_array_end(&args);
    out_event(st->self, "error", &args);
    jw_free(&args);
    break;
  case NS_SOCKET_CLOSE:
    write_args_begin(&args);
    jw_bool(&args, ev->had_error);
    jw_array_end(&args);
    out_event(st->self, "close", &args);
    jw_free(&args);
    break;
  }
}

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

  write_args_begin(&args);
  if (err != NULL) val_write_error(&args, err);
  else if (ns_socket_write_batched(sock)) val_write_undefined(&args); /* cb(undefined) */
  jw_array_end(&args);
  out_callback(p->label, &args);
  jw_free(&args);
  pending_done(p);
}

static pending_cb *pending_add(socket_state *st, const char *label) {
  pending_cb *p = xcalloc(1, sizeof *p);
  p->st = st;
  p->label = xstrdup(label);
  p->next = st->pending;
  if (p->next != NULL) p->next->prev = p;
  st->pending = p;
  return p;
}

/* -------------------------------------------------------------- creation */

/* A state for `sock`, holding it; not yet registered as a handle. */
static socket_state *state_new(ns_socket *sock) {
  socket_state *st = xcalloc(1, sizeof *st);
  st->sock = sock;
  ns_socket_hold(sock);
  ns_socket_set_callback(sock, on_socket_event, st);
  ns_socket_set_sync_errors(sock, 1); /* Node emits write() errors during the call */
  return st;
}

static void state_free(socket_state *st) {
  free(st->lookup_label);
  labels_clear(&st->kept_strings);
  labels_clear(&st->connect_first);
  labels_clear(&st->once_connect);
  labels_clear(&st->once_timeout);
  while (st->pending != NULL) {
    pending_cb *p = st->pending;
    st->pending = p->next;
    free(p->label);
    free(p);
  }
  free(st);
}

handle *socket_register(ns_socket *sock) {
  socket_state *st = state_new(sock);
  st->self = handles_add(&socket_class, st);
  return st->self;
}

/* Builds ns_socket_options from a JavaScript options value. */
static int socket_options(call *c, const json_value *opts, ns_socket_options *so) {
  const json_value *fd;

  memset(so, 0, sizeof *so);
  if (val_kind_of(opts) == VK_NUMBER) { /* legacy new Socket(fd) */
    fd = opts;
  } else {
    so->allow_half_open = val_truthy(val_prop(opts, "allowHalfOpen"));
    fd = val_prop(opts, "fd");
  }
  if (fd != NULL && val_kind_of(fd) != VK_UNDEFINED) {
    double d = val_to_number(fd);
    if (!(d >= 0 && d <= 1e9 && d == trunc(d))) {
      reply_bad(c->r, "EBADARGS", "fd must be a descriptor number");
      return -1;
    }
    so->has_fd = 1;
    so->fd = (int)d;
    so->not_readable = val_kind_of(val_prop(opts, "readable")) == VK_BOOLEAN &&
                       !val_truthy(val_prop(opts, "readable"));
    so->not_writable = val_kind_of(val_prop(opts, "writable")) == VK_BOOLEAN &&
                       !val_truthy(val_prop(opts, "writable"));
  }
  return 0;
}

/* new Socket(opts) for the C API; registered by the caller when it
 * crosses the protocol. */
static socket_state *create(call *c, const json_value *opts) {
  ns_socket_options so;
  ns_error err;
  ns_socket *sock;

  if (socket_options(c, opts, &so) != 0) return NULL;
  memset(&err, 0, sizeof err);
  sock = ns_socket_new(shim_base, &so, NULL, NULL, &err);
  if (sock == NULL) {
    reply_threw(c->r, &err);
    ns_error_free(&err);
    return NULL;
  }
  return state_new(sock);
}

/* new net.Socket([options]) */
static void socket_construct(call *c) {
  socket_state *st = create(c, c->nargs > 0 ? c->args[0] : NULL);
  if (st == NULL) return;
  st->self = handles_add(&socket_class, st);
  val_write_handle(&c->r->value, st->self);
}

/* ----------------------------------------------------------------- connect */

/* normalizeArgs(): (options[, cb]), (path[, cb]), (port[, host][, cb]). */
typedef struct conn_args {
  const json_value *options; /* the options object, or NULL */
  const json_value *port, *host, *path;
  const char *label;
} conn_args;

static void normalize(const call *c, conn_args *a) {
  memset(a, 0, sizeof *a);
  if (c->nargs == 0) return;
  if (val_is_object(c->args[0])) {
    a->options = c->args[0];
    a->port = val_prop(a->options, "port");
    a->host = val_prop(a->options, "host");
    a->path = val_prop(a->options, "path");
  } else if (val_is_pipe_name(c->args[0])) {
    a->path = c->args[0];
  } else {
    a->port = c->args[0];
    if (c->nargs > 1 && val_kind_of(c->args[1]) == VK_STRING) a->host = c->args[1];
  }
  a->label = val_callback_label(c->args[c->nargs - 1]);
}

/* Node's isLegalPort(). */
static int legal_port(const json_value *v, int *out) {
  val_kind k = val_kind_of(v);
  double d;

  if (k != VK_NUMBER && k != VK_STRING) return 0;
  if (k == VK_STRING && ns__js_is_blank(v->str, v->len)) return 0;
  d = val_to_number(v);
  if (!(d >= 0 && d <= 65535 && d == trunc(d))) return 0;
  *out = (int)d;
  return 1;
}

/* String(v), for the messages that quote a value. */
static void js_text(const json_value *v, char *buf, size_t size) {
  switch (val_kind_of(v)) {
  case VK_STRING: snprintf(buf, size, "%.*s", (int)(v->len > 200 ? 200 : v->len), v->str); break;
  case VK_NUMBER: {
    json_writer w;
    double d = val_number(v);
    if (isnan(d)) { snprintf(buf, size, "NaN"); break; }
    if (isinf(d)) { snprintf(buf, size, d > 0 ? "Infinity" : "-Infinity"); break; }
    if (d == 0) { snprintf(buf, size, "0"); break; }
    jw_init(&w);
    jw_number(&w, d);
    snprintf(buf, size, "%.*s", (int)w.len, w.buf);
    jw_free(&w);
    break;
  }
  case VK_NULL: snprintf(buf, size, "null"); break;
  case VK_UNDEFINED: snprintf(buf, size, "undefined"); break;
  case VK_BOOLEAN: snprintf(buf, size, "%s", val_truthy(v) ? "true" : "false"); break;
  case VK_CALLBACK: snprintf(buf, size, "function () {}"); break;
  case VK_ARRAY: { /* String([a, b]): the elements joined by ',', null and undefined empty */
    size_t used = 0;
    const json_value *e;
    buf[0] = '\0';
    for (e = v->child; e != NULL && used + 1 < size; e = e->next) {
      if (e != v->child)
        buf[used++] = ',', buf[used] = '\0';
      if (val_kind_of(e) != VK_NULL && val_kind_of(e) != VK_UNDEFINED && used + 1 < size)
        js_text(e, buf + used, size - used);
      used += strlen(buf + used);
    }
    break;
  }
  default: snprintf(buf, size, "[object Object]"); break;
  }
}

/* typeof v */
static const char *js_typeof(const json_value *v) {
  switch (val_kind_of(v)) {
  case VK_UNDEFINED: return "undefined";
  case VK_BOOLEAN: return "boolean";
  case VK_NUMBER: return "number";
  case VK_STRING: return "string";
  case VK_CALLBACK: return "function";
  default: return "object";
  }
}

/*
 * A TypeError Node 8 throws for a JavaScript value of the wrong type: the
 * C API's static types cannot receive such values, so the binding (this
 * shim) raises them, with Node's text, before calling the library.
 */
static void throw_type_error(call *c, const char *name, const char *code,
                             const char *fmt, const char *arg) {
  ns_error err;
  int n = snprintf(NULL, 0, fmt, arg);
  char *text = xalloc_check(malloc(n > 0 ? (size_t)n + 1 : 1));

  snprintf(text, n > 0 ? (size_t)n + 1 : 1, fmt, arg);
  memset(&err, 0, sizeof err);
  err.name = name;
  err.code = code;
  err.message = text;
  reply_threw(c->r, &err);
  free(text);
}

/* The library asks a custom lookup: lookup(host, {family, hints}, cb). */
static void on_custom_lookup(ns_socket *sock, const char *host, int family,
                             int hints, void *arg) {
  socket_state *st = arg;
  json_writer args;

  (void)sock;
  write_args_begin(&args);
  jw_string(&args, host);
  jw_object_begin(&args);
  jw_key(&args, "family");
  if (family != 0) jw_int(&args, family);
  else val_write_undefined(&args);
  jw_key(&args, "hints");
  jw_int(&args, hints);
  jw_object_end(&args);
  jw_object_begin(&args);
  jw_key(&args, "$opaque");
  jw_string(&args, "Function");
  jw_object_end(&args);
  jw_array_end(&args);
  out_callback(st->lookup_label, &args);
  jw_free(&args);
}

/* socket.connect(...) on st; `factory`: the callback goes first. */
static void do_connect(call *c, socket_state *st, int factory) {
  conn_args a;
  ns_connect_options co;
  ns_error err;
  char port_text[256];
  const json_value *v;

  normalize(c, &a);
  memset(&co, 0, sizeof co);
  if (val_truthy(a.path)) {
    if (val_kind_of(a.path) != VK_STRING) {
      throw_type_error(c, "TypeError [ERR_INVALID_ARG_TYPE]", "ERR_INVALID_ARG_TYPE",
                       "The \"options.path\" argument must be of type string. "
                       "Received type %s", js_typeof(a.path));
      return;
    }
    if ((co.path = val_c_string(a.path)) == NULL) {
      reply_bad(c->r, "EBADARGS", "path must be a string without NUL bytes");
      return;
    }
  } else {
    v = val_prop(a.options, "localAddress");
    if (val_truthy(v) && (co.local_address = val_c_string(v)) == NULL) {
      reply_bad(c->r, "EBADARGS", "localAddress must be a string for the C API");
      return;
    }
    if (co.local_address != NULL && ns_is_ip(co.local_address) == 0) {
      /* the library says so (TypeError) */
    }
    v = val_prop(a.options, "localPort");
    if (val_truthy(v)) {
      if (val_kind_of(v) != VK_NUMBER) {
        js_text(v, port_text, sizeof port_text);
        throw_type_error(c, "TypeError", NULL,
                         "\"localPort\" option should be a number: %s", port_text);
        return;
      }
      co.local_port = js_to_int32(val_number(v));
    }
    v = val_prop(a.options, "family");
    if (val_kind_of(v) == VK_NUMBER) co.family = js_to_int32(val_number(v));
    if (a.port != NULL && val_kind_of(a.port) != VK_UNDEFINED) {
      val_kind k = val_kind_of(a.port);
      if (k != VK_NUMBER && k != VK_STRING) {
        js_text(a.port, port_text, sizeof port_text);
        throw_type_error(c, "TypeError", NULL,
                         "\"port\" option should be a number or string: %s", port_text);
        return;
      }
      if (!legal_port(a.port, &co.port)) {
        co.port_invalid = 1;
        js_text(a.port, port_text, sizeof port_text);
        co.port_text = port_text;
      }
    }
    if (val_truthy(a.host) && val_kind_of(a.host) != VK_STRING && !co.port_invalid) {
      throw_type_error(c, "TypeError", NULL, "%s",
                       "Invalid arguments: hostname must be a string or falsey");
      return;
    }
    if (val_truthy(a.host) && (co.host = val_c_string(a.host)) == NULL) {
      reply_bad(c->r, "EBADARGS", "host must be a string without NUL bytes");
      return;
    }
    v = val_prop(a.options, "lookup");
    if (val_truthy(v) && !co.port_invalid &&
        ns_is_ip(co.host != NULL ? co.host : "localhost") == 0) {
      if (!val_is_function(v)) {
        throw_type_error(c, "TypeError", NULL, "%s", "\"lookup\" option should be a function");
        return;
      }
      /* The harness's function is called (a callback message); it cannot
       * answer through the protocol, so the lookup stays pending. */
      free(st->lookup_label);
      st->lookup_label = xstrdup(val_callback_label(v));
      co.lookup = on_custom_lookup;
      co.lookup_arg = st;
    }
    v = val_prop(a.options, "hints");
    if (val_kind_of(v) == VK_NUMBER) co.hints = js_to_int32(val_number(v));
  }
  if (a.label != NULL) labels_add(factory ? &st->connect_first : &st->once_connect, a.label);
  memset(&err, 0, sizeof err);
  if (ns_socket_connect(st->sock, &co, &err) != 0) {
    reply_threw(c->r, &err);
    ns_error_free(&err);
    return;
  }
  if (st->self == NULL) /* net.connect(): registered when returned */
    st->self = handles_add(&socket_class, st);
  val_write_handle(&c->r->value, st->self);
}

/* net.connect(...) / net.createConnection(...) */
void socket_create_connection(call *c) {
  conn_args a;
  socket_state *st;
  const json_value *timeout;

  normalize(c, &a);
  st = create(c, a.options);
  if (st == NULL) return;
  timeout = val_prop(a.options, "timeout");
  if (val_truthy(timeout) && val_kind_of(timeout) == VK_NUMBER)
    ns_socket_set_timeout(st->sock, val_number(timeout), NULL);
  do_connect(c, st, 1);
  if (st->self == NULL) { /* it threw (or was refused): never crossed */
    ns_socket_free(st->sock);
    ns_socket_release(st->sock);
    state_free(st);
  }
}

static void socket_connect(call *c) { do_connect(c, c->self->state, 0); }

/* ------------------------------------------------------------ write / end */

/* The bytes of a write/end chunk: a string (with encoding) or $bytes.
 * Returns 0, 1 (no chunk) or -1 (bad request answered). */
/* A JavaScript string's length: its UTF-16 code units. */
static size_t utf16_units(const char *s, size_t n) {
  size_t units = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char b = (unsigned char)s[i];
    if ((b & 0xC0) != 0x80) units += b >= 0xF0 ? 2 : 1;
  }
  return units;
}

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
static void socket_write(call *c) {
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
    throw_type_error(c, "TypeError", NULL,
                     "Invalid data, chunk must be a string or buffer, not %s",
                     js_typeof(c->nargs > 0 ? c->args[0] : NULL));
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
static void socket_end(call *c) {
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
      throw_type_error(c, "TypeError", NULL,
                       "Invalid data, chunk must be a string or buffer, not %s",
                       js_typeof(data));
      return;
    }
    ns_socket_write_counted(st->sock, bytes, len, count, NULL, NULL);
    free(bytes);
  }
  ns_socket_end(st->sock, NULL, 0, label ? on_write_done : NULL,
                label ? pending_add(st, label) : NULL);
  val_write_handle(&c->r->value, c->self);
}

/* ---------------------------------------------------------- other methods */

/* A string property of an error-like object, kept in *store. */
static const char *keep_string(const json_value *obj, const char *key, labels *store) {
  const char *v = val_c_string(val_prop(obj, key));
  if (v == NULL) return NULL;
  labels_add(store, v);
  return store->v[store->n - 1];
}

/* socket.destroy([error]) returns the socket. The error object becomes an
 * ns_error with its name, message and code. */
static void socket_destroy(call *c) {
  socket_state *st = c->self->state;
  const json_value *e = c->nargs > 0 ? c->args[0] : NULL;
  ns_error err;

  if (val_truthy(e)) {
    const json_value *m = val_prop(e, "message");
    memset(&err, 0, sizeof err);
    err.name = keep_string(e, "name", &st->kept_strings);
    if (err.name == NULL) err.name = "Error";
    err.code = keep_string(e, "code", &st->kept_strings);
    const json_value *text = val_kind_of(e) == VK_STRING   ? e
                             : val_kind_of(m) == VK_STRING ? m
                                                           : NULL;
    char *message = xalloc_check(malloc(text != NULL ? text->len + 1 : 1));

    /* a C string: up to the first NUL, as before */
    snprintf(message, text != NULL ? text->len + 1 : 1, "%.*s",
             text != NULL ? (int)text->len : 0, text != NULL ? text->str : "");
    err.message = message;
    ns_socket_destroy(st->sock, &err); /* the library copies the error */
    free(message);
  } else {
    ns_socket_destroy(st->sock, NULL);
  }
  val_write_handle(&c->r->value, c->self);
}

/* socket.listenerCount(event): the shim listens to every event of a
 * socket it reports, once. */
static void socket_listener_count(call *c) {
  jw_int(&c->r->value, 1);
}

/* Stream methods the C API has no counterpart for: they exist (and read
 * as functions) but cannot be called through this shim. */
static void socket_unsupported(call *c) {
  reply_bad(c->r, "EBADARGS", "this stream method has no counterpart in the C API");
}

/* A once('finish') / on('finish') listener: called with no arguments. */
static void on_finish_done(ns_socket *sock, const ns_error *err, void *arg) {
  pending_cb *p = arg;
  json_writer args;

  (void)sock;
  (void)err;
  write_args_begin(&args);
  jw_array_end(&args);
  out_callback(p->label, &args);
  jw_free(&args);
  pending_done(p);
}

/* socket.once('finish', cb) and socket.on('finish', cb) (the event fires
 * at most once per connection); other events are reported by the shim's own
 * subscription and cannot be listened to again. */
static void socket_on(call *c) {
  socket_state *st = c->self->state;
  const char *event = c->nargs > 0 ? val_c_string(c->args[0]) : NULL;

  if (event == NULL || strcmp(event, "finish") != 0 || c->nargs < 2 || !val_is_function(c->args[1])) {
    socket_unsupported(c);
    return;
  }
  ns_socket_on_finish(st->sock, on_finish_done, pending_add(st, val_callback_label(c->args[1])));
  val_write_handle(&c->r->value, c->self);
}

static void return_self(call *c) { val_write_handle(&c->r->value, c->self); }

/* socket.pipe(destination) returns the destination. */
static void socket_pipe(call *c) {
  handle *dst = c->nargs > 0 ? val_handle(c->args[0]) : NULL;

  if (dst == NULL || dst->cls != &socket_class) {
    reply_bad(c->r, "EBADARGS", "pipe() needs a Socket for the C API");
    return;
  }
  if (ns_socket_pipe(state_of(c->self)->sock, state_of(dst)->sock) != 0) {
    reply_bad(c->r, "EBADARGS", "the C API pipes a socket to one destination");
    return;
  }
  val_write_handle(&c->r->value, dst);
}

static void socket_pause(call *c) { ns_socket_pause(state_of(c->self)->sock); return_self(c); }
static void socket_resume(call *c) { ns_socket_resume(state_of(c->self)->sock); return_self(c); }
static void socket_is_paused(call *c) { jw_bool(&c->r->value, ns_socket_is_paused(state_of(c->self)->sock)); }
static void socket_ref(call *c) { ns_socket_ref(state_of(c->self)->sock); return_self(c); }
static void socket_unref(call *c) { ns_socket_unref(state_of(c->self)->sock); return_self(c); }

/* socket.setEncoding([enc]) */
static void socket_set_encoding(call *c) {
  const json_value *e = c->nargs > 0 ? c->args[0] : NULL;
  val_kind k = val_kind_of(e);
  ns_error err;

  if (k != VK_UNDEFINED && k != VK_NULL && k != VK_STRING) {
    reply_bad(c->r, "EBADARGS", "encoding must be a string for the C API");
    return;
  }
  memset(&err, 0, sizeof err);
  if (ns_socket_set_encoding(state_of(c->self)->sock, k == VK_STRING ? val_c_string(e) : NULL,
                             &err) != 0) {
    reply_threw(c->r, &err);
    ns_error_free(&err);
    return;
  }
  return_self(c);
}

/* socket.setTimeout(ms[, cb]) */
static void socket_set_timeout(call *c) {
  socket_state *st = c->self->state;
  const json_value *ms = c->nargs > 0 ? c->args[0] : NULL;
  const char *label = c->nargs > 1 ? val_callback_label(c->args[1]) : NULL;
  ns_error err;
  double d;

  if (val_kind_of(ms) != VK_NUMBER) {
    throw_type_error(c, "TypeError", NULL, "%s", "\"msecs\" argument must be a number");
    return;
  }
  d = val_number(ms);
  memset(&err, 0, sizeof err);
  if (ns_socket_set_timeout(st->sock, d, &err) != 0) {
    reply_threw(c->r, &err);
    ns_error_free(&err);
    return;
  }
  if (label != NULL) {
    if (d == 0) { /* removeListener('timeout', cb): one matching label */
      for (size_t i = 0; i < st->once_timeout.n; i++)
        if (strcmp(st->once_timeout.v[i], label) == 0) {
          free(st->once_timeout.v[i]);
          memmove(st->once_timeout.v + i, st->once_timeout.v + i + 1,
                  (st->once_timeout.n - i - 1) * sizeof *st->once_timeout.v);
          st->once_timeout.n--;
          break;
        }
    } else {
      labels_add(&st->once_timeout, label);
    }
  }
  return_self(c);
}

/* socket.setNoDelay([noDelay]) */
static void socket_set_no_delay(call *c) {
  const json_value *v = c->nargs > 0 ? c->args[0] : NULL;
  ns_socket_set_no_delay(state_of(c->self)->sock,
                         val_kind_of(v) == VK_UNDEFINED ? 1 : val_truthy(v));
  return_self(c);
}

/* socket.setKeepAlive([enable][, initialDelay]) */
static void socket_set_keep_alive(call *c) {
  const json_value *en = c->nargs > 0 ? c->args[0] : NULL;
  const json_value *delay = c->nargs > 1 ? c->args[1] : NULL;
  double d = val_to_number(delay);

  ns_socket_set_keep_alive(state_of(c->self)->sock, val_truthy(en), isfinite(d) ? d : 0);
  return_self(c);
}

static void write_address_object(json_writer *w, const ns_address *a) {
  jw_object_begin(w);
  jw_key(w, "address");
  jw_string(w, a->address);
  jw_key(w, "family");
  jw_string(w, a->family != NULL ? a->family : "IPv4");
  jw_key(w, "port");
  jw_int(w, a->port);
  jw_object_end(w);
}

/* socket.address(): {address, family, port} or {} */
static void socket_address(call *c) {
  ns_address a;
  if (ns_socket_address(state_of(c->self)->sock, &a) == 0) {
    write_address_object(&c->r->value, &a);
  } else {
    jw_object_begin(&c->r->value);
    jw_object_end(&c->r->value);
  }
}

/* -------------------------------------------------------------- properties */

static int remote(handle *h, ns_address *a) {
  return ns_socket_remote(state_of(h)->sock, a) == 0 && a->kind == NS_ADDRESS_INET;
}

static void get_remote_address(handle *h, reply *r) {
  ns_address a;
  if (remote(h, &a)) jw_string(&r->value, a.address);
}
static void get_remote_family(handle *h, reply *r) {
  ns_address a;
  if (remote(h, &a) && a.family != NULL) jw_string(&r->value, a.family);
}
static void get_remote_port(handle *h, reply *r) {
  ns_address a;
  if (remote(h, &a)) jw_int(&r->value, a.port);
}
static void get_local_address(handle *h, reply *r) {
  ns_address a;
  if (ns_socket_address(state_of(h)->sock, &a) == 0)
    jw_string(&r->value, a.address);
}
static void get_local_port(handle *h, reply *r) {
  ns_address a;
  if (ns_socket_address(state_of(h)->sock, &a) == 0) jw_int(&r->value, a.port);
}

static void info(handle *h, ns_socket_info *i) { ns_socket_info_get(state_of(h)->sock, i); }

static void get_buffer_size(handle *h, reply *r) {
  ns_socket_info i;
  info(h, &i);
  if (i.has_handle) jw_int(&r->value, (long long)i.buffer_size);
}
static void get_bytes_read(handle *h, reply *r) {
  ns_socket_info i;
  info(h, &i);
  jw_int(&r->value, (long long)i.bytes_read);
}
static void get_bytes_written(handle *h, reply *r) {
  ns_socket_info i;
  info(h, &i);
  jw_int(&r->value, (long long)i.bytes_written);
}
static void get_connecting(handle *h, reply *r) {
  ns_socket_info i;
  info(h, &i);
  jw_bool(&r->value, i.connecting);
}
static void get_destroyed(handle *h, reply *r) {
  ns_socket_info i;
  info(h, &i);
  jw_bool(&r->value, i.destroyed);
}
static void get_readable(handle *h, reply *r) {
  ns_socket_info i;
  info(h, &i);
  jw_bool(&r->value, i.readable);
}
static void get_writable(handle *h, reply *r) {
  ns_socket_info i;
  info(h, &i);
  jw_bool(&r->value, i.writable);
}

/* At exit: close silently, let go of the socket and of what is pending. */
static void socket_release(handle *h) {
  socket_state *st = h->state;

  ns_socket_free(st->sock);
  ns_socket_release(st->sock);
  state_free(st);
}

static const method_def socket_methods[] = {
    {"connect", socket_connect},
    {"write", socket_write},
    {"end", socket_end},
    {"destroy", socket_destroy},
    {"pipe", socket_pipe},
    {"pause", socket_pause},
    {"resume", socket_resume},
    {"isPaused", socket_is_paused},
    {"setEncoding", socket_set_encoding},
    {"setTimeout", socket_set_timeout},
    {"setNoDelay", socket_set_no_delay},
    {"setKeepAlive", socket_set_keep_alive},
    {"ref", socket_ref},
    {"unref", socket_unref},
    {"address", socket_address},
    {"read", socket_unsupported},
    {"on", socket_on},
    {"once", socket_on},
    {"emit", socket_unsupported},
    {"removeListener", socket_unsupported},
    {"listenerCount", socket_listener_count},
    {NULL, NULL},
};

static const prop_def socket_props[] = {
    {"bufferSize", get_buffer_size, NULL},
    {"bytesRead", get_bytes_read, NULL},
    {"bytesWritten", get_bytes_written, NULL},
    {"connecting", get_connecting, NULL},
    {"destroyed", get_destroyed, NULL},
    {"readable", get_readable, NULL},
    {"writable", get_writable, NULL},
    {"localAddress", get_local_address, NULL},
    {"localPort", get_local_port, NULL},
    {"remoteAddress", get_remote_address, NULL},
    {"remoteFamily", get_remote_family, NULL},
    {"remotePort", get_remote_port, NULL},
    {NULL, NULL, NULL},
};

const class_def socket_class = {
    .name = "Socket",
    .construct = socket_construct,
    .methods = socket_methods,
    .props = socket_props,
    .release = socket_release,
};
