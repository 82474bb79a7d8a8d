/*
 * test_socket.c - ns_socket end to end on a real loop against a plain
 * descriptor peer (loopback only): events and their order as Node 8.17.0
 * emits them, errors, write accounting, lifetime. The loop runs until the
 * awaited events arrived, with a deadline; nothing sleeps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "kept_errors.h"
#include "netspec.h"

TestSuite(socket, .fini = kept_errors_free);

/* ------------------------------------------------------------- recorder */

typedef struct rec {
  struct event_base *base;
  char kinds[64];         /* one letter per event, in order */
  int n;
  char want;              /* break the loop when this event arrives */
  int want_count;
  char data[4096];        /* concatenated data */
  size_t data_len;
  ns_error err;           /* the last error */
  int had_error;
  char lookup_addr[64];
  int lookup_family;
  int write_cbs;
  int write_cb_err;
} rec;

static const char letters[] = "?LCDNWTEX"; /* by ns_socket_event_type */

static void on_event(ns_socket *sock, const ns_socket_event *ev, void *arg) {
  rec *r = arg;
  char k = letters[ev->type];

  (void)sock;
  cr_assert_lt(r->n, 63);
  r->kinds[r->n++] = k;
  if (ev->type == NS_SOCKET_DATA) {
    cr_assert_lt(r->data_len + ev->len, sizeof r->data);
    memcpy(r->data + r->data_len, ev->data, ev->len);
    r->data_len += ev->len;
  } else if (ev->type == NS_SOCKET_ERROR) {
    keep_error(&r->err, ev->error);
  } else if (ev->type == NS_SOCKET_CLOSE) {
    r->had_error = ev->had_error;
  } else if (ev->type == NS_SOCKET_LOOKUP && ev->error == NULL) {
    snprintf(r->lookup_addr, sizeof r->lookup_addr, "%s", ev->address);
    r->lookup_family = ev->family;
  }
  if (k == r->want && --r->want_count <= 0)
    event_base_loopbreak(r->base);
}

static void on_write(ns_socket *sock, const ns_error *err, void *arg) {
  rec *r = arg;

  (void)sock;
  r->write_cbs++;
  if (err != NULL)
    r->write_cb_err++;
}

static void on_deadline(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopbreak(arg);
}

/* Runs the loop until `count` more events `k` arrived; 0 on timeout. */
static int run_until(rec *r, char k, int count) {
  struct timeval tv = {5, 0};
  struct event *t = evtimer_new(r->base, on_deadline, r->base);
  int before = r->n, seen = 0, i;

  r->want = k;
  r->want_count = count;
  evtimer_add(t, &tv);
  event_base_dispatch(r->base);
  event_free(t);
  for (i = before; i < r->n; i++)
    seen += r->kinds[i] == k;
  r->want = 0;
  return seen >= count;
}

/* Runs the loop until nothing is pending but the peer: a few rounds. */
static void spin(rec *r) {
  int i;

  for (i = 0; i < 20; i++)
    event_base_loop(r->base, EVLOOP_NONBLOCK);
}

static void rec_init(rec *r) {
  memset(r, 0, sizeof *r);
  r->base = event_base_new();
  cr_assert_not_null(r->base);
}

static void rec_free(rec *r) {
  ns_base_cleanup(r->base);
  event_base_free(r->base);
}

/* A loopback listener; returns its descriptor and port. */
static int listener(int *port) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
  cr_assert_eq(listen(fd, 8), 0);
  getsockname(fd, (struct sockaddr *)&sin, &len);
  *port = ntohs(sin.sin_port);
  return fd;
}

static ns_socket *connect_to(rec *r, const char *host, int port,
                             const ns_socket_options *so) {
  ns_socket *s = ns_socket_new(r->base, so, on_event, r, NULL);
  ns_connect_options co;
  ns_error err = {0};

  cr_assert_not_null(s);
  memset(&co, 0, sizeof co);
  co.host = host;
  co.port = port;
  cr_assert_eq((ns_error_free(&err), ns_socket_connect(s, &co, &err)), 0, "%s", err.message);
  return s;
}

