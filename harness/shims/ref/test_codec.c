/* test_codec.c - unit tests of the shim's JSON reader/writer, base64 and
 * ToInt32 (Number() of strings is the library's: ref/test/test_jsnum.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "json.h"
#include "toint32.h"

/* ------------------------------------------------------------------ reader */

static json_doc *parse_ok(const char *text) {
  json_error err;
  json_doc *doc = json_parse(text, strlen(text), &err);
  cr_assert_not_null(doc, "rejected %s: %s at %zu", text, err.message, err.offset);
  return doc;
}

static json_error parse_bad(const char *text, size_t len) {
  json_error err;
  memset(&err, 0, sizeof err);
  cr_assert_null(json_parse(text, len, &err), "accepted %s", text);
  cr_assert(err.message[0] != '\0');
  return err;
}

Test(json_read, scalars) {
  json_doc *d = parse_ok(" true ");
  cr_assert_eq(json_root(d)->type, JSON_TRUE);
  json_free(d);
  d = parse_ok("null");
  cr_assert_eq(json_root(d)->type, JSON_NULL);
  json_free(d);
  d = parse_ok("-12.5e1");
  cr_assert_eq(json_root(d)->type, JSON_NUMBER);
  cr_assert_float_eq(json_root(d)->number, -125.0, 1e-12);
  cr_assert(json_root(d)->is_int);
  cr_assert_eq(json_root(d)->integer, -125);
  json_free(d);
  d = parse_ok("0.5");
  cr_assert(!json_root(d)->is_int);
  json_free(d);
  d = parse_ok("1e400");
  cr_assert(isinf(json_root(d)->number));
  cr_assert(!json_root(d)->is_int);
  json_free(d);
  d = parse_ok("-0");
  cr_assert(signbit(json_root(d)->number));
  json_free(d);
}

Test(json_read, object_and_array) {
  json_doc *d = parse_ok("{\"id\":7,\"op\":\"call\",\"args\":[1,[2,{}],\"x\"],\"id\":8}");
  const json_value *root = json_root(d), *args;
  cr_assert_eq(root->type, JSON_OBJECT);
  cr_assert_eq(root->len, 4);
  cr_assert_eq(json_get(root, "id")->integer, 8, "the last duplicate wins");
  cr_assert_str_eq(json_get(root, "op")->str, "call");
  args = json_get(root, "args");
  cr_assert_eq(args->len, 3);
  cr_assert_eq(args->child->next->type, JSON_ARRAY);
  cr_assert_eq(args->child->next->child->next->type, JSON_OBJECT);
  cr_assert_null(json_get(root, "nope"));
  cr_assert_null(json_get(args, "id"));
  json_free(d);
}

Test(json_read, string_escapes) {
  json_doc *d = parse_ok("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\"");
  const json_value *v = json_root(d);
  const char want[] = "a\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  cr_assert_eq(v->len, sizeof want - 1);
  cr_assert(memcmp(v->str, want, v->len) == 0);
  json_free(d);
}

Test(json_read, lone_surrogates_become_replacement) {
  json_doc *d = parse_ok("\"\\ud800x\\udc00\"");
  cr_assert_str_eq(json_root(d)->str, "\xef\xbf\xbdx\xef\xbf\xbd");
  json_free(d);
}

Test(json_read, nul_escape_keeps_length) {
  json_doc *d = parse_ok("\"a\\u0000b\"");
  cr_assert_eq(json_root(d)->len, 3);
  cr_assert_eq(json_root(d)->str[1], '\0');
  json_free(d);
}

Test(json_read, raw_utf8) {
  json_doc *d = parse_ok("\"h\xc3\xa9llo \xf0\x9f\x98\x80\"");
  cr_assert_eq(json_root(d)->len, 11);
  json_free(d);
}

