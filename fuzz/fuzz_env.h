/*
 * fuzz_env.h - what the shim-based fuzz targets share: the shim's globals
 * (normally in main.c), a fresh event base per input, calls into the
 * shim's class tables, and checks on what the library was asked.
 *
 * The shim is linked with -Wl,--wrap for ns_server_listen,
 * ns_server_listen_fd, ns_server_listen_server, ns_server_listen_socket,
 * ns_socket_connect and ns_socket_new: their __wrap_ versions in fuzz_env.c
 * run only the library's argument validation (ns__listen_validate,
 * ns__connect_validate, the fd < 0 / not-listening checks), check what it
 * decided against Node 8's rules, and never bind, connect, resolve a name
 * or adopt a descriptor. So fuzzed input cannot reach the network.
 */
#ifndef NETSPEC_FUZZ_ENV_H
#define NETSPEC_FUZZ_ENV_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "shim.h"

/* Aborts (a finding) with a message when cond is false. */
#define FUZZ_CHECK(cond, ...)                                                \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s:%d: check failed: %s\n  ", __FILE__, __LINE__,     \
              #cond);                                                        \
      fprintf(stderr, __VA_ARGS__);                                          \
      fputc('\n', stderr);                                                   \
      abort();                                                               \
    }                                                                        \
  } while (0)

/* Once per process: stdout to /dev/null (the shim writes its messages
 * there), SIGPIPE ignored. */
void env_init(void);

/* A new shim_base for one input; env_end() releases every handle, the
 * library's state for the base and the base. */
void env_begin(void);
void env_end(void);

/* Runs one request line through dispatch_line() (its response goes to
 * stdout). */
void env_request(const char *line);

/* Calls method `name` of `cls` on `self` (NULL: a constructor or a net
 * function) with the elements of the JSON array `args` through the shim's
 * dispatch_invoke() (arguments that fail val_check answer bad_request).
 * Returns the reply's status; *r is the reply (free r->value with
 * jw_free). Returns -1 when the method does not exist. */
int env_call(const class_def *cls, struct handle *self, const char *name,
             const json_value *args, reply *r);

/* What the wrapped entry points saw since env_begin(). */
typedef struct env_counts {
  unsigned listen, listen_ok, connect, connect_ok, socket_new;
} env_counts;
extern env_counts env_seen;

/* Checks an error a call threw: a known name, a non-empty message ending
 * within its buffer. */
void env_check_error(const ns_error *err);

#endif