/* Connects a socket to a fresh listener and accepts; *peer gets the fd. */
static ns_socket *connected_pair(rec *r, int *peer,
                                 const ns_socket_options *so) {
  int port, lfd = listener(&port);
  ns_socket *s = connect_to(r, "127.0.0.1", port, so);

  cr_assert(run_until(r, 'C', 1));
  *peer = accept(lfd, NULL, NULL);
  cr_assert_geq(*peer, 0);
  close(lfd);
  return s;
}

/* --------------------------------------------------------------- tests */

Test(socket, data_both_ways_then_peer_fin_gives_end_then_close) {
  rec r;
  int peer;
  char buf[16];
  ns_socket *s;
  ns_socket_info info;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  ns_socket_hold(s);
  cr_expect_eq(write(peer, "hello", 5), 5);
  cr_assert(run_until(&r, 'D', 1));
  cr_expect_eq(r.data_len, 5);
  cr_expect_eq(ns_socket_write(s, "world", 5, on_write, &r), 1);
  cr_expect_eq(r.write_cbs, 0, "the callback comes on a later tick");
  spin(&r);
  cr_expect_eq(r.write_cbs, 1);
  cr_expect_eq(read(peer, buf, sizeof buf), 5);
  shutdown(peer, SHUT_WR);
  cr_assert(run_until(&r, 'X', 1));
  cr_expect_str_eq(r.kinds, "CDNX");
  cr_expect_eq(r.had_error, 0);
  cr_expect_eq(read(peer, buf, sizeof buf), 0, "our side ended too");
  ns_socket_info_get(s, &info);
  cr_expect(info.destroyed);
  cr_expect_eq(info.bytes_read, 5);
  cr_expect_eq(info.bytes_written, 5);
  ns_socket_release(s);
  close(peer);
  rec_free(&r);
}

Test(socket, allow_half_open_stays_writable_after_end) {
  rec r;
  int peer;
  char buf[16];
  ns_socket_options so = {0};
  ns_socket *s;

  so.allow_half_open = 1;
  rec_init(&r);
  s = connected_pair(&r, &peer, &so);
  shutdown(peer, SHUT_WR);
  cr_assert(run_until(&r, 'N', 1));
  spin(&r);
  cr_expect_str_eq(r.kinds, "CN");
  cr_expect_eq(ns_socket_write(s, "late", 4, NULL, NULL), 1);
  ns_socket_end(s, NULL, 0, on_write, &r);
  cr_assert(run_until(&r, 'X', 1));
  cr_expect_eq(r.write_cbs, 1, "end()'s callback on 'finish'");
  cr_expect_eq(read(peer, buf, sizeof buf), 4);
  cr_expect_eq(read(peer, buf, sizeof buf), 0);
  close(peer);
  rec_free(&r);
}

Test(socket, write_after_end_errors_on_the_next_tick) {
  rec r;
  int peer;
  ns_socket *s;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  ns_socket_end(s, "bye", 3, NULL, NULL);
  cr_expect_eq(ns_socket_write(s, "x", 1, on_write, &r), -1);
  cr_expect_str_eq(r.kinds, "C", "no 'error' during the call");
  cr_expect_eq(r.write_cb_err, 0);
  spin(&r);
  cr_expect_str_eq(r.kinds, "CE", "'error' on the next tick");
  cr_expect_str_eq(r.err.message, "write after end");
  cr_expect_null(r.err.code);
  cr_expect_eq(r.write_cb_err, 1);
  close(peer);
  cr_assert(run_until(&r, 'X', 1));
  rec_free(&r);
}

