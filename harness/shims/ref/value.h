/*
 * value.h - protocol values (PROTOCOL.md section 5): checking and reading
 * the JavaScript values that requests carry, and encoding the values that
 * messages carry.
 */
#ifndef SHIM_VALUE_H
#define SHIM_VALUE_H

#include <stddef.h>

#include "json.h"
#include "netspec.h"
#include "shim.h"

struct handle;

/* What a request value stands for in JavaScript. */
typedef enum val_kind {
  VK_UNDEFINED, /* {"$undefined":true}, or a missing argument/property */
  VK_NULL,
  VK_BOOLEAN,
  VK_NUMBER,    /* a JSON number or {"$number":...} */
  VK_STRING,
  VK_BYTES,     /* {"$bytes":...}: a Buffer */
  VK_HANDLE,    /* {"$handle":...}: a Server or Socket */
  VK_CALLBACK,  /* {"$callback":...}: a function */
  VK_ARRAY,
  VK_OBJECT     /* a plain object */
} val_kind;

/* Checks v and everything in it: known $-encodings only, well-formed, and
 * naming registered handles. Returns 0, or -1 with r set to bad_request. */
int val_check(const json_value *v, reply *r);

/* The following take values that passed val_check (or NULL: undefined). */
val_kind val_kind_of(const json_value *v);
double val_number(const json_value *v);    /* VK_NUMBER only */
double val_to_number(const json_value *v); /* JS Number(v) */
/* Node 8's isPipeName(v): a string that is not a number >= 0 (the
 * library's ns__is_pipe_name(), which listen() validation also uses). */
int val_is_pipe_name(const json_value *v);
int val_truthy(const json_value *v);       /* JS Boolean(v) */
const char *val_typeof(const json_value *v); /* JS typeof v */
/* JS String(v) into buf[size], truncated (strings to 200 bytes): what
 * Node's messages quote. */
void val_to_string(const json_value *v, char *buf, size_t size);
int val_is_object(const json_value *v);    /* typeof v == 'object' && v !== null */
int val_is_function(const json_value *v);
/* A string value without NUL bytes (usable as a C string), else NULL. */
const char *val_c_string(const json_value *v);
const char *val_callback_label(const json_value *v);
struct handle *val_handle(const json_value *v);
/* obj[name] for a plain object; NULL when obj has no such own property. */
const json_value *val_prop(const json_value *obj, const char *name);

/* Encoders for messages. */
void val_write_undefined(json_writer *w);
void val_write_number(json_writer *w, double d); /* NaN, +-inf, -0 encoded */
void val_write_handle(json_writer *w, const struct handle *h);
void val_write_error(json_writer *w, const ns_error *err);

#endif
