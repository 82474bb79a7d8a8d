/*
 * test_server.c - ns_server: listen, errors, close, connections, free, with
 * the event order Node 8.17.0 shows. The loop is driven with
 * event_base_loop() and a deadline timer; nothing sleeps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "kept_errors.h"
#include "netspec.h"


/* ------------------------------------------------------------- recorder */

enum { EV_LISTENING = 'L', EV_CONNECTION = 'C', EV_ERROR = 'E',
       EV_CLOSE = 'X', EV_CLOSE_CB = 'K' };

/* One thing a server did: an event, or a close callback. */
typedef struct entry {
  int kind;
  ns_server *srv;
  int has_err;
  ns_error err;
  ns_socket *sock;
} entry;

/* Everything recorded, plus what to do from inside callbacks. */
typedef struct rec {
  struct event_base *base;
  entry e[32];
  int n;
  int want;                 /* break the loop once n reaches it */
  int destroy_on_connection;
  int free_on_connection;
  int free_on_close_cb;
  int close_on_connection;
} rec;

static void on_close_cb(ns_server *srv, const ns_error *err, void *arg);

/* Appends an entry and breaks the loop when enough were seen. */
static entry *record(rec *r, int kind, ns_server *srv, const ns_error *err) {
  entry *x;

  cr_assert_lt(r->n, 32, "too many events");
  x = &r->e[r->n++];
  memset(x, 0, sizeof *x);
  x->kind = kind;
  x->srv = srv;
  if (err != NULL) {
    x->has_err = 1;
    keep_error(&x->err, err);
  }
  if (r->n >= r->want)
    event_base_loopbreak(r->base);
  return x;
}

static void on_event(ns_server *srv, const ns_server_event *ev, void *arg) {
  rec *r = arg;
  static const int kinds[] = {0, EV_LISTENING, EV_CONNECTION, EV_ERROR,
                              EV_CLOSE};
  entry *x = record(r, kinds[ev->type], srv, ev->error);

  if (ev->type != NS_SERVER_CONNECTION)
    return;
  cr_assert_not_null(ev->socket);
  x->sock = ev->socket;
  if (r->destroy_on_connection)
    ns_socket_destroy(ev->socket, NULL);
  if (r->close_on_connection)
    ns_server_close(srv, on_close_cb, r);
  if (r->free_on_connection)
    ns_server_free(srv);
}

static void on_close_cb(ns_server *srv, const ns_error *err, void *arg) {
  rec *r = arg;

  record(r, EV_CLOSE_CB, srv, err);
  if (r->free_on_close_cb)
    ns_server_free(srv);
}

/* libevent timer callback: the deadline passed. */
static void on_deadline(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopbreak(arg);
}

/* Runs the loop until `n` entries are recorded or `ms` pass. Returns
 * non-zero when the count was reached. */
static int run_until(rec *r, int n, int ms) {
  struct event *deadline = evtimer_new(r->base, on_deadline, r->base);
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

  cr_assert_not_null(deadline);
  r->want = n;
  if (r->n < n) {
    evtimer_add(deadline, &tv);
    event_base_loop(r->base, 0);
  }
  event_free(deadline);
  r->want = INT_MAX;
  return r->n >= n;
}

/* Runs the loop for `ms` whatever happens (to see that nothing does). */
static void run_for(rec *r, int ms) {
  run_until(r, INT_MAX, ms);
}

/* Each test's recorder and event base, made by the suite's .init and
 * released (with whatever the test left on the base, and the kept errors)
 * by its .fini. */
static rec r;

static void setup(void) {
  memset(&r, 0, sizeof r);
  r.base = event_base_new();
  r.want = INT_MAX;
  cr_assert_not_null(r.base);
}

static void teardown(void) {
  ns_base_cleanup(r.base);
  event_base_free(r.base);
  kept_errors_free();
}

TestSuite(server, .init = setup, .fini = teardown);

/* A server on the test's base whose events go to the recorder. */
static ns_server *new_server(void) {
  return ns_server_new(r.base, NULL, on_event, &r, NULL);
}

/* Returns a string of the recorded kinds, e.g. "LXK". */
static const char *kinds(const rec *r) {
  static char s[40];
  int i;

  for (i = 0; i < r->n; i++)
    s[i] = (char)r->e[i].kind;
  s[r->n] = '\0';
  return s;
}

/* ------------------------------------------------------------- helpers */

/* Options for TCP `host`:`port`. */
static ns_listen_options tcp(const char *host, int port) {
  ns_listen_options o;

  memset(&o, 0, sizeof o);
  o.host = host;
  o.port = port;
  o.has_port = 1;
  return o;
}

