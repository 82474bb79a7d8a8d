/*
 * dispatch.c - request decoding and routing. Checks the envelope (id, op,
 * target, member name, arguments), finds the method or property in the
 * target's class table, runs it and writes exactly one response.
 */
#include "dispatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "handles.h"
#include "json.h"
#include "out.h"
#include "shim.h"
#include "value.h"
#include "xalloc.h"

/* A decoded request envelope. */
typedef struct request {
  const json_value *root;
  const json_value *id;
} request;

typedef void (*op_fn)(const request *rq, reply *r);

/* ----------------------------------------------------------------- replies */

void reply_bad(reply *r, const char *code, const char *fmt, ...) {
  va_list ap;
  r->status = REPLY_BAD;
  r->code = code;
  va_start(ap, fmt);
  vsnprintf(r->message, sizeof r->message, fmt, ap);
  va_end(ap);
}

void reply_threw(reply *r, const ns_error *err) {
  r->status = REPLY_THREW;
  ns_error_free(&r->error);
  ns_error_copy(&r->error, err); /* the caller may release its own */
}

/*
 * A TypeError Node 8 throws for a JavaScript value of the wrong type: the
 * C API's static types cannot receive such values, so the binding (this
 * shim) raises them, with Node's text, before calling the library.
 */
void reply_type_error(reply *r, const char *name, const char *code,
                      const char *fmt, const char *arg) {
  ns_error err;
  int n = snprintf(NULL, 0, fmt, arg);
  char *text = xalloc_check(malloc(n > 0 ? (size_t)n + 1 : 1));

  snprintf(text, n > 0 ? (size_t)n + 1 : 1, fmt, arg);
  memset(&err, 0, sizeof err);
  err.name = name;
  err.code = code;
  err.message = text;
  reply_threw(r, &err);
  free(text);
}

/* ----------------------------------------------------------------- lookups */

/* The string field `name` of the request, or NULL. */
static const json_value *string_field(const request *rq, const char *name) {
  const json_value *v = json_get(rq->root, name);
  return (v != NULL && v->type == JSON_STRING) ? v : NULL;
}

/* Resolves the request's `target` to a class (and handle, NULL for net). */
static const class_def *find_target(const request *rq, handle **self,
                                    reply *r) {
  const json_value *t = string_field(rq, "target");
  handle *h;

  *self = NULL;
  if (t == NULL) {
    reply_bad(r, "EBADTARGET", "request has no string 'target'");
    return NULL;
  }
  if (strcmp(t->str, "net") == 0 && t->len == 3) return &net_module;
  if ((h = handles_find(t->str, t->len)) == NULL) {
    reply_bad(r, "EBADTARGET", "unknown target '%.*s'", SHIM_NAME_ECHO, t->str);
    return NULL;
  }
  *self = h;
  return h->cls;
}

static const method_def *find_method(const class_def *cls, const json_value *name) {
  if (cls->methods == NULL) return NULL;
  for (const method_def *m = cls->methods; m->name != NULL; m++)
    if (strlen(m->name) == name->len && strcmp(m->name, name->str) == 0) return m;
  return NULL;
}

static const prop_def *find_prop(const class_def *cls, const json_value *name) {
  if (cls->props == NULL) return NULL;
  for (const prop_def *p = cls->props; p->name != NULL; p++)
    if (strlen(p->name) == name->len && strcmp(p->name, name->str) == 0) return p;
  return NULL;
}

void dispatch_invoke(struct handle *self, method_fn fn, const json_value *args, reply *r) {
  const json_value **argv;
  size_t n = 0;
  call c;

  if (args != NULL && args->type != JSON_ARRAY) {
    reply_bad(r, "EBADARGS", "'args' is not an array");
    return;
  }
  if (args != NULL && val_check(args, r) != 0) return;
  argv = xcalloc(args != NULL ? args->len : 0, sizeof *argv);
  if (args != NULL)
    for (const json_value *a = args->child; a != NULL; a = a->next) argv[n++] = a;
  c.self = self;
  c.args = argv;
  c.nargs = n;
  c.r = r;
  fn(&c);
  free(argv);
}

/* Runs fn with the request's `args`. */
static void invoke(const request *rq, handle *self, method_fn fn, reply *r) {
  dispatch_invoke(self, fn, json_get(rq->root, "args"), r);
}

/* --------------------------------------------------------------------- ops */

static void op_new(const request *rq, reply *r) {
  static const class_def *const classes[] = {&server_class, &socket_class};
  const json_value *name = string_field(rq, "class");

  if (name == NULL) {
    reply_bad(r, "EBADARGS", "request has no string 'class'");
    return;
  }
  for (size_t i = 0; i < sizeof classes / sizeof *classes; i++) {
    const class_def *cls = classes[i];
    if (strlen(cls->name) != name->len || strcmp(cls->name, name->str) != 0) continue;
    if (cls->construct == NULL) {
      reply_bad(r, "EBADARGS", "class '%s' cannot be constructed by this shim yet",
                cls->name);
      return;
    }
    invoke(rq, NULL, cls->construct, r);
    return;
  }
  reply_bad(r, "EBADARGS", "unknown class '%.*s'", SHIM_NAME_ECHO, name->str);
}

