/*
 * fuzz_protocol.c - the shim's whole request path on arbitrary bytes:
 * stdin reader (input.c: line splitting across reads), JSON reader
 * (json.c, and the library's utf8.c), value checks and conversions
 * (value.c, toint32.c, the library's jsnum.c, base64.c), dispatch (dispatch.c, handles.c) and every class's methods
 * and properties (api_*.c), writer and messages (json_writer.c, out.c).
 *
 * The input is what the harness would write to the shim's stdin. It goes
 * through a pipe on fd 0 in pieces of varying size, the loop running
 * between pieces, as main.c runs it. The library under the shim is the
 * real one except that listen/connect/new Socket({fd}) only validate
 * (fuzz_env.c): no descriptor, no lookup, no packet.
 *
 * Checks on the output (fd 1 is a memfd here): every line is a JSON
 * object with a known "type"; "seq" counts up by one; every request line
 * that is not blank gets exactly one response (until a detach op), with
 * a known status and the fields that status needs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "dispatch.h"
#include "fuzz_env.h"
#include "input.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int out_fd = -1, null_fd = -1, at_eof;

static void on_eof(void) {
  at_eof = 1;
  event_base_loopbreak(shim_base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  env_init();
  out_fd = memfd_create("fuzz_protocol.out", MFD_CLOEXEC);
  null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  FUZZ_CHECK(out_fd >= 0 && null_fd >= 0, "memfd_create or /dev/null");
  return 0;
}

/* dispatch.c's blank line: only spaces, tabs and CRs. */
static int blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
      return 0;
  return 1;
}

static size_t count_requests(const char *s, size_t n) {
  size_t count = 0, start = 0;

  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '\n') {
      if (!(i == n && start == n) && !blank(s + start, i - start))
        count++;
      start = i + 1;
    }
  }
  return count;
}

static const char *str_field(const json_value *obj, const char *key) {
  const json_value *v = json_get(obj, key);
  return v != NULL && v->type == JSON_STRING ? v->str : NULL;
}

/* Checks the messages in out[0..n); returns the number of responses. */
static size_t check_output(const char *out, size_t n) {
  size_t responses = 0, start = 0;
  long long seq = -1;

  FUZZ_CHECK(n == 0 || out[n - 1] == '\n', "output does not end with a newline");
  for (size_t i = 0; i < n; i++) {
    json_error err;
    json_doc *doc;
    const json_value *m, *s;
    const char *type;

    if (out[i] != '\n')
      continue;
    doc = json_parse(out + start, i - start, &err);
    FUZZ_CHECK(doc != NULL, "message is not JSON (%s at %zu): %.*s", err.message,
               err.offset, (int)(i - start > 300 ? 300 : i - start), out + start);
    m = json_root(doc);
    type = str_field(m, "type");
    s = json_get(m, "seq");
    FUZZ_CHECK(m->type == JSON_OBJECT && type != NULL && s != NULL && s->is_int,
               "message without type or seq: %.*s", (int)(i - start), out + start);
    FUZZ_CHECK(seq < 0 || s->integer == seq + 1, "seq %lld after %lld", s->integer, seq);
    seq = s->integer;
    if (strcmp(type, "response") == 0) {
      const char *status = str_field(m, "status");
      const json_value *id = json_get(m, "id");

      responses++;
      FUZZ_CHECK(id != NULL && (id->type == JSON_NULL || id->is_int) && status != NULL,
                 "response without id or status: %.*s", (int)(i - start), out + start);
      if (strcmp(status, "ok") == 0) {
        FUZZ_CHECK(json_get(m, "value") != NULL, "ok without a value");
      } else if (strcmp(status, "threw") == 0) {
        const json_value *e = json_get(json_get(m, "error"), "$error");
        FUZZ_CHECK(str_field(e, "name") != NULL && str_field(e, "message") != NULL,
                   "threw without an $error: %.*s", (int)(i - start), out + start);
      } else {
        FUZZ_CHECK(strcmp(status, "bad_request") == 0 && str_field(m, "code") != NULL &&
                       str_field(m, "message") != NULL,
                   "response status '%s'", status);
      }
    } else {
      FUZZ_CHECK(strcmp(type, "event") == 0 || strcmp(type, "callback") == 0,
                 "message type '%s'", type);
    }
    json_free(doc);
    start = i + 1;
  }
  return responses;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t pieces[] = {13, 1, 200, 4096, 2, 57};
  static const input_handlers handlers = {
      .line = dispatch_line, .overlong = dispatch_overlong, .eof = on_eof};
  int p[2];
  size_t off = 0, k = 0, responses, requests;
  struct stat st;
  char *out;

  if (size > (1u << 20))
    return 0;
  FUZZ_CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe2");
  fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
  FUZZ_CHECK(dup2(p[0], STDIN_FILENO) == STDIN_FILENO, "dup2 stdin");
  close(p[0]);
  FUZZ_CHECK(ftruncate(out_fd, 0) == 0 && lseek(out_fd, 0, SEEK_SET) == 0 &&
                 dup2(out_fd, STDOUT_FILENO) == STDOUT_FILENO,
             "memfd as stdout");

  env_begin();
  at_eof = 0;
  FUZZ_CHECK(input_start(shim_base, &handlers) == 0, "input_start");
  while (off < size && !shim_detached && !at_eof) {
    size_t n = pieces[k++ % (sizeof pieces / sizeof *pieces)];
    if (n > size - off)
      n = size - off;
    FUZZ_CHECK(write(p[1], data + off, n) == (ssize_t)n, "write to the pipe");
    off += n;
    event_base_loop(shim_base, EVLOOP_NONBLOCK);
  }
  close(p[1]);
  if (!shim_detached && !at_eof)
    event_base_dispatch(shim_base); /* until EOF (or a detach op) */
  input_stop();
  env_end();
  dup2(null_fd, STDIN_FILENO);

  FUZZ_CHECK(fstat(out_fd, &st) == 0, "fstat");
  out = malloc((size_t)st.st_size + 1);
  FUZZ_CHECK(pread(out_fd, out, (size_t)st.st_size, 0) == st.st_size, "pread");
  responses = check_output(out, (size_t)st.st_size);
  requests = count_requests((const char *)data, size);
  if (shim_detached)
    FUZZ_CHECK(responses <= requests, "%zu responses to %zu requests", responses, requests);
  else
    FUZZ_CHECK(responses == requests, "%zu responses to %zu requests", responses, requests);
  free(out);
  {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    close(devnull);
  }
  return 0;
}
