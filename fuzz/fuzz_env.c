/*
 * fuzz_env.c - see fuzz_env.h. The __wrap_ functions replace the library's
 * entry points for the shim (linked with -Wl,--wrap=SYMBOL): validation
 * only, checked against Node 8's rules as spec/ states them.
 */
#include "fuzz_env.h"

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "connect_args.h"
#include "dispatch.h"
#include "handles.h"
#include "listen_args.h"

/* main.c's globals. */
struct event_base *shim_base;
int shim_detached;

env_counts env_seen;

void env_init(void) {
  int fd = open("/dev/null", O_WRONLY);

  if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
    perror("fuzz_env: /dev/null");
    abort();
  }
  close(fd);
  signal(SIGPIPE, SIG_IGN);
}

void env_begin(void) {
  memset(&env_seen, 0, sizeof env_seen);
  shim_detached = 0;
  shim_base = event_base_new();
  FUZZ_CHECK(shim_base != NULL, "event_base_new");
}

void env_end(void) {
  handles_release_all();
  ns_base_cleanup(shim_base);
  event_base_free(shim_base);
  shim_base = NULL;
}

void env_request(const char *line) { dispatch_line(line, strlen(line)); }

int env_call(const class_def *cls, struct handle *self, const char *name,
             const json_value *args, reply *r) {
  method_fn fn = NULL;

  memset(r, 0, sizeof *r);
  r->status = REPLY_OK;
  jw_init(&r->value);
  if (name == NULL) {
    fn = cls->construct;
  } else {
    for (const method_def *m = cls->methods; m->name != NULL; m++)
      if (strcmp(m->name, name) == 0)
        fn = m->fn;
  }
  if (fn == NULL)
    return -1;
  dispatch_invoke(self, fn, args, r); /* the shim's own call path */
  return (int)r->status;
}

/* ---------------------------------------------------------------- checks */

void env_check_error(const ns_error *err) {
  size_t n = err->message != NULL ? strlen(err->message) : 0;

  FUZZ_CHECK(err->name != NULL &&
                 (strcmp(err->name, "Error") == 0 ||
                  strcmp(err->name, "TypeError") == 0 ||
                  strcmp(err->name, "RangeError") == 0 ||
                  strncmp(err->name, "TypeError [", 11) == 0),
             "error name '%s'", err->name != NULL ? err->name : "(null)");
  FUZZ_CHECK(n > 0, "message of %zu bytes", n);
}


static int starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Node 8's listen(options) decision for the options the C API got. */
static void check_listen(const ns_listen_options *o, int rc, const ns_error *err) {
  int want_ok;

  if (o->has_port)
    want_ok = o->port >= 0 && o->port <= 65535;
  else
    want_ok = o->path != NULL &&
              ns__is_pipe_name(o->path, o->path_len > 0 ? o->path_len : strlen(o->path));
  FUZZ_CHECK(want_ok == (rc == 0),
             "listen(has_port %d port %d path '%.100s' (%zu bytes)): library %d, Node %s",
             o->has_port, o->port, o->path != NULL ? o->path : "(null)", o->path_len,
             rc, want_ok ? "listens" : "throws");
  if (rc == 0)
    return;
  env_check_error(err);
  if (o->has_port) {
    FUZZ_CHECK(strcmp(err->name, "RangeError") == 0 &&
                   strcmp(err->message, "\"port\" argument must be >= 0 and < 65536") == 0,
               "%s: %s", err->name, err->message);
  } else {
    size_t n = strlen(err->message);

    FUZZ_CHECK(strcmp(err->name, "Error") == 0 &&
                   starts(err->message, "Invalid listen argument: {"),
               "%s: %s", err->name, err->message);
    /* util.inspect() output is always whole. */
    FUZZ_CHECK(err->message[n - 1] == '}', "cut inspect output (%zu bytes): %s", n,
               err->message);
  }
}

int __real_ns_server_listen(ns_server *srv, const ns_listen_options *opts, ns_error *err);
int __wrap_ns_server_listen(ns_server *srv, const ns_listen_options *opts, ns_error *err);
int __wrap_ns_server_listen(ns_server *srv, const ns_listen_options *opts, ns_error *err) {
  static const ns_listen_options none = {.has_port = 1};
  ns_error scratch = {0};
  int rc;

  (void)srv;
  if (opts == NULL)
    opts = &none;
  env_seen.listen++;
  rc = ns__listen_validate(opts, err != NULL ? err : &scratch);
  check_listen(opts, rc, err != NULL ? err : &scratch);
  ns_error_free(&scratch);
  if (rc == 0)
    env_seen.listen_ok++;
  return rc;
}

int __real_ns_server_listen_fd(ns_server *srv, int fd, int backlog, ns_error *err);
int __wrap_ns_server_listen_fd(ns_server *srv, int fd, int backlog, ns_error *err);
int __wrap_ns_server_listen_fd(ns_server *srv, int fd, int backlog, ns_error *err) {
  int rc;

  env_seen.listen++;
  if (fd >= 0) { /* would adopt the descriptor: never here */
    env_seen.listen_ok++;
    return 0;
  }
  rc = __real_ns_server_listen_fd(srv, fd, backlog, err);
  FUZZ_CHECK(rc == -1, "listen({fd: %d}) accepted", fd);
  env_check_error(err);
  FUZZ_CHECK(starts(err->message, "Invalid listen argument: { fd: "), "%s", err->message);
  return rc;
}

int __real_ns_server_listen_server(ns_server *srv, ns_server *lender, int backlog,
                                   ns_error *err);