static void op_call(const request *rq, reply *r) {
  handle *self;
  const class_def *cls = find_target(rq, &self, r);
  const json_value *name;
  const method_def *m;

  if (cls == NULL) return;
  if ((name = string_field(rq, "method")) == NULL) {
    reply_bad(r, "EBADARGS", "request has no string 'method'");
    return;
  }
  if ((m = find_method(cls, name)) == NULL) {
    reply_bad(r, "ENOMETHOD", "%s has no method '%.*s'", cls->name,
              SHIM_NAME_ECHO, name->str);
    return;
  }
  invoke(rq, self, m->fn, r);
}

static void op_get(const request *rq, reply *r) {
  handle *self;
  const class_def *cls = find_target(rq, &self, r);
  const json_value *name;
  const prop_def *p;

  if (cls == NULL) return;
  if ((name = string_field(rq, "prop")) == NULL) {
    reply_bad(r, "EBADARGS", "request has no string 'prop'");
    return;
  }
  if ((p = find_prop(cls, name)) == NULL || p->get == NULL) {
    if (find_method(cls, name) != NULL) { /* a method read as a value */
      jw_object_begin(&r->value);
      jw_key(&r->value, "$opaque");
      jw_string(&r->value, "Function");
      jw_object_end(&r->value);
      return;
    }
    reply_bad(r, "ENOPROP", "%s has no property '%.*s'", cls->name,
              SHIM_NAME_ECHO, name->str);
    return;
  }
  p->get(self, r);
}

static void op_set(const request *rq, reply *r) {
  handle *self;
  const class_def *cls = find_target(rq, &self, r);
  const json_value *name, *value;
  const prop_def *p;

  if (cls == NULL) return;
  if ((name = string_field(rq, "prop")) == NULL) {
    reply_bad(r, "EBADARGS", "request has no string 'prop'");
    return;
  }
  if ((p = find_prop(cls, name)) == NULL || p->set == NULL) {
    reply_bad(r, "ENOPROP", "%s has no assignable property '%.*s'", cls->name,
              SHIM_NAME_ECHO, name->str);
    return;
  }
  if ((value = json_get(rq->root, "value")) == NULL) {
    reply_bad(r, "EBADARGS", "request has no 'value'");
    return;
  }
  if (val_check(value, r) != 0) return;
  p->set(self, value, r);
}

/* detach: answer (undefined), then leave the loop so that main.c can stop
 * reading stdin and run on with ns_run(). */
static void op_detach(const request *rq, reply *r) {
  (void)rq;
  (void)r;
  shim_detached = 1;
  event_base_loopbreak(shim_base);
}

static const struct {
  const char *name;
  op_fn fn;
} ops[] = {
    {"new", op_new},
    {"call", op_call},
    {"get", op_get},
    {"set", op_set},
    {"detach", op_detach},
};

/* ------------------------------------------------------------------ entry */

static int is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
  return 1;
}

static void answer_bad_json(const char *fmt, ...) {
  reply r;
  va_list ap;

  memset(&r, 0, sizeof r);
  r.status = REPLY_BAD;
  r.code = "EBADJSON";
  va_start(ap, fmt);
  vsnprintf(r.message, sizeof r.message, fmt, ap);
  va_end(ap);
  out_response(NULL, &r);
}

void dispatch_line(const char *line, size_t len) {
  json_error err;
  json_doc *doc = json_parse(line, len, &err);
  const json_value *op;
  request rq;
  reply r;
  size_t i;

  if (doc == NULL) {
    if (is_blank(line, len)) return; /* blank lines are not requests */
    answer_bad_json("invalid JSON at byte %zu: %s", err.offset, err.message);
    return;
  }
  rq.root = json_root(doc);
  rq.id = json_get(rq.root, "id");
  if (rq.root->type != JSON_OBJECT) {
    answer_bad_json("the request is not a JSON object");
  } else if (rq.id == NULL || rq.id->type != JSON_NUMBER || !rq.id->is_int) {
    answer_bad_json("the request has no integer 'id'");
  } else {
    memset(&r, 0, sizeof r);
    r.status = REPLY_OK;
    jw_init(&r.value);
    op = string_field(&rq, "op");
    for (i = 0; op != NULL && i < sizeof ops / sizeof *ops; i++)
      if (strlen(ops[i].name) == op->len && strcmp(ops[i].name, op->str) == 0) break;
    if (op == NULL)
      reply_bad(&r, "EBADOP", "request has no string 'op'");
    else if (i == sizeof ops / sizeof *ops)
      reply_bad(&r, "EBADOP", "unknown op '%.*s'", SHIM_NAME_ECHO, op->str);
    else
      ops[i].fn(&rq, &r);
    out_response(rq.id, &r);
    jw_free(&r.value);
    ns_error_free(&r.error);
  }
  json_free(doc);
}

void dispatch_overlong(size_t len) {
  answer_bad_json("line of %zu bytes is longer than the shim accepts", len);
}