Test(socket, write_after_end_errors_synchronously_in_node_order) {
  rec r;
  int peer;
  ns_socket *s;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  ns_socket_set_sync_errors(s, 1);
  ns_socket_end(s, "bye", 3, NULL, NULL);
  cr_expect_eq(ns_socket_write(s, "x", 1, on_write, &r), 0, "Node's false");
  cr_expect_str_eq(r.kinds, "CE", "'error' during the call");
  cr_expect_str_eq(r.err.message, "write after end");
  cr_expect_null(r.err.code);
  spin(&r);
  cr_expect_eq(r.write_cb_err, 1);
  close(peer);
  cr_assert(run_until(&r, 'X', 1));
  rec_free(&r);
}

/* Issue 17: a closed socket that is still held answered write() with 1
 * and ran the error callback inside the call. */
Test(socket, write_on_a_closed_held_socket_is_minus_one_then_error) {
  rec r;
  int peer;
  ns_socket *s;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  ns_socket_hold(s);
  ns_socket_destroy(s, NULL);
  cr_assert(run_until(&r, 'X', 1));
  cr_expect_eq(ns_socket_write(s, "x", 1, on_write, &r), -1);
  cr_expect_str_eq(r.kinds, "CX", "nothing during the call");
  spin(&r);
  cr_expect_str_eq(r.kinds, "CXE");
  cr_expect_str_eq(r.err.message, "This socket is closed");
  cr_expect_eq(r.write_cb_err, 1);
  ns_socket_release(s);
  close(peer);
  rec_free(&r);
}

/* A broadcast over the caller's own list, whose error callback unlinks
 * the failing socket: no callback runs inside the loop. */
typedef struct bcast {
  ns_socket *members[2];
  int count;
  int in_loop;
  int errors_in_loop;
  int errors;
} bcast;

static void on_member(ns_socket *sock, const ns_socket_event *ev, void *arg) {
  bcast *b = arg;
  int i;

  if (ev->type != NS_SOCKET_ERROR)
    return;
  b->errors++;
  b->errors_in_loop += b->in_loop;
  for (i = 0; i < b->count; i++)
    if (b->members[i] == sock) {
      b->members[i] = b->members[--b->count];
      break;
    }
}

Test(socket, a_broadcast_loop_may_unlink_from_the_error_callback) {
  rec r;
  int peers[2], i;
  bcast b = {0};

  rec_init(&r);
  for (i = 0; i < 2; i++) {
    b.members[i] = connected_pair(&r, &peers[i], NULL);
    ns_socket_set_callback(b.members[i], on_member, &b);
    ns_socket_end(b.members[i], NULL, 0, NULL, NULL);
  }
  b.count = 2;
  b.in_loop = 1;
  for (i = 0; i < b.count; i++)
    cr_expect_eq(ns_socket_write(b.members[i], "hi", 2, NULL, NULL), -1);
  b.in_loop = 0;
  cr_expect_eq(b.errors_in_loop, 0);
  spin(&r);
  cr_expect_eq(b.errors, 2, "both errors came, after the loop");
  cr_expect_eq(b.count, 0, "and unlinked both");
  for (i = 0; i < 2; i++)
    close(peers[i]);
  spin(&r);
  rec_free(&r);
}

Test(socket, write_after_the_peer_ended_is_epipe) {
  rec r;
  int peer;
  ns_socket *s;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  ns_socket_hold(s);
  shutdown(peer, SHUT_WR);
  cr_assert(run_until(&r, 'X', 1));
  cr_expect_eq(ns_socket_write(s, "x", 1, NULL, NULL), -1);
  spin(&r);
  cr_expect_str_eq(r.err.message, "This socket has been ended by the other party");
  cr_expect_str_eq(r.err.code, "EPIPE");
  ns_socket_release(s);
  close(peer);
  rec_free(&r);
}