Test(json_read, rejects) {
  static const char *bad[] = {
      "", "   ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]",
      "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc", "\"a\\x\"",
      "\"\\u12G4\"", "\"\\u12\"", "\"tab\there\"", "1 2", "{} x", "NaN",
      "Infinity", "'s'", "\"\\", "[\"a\\\"]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) parse_bad(bad[i], strlen(bad[i]));
}

Test(json_read, rejects_bad_utf8) {
  static const char *bad[] = {
      "\"\xff\"", "\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
      "\"\xf4\x90\x80\x80\"", "\"\x80\"",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) parse_bad(bad[i], strlen(bad[i]));
}

Test(json_read, embedded_nul_byte_is_an_error) {
  parse_bad("[1,\0 2]", 7);
}

Test(json_read, error_offset) {
  json_error err = parse_bad("{\"a\":1,\"b\" 2}", 13);
  cr_assert_eq(err.offset, 11);
  cr_assert_str_eq(err.message, "expected ':'");
}

Test(json_read, depth_limit) {
  char deep[4 * JSON_MAX_DEPTH];
  json_doc *d;
  size_t n = 0;
  json_error err;

  for (int i = 0; i < JSON_MAX_DEPTH; i++) deep[n++] = '[';
  for (int i = 0; i < JSON_MAX_DEPTH; i++) deep[n++] = ']';
  d = json_parse(deep, n, &err);
  cr_assert_not_null(d, "%d levels are allowed", JSON_MAX_DEPTH);
  json_free(d);

  n = 0;
  for (int i = 0; i <= JSON_MAX_DEPTH; i++) deep[n++] = '[';
  for (int i = 0; i <= JSON_MAX_DEPTH; i++) deep[n++] = ']';
  parse_bad(deep, n);
}

Test(json_read, hostile_nesting_does_not_recurse) {
  size_t n = 1 << 20;
  char *text = malloc(n);
  memset(text, '[', n);
  parse_bad(text, n);
  memset(text, '{', n);
  parse_bad(text, n);
  free(text);
}

Test(json_read, big_string) {
  size_t n = 1 << 20;
  char *text = malloc(n + 2);
  json_doc *d;
  json_error err;

  text[0] = '"';
  memset(text + 1, 'x', n);
  text[n + 1] = '"';
  d = json_parse(text, n + 2, &err);
  cr_assert_not_null(d);
  cr_assert_eq(json_root(d)->len, n);
  json_free(d);
  free(text);
}

Test(json_read, long_number_rejected) {
  char text[JSON_MAX_NUMBER_LEN + 10];
  memset(text, '1', sizeof text);
  parse_bad(text, sizeof text);
}

/* ------------------------------------------------------------------ writer */

Test(json_write, structure_and_commas) {
  json_writer w;
  jw_init(&w);
  jw_object_begin(&w);
  jw_key(&w, "a");
  jw_array_begin(&w);
  jw_int(&w, 1);
  jw_bool(&w, 0);
  jw_null(&w);
  jw_array_begin(&w);
  jw_array_end(&w);
  jw_object_begin(&w);
  jw_object_end(&w);
  jw_array_end(&w);
  jw_key(&w, "b");
  jw_string(&w, "x");
  jw_object_end(&w);
  cr_assert_str_eq(w.buf, "{\"a\":[1,false,null,[],{}],\"b\":\"x\"}");
  jw_reset(&w);
  jw_int(&w, -3);
  cr_assert_str_eq(w.buf, "-3");
  jw_free(&w);
}

Test(json_write, string_escaping) {
  json_writer w;
  jw_init(&w);
  jw_string_n(&w, "q\"b\\n\n\t\x01\x1f\x7f\0z", 12);
  cr_assert_str_eq(w.buf, "\"q\\\"b\\\\n\\n\\t\\u0001\\u001F\x7f\\u0000z\"");
  jw_free(&w);
}

Test(json_write, invalid_utf8_replaced) {
  json_writer w;
  jw_init(&w);
  jw_string(&w, "a\xff" "b\xc3\xa9\xed\xa0\x80");
  cr_assert_str_eq(w.buf, "\"a\xef\xbf\xbd" "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  jw_free(&w);
}

Test(json_write, numbers) {
  static const struct {
    double d;
    const char *text;
  } cases[] = {
      {0, "0"}, {42, "42"}, {-7, "-7"}, {0.1, "0.1"}, {1.5e300, "1.5e+300"},
      {1.0 / 3, "0.3333333333333333"}, {9007199254740993.0, "9007199254740992"},
      {NAN, "null"}, {INFINITY, "null"},
  };
  json_writer w;
  jw_init(&w);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    jw_reset(&w);
    jw_number(&w, cases[i].d);
    cr_assert_str_eq(w.buf, cases[i].text);
  }
  jw_free(&w);
}

Test(json_write, round_trip) {
  const char *text = "{\"k\":[\"\\u0000\xe2\x82\xac\",-1.25,true,{\"n\":null}]}";
  json_doc *d = parse_ok(text);
  const json_value *arr = json_get(json_root(d), "k"), *v = arr->child;
  json_writer w;

  jw_init(&w);
  jw_object_begin(&w);
  jw_key(&w, "k");
  jw_array_begin(&w);
  jw_string_n(&w, v->str, v->len);
  jw_number(&w, v->next->number);
  jw_bool(&w, v->next->next->type == JSON_TRUE);
  jw_raw(&w, "{\"n\":null}", 10);
  jw_array_end(&w);
  jw_object_end(&w);
  cr_assert_str_eq(w.buf, text);
  jw_free(&w);
  json_free(d);
}

/* ------------------------------------------------------------------ base64 */

Test(base64, encode_rfc4648_vectors) {
  static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  char buf[16];
  for (size_t i = 0; i < 7; i++) {
    cr_assert_eq(base64_encoded_len(strlen(in[i])), strlen(out[i]));
    base64_encode((const unsigned char *)in[i], strlen(in[i]), buf);
    cr_assert_str_eq(buf, out[i]);
  }
}

Test(base64, decode_round_trip_all_bytes) {
  unsigned char raw[256], back[256];
  char text[400];
  size_t n;
  for (int i = 0; i < 256; i++) raw[i] = (unsigned char)i;
  for (size_t len = 0; len <= 256; len += 1) {
    base64_encode(raw, len, text);
    cr_assert_eq(base64_decode(text, strlen(text), back, &n), 0);
    cr_assert_eq(n, len);
    cr_assert(memcmp(raw, back, len) == 0);
  }
}

Test(base64, decode_rejects) {
  static const char *bad[] = {"Zg", "Zg=", "Z===", "Zm9v!", "Zg==Zg==", "=Zg=",
                              "Zh==", "Zm9=", "Zm 9v", "Zm9v\n"};
  unsigned char out[16];
  size_t n;
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_eq(base64_decode(bad[i], strlen(bad[i]), out, &n), -1, "%s", bad[i]);
}

/* ---------------------------------------------------------------- ToInt32 */

Test(toint32, values) {
  cr_assert_eq(js_to_int32(5.9), 5);
  cr_assert_eq(js_to_int32(-5.9), -5);
  cr_assert_eq(js_to_int32(4294967297.0), 1);
  cr_assert_eq(js_to_int32(2147483648.0), INT32_MIN);
  cr_assert_eq(js_to_int32(NAN), 0);
  cr_assert_eq(js_to_int32(INFINITY), 0);
}
