/*
 * json_writer.c - JSON writer: appends values to a growable buffer,
 * inserting commas itself. Strings come out as valid UTF-8 JSON: control
 * characters escaped, ill-formed UTF-8 replaced by U+FFFD.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "utf8.h" /* the library's (ref/src) */
#include "xalloc.h"

void jw_init(json_writer *w) { memset(w, 0, sizeof *w); }

void jw_reset(json_writer *w) {
  w->len = 0;
  w->depth = 0;
  w->after_key = 0;
  w->has_items[0] = 0;
  if (w->buf != NULL) w->buf[0] = '\0';
}

void jw_free(json_writer *w) {
  free(w->buf);
  jw_init(w);
}

static void put(json_writer *w, const char *s, size_t n) {
  if (w->cap - w->len < n + 1) {
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len < n + 1) cap *= 2;
    w->buf = xrealloc(w->buf, cap);
    w->cap = cap;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void putc1(json_writer *w, char c) { put(w, &c, 1); }

/* Called before every value: a comma unless it is the first item, or the
 * value of a key just written. */
static void before_value(json_writer *w) {
  if (w->after_key) {
    w->after_key = 0;
    return;
  }
  if (w->has_items[w->depth]) putc1(w, ',');
  w->has_items[w->depth] = 1;
}

static void open_container(json_writer *w, char c) {
  before_value(w);
  putc1(w, c);
  assert(w->depth < JSON_MAX_DEPTH);
  w->has_items[++w->depth] = 0;
}

static void close_container(json_writer *w, char c) {
  assert(w->depth > 0 && !w->after_key);
  w->depth--;
  putc1(w, c);
}

void jw_object_begin(json_writer *w) { open_container(w, '{'); }
void jw_object_end(json_writer *w) { close_container(w, '}'); }
void jw_array_begin(json_writer *w) { open_container(w, '['); }
void jw_array_end(json_writer *w) { close_container(w, ']'); }

static void put_string(json_writer *w, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  char esc[8];

  putc1(w, '"');
  while (p < end) {
    const unsigned char *run = p;
    uint32_t cp;
    size_t k;

    /* Copy the longest run that needs no escaping in one go. */
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
    put(w, (const char *)run, (size_t)(p - run));
    if (p >= end) break;

    if (*p == '"' || *p == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*p++;
      put(w, esc, 2);
    } else if (*p < 0x20) {
      const char *named = strchr("\b\f\n\r\t", *p);
      if (*p != 0 && named != NULL) {
        esc[0] = '\\';
        esc[1] = "bfnrt"[named - "\b\f\n\r\t"];
        put(w, esc, 2);
      } else {
        snprintf(esc, sizeof esc, "\\u%04X", *p);
        put(w, esc, 6);
      }
      p++;
    } else if ((k = ns__utf8_next(p, (size_t)(end - p), &cp)) > 0 &&
               cp != NS__UTF8_INVALID) {
      put(w, (const char *)p, k);
      p += k;
    } else { /* one U+FFFD per byte that starts no well-formed sequence */
      k = ns__utf8_put(NS__UTF8_REPLACEMENT, esc);
      put(w, esc, k);
      p++;
    }
  }
  putc1(w, '"');
}

void jw_key(json_writer *w, const char *key) {
  before_value(w);
  put_string(w, key, strlen(key));
  putc1(w, ':');
  w->after_key = 1;
}

void jw_string(json_writer *w, const char *s) { jw_string_n(w, s, strlen(s)); }

void jw_string_n(json_writer *w, const char *s, size_t n) {
  before_value(w);
  put_string(w, s, n);
}

void jw_number(json_writer *w, double d) {
  char text[40];

  if (!isfinite(d)) {
    jw_null(w);
    return;
  }
  if (d == floor(d) && fabs(d) < 1e18) {
    snprintf(text, sizeof text, "%.0f", d);
  } else {
    /* The shortest of 15..17 significant digits that reads back exactly. */
    for (int prec = 15; prec <= 17; prec++) {
      snprintf(text, sizeof text, "%.*g", prec, d);
      if (strtod(text, NULL) == d) break;
    }
  }
  before_value(w);
  put(w, text, strlen(text));
}

void jw_int(json_writer *w, long long v) {
  char text[24];
  snprintf(text, sizeof text, "%lld", v);
  before_value(w);
  put(w, text, strlen(text));
}

void jw_bool(json_writer *w, int b) {
  before_value(w);
  if (b) put(w, "true", 4);
  else put(w, "false", 5);
}

void jw_null(json_writer *w) {
  before_value(w);
  put(w, "null", 4);
}

void jw_raw(json_writer *w, const char *json, size_t n) {
  before_value(w);
  put(w, json, n);
}

void jw_append(json_writer *w, const char *s, size_t n) { put(w, s, n); }
