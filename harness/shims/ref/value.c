/* value.c - protocol value encodings, and the JavaScript conversions
 * (ToNumber, ToBoolean, typeof) that Node's argument handling applies. */
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "handles.h"
#include "jsnum.h"       /* the library's Number() (ref/src) */
#include "listen_args.h" /* the library's isPipeName() */
#include "xalloc.h"

/* The $-key of an encoded value, or NULL for anything else. */
static const char *dollar_key(const json_value *v) {
  if (v == NULL || v->type != JSON_OBJECT || v->len != 1) return NULL;
  return v->child->key[0] == '$' ? v->child->key : NULL;
}

static int has_nul(const json_value *s) { return strlen(s->str) != s->len; }

static int check_encoded(const json_value *v, const char *key, reply *r) {
  const json_value *x = v->child;

  if (strcmp(key, "$undefined") == 0) {
    if (x->type != JSON_TRUE) goto bad;
    return 0;
  }
  if (strcmp(key, "$number") == 0) {
    if (x->type != JSON_STRING ||
        (strcmp(x->str, "NaN") != 0 && strcmp(x->str, "Infinity") != 0 &&
         strcmp(x->str, "-Infinity") != 0 && strcmp(x->str, "-0") != 0))
      goto bad;
    return 0;
  }
  if (strcmp(key, "$bytes") == 0) {
    unsigned char *tmp;
    size_t n;
    int rc;
    if (x->type != JSON_STRING) goto bad;
    tmp = xmalloc(base64_decoded_max(x->len));
    rc = base64_decode(x->str, x->len, tmp, &n);
    free(tmp);
    if (rc != 0) goto bad;
    return 0;
  }
  if (strcmp(key, "$callback") == 0) {
    if (x->type != JSON_STRING || has_nul(x)) goto bad;
    return 0;
  }
  if (strcmp(key, "$handle") == 0) {
    if (x->type != JSON_STRING) goto bad;
    if (handles_find(x->str, x->len) == NULL) {
      reply_bad(r, "EBADTARGET", "unknown handle '%.*s'", SHIM_NAME_ECHO,
                x->str);
      return -1;
    }
    return 0;
  }
  reply_bad(r, "EBADARGS", "'%.*s' is not a request value encoding",
            SHIM_NAME_ECHO, key);
  return -1;
bad:
  reply_bad(r, "EBADARGS", "malformed %s value", key);
  return -1;
}

int val_check(const json_value *v, reply *r) {
  const char *key = dollar_key(v);

  if (key != NULL) return check_encoded(v, key, r);
  if (v->type != JSON_ARRAY && v->type != JSON_OBJECT) return 0;
  for (const json_value *c = v->child; c != NULL; c = c->next) {
    if (v->type == JSON_OBJECT && c->key[0] == '$') {
      reply_bad(r, "EBADARGS", "plain object with $-key '%.*s'",
                SHIM_NAME_ECHO, c->key);
      return -1;
    }
    if (val_check(c, r) != 0) return -1;
  }
  return 0;
}

val_kind val_kind_of(const json_value *v) {
  const char *key;

  if (v == NULL) return VK_UNDEFINED;
  switch (v->type) {
  case JSON_NULL: return VK_NULL;
  case JSON_FALSE:
  case JSON_TRUE: return VK_BOOLEAN;
  case JSON_NUMBER: return VK_NUMBER;
  case JSON_STRING: return VK_STRING;
  case JSON_ARRAY: return VK_ARRAY;
  case JSON_OBJECT: break;
  }
  if ((key = dollar_key(v)) == NULL) return VK_OBJECT;
  if (strcmp(key, "$undefined") == 0) return VK_UNDEFINED;
  if (strcmp(key, "$number") == 0) return VK_NUMBER;
  if (strcmp(key, "$bytes") == 0) return VK_BYTES;
  if (strcmp(key, "$handle") == 0) return VK_HANDLE;
  return VK_CALLBACK;
}

double val_number(const json_value *v) {
  const char *s;
  if (v->type == JSON_NUMBER) return v->number;
  s = v->child->str;
  if (strcmp(s, "NaN") == 0) return NAN;
  if (strcmp(s, "Infinity") == 0) return INFINITY;
  if (strcmp(s, "-Infinity") == 0) return -INFINITY;
  return -0.0;
}

/* Number(bytes): a Buffer converts through its UTF-8 text. */
static double bytes_to_number(const json_value *v) {
  const json_value *b64 = v->child;
  unsigned char *raw = xmalloc(base64_decoded_max(b64->len));
  size_t n = 0;
  double d = NAN;

  if (base64_decode(b64->str, b64->len, raw, &n) == 0)
    d = ns__js_number((const char *)raw, n);
  free(raw);
  return d;
}

