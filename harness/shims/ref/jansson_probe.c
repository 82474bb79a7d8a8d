/*
 * jansson_probe.c - the measurement behind harness/shims/ref/README.md's
 * "Why the JSON code is the shim's own": which of the protocol's JSON rules
 * jansson 2.14 (Debian libjansson-dev) keeps, and the time of one request
 * parsed and one response written, jansson against the shim's codec. Not
 * part of the build (it needs libjansson-dev); compiled twice, since
 * jansson.h and json.h both name JSON_NULL...:
 *
 *   D=harness/shims/ref; B=build
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -DPROBE_SHIM -I$D -Iref/src -Iref/include \
 *      -c $D/jansson_probe.c -o /tmp/probe_shim.o
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L $D/jansson_probe.c /tmp/probe_shim.o \
 *      $B/harness/shims/ref/libnetspec_shim.a $B/ref/libnetspec_internal.a \
 *      -ljansson -levent -lm -lpthread -o /tmp/jansson_probe && /tmp/jansson_probe
 */
#ifdef PROBE_SHIM
#include <stdio.h>
#include <string.h>
#include "json.h"
void shim_number(double d, char *out, size_t n) {
  json_writer w;
  jw_init(&w);
  jw_number(&w, d);
  snprintf(out, n, "%s", w.buf);
  jw_free(&w);
}
void shim_roundtrip(const char *req, int i) {
  json_error err;
  json_doc *d = json_parse(req, strlen(req), &err);
  json_writer w;
  jw_init(&w);
  jw_object_begin(&w);
  jw_key(&w, "type"); jw_string(&w, "response");
  jw_key(&w, "seq"); jw_int(&w, i);
  jw_key(&w, "id"); jw_int(&w, json_get(json_root(d), "id")->integer);
  jw_key(&w, "status"); jw_string(&w, "ok");
  jw_key(&w, "value"); jw_string(&w, json_get(json_root(d), "args")->child->str);
  jw_object_end(&w);
  jw_free(&w);
  json_free(d);
}
#else
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
void shim_number(double d, char *out, size_t n);
void shim_roundtrip(const char *req, int i);

static void load(const char *text, size_t flags) {
  json_error_t e;
  json_t *j = json_loadb(text, strlen(text), flags, &e);
  char *out = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
  printf("  load %-22s -> %s%s\n", text, j ? "ok: " : "error: ", j ? out : e.text);
  free(out);
  json_decref(j);
}

static void dump_real(double d) {
  json_t *j = json_real(d);
  char *out = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
  char shim[64];
  shim_number(d, shim, sizeof shim);
  printf("  real %-22.17g jansson %-26s shim %s\n", d, out ? out : "(NULL)", shim);
  free(out);
  json_decref(j);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void) {
  size_t F = JSON_DECODE_ANY | JSON_ALLOW_NUL;
  printf("reader (flags DECODE_ANY|ALLOW_NUL):\n");
  load("\"\\ud800\"", F);
  load("\"\\udc00x\"", F);
  load("1e400", F);
  load("-0", F);
  load("-0", F | JSON_DECODE_INT_AS_REAL);
  load("9007199254740993", F);
  load("99999999999999999999", F);
  load("99999999999999999999", F | JSON_DECODE_INT_AS_REAL);
  load("{\"a\":1,\"a\":2}", F);
  {
    char deep[2 * 100 + 1];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[200] = 0;
    json_error_t e;
    json_t *j = json_loads(deep, F, &e);
    printf("  load 100 nested arrays -> %s\n", j ? "ok (shim: rejected at 64)" : e.text);
    json_decref(j);
  }
  printf("writer:\n");
  dump_real(0.1);
  dump_real(42);
  dump_real(1.0 / 3);
  dump_real(1.5e300);
  dump_real(-0.0);
  {
    json_t *s = json_stringn("a\xff" "b", 3);
    printf("  json_stringn(\"a\\xffb\") -> %s\n", s ? "accepted" : "NULL (invalid UTF-8 refused)");
    json_decref(s);
  }

  const char *req =
      "{\"id\":1234,\"op\":\"call\",\"target\":\"h12\",\"method\":\"write\",\"args\":[\"h\\u00e9llo "
      "w\\u00f6rld \\\"quoted\\\" \\\\ \\t tab\",\"utf8\",{\"$callback\":\"cb17\"}]}";
  int N = 200000;
  double t0 = now();
  for (int i = 0; i < N; i++) shim_roundtrip(req, i);
  double t1 = now();
  for (int i = 0; i < N; i++) {
    json_error_t e;
    json_t *d = json_loadb(req, strlen(req), JSON_ALLOW_NUL, &e);
    json_t *o = json_object();
    json_t *arg0 = json_array_get(json_object_get(d, "args"), 0);
    json_object_set_new(o, "type", json_string("response"));
    json_object_set_new(o, "seq", json_integer(i));
    json_object_set(o, "id", json_object_get(d, "id"));
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "value", json_stringn(json_string_value(arg0), json_string_length(arg0)));
    char *out = json_dumps(o, JSON_COMPACT);
    free(out);
    json_decref(o);
    json_decref(d);
  }
  double t2 = now();
  printf("request in, response out, %d times: shim codec %.2f us, jansson %.2f us each\n", N,
         (t1 - t0) / N * 1e6, (t2 - t1) / N * 1e6);
  return 0;
}
#endif