Test(socket, refused_connection_is_error_then_close) {
  rec r;
  int port, lfd = listener(&port);
  char msg[64];

  close(lfd);
  rec_init(&r);
  connect_to(&r, "127.0.0.1", port, NULL);
  cr_assert(run_until(&r, 'X', 1));
  cr_expect_str_eq(r.kinds, "EX");
  cr_expect_str_eq(r.err.code, "ECONNREFUSED");
  cr_expect_str_eq(r.err.syscall, "connect");
  cr_expect_str_eq(r.err.address, "127.0.0.1");
  cr_expect_eq(r.err.port, port);
  snprintf(msg, sizeof msg, "connect ECONNREFUSED 127.0.0.1:%d", port);
  cr_expect_str_eq(r.err.message, msg);
  cr_expect_eq(r.had_error, 1);
  rec_free(&r);
}

Test(socket, reset_by_peer_is_read_econnreset) {
  rec r;
  int peer;
  struct linger lg = {1, 0};

  rec_init(&r);
  connected_pair(&r, &peer, NULL);
  setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(peer);
  cr_assert(run_until(&r, 'X', 1));
  cr_expect_str_eq(r.kinds, "CEX");
  cr_expect_str_eq(r.err.message, "read ECONNRESET");
  cr_expect_str_eq(r.err.syscall, "read");
  rec_free(&r);
}

Test(socket, localhost_is_looked_up_in_the_hosts_file) {
  rec r;
  int peer, port, lfd = listener(&port);

  rec_init(&r);
  connect_to(&r, "localhost", port, NULL);
  cr_assert(run_until(&r, 'C', 1));
  cr_expect_str_eq(r.kinds, "LC");
  cr_expect_str_eq(r.lookup_addr, "127.0.0.1");
  cr_expect_eq(r.lookup_family, 4);
  peer = accept(lfd, NULL, NULL);
  close(peer);
  close(lfd);
  cr_assert(run_until(&r, 'X', 1));
  rec_free(&r);
}

Test(socket, unknown_name_without_nameserver_is_eai_again) {
  rec r;

  rec_init(&r);
  connect_to(&r, "no-such-host.invalid", 80, NULL);
  cr_assert(run_until(&r, 'X', 1));
  cr_expect_str_eq(r.kinds, "LEX");
  cr_expect_str_eq(r.err.code, "EAI_AGAIN");
  cr_expect_str_eq(r.err.message,
                   "getaddrinfo EAI_AGAIN no-such-host.invalid:80");
  rec_free(&r);
}

Test(socket, destroy_with_error_emits_error_then_close) {
  rec r;
  int peer;
  ns_socket *s;
  ns_error e = {0};

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  e.name = "Error";
  e.message = "boom";
  ns_socket_destroy(s, &e);
  cr_expect_str_eq(r.kinds, "C", "nothing during the call");
  cr_assert(run_until(&r, 'X', 1));
  cr_expect_str_eq(r.kinds, "CEX");
  cr_expect_str_eq(r.err.message, "boom");
  cr_expect_eq(r.had_error, 1);
  close(peer);
  rec_free(&r);
}

Test(socket, utf8_decoding_keeps_split_characters_whole) {
  rec r;
  int peer;
  ns_socket *s;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  cr_assert_eq(ns_socket_set_encoding(s, "utf8", NULL), 0);
  cr_expect_eq(write(peer, "h\xc3", 2), 2);
  cr_assert(run_until(&r, 'D', 1));
  cr_expect_eq(write(peer, "\xa9", 1), 1);
  cr_assert(run_until(&r, 'D', 1));
  cr_expect_eq(r.data_len, 3);
  cr_expect_eq(memcmp(r.data, "h\xc3\xa9", 3), 0);
  cr_expect_eq(ns_socket_set_encoding(s, "nope", NULL), -1);
  close(peer);
  cr_assert(run_until(&r, 'X', 1));
  rec_free(&r);
}

