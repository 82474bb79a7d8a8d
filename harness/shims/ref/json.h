/*
 * json.h - a small JSON reader (one text into a tree) and writer (a growable
 * buffer with automatic commas). Input must be UTF-8; output always is.
 */
#ifndef SHIM_JSON_H
#define SHIM_JSON_H

#include <stddef.h>

/* Deepest nesting of arrays/objects the reader accepts (and the writer
 * supports). Deeper input is rejected, never recursed into. */
#define JSON_MAX_DEPTH 64

/* Longest number token the reader accepts. */
#define JSON_MAX_NUMBER_LEN 512

/* ------------------------------------------------------------------ reader */

typedef enum json_type {
  JSON_NULL,
  JSON_FALSE,
  JSON_TRUE,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT
} json_type;

/* One node of a parsed tree. The tree is owned by its json_doc. */
typedef struct json_value json_value;
struct json_value {
  json_type type;
  double number;     /* JSON_NUMBER: the value (may be +-inf on overflow) */
  int is_int;        /* JSON_NUMBER: integral with |number| <= 2^53 */
  long long integer; /* JSON_NUMBER: the value when is_int */
  const char *str;   /* JSON_STRING: UTF-8, NUL-terminated (may hold NULs) */
  size_t len;        /* STRING: bytes; ARRAY/OBJECT: number of children */
  json_value *child; /* ARRAY/OBJECT: first element or member */
  json_value *next;  /* the next sibling in the parent */
  const char *key;   /* a member of an object: its key (NUL-terminated) */
  size_t key_len;
};

typedef struct json_doc json_doc;

/* Why a text was rejected: byte offset into the text and a short reason. */
typedef struct json_error {
  size_t offset;
  char message[96];
} json_error;

/* Parses exactly one JSON value spanning text[0..len) (surrounding white
 * space allowed). Returns the document, or NULL with *err filled in. */
json_doc *json_parse(const char *text, size_t len, json_error *err);

/* The root value of a document. */
const json_value *json_root(const json_doc *doc);

/* Releases a document and every value in it. NULL is ignored. */
void json_free(json_doc *doc);

/* The member of object `obj` named `key` (the last one if repeated), or NULL
 * when there is none or obj is not an object. */
const json_value *json_get(const json_value *obj, const char *key);

/* ------------------------------------------------------------------ writer */

typedef struct json_writer {
  char *buf;
  size_t len, cap;
  int depth;
  int after_key;
  unsigned char has_items[JSON_MAX_DEPTH + 1];
} json_writer;

void jw_init(json_writer *w);
void jw_reset(json_writer *w); /* empty it, keep the memory */
void jw_free(json_writer *w);

void jw_object_begin(json_writer *w);
void jw_object_end(json_writer *w);
void jw_array_begin(json_writer *w);
void jw_array_end(json_writer *w);
void jw_key(json_writer *w, const char *key);

/* Strings are escaped; ill-formed UTF-8 is written as U+FFFD. */
void jw_string(json_writer *w, const char *s);
void jw_string_n(json_writer *w, const char *s, size_t n);
/* A finite number, shortest text that reads back exactly; a non-finite
 * one is written as null (the caller encodes those itself). */
void jw_number(json_writer *w, double d);
void jw_int(json_writer *w, long long v);
void jw_bool(json_writer *w, int b);
void jw_null(json_writer *w);
/* One complete, already encoded JSON value (e.g. another writer's text). */
void jw_raw(json_writer *w, const char *json, size_t n);
/* Appends bytes verbatim, outside the value structure (e.g. a newline
 * after a complete value). */
void jw_append(json_writer *w, const char *s, size_t n);

#endif