int __wrap_ns_server_listen_server(ns_server *srv, ns_server *lender, int backlog,
                                   ns_error *err);
int __wrap_ns_server_listen_server(ns_server *srv, ns_server *lender, int backlog,
                                   ns_error *err) {
  env_seen.listen++;
  /* No server listens here (listen is wrapped), so the library only ever
   * throws; guard anyway. */
  if (ns_server_listening(lender)) {
    env_seen.listen_ok++;
    return 0;
  }
  FUZZ_CHECK(__real_ns_server_listen_server(srv, lender, backlog, err) == -1,
             "listen(server) on a server that does not listen");
  env_check_error(err);
  return -1;
}

int __real_ns_server_listen_socket(ns_server *srv, ns_socket *sock, int backlog,
                                   ns_error *err);
int __wrap_ns_server_listen_socket(ns_server *srv, ns_socket *sock, int backlog,
                                   ns_error *err);
int __wrap_ns_server_listen_socket(ns_server *srv, ns_socket *sock, int backlog,
                                   ns_error *err) {
  ns_socket_info i;

  env_seen.listen++;
  ns_socket_info_get(sock, &i);
  if (i.has_handle) { /* never here: no socket gets a descriptor */
    env_seen.listen_ok++;
    return 0;
  }
  FUZZ_CHECK(__real_ns_server_listen_socket(srv, sock, backlog, err) == -1,
             "listen(socket) on a socket without a descriptor");
  env_check_error(err);
  return -1;
}

ns_socket *__real_ns_socket_new(struct event_base *base, const ns_socket_options *opts,
                                ns_socket_cb cb, void *arg, ns_error *err);
ns_socket *__wrap_ns_socket_new(struct event_base *base, const ns_socket_options *opts,
                                ns_socket_cb cb, void *arg, ns_error *err);
ns_socket *__wrap_ns_socket_new(struct event_base *base, const ns_socket_options *opts,
                                ns_socket_cb cb, void *arg, ns_error *err) {
  ns_socket_options copy;
  ns_socket *sock;

  env_seen.socket_new++;
  if (opts != NULL && opts->has_fd) {
    /* new Socket({fd}): the library would adopt the descriptor; give it
     * one that is never open, so that it refuses. */
    copy = *opts;
    copy.fd = -1;
    sock = __real_ns_socket_new(base, &copy, cb, arg, err);
    FUZZ_CHECK(sock == NULL, "a socket on descriptor -1");
    if (err != NULL)
      env_check_error(err);
    return NULL;
  }
  return __real_ns_socket_new(base, opts, cb, arg, err);
}

/* Node 8's lookupAndConnect() and dns.lookup() checks, in their order,
 * for the options the C API got: the expected message prefix, or NULL. */
static const char *node_connect(const ns_connect_options *o, int busy) {
  const char *host = o->host != NULL && o->host[0] != '\0' ? o->host : "localhost";
  int hints = o->hints, family = o->family;

  if (busy)
    return "Socket is already connected";
  if (o->path != NULL && o->path[0] != '\0')
    return NULL;
  if (o->local_address != NULL && o->local_address[0] != '\0' &&
      ns_is_ip(o->local_address) == 0)
    return "\"localAddress\" option must be a valid IP: ";
  if (o->port < 0 || o->port > 65535 || o->port_invalid)
    return "\"port\" option should be >= 0 and < 65536: ";
  if (ns_is_ip(host) != 0 || o->lookup != NULL)
    return NULL;
  if (hints != 0 && hints != NS_AI_ADDRCONFIG && hints != NS_AI_V4MAPPED &&
      hints != (NS_AI_ADDRCONFIG | NS_AI_V4MAPPED))
    return "Invalid argument: hints must use valid flags";
  if (family != 0 && family != 4 && family != 6)
    return "Invalid argument: family must be 4 or 6";
  return NULL;
}

int __real_ns_socket_connect(ns_socket *sock, const ns_connect_options *opts, ns_error *err);
int __wrap_ns_socket_connect(ns_socket *sock, const ns_connect_options *opts, ns_error *err);
int __wrap_ns_socket_connect(ns_socket *sock, const ns_connect_options *opts, ns_error *err) {
  static const ns_connect_options none;
  ns_socket_info i;
  ns_error scratch;
  const char *want;
  int busy, rc;

  if (err == NULL)
    err = &scratch;
  if (opts == NULL)
    opts = &none;
  env_seen.connect++;
  ns_socket_info_get(sock, &i);
  busy = i.connecting || (i.has_handle && !i.destroyed);
  rc = ns__connect_validate(opts, busy, err);
  want = node_connect(opts, busy);
  FUZZ_CHECK((want == NULL) == (rc == 0) && (rc == 0 || starts(err->message, want)),
             "connect(host '%.100s' port %d%s path '%.100s' localAddress '%.100s' "
             "family %d hints %d lookup %d): library %s, Node %s",
             opts->host != NULL ? opts->host : "(null)", opts->port,
             opts->port_invalid ? " (invalid)" : "",
             opts->path != NULL ? opts->path : "(null)",
             opts->local_address != NULL ? opts->local_address : "(null)",
             opts->family, opts->hints, opts->lookup != NULL,
             rc == 0 ? "connects" : err->message, want != NULL ? want : "connects");
  if (rc != 0) {
    env_check_error(err);
    return rc;
  }
  env_seen.connect_ok++;
  return 0; /* and nothing else: no descriptor, no lookup, no packet */
}