Test(socket, paused_socket_emits_nothing_until_resumed) {
  rec r;
  int peer;
  ns_socket *s;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  ns_socket_pause(s);
  cr_expect(ns_socket_is_paused(s));
  cr_expect_eq(write(peer, "abc", 3), 3);
  spin(&r);
  cr_expect_str_eq(r.kinds, "C");
  ns_socket_resume(s);
  cr_assert(run_until(&r, 'D', 1));
  cr_expect_eq(r.data_len, 3);
  close(peer);
  cr_assert(run_until(&r, 'X', 1));
  rec_free(&r);
}

Test(socket, a_full_queue_returns_zero_then_drains) {
  rec r;
  int peer, ret = 1, writes = 0;
  static char chunk[4096];
  char buf[65536];
  ns_socket *s;
  ns_socket_info info;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  while (ret == 1 && writes < 100000) {
    ret = ns_socket_write(s, chunk, sizeof chunk, NULL, NULL);
    writes++;
  }
  cr_expect_eq(ret, 0);
  ns_socket_info_get(s, &info);
  cr_expect_geq(info.buffer_size, 16384);
  while (r.kinds[r.n - 1] != 'W') {
    ssize_t n = read(peer, buf, sizeof buf);

    cr_assert_gt(n, 0);
    event_base_loop(r.base, EVLOOP_NONBLOCK);
  }
  ns_socket_info_get(s, &info);
  cr_expect_eq(info.buffer_size, 0);
  cr_expect_eq(info.bytes_written, (unsigned long long)writes * sizeof chunk);
  close(peer);
  cr_assert(run_until(&r, 'X', 1));
  rec_free(&r);
}

/* Node 8 buffers a write while an earlier one is in flight: the kernel is
 * not asked again until that one completes, even if it has room now. */
Test(socket, a_write_behind_one_in_flight_waits_for_it) {
  rec r;
  int peer, writes = 0;
  static char chunk[65536];
  char buf[65536];
  size_t before;
  ns_socket *s;
  ns_socket_info info = {0};

  signal(SIGPIPE, SIG_IGN); /* netspec.h: the queue meets the peer's reset */
  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  while (info.buffer_size == 0 && writes++ < 1000) {
    ns_socket_write(s, chunk, sizeof chunk, NULL, NULL);
    ns_socket_info_get(s, &info);
  }
  cr_assert_gt(info.buffer_size, 0, "the kernel took no more");
  cr_expect_eq(ns_socket_write(s, chunk, sizeof chunk, NULL, NULL), 0);
  while (recv(peer, buf, sizeof buf, MSG_DONTWAIT) > 0)
    ; /* the kernel has room again; the loop has not run */
  ns_socket_info_get(s, &info);
  before = info.buffer_size;
  cr_expect_eq(ns_socket_write(s, chunk, sizeof chunk, NULL, NULL), 0);
  ns_socket_info_get(s, &info);
  cr_expect_eq(info.buffer_size, before + sizeof chunk,
               "bufferSize grows by exactly the write (%zu -> %zu)", before,
               info.buffer_size);
  close(peer);
  cr_assert(run_until(&r, 'X', 1));
  rec_free(&r);
}

Test(socket, properties_stay_readable_while_held) {
  rec r;
  int peer;
  ns_socket *s;
  ns_address a;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  ns_socket_hold(s);
  cr_expect_eq(ns_socket_remote(s, &a), 0, "read once: remembered");
  cr_expect_str_eq(a.family, "IPv4");
  cr_expect_eq(ns_socket_address(s, &a), 0);
  close(peer);
  cr_assert(run_until(&r, 'X', 1));
  cr_expect_eq(ns_socket_remote(s, &a), 0);
  cr_expect_str_eq(a.address, "127.0.0.1");
  cr_expect_eq(ns_socket_address(s, &a), -1, "no local address after close");
  ns_socket_release(s);
  rec_free(&r);
}

