/*
 * fuzz_connect_options.c - net.connect(ARGS), socket.connect(ARGS) and
 * new net.Socket(ARGS) end to end: the shim's argument handling
 * (net_args.c: normalizeArgs(), isLegalPort(); api_socket_connect.c: hosts,
 * localAddress, lookup, family, hints; api_socket.c: { fd }) then the
 * library's validation (connect_args.c), checked in fuzz_env.c against
 * Node 8's lookupAndConnect() and dns.lookup() rules. Validation only:
 * nothing connects, nothing is looked up, no descriptor is adopted.
 *
 * Input: the argument list, e.g. `{"port": 80, "host": "::1", "family": 6}`
 * or `"8080", "localhost", {"$callback": "cb1"}`; h1 is a Server, h2 a
 * Socket.
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

  status = env_call(&net_module, NULL, "connect", args, &r);
  args_check_reply(status, &r);
  if (status == REPLY_OK)
    FUZZ_CHECK(env_seen.connect == 1 && env_seen.connect_ok == 1,
               "net.connect() answered ok after %u calls, %u accepted",
               env_seen.connect, env_seen.connect_ok);
  jw_free(&r.value);
  ns_error_free(&r.error);

  status = env_call(&socket_class, handles_find("h2", 2), "connect", args, &r);
  args_check_reply(status, &r);
  jw_free(&r.value);
  ns_error_free(&r.error);
  /* again: an accepted first connect leaves the socket as it was (the
   * wrapped library does not connect), so this checks the same rules */
  status = env_call(&socket_class, handles_find("h2", 2), "connect", args, &r);
  args_check_reply(status, &r);
  jw_free(&r.value);
  ns_error_free(&r.error);

  status = env_call(&socket_class, NULL, NULL, args, &r); /* new Socket(ARGS) */
  args_check_reply(status, &r);
  jw_free(&r.value);
  ns_error_free(&r.error);

  args_end(doc);
  return 0;
}
