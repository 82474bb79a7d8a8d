/*
 * api_socket.c - Socket handles: new net.Socket(options) and accepted
 * sockets, the bridge from the library's socket events to event and
 * callback messages, the stream and option methods, and the class table
 * (connect: api_socket_connect.c; write/end: api_socket_write.c;
 * properties: api_socket_props.c). The shim holds every socket it
 * registered (ns_socket_hold), so properties stay readable after 'close',
 * as in Node; it lets go at exit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_socket.h"
#include "base64.h"
#include "out.h"
#include "value.h"
#include "xalloc.h"

ns_socket *socket_of(handle *h) { return state_of(h)->sock; }

/* ------------------------------------------------------------------ events */

static void emit_plain(socket_state *st, const char *name) {
  out_event(st->self, name, NULL);
}

static void call_labels(labels *l, const json_writer *args) {
  labels once;

  labels_take(&once, l);
  for (size_t i = 0; i < once.n; i++) out_callback(once.v[i], args);
  labels_clear(&once);
}

/* The library's socket events as event messages (and the connect and
 * timeout callbacks around them). An event with arguments names itself in
 * `name` and writes them into `args`; it is sent after the switch. */
static void on_socket_event(ns_socket *sock, const ns_socket_event *ev, void *arg) {
  socket_state *st = arg;
  const char *name = NULL;
  json_writer args;

  (void)sock;
  socket_args_begin(&args);
  switch (ev->type) {
  case NS_SOCKET_LOOKUP:
    name = "lookup";
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
    break;
  case NS_SOCKET_CONNECT:
    call_labels(&st->connect_first, NULL);
    emit_plain(st, "connect");
    call_labels(&st->once_connect, NULL);
    break;
  case NS_SOCKET_DATA:
    name = "data";
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
    name = "error";
    val_write_error(&args, ev->error);
    break;
  case NS_SOCKET_CLOSE:
    name = "close";
    jw_bool(&args, ev->had_error);
    break;
  }
  if (name != NULL) {
    jw_array_end(&args);
    out_event(st->self, name, &args);
  }
  jw_free(&args);
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

void socket_state_free(socket_state *st) {
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

socket_state *socket_state_create(call *c, const json_value *opts) {
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
  socket_state *st = socket_state_create(c, c->nargs > 0 ? c->args[0] : NULL);
  if (st == NULL) return;
  st->self = handles_add(&socket_class, st);
  val_write_handle(&c->r->value, st->self);
}

/* ----------------------------------------------------------------- methods */

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
void socket_unsupported(call *c) {
  reply_bad(c->r, "EBADARGS", "this stream method has no counterpart in the C API");
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
    reply_type_error(c->r, "TypeError", NULL, "%s", "\"msecs\" argument must be a number");
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

/* At exit: close silently, let go of the socket and of what is pending. */
static void socket_release(handle *h) {
  socket_state *st = h->state;

  ns_socket_free(st->sock);
  ns_socket_release(st->sock);
  socket_state_free(st);
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

const class_def socket_class = {
    .name = "Socket",
    .construct = socket_construct,
    .methods = socket_methods,
    .props = socket_props,
    .release = socket_release,
};