Test(socket, ns_run_returns_when_only_unrefd_handles_remain) {
  rec r;
  int peer;
  ns_socket *s;

  rec_init(&r);
  s = connected_pair(&r, &peer, NULL);
  cr_expect_eq(ns_base_refs(r.base), 1);
  ns_socket_unref(s);
  cr_expect_eq(ns_run(r.base), 0);
  cr_expect_eq(ns_base_refs(r.base), 0);
  ns_socket_ref(s);
  close(peer);
  cr_expect_eq(ns_run(r.base), 0, "runs until the socket closed");
  cr_expect_eq(r.kinds[r.n - 1], 'X');
  rec_free(&r);
}

Test(socket, misuse_never_aborts) {
  rec r;
  ns_socket *s;
  ns_connect_options co = {0};
  ns_error err = {0};

  rec_init(&r);
  s = ns_socket_new(r.base, NULL, on_event, &r, NULL);
  co.port = 70000;
  cr_expect_eq((ns_error_free(&err), ns_socket_connect(s, &co, &err)), -1);
  cr_expect_str_eq(err.name, "RangeError");
  cr_expect_eq((ns_error_free(&err), ns_socket_set_timeout(s, -5, &err)), -1);
  ns_socket_pause(s);
  ns_socket_resume(s);
  ns_socket_end(s, NULL, 0, NULL, NULL);
  ns_socket_destroy(s, NULL);
  ns_socket_destroy(s, NULL);
  spin(&r);
  cr_expect_str_eq(r.kinds, "", "no handle: no 'close'");
  rec_free(&r);
  ns_error_free(&err);
}

/* A custom lookup (Node's options.lookup) answering at once. */
static void answer_loopback(ns_socket *sock, const char *host, int family,
                            int hints, void *arg) {
  rec *r = arg;

  cr_expect_str_eq(host, "example.invalid");
  cr_expect_eq(family, 0);
  cr_expect_eq(hints, 32, "dns.ADDRCONFIG when neither family nor hints");
  r->write_cbs++;
  cr_expect_eq(ns_socket_lookup_done(sock, NULL, "127.0.0.1", 4), 0);
}

Test(socket, a_custom_lookup_replaces_the_resolver) {
  rec r;
  int peer, port, lfd = listener(&port);
  ns_socket *s;
  ns_connect_options co = {0};

  rec_init(&r);
  s = ns_socket_new(r.base, NULL, on_event, &r, NULL);
  co.host = "example.invalid";
  co.port = port;
  co.lookup = answer_loopback;
  co.lookup_arg = &r;
  cr_assert_eq(ns_socket_connect(s, &co, NULL), 0);
  cr_expect_eq(r.write_cbs, 1, "called during connect()");
  cr_expect_str_eq(r.kinds, "L", "'lookup' from inside the answer, as Node");
  cr_expect_eq(ns_socket_lookup_done(s, NULL, "127.0.0.1", 4), -1,
               "answered already");
  cr_assert(run_until(&r, 'C', 1));
  peer = accept(lfd, NULL, NULL);
  close(peer);
  close(lfd);
  cr_assert(run_until(&r, 'X', 1));
  rec_free(&r);
}

static void on_server(ns_server *srv, const ns_server_event *ev, void *arg) {
  (void)srv;
  (void)ev;
  event_base_loopbreak(arg);
}

Test(socket, an_unrefd_listening_server_does_not_keep_ns_run_going) {
  struct event_base *base = event_base_new();
  ns_server *srv = ns_server_new(base, NULL, on_server, base, NULL);
  ns_listen_options lo = {0};

  lo.host = NULL;
  lo.has_port = 1;
  cr_assert_eq(ns_server_listen(srv, &lo, NULL), 0);
  cr_expect_eq(ns_base_refs(base), 2, "listening + the 'listening' tick");
  ns_server_unref(srv);
  ns_server_unref(srv);
  cr_expect_eq(ns_run(base), 0, "returns: only an unref'd server is left");
  cr_expect(ns_server_listening(srv));
  ns_server_ref(srv);
  cr_expect_eq(ns_base_refs(base), 1);
  ns_server_free(srv);
  cr_expect_eq(ns_base_refs(base), 0);
  ns_base_cleanup(base);
  event_base_free(base);
}

