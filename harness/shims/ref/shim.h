/*
 * shim.h - what the shim's modules share: the event base, the reply a
 * request produces, and the class tables the dispatcher routes through.
 * Adding an API means adding a method_def / prop_def row to a class.
 */
#ifndef SHIM_SHIM_H
#define SHIM_SHIM_H

#include <stddef.h>

#include "json.h"
#include "netspec.h"

struct event_base;
struct handle;

/* The loop every implementation object lives on (main.c). */
extern struct event_base *shim_base;

/* Set by the `detach` op: main.c stops reading stdin and runs the loop with
 * ns_run(), so the process exits once nothing ref'd is left. */
extern int shim_detached;

/* Longest name echoed back in a bad_request message. */
#define SHIM_NAME_ECHO 64

typedef enum reply_status { REPLY_OK, REPLY_THREW, REPLY_BAD } reply_status;

/* The outcome of one request. */
typedef struct reply {
  reply_status status;
  json_writer value; /* REPLY_OK: the encoded value; empty means undefined */
  ns_error error;    /* REPLY_THREW: a copy, released after the response */
  const char *code;  /* REPLY_BAD: "EBADARGS", ... */
  char message[256]; /* REPLY_BAD */
} reply;

void reply_bad(reply *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void reply_threw(reply *r, const ns_error *err);
/* A TypeError Node 8 throws for a JavaScript value of the wrong type
 * (name, code or NULL, and the message fmt with one %s for arg), which the
 * C API's static types cannot receive, so the shim raises it itself. */
void reply_type_error(reply *r, const char *name, const char *code,
                      const char *fmt, const char *arg);

/* One method call (or constructor call, with self NULL). The arguments have
 * been checked by val_check(); r->value receives the return value. */
typedef struct call {
  struct handle *self;
  const json_value *const *args;
  size_t nargs;
  reply *r;
} call;

typedef void (*method_fn)(call *c);
typedef void (*getter_fn)(struct handle *h, reply *r);
typedef void (*setter_fn)(struct handle *h, const json_value *v, reply *r);

typedef struct method_def {
  const char *name;
  method_fn fn;
} method_def;

typedef struct prop_def {
  const char *name;
  getter_fn get; /* NULL: not readable */
  setter_fn set; /* NULL: not assignable */
} prop_def;

/* A class of handles (or the `net` module). Tables end with a NULL name. */
typedef struct class_def {
  const char *name;
  method_fn construct;       /* `new`, or NULL */
  const method_def *methods;
  const prop_def *props;
  void (*release)(struct handle *h); /* at exit: free the object and state */
} class_def;

extern const class_def net_module;
extern const class_def server_class;
extern const class_def socket_class;

/* Shared between classes. */
void server_create(call *c); /* net.createServer / new net.Server */
struct handle *socket_register(ns_socket *sock);
ns_socket *socket_of(struct handle *h); /* a Socket handle's socket */
void socket_create_connection(call *c); /* net.connect / createConnection */

#endif
