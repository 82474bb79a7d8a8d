/*
 * fuzz_args.h - reading a fuzz input as the argument list of one call: the
 * input is the text between the brackets of the request's "args" array
 * (e.g. `8080, "127.0.0.1"` or `{"path": "/tmp/x"}`), parsed by the shim's
 * own JSON reader. Used by fuzz_listen_options and fuzz_connect_options.
 */
#ifndef NETSPEC_FUZZ_ARGS_H
#define NETSPEC_FUZZ_ARGS_H

#include <stdint.h>
#include <string.h>

#include "fuzz_env.h"
#include "listen_args.h"

/* Parses "[" data "]"; NULL when it is not JSON. */
static inline json_doc *args_parse(const uint8_t *data, size_t size) {
  char *text = malloc(size + 2);
  json_doc *doc;
  json_error err;

  text[0] = '[';
  memcpy(text + 1, data, size);
  text[size + 1] = ']';
  doc = json_parse(text, size + 2, &err);
  free(text);
  return doc;
}

/* The start of one case: the input parsed as the argument list (NULL when
 * it is not JSON: nothing to run), a fresh environment, h1 a Server and h2
 * a Socket. End the case with args_end(). */
static inline json_doc *args_begin(const uint8_t *data, size_t size) {
  json_doc *doc = args_parse(data, size);

  if (doc == NULL)
    return NULL;
  env_begin();
  env_request("{\"id\":1,\"op\":\"new\",\"class\":\"Server\"}");
  env_request("{\"id\":2,\"op\":\"new\",\"class\":\"Socket\"}");
  return doc;
}

static inline void args_end(json_doc *doc) {
  env_end();
  json_free(doc);
}

/* Runs the library's isPipeName() (so its Number() and UTF-8 reading) on
 * every string in v, under the sanitizers. */
static inline void args_check_strings(const json_value *v) {
  if (v->type == JSON_STRING)
    (void)ns__is_pipe_name(v->str, v->len);
  if (v->type == JSON_ARRAY || v->type == JSON_OBJECT)
    for (const json_value *c = v->child; c != NULL; c = c->next)
      args_check_strings(c);
}

/* After a call: a thrown error is well-formed; the shim reported
 * exactly what the (wrapped) library decided. */
static inline void args_check_reply(int status, const reply *r) {
  if (status == REPLY_THREW)
    env_check_error(&r->error);
  if (status == REPLY_BAD)
    FUZZ_CHECK(r->code != NULL && r->message[0] != '\0', "bad_request without a message");
}

#endif