/* Two sockets piped both ways, as a proxy does: a reset on one side. */
static void proxy_pair(rec *r, ns_socket **a, int *pa, ns_socket **b, int *pb,
                       int flags) {
  *a = connected_pair(r, pa, NULL);
  *b = connected_pair(r, pb, NULL);
  cr_assert_eq(ns_socket_pipe_ex(*a, *b, flags), 0);
  cr_assert_eq(ns_socket_pipe_ex(*b, *a, flags), 0);
}

/* Closes `fd` with a reset (SO_LINGER 0). */
static void reset(int fd) {
  struct linger l = {1, 0};

  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

Test(socket, pipe_destroy_peer_ties_two_sockets_lifetimes) {
  rec r;
  int pa, pb;
  ns_socket *a, *b;
  char buf[8];
  ns_socket_info info;

  rec_init(&r);
  proxy_pair(&r, &a, &pa, &b, &pb, NS_PIPE_DESTROY_PEER);
  cr_assert_eq(write(pa, "hello", 5), 5);
  cr_assert(run_until(&r, 'D', 1));
  spin(&r);
  cr_assert_eq(read(pb, buf, sizeof buf), 5, "forwarded a -> b");
  ns_socket_hold(b);
  reset(pa);
  cr_assert(run_until(&r, 'X', 2), "a closed, and b with it");
  ns_socket_info_get(b, &info);
  cr_expect(info.destroyed);
  ns_socket_release(b);
  close(pb);
  rec_free(&r);
}

Test(socket, a_plain_pipe_leaves_the_other_side_open) {
  rec r;
  int pa, pb;
  ns_socket *a, *b;
  ns_socket_info info;

  rec_init(&r);
  proxy_pair(&r, &a, &pa, &b, &pb, 0);
  ns_socket_hold(b);
  reset(pa);
  cr_assert(run_until(&r, 'X', 1));
  spin(&r);
  ns_socket_info_get(b, &info);
  cr_expect_not(info.destroyed, "Node's pipe leaves it open");
  ns_socket_destroy(b, NULL);
  cr_assert(run_until(&r, 'X', 1));
  ns_socket_release(b);
  close(pb);
  rec_free(&r);
}

/* A pipe whose destination was ended: the first refused chunk gives one
 * 'error' on the destination and undoes the pipe (Node unpipes on the
 * destination's error), instead of an error per chunk. */
static int errors_of_b;

static void count_b_errors(ns_socket *sock, const ns_socket_event *ev,
                           void *arg) {
  (void)sock, (void)arg;
  errors_of_b += ev->type == NS_SOCKET_ERROR;
}

Test(socket, a_pipe_into_an_ended_socket_is_undone_after_one_error) {
  rec r;
  int pa, pb;
  ns_socket *a, *b;

  rec_init(&r);
  a = connected_pair(&r, &pa, NULL);
  b = connected_pair(&r, &pb, NULL);
  ns_socket_set_callback(b, count_b_errors, NULL);
  cr_assert_eq(ns_socket_pipe(a, b), 0);
  ns_socket_end(b, NULL, 0, NULL, NULL);
  cr_assert_eq(write(pa, "one", 3), 3);
  cr_assert(run_until(&r, 'D', 1));
  spin(&r);
  cr_assert_eq(write(pa, "two", 3), 3);
  cr_assert(run_until(&r, 'D', 1));
  spin(&r);
  cr_expect_eq(errors_of_b, 1, "one 'write after end', then no pipe");
  cr_expect_not(ns_socket_is_paused(a));
  close(pa);
  close(pb);
  spin(&r);
  rec_free(&r);
}
