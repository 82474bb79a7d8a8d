/*
 * json.c - JSON reader: parses one text into a tree of json_value nodes
 * carved from an arena owned by the json_doc. Recursion depth is bounded by
 * JSON_MAX_DEPTH; strings are checked to be UTF-8 and unescaped, with
 * \uXXXX surrogate pairs joined and lone surrogates turned into U+FFFD.
 */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h" /* the library's (ref/src) */
#include "xalloc.h"

#define ARENA_BLOCK 16384

/* A block of the arena; the data follows the header, suitably aligned. */
typedef union arena_block {
  struct {
    union arena_block *next;
    size_t used, size;
  } h;
  max_align_t align;
} arena_block;

struct json_doc {
  arena_block *blocks;
  json_value *root;
};

typedef struct parser {
  const unsigned char *start, *p, *end;
  json_doc *doc;
  json_error *err;
} parser;

/* ------------------------------------------------------------------ arena */

static void *arena_alloc(json_doc *doc, size_t n) {
  const size_t a = sizeof(max_align_t);
  arena_block *b = doc->blocks;
  void *mem;

  n = (n + a - 1) / a * a;
  if (b == NULL || b->h.size - b->h.used < n) {
    size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    b = xmalloc(sizeof(arena_block) + size);
    b->h.size = size;
    b->h.used = 0;
    b->h.next = doc->blocks;
    doc->blocks = b;
  }
  mem = (unsigned char *)(b + 1) + b->h.used;
  b->h.used += n;
  return mem;
}

static json_value *new_value(parser *ps, json_type type) {
  json_value *v = arena_alloc(ps->doc, sizeof *v);
  memset(v, 0, sizeof *v);
  v->type = type;
  return v;
}

/* ----------------------------------------------------------------- errors */

static void *fail(parser *ps, const unsigned char *at, const char *fmt, ...) {
  va_list ap;
  if (ps->err != NULL) {
    ps->err->offset = (size_t)(at - ps->start);
    va_start(ap, fmt);
    vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
    va_end(ap);
  }
  return NULL;
}

static void *fail_unexpected(parser *ps) {
  if (ps->p >= ps->end) return fail(ps, ps->p, "unexpected end of input");
  if (*ps->p >= 0x20 && *ps->p < 0x7F)
    return fail(ps, ps->p, "unexpected character '%c'", *ps->p);
  return fail(ps, ps->p, "unexpected byte 0x%02X", *ps->p);
}

/* ----------------------------------------------------------------- values */

static json_value *parse_value(parser *ps, int depth);

static void skip_space(parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static int hex4(const unsigned char *s, uint32_t *out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

/* Decodes the \u escape at s (s[0] == '\\', s[1] == 'u'), joining a
 * surrogate pair. Returns the bytes consumed, or 0 if malformed. */
static size_t unescape_u(const unsigned char *s, const unsigned char *end,
                         uint32_t *cp) {
  uint32_t hi, lo;
  if (end - s < 6 || hex4(s + 2, &hi) != 0) return 0;
  if (hi >= 0xD800 && hi <= 0xDBFF && end - s >= 12 && s[6] == '\\' &&
      s[7] == 'u' && hex4(s + 8, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    return 12;
  }
  *cp = (hi >= 0xD800 && hi <= 0xDFFF) ? NS__UTF8_REPLACEMENT : hi;
  return 6;
}

/* Parses the string starting at the opening quote at ps->p. The decoded
 * text never needs more bytes than the escaped text it comes from. */
static int parse_string(parser *ps, const char **out, size_t *out_len) {
  const unsigned char *s = ps->p + 1, *q = s;
  char *buf, *o;

  while (q < ps->end && *q != '"') {
    if (*q == '\\' && ps->end - q < 2) break;
    q += (*q == '\\') ? 2 : 1;
  }
  if (q >= ps->end || *q != '"') {
    fail(ps, ps->p, "unterminated string");
    return -1;
  }
  buf = o = arena_alloc(ps->doc, (size_t)(q - s) + 1);
  while (s < q) {
    uint32_t cp;
    size_t n;
    if (*s == '\\') {
      const char *simple = strchr("\"\\/bfnrt", s[1]);
      if (s[1] != 0 && simple != NULL) {
        *o++ = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
        s += 2;
        continue;
      }
      if (s[1] != 'u' || (n = unescape_u(s, q, &cp)) == 0) {
        fail(ps, s, "invalid escape in string");
        return -1;
      }
      o += ns__utf8_put(cp, o);
      s += n;
    } else if (*s < 0x20) {
      fail(ps, s, "control character 0x%02X in string", *s);
      return -1;
    } else if ((n = ns__utf8_next(s, (size_t)(q - s), &cp)) > 0 &&
               cp == NS__UTF8_INVALID) {
      fail(ps, s, "invalid UTF-8 in string");
      return -1;
    } else {
      memcpy(o, s, n);
      o += n;
      s += n;
    }
  }
  *o = '\0';
  *out = buf;
  *out_len = (size_t)(o - buf);
  ps->p = q + 1;
  return 0;
}

static int scan_digits(parser *ps) {
  const unsigned char *from = ps->p;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
  return ps->p > from;
}

static json_value *parse_number(parser *ps) {
  const unsigned char *from = ps->p;
  char text[JSON_MAX_NUMBER_LEN + 1];
  size_t n;
  json_value *v;

  if (*ps->p == '-') ps->p++;
  if (ps->p < ps->end && *ps->p == '0') ps->p++;
  else if (!scan_digits(ps)) return fail(ps, from, "invalid number");
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (!scan_digits(ps)) return fail(ps, from, "invalid number");
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    if (!scan_digits(ps)) return fail(ps, from, "invalid number");
  }
  n = (size_t)(ps->p - from);
  if (n > JSON_MAX_NUMBER_LEN) return fail(ps, from, "number too long");
  memcpy(text, from, n);
  text[n] = '\0';

  v = new_value(ps, JSON_NUMBER);
  v->number = strtod(text, NULL); /* overflow gives +-inf, like JS */
  if (isfinite(v->number) && v->number == floor(v->number) &&
      fabs(v->number) <= 9007199254740992.0) {
    v->is_int = 1;
    v->integer = (long long)v->number;
  }
  return v;
}

static json_value *parse_literal(parser *ps, const char *word, json_type t) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
    return fail_unexpected(ps);
  ps->p += n;
  return new_value(ps, t);
}

/* Appends child to the container v (keeping a tail pointer in *tail). */
static void append(json_value *v, json_value **tail, json_value *child) {
  if (*tail == NULL) v->child = child;
  else (*tail)->next = child;
  *tail = child;
  v->len++;
}

static json_value *parse_array(parser *ps, int depth) {
  json_value *v = new_value(ps, JSON_ARRAY), *tail = NULL, *item;

  ps->p++; /* '[' */
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    return v;
  }
  for (;;) {
    if ((item = parse_value(ps, depth)) == NULL) return NULL;
    append(v, &tail, item);
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
    } else if (ps->p < ps->end && *ps->p == ']') {
      ps->p++;
      return v;
    } else {
      return ps->p < ps->end ? fail(ps, ps->p, "expected ',' or ']'")
                             : fail_unexpected(ps);
    }
  }
}