double val_to_number(const json_value *v) {
  switch (val_kind_of(v)) {
  case VK_NULL: return 0;
  case VK_BOOLEAN: return v->type == JSON_TRUE;
  case VK_NUMBER: return val_number(v);
  case VK_STRING: return ns__js_number(v->str, v->len);
  case VK_BYTES: return bytes_to_number(v);
  case VK_ARRAY:
    /* Through the array's join(): [] is "", [x] is String(x). */
    if (v->len == 0) return 0;
    if (v->len == 1) {
      val_kind k = val_kind_of(v->child);
      if (k == VK_NULL || k == VK_UNDEFINED) return 0;
      if (k == VK_NUMBER || k == VK_STRING || k == VK_ARRAY)
        return val_to_number(v->child);
    }
    return NAN;
  default: return NAN; /* undefined, functions, objects */
  }
}

int val_is_pipe_name(const json_value *v) {
  return val_kind_of(v) == VK_STRING && ns__is_pipe_name(v->str, v->len);
}

int val_truthy(const json_value *v) {
  double d;
  switch (val_kind_of(v)) {
  case VK_UNDEFINED:
  case VK_NULL: return 0;
  case VK_BOOLEAN: return v->type == JSON_TRUE;
  case VK_NUMBER:
    d = val_number(v);
    return !(d == 0 || isnan(d));
  case VK_STRING: return v->len > 0;
  default: return 1;
  }
}

int val_is_object(const json_value *v) {
  val_kind k = val_kind_of(v);
  return k == VK_OBJECT || k == VK_ARRAY || k == VK_BYTES || k == VK_HANDLE;
}

int val_is_function(const json_value *v) { return val_kind_of(v) == VK_CALLBACK; }

const char *val_c_string(const json_value *v) {
  if (val_kind_of(v) != VK_STRING || has_nul(v)) return NULL;
  return v->str;
}

const char *val_callback_label(const json_value *v) {
  return val_kind_of(v) == VK_CALLBACK ? v->child->str : NULL;
}

struct handle *val_handle(const json_value *v) {
  if (val_kind_of(v) != VK_HANDLE) return NULL;
  return handles_find(v->child->str, v->child->len);
}

const json_value *val_prop(const json_value *obj, const char *name) {
  return val_kind_of(obj) == VK_OBJECT ? json_get(obj, name) : NULL;
}

/* ---------------------------------------------------------------- encoders */

void val_write_undefined(json_writer *w) {
  jw_object_begin(w);
  jw_key(w, "$undefined");
  jw_bool(w, 1);
  jw_object_end(w);
}

void val_write_number(json_writer *w, double d) {
  const char *special = NULL;

  if (isnan(d)) special = "NaN";
  else if (isinf(d)) special = d > 0 ? "Infinity" : "-Infinity";
  else if (d == 0 && signbit(d)) special = "-0";
  if (special == NULL) {
    jw_number(w, d);
    return;
  }
  jw_object_begin(w);
  jw_key(w, "$number");
  jw_string(w, special);
  jw_object_end(w);
}

void val_write_handle(json_writer *w, const struct handle *h) {
  jw_object_begin(w);
  jw_key(w, "$handle");
  jw_string(w, h->name);
  jw_object_end(w);
}

/* Like Node 8's system errors: `errno` repeats the code string. */
void val_write_error(json_writer *w, const ns_error *e) {
  const char *code = e->code;

  if (code == NULL && e->errnum != 0) code = ns_errno_code(e->errnum);
  jw_object_begin(w);
  jw_key(w, "$error");
  jw_object_begin(w);
  jw_key(w, "name");
  jw_string(w, e->name != NULL ? e->name : "Error");
  jw_key(w, "message");
  jw_string(w, e->message != NULL ? e->message : "");
  if (code != NULL) {
    jw_key(w, "code");
    jw_string(w, code);
  }
  /* Node 8 also sets errno to the code string for lookup errors. */
  if (e->errnum != 0 ||
      (code != NULL && e->syscall != NULL && strcmp(e->syscall, "getaddrinfo") == 0)) {
    jw_key(w, "errno");
    jw_string(w, code);
  }
  if (e->syscall != NULL) {
    jw_key(w, "syscall");
    jw_string(w, e->syscall);
  }
  if (e->has_address) {
    jw_key(w, "address");
    jw_string(w, e->address != NULL ? e->address : "");
  }
  if (e->has_port) {
    jw_key(w, "port");
    jw_int(w, e->port);
  }
  jw_object_end(w);
  jw_object_end(w);
}

/* String(v) into buf[size], truncated: for the messages that quote a value. */
void val_to_string(const json_value *v, char *buf, size_t size) {
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
        val_to_string(e, buf + used, size - used);
      used += strlen(buf + used);
    }
    break;
  }
  default: snprintf(buf, size, "[object Object]"); break;
  }
}

/* typeof v */
const char *val_typeof(const json_value *v) {
  switch (val_kind_of(v)) {
  case VK_UNDEFINED: return "undefined";
  case VK_BOOLEAN: return "boolean";
  case VK_NUMBER: return "number";
  case VK_STRING: return "string";
  case VK_CALLBACK: return "function";
  default: return "object";
  }
}