/* Options for a Unix socket at `path`. */
static ns_listen_options pipe_at(const char *path) {
  ns_listen_options o;

  memset(&o, 0, sizeof o);
  o.path = path;
  return o;
}

/* Listens and expects success with no synchronous event. */
static void listen_ok(rec *r, ns_server *srv, ns_listen_options o) {
  ns_error err = {0};
  int before = r->n;

  cr_assert_eq((ns_error_free(&err), ns_server_listen(srv, &o, &err)), 0);
  cr_assert_eq(r->n, before, "an event was emitted synchronously");
}

/* Returns the port a listening server has. */
static int port_of(ns_server *srv) {
  ns_address a;

  cr_assert_eq(ns_server_address(srv, &a), 0);
  cr_assert_eq(a.kind, NS_ADDRESS_INET);
  return a.port;
}

/* Returns non-zero if this host can bind IPv6 loopback. */
static int have_ipv6(void) {
  struct sockaddr_in6 sin6;
  int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

  if (fd == -1)
    return 0;
  memset(&sin6, 0, sizeof sin6);
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = in6addr_loopback;
  ok = bind(fd, (struct sockaddr *)&sin6, sizeof sin6) == 0;
  close(fd);
  return ok;
}

/* Connects a blocking client to 127.0.0.1:port; *local_port gets its port. */
static int connect_ipv4(int port, int *local_port) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  cr_assert_neq(fd, -1);
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0,
               "connect: %s", strerror(errno));
  cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
  if (local_port != NULL)
    *local_port = ntohs(sin.sin_port);
  return fd;
}