static json_value *parse_object(parser *ps, int depth) {
  json_value *v = new_value(ps, JSON_OBJECT), *tail = NULL, *item;
  const char *key;
  size_t key_len;

  ps->p++; /* '{' */
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    return v;
  }
  for (;;) {
    skip_space(ps);
    if (ps->p >= ps->end || *ps->p != '"')
      return ps->p < ps->end ? fail(ps, ps->p, "expected a string key")
                             : fail_unexpected(ps);
    if (parse_string(ps, &key, &key_len) != 0) return NULL;
    skip_space(ps);
    if (ps->p >= ps->end || *ps->p != ':')
      return ps->p < ps->end ? fail(ps, ps->p, "expected ':'")
                             : fail_unexpected(ps);
    ps->p++;
    if ((item = parse_value(ps, depth)) == NULL) return NULL;
    item->key = key;
    item->key_len = key_len;
    append(v, &tail, item);
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
    } else if (ps->p < ps->end && *ps->p == '}') {
      ps->p++;
      return v;
    } else {
      return ps->p < ps->end ? fail(ps, ps->p, "expected ',' or '}'")
                             : fail_unexpected(ps);
    }
  }
}

static json_value *parse_value(parser *ps, int depth) {
  json_value *v;

  skip_space(ps);
  if (ps->p >= ps->end) return fail_unexpected(ps);
  switch (*ps->p) {
  case '{':
  case '[':
    if (depth >= JSON_MAX_DEPTH)
      return fail(ps, ps->p, "nested deeper than %d levels", JSON_MAX_DEPTH);
    return *ps->p == '{' ? parse_object(ps, depth + 1)
                         : parse_array(ps, depth + 1);
  case '"':
    v = new_value(ps, JSON_STRING);
    return parse_string(ps, &v->str, &v->len) == 0 ? v : NULL;
  case 't':
    return parse_literal(ps, "true", JSON_TRUE);
  case 'f':
    return parse_literal(ps, "false", JSON_FALSE);
  case 'n':
    return parse_literal(ps, "null", JSON_NULL);
  default:
    if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
      return parse_number(ps);
    return fail_unexpected(ps);
  }
}

/* ----------------------------------------------------------------- public */

json_doc *json_parse(const char *text, size_t len, json_error *err) {
  parser ps;
  json_doc *doc = xcalloc(1, sizeof *doc);

  ps.start = ps.p = (const unsigned char *)text;
  ps.end = ps.start + len;
  ps.doc = doc;
  ps.err = err;
  doc->root = parse_value(&ps, 0);
  if (doc->root != NULL) {
    skip_space(&ps);
    if (ps.p != ps.end) {
      fail(&ps, ps.p, "unexpected data after the value");
      doc->root = NULL;
    }
  }
  if (doc->root == NULL) {
    json_free(doc);
    return NULL;
  }
  return doc;
}

const json_value *json_root(const json_doc *doc) { return doc->root; }

void json_free(json_doc *doc) {
  if (doc == NULL) return;
  while (doc->blocks != NULL) {
    arena_block *next = doc->blocks->h.next;
    free(doc->blocks);
    doc->blocks = next;
  }
  free(doc);
}

const json_value *json_get(const json_value *obj, const char *key) {
  const json_value *found = NULL;
  size_t n = strlen(key);

  if (obj == NULL || obj->type != JSON_OBJECT) return NULL;
  for (const json_value *m = obj->child; m != NULL; m = m->next)
    if (m->key_len == n && memcmp(m->key, key, n) == 0) found = m;
  return found;
}
