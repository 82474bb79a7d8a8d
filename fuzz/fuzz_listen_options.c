/*
 * fuzz_listen_options.c - server.listen(ARGS) and new net.Server(ARGS)
 * end to end: the shim's argument handling (net_args.c: Node 8's
 * normalizeArgs(), isLegalPort(); api_server_listen.c: pipe names, handles,
 * { fd }) then the library's validation (listen_args.c), checked in
 * fuzz_env.c against Node 8's listen() rules. Validation only: nothing is
 * bound.
 *
 * Input: the argument list, e.g. `{"port": "0x1F90", "host": "::1"}` or
 * `"/tmp/sock", 5, {"$callback": "cb1"}`; h1 is a Server, h2 a Socket.
 */
#include "fuzz_args.h"
#include "handles.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  env_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_doc *doc = args_begin(data, size);
  const json_value *args;
  reply r;
  int status;

  if (doc == NULL)
    return 0;
  args = json_root(doc);
  args_check_strings(args);

  status = env_call(&server_class, handles_find("h1", 2), "listen", args, &r);
  args_check_reply(status, &r);
  if (status == REPLY_OK)
    FUZZ_CHECK(env_seen.listen == 1 && env_seen.listen_ok == 1,
               "listen() answered ok after %u calls, %u accepted",
               env_seen.listen, env_seen.listen_ok);
  if (status == REPLY_THREW)
    FUZZ_CHECK(env_seen.listen == 1 && env_seen.listen_ok == 0,
               "listen() threw after %u calls, %u accepted", env_seen.listen,
               env_seen.listen_ok);
  jw_free(&r.value);
  ns_error_free(&r.error);

  status = env_call(&server_class, NULL, NULL, args, &r); /* new Server(ARGS) */
  args_check_reply(status, &r);
  jw_free(&r.value);
  ns_error_free(&r.error);

  args_end(doc);
  return 0;
}