/* Creates a fresh directory for Unix sockets into dir[64]. */
static void make_dir(char *dir) {
  strcpy(dir, "/tmp/nsref.XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

static int path_exists(const char *path) {
  struct stat st;

  return lstat(path, &st) == 0;
}

/* Expects entry x to be a 'listen' system error. */
static void expect_listen_error(const entry *x, const char *code,
                                const char *address, int port,
                                const char *message) {
  cr_assert_eq(x->kind, EV_ERROR);
  cr_assert(x->has_err);
  cr_expect_str_eq(x->err.name, "Error");
  cr_expect_str_eq(x->err.code, code);
  cr_expect_str_eq(x->err.syscall, "listen");
  cr_expect_gt(x->err.errnum, 0);
  cr_expect_str_eq(ns_errno_code(x->err.errnum), code);
  cr_expect(x->err.has_address);
  cr_expect_str_eq(x->err.address, address);
  cr_expect_eq(x->err.has_port, port != 0);
  if (port != 0)
    cr_expect_eq(x->err.port, port);
  cr_expect_str_eq(x->err.message, message);
}

/* --------------------------------------------------------------- listen */

Test(server, listen_ipv4_ephemeral) {
  ns_server *srv;
  ns_address a;

  srv = new_server();
  cr_assert_not_null(srv);
  cr_expect_eq(ns_server_address(srv, &a), -1);
  cr_expect_eq(a.kind, NS_ADDRESS_NONE);
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  /* Node 8 looks the host up first: not listening yet. */
  cr_expect_eq(ns_server_listening(srv), 0);
  cr_assert(run_until(&r, 1, 2000));
  cr_expect_str_eq(kinds(&r), "L");
  cr_expect_eq(ns_server_listening(srv), 1);
  cr_assert_eq(ns_server_address(srv, &a), 0);
  cr_expect_eq(a.kind, NS_ADDRESS_INET);
  cr_expect_str_eq(a.address, "127.0.0.1");
  cr_expect_str_eq(a.family, "IPv4");
  cr_expect_gt(a.port, 0);
  ns_server_free(srv);
}

Test(server, listen_localhost_is_ipv4) {
  ns_server *srv;
  ns_address a;

  srv = new_server();
  listen_ok(&r, srv, tcp("localhost", 0));
  cr_assert(run_until(&r, 1, 2000));
  cr_expect_str_eq(kinds(&r), "L");
  cr_assert_eq(ns_server_address(srv, &a), 0);
  cr_expect_str_eq(a.address, "127.0.0.1");
  ns_server_free(srv);
}

Test(server, eaddrinuse_ipv4) {
  ns_server *a, *b;
  ns_address addr;
  char msg[64];
  int port;

  a = new_server();
  b = new_server();
  listen_ok(&r, a, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  port = port_of(a);
  listen_ok(&r, b, tcp("127.0.0.1", port));
  cr_assert(run_until(&r, 2, 2000));
  cr_assert_eq(r.e[1].srv, b);
  snprintf(msg, sizeof msg, "listen EADDRINUSE 127.0.0.1:%d", port);
  expect_listen_error(&r.e[1], "EADDRINUSE", "127.0.0.1", port, msg);
  cr_expect_eq(ns_server_listening(b), 0);
  cr_expect_eq(ns_server_address(b, &addr), -1);
  cr_expect_eq(addr.kind, NS_ADDRESS_NONE);
  ns_server_free(a);
  ns_server_free(b);
}

Test(server, eaddrinuse_ipv6) {
  ns_server *a, *b;
  char msg[64];
  int port;

  if (!have_ipv6())
    cr_skip_test("no IPv6 on this host");
  a = new_server();
  b = new_server();
  listen_ok(&r, a, tcp("::1", 0));
  cr_assert(run_until(&r, 1, 2000));
  port = port_of(a);
  listen_ok(&r, b, tcp("::1", port));
  cr_assert(run_until(&r, 2, 2000));
  snprintf(msg, sizeof msg, "listen EADDRINUSE ::1:%d", port);
  expect_listen_error(&r.e[1], "EADDRINUSE", "::1", port, msg);
  ns_server_free(a);
  ns_server_free(b);
}

/* Node 8: with the host omitted the bind is synchronous: listening at once,
 * on "::" (dual-stack) where IPv6 exists. */
Test(server, host_omitted_is_dual_stack) {
  ns_server *srv;
  ns_address a;
  int fd;

  srv = new_server();
  listen_ok(&r, srv, tcp(NULL, 0));
  cr_expect_eq(ns_server_listening(srv), 1);
  cr_assert_eq(ns_server_address(srv, &a), 0);
  if (have_ipv6()) {
    cr_expect_str_eq(a.address, "::");
    cr_expect_str_eq(a.family, "IPv6");
  } else {
    cr_expect_str_eq(a.address, "0.0.0.0");
    cr_expect_str_eq(a.family, "IPv4");
  }
  cr_assert(run_until(&r, 1, 2000));
  cr_expect_str_eq(kinds(&r), "L");
  /* dual-stack: an IPv4 client reaches it */
  r.destroy_on_connection = 1;
  fd = connect_ipv4(a.port, NULL);
  cr_assert(run_until(&r, 2, 2000));
  cr_expect_str_eq(kinds(&r), "LC");
  close(fd);
  ns_server_free(srv);
}

/* Node 8: "listen EADDRINUSE :::PORT" with address "::". */
Test(server, host_omitted_eaddrinuse) {
  ns_server *a, *b;
  char msg[64];
  int port;

  if (!have_ipv6())
    cr_skip_test("no IPv6 on this host");
  a = new_server();
  b = new_server();
  listen_ok(&r, a, tcp(NULL, 0));
  port = port_of(a);
  listen_ok(&r, b, tcp(NULL, port));
  cr_expect_eq(ns_server_listening(b), 0);
  cr_assert(run_until(&r, 2, 2000));
  cr_expect_str_eq(kinds(&r), "LE");
  snprintf(msg, sizeof msg, "listen EADDRINUSE :::%d", port);
  expect_listen_error(&r.e[1], "EADDRINUSE", "::", port, msg);
  ns_server_free(a);
  ns_server_free(b);
}

Test(server, null_options_listen_anywhere) {
  ns_server *srv;

  srv = new_server();
  cr_assert_eq(ns_server_listen(srv, NULL, NULL), 0);
  cr_expect_eq(ns_server_listening(srv), 1);
  cr_expect_gt(port_of(srv), 0);
  ns_server_free(srv);
}

/* Events of different servers come out in the order they were queued. */
Test(server, events_keep_queue_order_across_servers) {
  ns_server *a, *b, *c;
  int port;

  a = new_server();
  b = new_server();
  c = new_server();
  listen_ok(&r, a, tcp(NULL, 0));
  port = port_of(a);
  listen_ok(&r, b, tcp(NULL, port)); /* fails */
  ns_server_close(c, on_close_cb, &r);
  cr_assert(run_until(&r, 4, 2000));
  cr_expect_str_eq(kinds(&r), "LEXK");
  cr_expect_eq(r.e[0].srv, a);
  cr_expect_eq(r.e[1].srv, b);
  cr_expect_eq(r.e[2].srv, c);
  ns_server_free(a);
  ns_server_free(b);
  ns_server_free(c);
}

/* Node 8 keeps the bound socket when listen() is called again: it listens
 * again and emits 'listening' again, with the old address. */
Test(server, listen_again_keeps_socket) {
  ns_server *srv;
  ns_address a;
  int port;

  srv = new_server();
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  port = port_of(srv);
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 2, 2000));
  cr_expect_str_eq(kinds(&r), "LL");
  cr_assert_eq(ns_server_address(srv, &a), 0);
  cr_expect_str_eq(a.address, "127.0.0.1");
  cr_expect_eq(a.port, port);
  ns_server_free(srv);
}

/* ----------------------------------------------------------- validation */

Test(server, validation_errors_are_synchronous) {
  ns_server *srv;
  ns_listen_options o;
  ns_error err = {0};

  srv = new_server();
  o = tcp("127.0.0.1", 65536);
  cr_expect_eq((ns_error_free(&err), ns_server_listen(srv, &o, &err)), -1);
  cr_expect_str_eq(err.name, "RangeError");
  cr_expect_str_eq(err.message, "\"port\" argument must be >= 0 and < 65536");
  cr_expect_null(err.code);
  o = tcp(NULL, -1);
  cr_expect_eq((ns_error_free(&err), ns_server_listen(srv, &o, &err)), -1);
  cr_expect_str_eq(err.name, "RangeError");
  memset(&o, 0, sizeof o);
  cr_expect_eq((ns_error_free(&err), ns_server_listen(srv, &o, &err)), -1);
  cr_expect_str_eq(err.name, "Error");
  cr_expect_str_eq(err.message, "Invalid listen argument: {}");
  o.host = "127.0.0.1";
  cr_expect_eq(ns_server_listen(srv, &o, NULL), -1); /* err may be NULL */
  cr_expect_eq((ns_error_free(&err), ns_server_listen(srv, &o, &err)), -1);
  cr_expect_str_eq(err.message,
                   "Invalid listen argument: { host: '127.0.0.1' }");
  o = pipe_at("");
  cr_expect_eq((ns_error_free(&err), ns_server_listen(srv, &o, &err)), -1);
  cr_expect_str_eq(err.message, "Invalid listen argument: { path: '' }");
  run_for(&r, 50);
  cr_expect_eq(r.n, 0, "validation emitted %s", kinds(&r));
  cr_expect_eq(ns_server_listening(srv), 0);
  ns_server_free(srv);
  ns_error_free(&err);
}

/* ---------------------------------------------------------------- close */

Test(server, close_not_running) {
  ns_server *srv;

  srv = new_server();
  ns_server_close(srv, on_close_cb, &r);
  cr_expect_eq(r.n, 0);
  cr_assert(run_until(&r, 2, 2000));
  cr_expect_str_eq(kinds(&r), "XK");
  cr_assert(r.e[1].has_err);
  cr_expect_str_eq(r.e[1].err.name, "Error");
  cr_expect_str_eq(r.e[1].err.message, "Not running");
  cr_expect_null(r.e[1].err.code);
  cr_expect_null(r.e[1].err.syscall);
  cr_expect_not(r.e[1].err.has_address);
  ns_server_free(srv);
}

/* Node 8: each close() queues a 'close'; both callbacks run at the first. */
Test(server, close_twice) {
  ns_server *srv;

  srv = new_server();
  ns_server_close(srv, on_close_cb, &r);
  ns_server_close(srv, on_close_cb, &r);
  cr_assert(run_until(&r, 4, 2000));
  cr_expect_str_eq(kinds(&r), "XKKX");
  run_for(&r, 20);
  cr_expect_eq(r.n, 4);
  ns_server_free(srv);
}

Test(server, close_listening) {
  ns_server *srv;
  ns_address a;

  srv = new_server();
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  ns_server_close(srv, on_close_cb, &r);
  cr_expect_eq(ns_server_listening(srv), 0);
  cr_expect_eq(ns_server_address(srv, &a), -1);
  cr_expect_eq(r.n, 1);
  cr_assert(run_until(&r, 3, 2000));
  cr_expect_str_eq(kinds(&r), "LXK");
  cr_expect_not(r.e[2].has_err);
  ns_server_free(srv);
}

/* Host omitted: bound at once, so a close() right away wins; 'listening'
 * is never emitted (Node's emitListeningNT checks the handle). */
Test(server, close_right_after_listen) {
  ns_server *srv;

  srv = new_server();
  listen_ok(&r, srv, tcp(NULL, 0));
  ns_server_close(srv, on_close_cb, &r);
  cr_assert(run_until(&r, 2, 2000));
  run_for(&r, 20);
  cr_expect_str_eq(kinds(&r), "XK");
  cr_expect_not(r.e[1].has_err);
  ns_server_free(srv);
}

/* Host given: Node 8 binds after the lookup, so close() right away finds
 * nothing running ("Not running") and the server listens afterwards. */
Test(server, close_before_host_lookup) {
  ns_server *srv;

  srv = new_server();
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  ns_server_close(srv, on_close_cb, &r);
  cr_assert(run_until(&r, 3, 2000));
  cr_expect_str_eq(kinds(&r), "XKL");
  cr_expect_str_eq(r.e[1].err.message, "Not running");
  cr_expect_eq(ns_server_listening(srv), 1);
  ns_server_free(srv);
}

Test(server, free_in_close_callback) {
  ns_server *srv;

  r.free_on_close_cb = 1;
  srv = new_server();
  listen_ok(&r, srv, tcp(NULL, 0));
  cr_assert(run_until(&r, 1, 2000));
  ns_server_close(srv, on_close_cb, &r);
  ns_server_close(srv, on_close_cb, &r); /* dropped: freed in the first */
  cr_assert(run_until(&r, 3, 2000));
  run_for(&r, 20);
  cr_expect_str_eq(kinds(&r), "LXK");
}

Test(server, free_with_pending_events) {
  ns_server *srv;

  srv = new_server();
  listen_ok(&r, srv, tcp(NULL, 0));
  listen_ok(&r, srv, tcp("127.0.0.1", 0)); /* a pending lookup */
  ns_server_close(srv, on_close_cb, &r);
  ns_server_free(srv);
  run_for(&r, 30);
  cr_expect_eq(r.n, 0, "emitted after free: %s", kinds(&r));
  ns_server_free(NULL);
}

/* ---------------------------------------------------------- connections */

Test(server, connection_remote_address) {
  ns_server *srv;
  ns_address a;
  int fd, local_port;

  srv = new_server();
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  fd = connect_ipv4(port_of(srv), &local_port);
  cr_assert(run_until(&r, 2, 2000));
  cr_assert_str_eq(kinds(&r), "LC");
  cr_assert_eq(ns_socket_remote(r.e[1].sock, &a), 0);
  cr_expect_eq(a.kind, NS_ADDRESS_INET);
  cr_expect_str_eq(a.address, "127.0.0.1");
  cr_expect_str_eq(a.family, "IPv4");
  cr_expect_eq(a.port, local_port);
  ns_socket_destroy(r.e[1].sock, NULL);
  close(fd);
  ns_server_free(srv);
}

/* 'close' waits for the last connection (SERVER.CLOSE); then cb(NULL). */
Test(server, close_waits_for_connections) {
  ns_server *srv;
  int fd1, fd2;

  srv = new_server();
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  fd1 = connect_ipv4(port_of(srv), NULL);
  fd2 = connect_ipv4(port_of(srv), NULL);
  cr_assert(run_until(&r, 3, 2000));
  cr_assert_str_eq(kinds(&r), "LCC");
  ns_server_close(srv, on_close_cb, &r);
  run_for(&r, 50);
  cr_expect_eq(r.n, 3, "closed early: %s", kinds(&r));
  ns_socket_destroy(r.e[1].sock, NULL);
  run_for(&r, 20);
  cr_expect_eq(r.n, 3, "closed early: %s", kinds(&r));
  ns_socket_destroy(r.e[2].sock, NULL);
  cr_assert(run_until(&r, 5, 2000));
  cr_expect_str_eq(kinds(&r), "LCCXK");
  cr_expect_not(r.e[4].has_err);
  close(fd1);
  close(fd2);
  ns_server_free(srv);
}

Test(server, destroy_in_connection_event) {
  ns_server *srv;
  int fd;

  r.destroy_on_connection = 1;
  r.close_on_connection = 1;
  srv = new_server();
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  fd = connect_ipv4(port_of(srv), NULL);
  cr_assert(run_until(&r, 4, 2000));
  cr_expect_str_eq(kinds(&r), "LCXK");
  cr_expect_not(r.e[3].has_err);
  close(fd);
  ns_server_free(srv);
}

/* Freeing the server from a connection event stops the accept loop and
 * destroys the accepted sockets. */
Test(server, free_in_connection_event) {
  ns_server *srv;
  int fd1, fd2;

  r.free_on_connection = 1;
  srv = new_server();
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  fd1 = connect_ipv4(port_of(srv), NULL);
  fd2 = connect_ipv4(port_of(srv), NULL);
  cr_assert(run_until(&r, 2, 2000));
  run_for(&r, 30);
  cr_expect_str_eq(kinds(&r), "LC");
  close(fd1);
  close(fd2);
}

Test(server, free_with_open_connections) {
  ns_server *srv;
  int fd;
  char byte;

  srv = new_server();
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  fd = connect_ipv4(port_of(srv), NULL);
  cr_assert(run_until(&r, 2, 2000));
  ns_server_free(srv); /* destroys the accepted socket: the client sees EOF */
  cr_expect_eq(read(fd, &byte, 1), 0);
  close(fd);
}

/* ----------------------------------------------------------------- pipes */

Test(server, pipe_listen_and_eaddrinuse) {
  ns_server *a, *b;
  ns_address addr;
  char dir[64], path[128], msg[200];

  make_dir(dir);
  snprintf(path, sizeof path, "%s/s.sock", dir);
  a = new_server();
  b = new_server();
  listen_ok(&r, a, pipe_at(path));
  cr_expect_eq(ns_server_listening(a), 1);
  cr_assert_eq(ns_server_address(a, &addr), 0);
  cr_expect_eq(addr.kind, NS_ADDRESS_PIPE);
  cr_expect_str_eq(addr.path, path);
  cr_expect_null(addr.family);
  cr_assert(run_until(&r, 1, 2000));
  cr_expect_str_eq(kinds(&r), "L");

  listen_ok(&r, b, pipe_at(path));
  cr_assert(run_until(&r, 2, 2000));
  snprintf(msg, sizeof msg, "listen EADDRINUSE %s", path);
  expect_listen_error(&r.e[1], "EADDRINUSE", path, -1, msg);
  cr_expect_eq(ns_server_listening(b), 0);
  /* Node 8: address() of a pipe server is its path even after failure */
  cr_assert_eq(ns_server_address(b, &addr), 0);
  cr_expect_eq(addr.kind, NS_ADDRESS_PIPE);
  cr_expect_str_eq(addr.path, path);
  cr_expect(path_exists(path)); /* b's failure left a's socket alone */

  ns_server_close(a, on_close_cb, &r);
  cr_expect(!path_exists(path)); /* closing removes the socket file */
  cr_assert(run_until(&r, 4, 2000));
  cr_expect_str_eq(kinds(&r), "LEXK");
  ns_server_free(a);
  ns_server_free(b);
  rmdir(dir);
}

Test(server, pipe_connection) {
  ns_server *srv;
  ns_address addr;
  struct sockaddr_un sun;
  char dir[64];
  int fd;

  make_dir(dir);
  srv = new_server();
  memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  snprintf(sun.sun_path, sizeof sun.sun_path, "%s/c.sock", dir);
  listen_ok(&r, srv, pipe_at(sun.sun_path));
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
  cr_assert(run_until(&r, 2, 2000));
  cr_assert_str_eq(kinds(&r), "LC");
  /* Node: remoteAddress of a pipe connection is undefined */
  cr_expect_eq(ns_socket_remote(r.e[1].sock, &addr), -1);
  cr_expect_eq(addr.kind, NS_ADDRESS_NONE);
  close(fd);
  ns_server_free(srv);
  cr_expect(!path_exists(sun.sun_path));
  rmdir(dir);
}

/* Node 8 binds a truncated 107-byte path, answers address() with the path
 * as given, and on close unlinks the path as given (so the truncated file
 * stays). */
Test(server, pipe_long_path_truncated) {
  ns_server *srv;
  ns_address addr;
  char dir[64], path[200], cut[200];
  size_t dlen;

  make_dir(dir);
  dlen = strlen(dir);
  memcpy(path, dir, dlen);
  path[dlen] = '/';
  memset(path + dlen + 1, 'x', 150 - dlen - 1);
  path[150] = '\0';
  memcpy(cut, path, 107);
  cut[107] = '\0';
  srv = new_server();
  listen_ok(&r, srv, pipe_at(path));
  cr_assert(run_until(&r, 1, 2000));
  cr_expect_str_eq(kinds(&r), "L");
  cr_expect(path_exists(cut));
  cr_assert_eq(ns_server_address(srv, &addr), 0);
  cr_expect_str_eq(addr.path, path);
  ns_server_close(srv, NULL, NULL);
  cr_expect(path_exists(cut));
  cr_assert(run_until(&r, 2, 2000));
  ns_server_free(srv);
  unlink(cut);
  rmdir(dir);
}

/* libuv of Node 8 reports ENOENT from bind() as EACCES. */
Test(server, pipe_missing_directory) {
  ns_server *srv;
  const char *path = "/nonexistent-netspec-dir/x.sock";

  srv = new_server();
  listen_ok(&r, srv, pipe_at(path));
  cr_expect_eq(ns_server_listening(srv), 0);
  cr_assert(run_until(&r, 1, 2000));
  expect_listen_error(&r.e[0], "EACCES", path, -1,
                      "listen EACCES /nonexistent-netspec-dir/x.sock");
  ns_server_free(srv);
}

/* ------------------------------------------- counting and limiting */

/* Records getConnections() answers. */
typedef struct counts {
  int n;
  int v[4];
} counts;

static void on_count(ns_server *srv, int count, void *arg) {
  counts *c = arg;

  (void)srv;
  if (c->n < 4)
    c->v[c->n++] = count;
}

/* Returns non-zero when the peer on `fd` sees an orderly end (EOF). */
static int sees_eof(int fd) {
  char b;
  struct timeval tv = {2, 0};

  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return recv(fd, &b, 1, 0) == 0;
}

Test(server, max_connections_turns_away_and_counts) {
  ns_server *srv;
  counts c;
  int fd1, fd2;

  memset(&c, 0, sizeof c);
  srv = new_server();
  cr_expect_eq(ns_server_get_connections(srv, NULL, NULL), -1);
  cr_assert_eq(ns_server_get_connections(srv, on_count, &c), 0);
  cr_expect_eq(c.n, 0, "answered synchronously");
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  cr_expect_eq(c.n, 1);
  cr_expect_eq(c.v[0], 0, "0 before any connection");
  ns_server_set_max_connections(srv, 1);
  fd1 = connect_ipv4(port_of(srv), NULL);
  cr_assert(run_until(&r, 2, 2000));
  fd2 = connect_ipv4(port_of(srv), NULL);
  run_for(&r, 50);
  cr_expect_str_eq(kinds(&r), "LC", "no event for the turned-away peer");
  cr_expect(sees_eof(fd2), "the turned-away peer sees EOF");
  cr_expect_eq(ns_server_connections(srv), 1);
  ns_server_set_connections(srv, 5);
  cr_expect_eq(ns_server_connections(srv), 5);
  ns_server_set_connections(srv, 1);
  ns_server_get_connections(srv, on_count, &c);
  run_for(&r, 10);
  cr_expect_eq(c.n, 2);
  cr_expect_eq(c.v[1], 1);
  close(fd1);
  close(fd2);
  ns_server_free(srv);
}

Test(server, negative_max_connections_refuses_all) {
  ns_server *srv;
  int fd;

  srv = new_server();
  ns_server_set_max_connections(srv, -1);
  listen_ok(&r, srv, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  fd = connect_ipv4(port_of(srv), NULL);
  run_for(&r, 50);
  cr_expect(sees_eof(fd));
  cr_expect_str_eq(kinds(&r), "L");
  cr_expect_eq(ns_server_connections(srv), 0);
  close(fd);
  ns_server_free(srv);
}

/* ------------------------------------------------------ listen(handle) */

Test(server, listen_on_another_servers_socket) {
  ns_server *lender, *borrower, *idle;
  ns_error err = {0};
  ns_address a1, a2;
  int fd, port;

  lender = new_server();
  borrower = new_server();
  idle = new_server();
  cr_expect_eq((ns_error_free(&err), ns_server_listen_server(borrower, idle, 0, &err)), -1);
  cr_expect_str_eq(err.name, "Error");
  cr_expect_eq(strncmp(err.message, "Invalid listen argument:", 24), 0);
  listen_ok(&r, lender, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  port = port_of(lender);
  cr_assert_eq((ns_error_free(&err), ns_server_listen_server(borrower, lender, 9, &err)), 0);
  cr_expect_eq(ns_server_listening(borrower), 1, "listening at once");
  cr_expect_eq(r.n, 1, "nothing emitted synchronously");
  cr_assert(run_until(&r, 2, 2000));
  cr_expect_eq(r.e[1].srv, borrower);
  cr_assert_eq(ns_server_address(lender, &a1), 0);
  cr_assert_eq(ns_server_address(borrower, &a2), 0);
  cr_expect_eq(a1.port, a2.port);
  fd = connect_ipv4(port, NULL);
  cr_assert(run_until(&r, 3, 2000));
  cr_expect_eq(r.e[2].kind, EV_CONNECTION);
  cr_expect_eq(r.e[2].srv, borrower, "the borrower gets the connection");
  ns_socket_destroy(r.e[2].sock, NULL);
  close(fd);
  ns_server_close(borrower, NULL, NULL);
  cr_assert(run_until(&r, 4, 2000));
  cr_expect_eq(ns_server_listening(lender), 1);
  {
    struct sockaddr_in sin;
    int c = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_expect_eq(connect(c, (struct sockaddr *)&sin, sizeof sin), -1);
    cr_expect_eq(errno, ECONNREFUSED);
    close(c);
  }
  ns_server_close(lender, on_close_cb, &r);
  cr_assert(run_until(&r, 6, 2000));
  cr_expect_not(r.e[5].has_err);
  ns_server_free(lender);
  ns_server_free(borrower);
  ns_server_free(idle);
  ns_error_free(&err);
}

Test(server, listen_on_an_inherited_descriptor) {
  ns_server *srv;
  ns_error err = {0};
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  int lfd, fd;

  srv = new_server();
  cr_expect_eq((ns_error_free(&err), ns_server_listen_fd(srv, -1, 0, &err)), -1);
  cr_expect_str_eq(err.message, "Invalid listen argument: { fd: -1 }");
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
  cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
  cr_assert_eq((ns_error_free(&err), ns_server_listen_fd(srv, lfd, 0, &err)), 0);
  cr_expect_eq(ns_server_listening(srv), 1);
  cr_expect_eq(port_of(srv), ntohs(sin.sin_port));
  cr_assert(run_until(&r, 1, 2000));
  fd = connect_ipv4(ntohs(sin.sin_port), NULL);
  cr_assert(run_until(&r, 2, 2000));
  cr_expect_str_eq(kinds(&r), "LC");
  close(fd);
  ns_server_free(srv); /* closes lfd, which the library owns */
  ns_error_free(&err);
}

/* Socket callback that ignores everything. */
static void ignore_socket(ns_socket *s, const ns_socket_event *ev, void *arg) {
  (void)s;
  (void)ev;
  (void)arg;
}

Test(server, listen_on_a_connected_socket_fails_with_einval) {
  ns_server *srv, *holder;
  ns_socket *sock;
  ns_socket_options so;
  ns_error err = {0};
  int fd;

  holder = new_server();
  srv = new_server();
  listen_ok(&r, holder, tcp("127.0.0.1", 0));
  cr_assert(run_until(&r, 1, 2000));
  fd = connect_ipv4(port_of(holder), NULL);
  memset(&so, 0, sizeof so);
  sock = ns_socket_new(r.base, NULL, ignore_socket, NULL, NULL);
  cr_expect_eq((ns_error_free(&err), ns_server_listen_socket(srv, sock, 0, &err)), -1,
               "a socket without descriptor is no handle");
  ns_socket_free(sock);
  so.has_fd = 1;
  so.fd = fd;
  sock = ns_socket_new(r.base, &so, ignore_socket, NULL, NULL);
  cr_assert_not_null(sock);
  cr_assert_eq((ns_error_free(&err), ns_server_listen_socket(srv, sock, 0, &err)), 0);
  cr_assert(run_until(&r, 3, 2000)); /* holder's connection, srv's error */
  {
    const entry *x = r.e[1].kind == EV_ERROR ? &r.e[1] : &r.e[2];

    cr_expect_eq(x->kind, EV_ERROR);
    cr_expect_eq(x->srv, srv);
    cr_expect_str_eq(x->err.code, "EINVAL");
    cr_expect_str_eq(x->err.message, "listen EINVAL");
    cr_expect_eq(x->err.port, -1);
    cr_expect_not(x->err.has_address);
  }
  cr_expect_eq(ns_server_listening(srv), 0);
  ns_socket_free(sock);
  ns_server_free(srv);
  ns_server_free(holder);
  ns_error_free(&err);
}

/* ------------------------------------------------------ paths at exit */

Test(server, free_at_exit_leaves_the_socket_file) {
  ns_server *srv;
  ns_listen_options o;
  ns_address a;
  char dir[64], path[128], full[160];

  make_dir(dir);
  snprintf(path, sizeof path, "%s/x.sock", dir);
  memcpy(full, path, strlen(path));
  memcpy(full + strlen(path), "\0tail", 6);
  srv = new_server();
  o = pipe_at(full);
  o.path_len = strlen(path) + 5;
  listen_ok(&r, srv, o);
  cr_expect(path_exists(path), "the name ends at the NUL");
  cr_assert_eq(ns_server_address(srv, &a), 0);
  cr_expect_eq(a.path_len, strlen(path) + 5);
  cr_expect_eq(memcmp(a.path, full, a.path_len), 0);
  ns_server_free_at_exit(srv);
  cr_expect(path_exists(path), "left in place");
  unlink(path);
  rmdir(dir);
}

Test(server, listen_on_a_descriptor_that_is_no_socket) {
  ns_server *srv;
  ns_error err = {0};
  int fds[2];

  srv = new_server();
  cr_assert_eq(pipe(fds), 0);
  cr_assert_eq((ns_error_free(&err), ns_server_listen_fd(srv, fds[0], 0, &err)), 0);
  cr_expect_eq(ns_server_listening(srv), 0, "not listening, at once");
  cr_assert(run_until(&r, 1, 2000));
  cr_expect_eq(r.e[0].kind, EV_ERROR);
  /* Node 8 (libuv) makes a pipe handle of a FIFO; listen(2) refuses it. */
  cr_expect_str_eq(r.e[0].err.message, "listen ENOTSOCK");
  cr_expect_not(r.e[0].err.has_port);
  cr_expect_neq(fcntl(fds[0], F_GETFD), -1, "the descriptor stays the caller's");
  close(fds[0]);
  close(fds[1]);
  ns_server_free(srv);
  ns_error_free(&err);
}
