/*
 * test_api_args.c - the constructors and configuration calls reject what
 * they cannot use (a NULL base, a name server text evdns would drop later,
 * handles of another base) with -1/NULL and an EINVAL ns_error, instead of
 * accepting it and failing later without a word (issue 13, item 13).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "netspec.h"

/* Checks that *e is the library's EINVAL misuse error. */
static void expect_einval(const ns_error *e) {
  cr_expect_str_eq(e->name, "TypeError");
  cr_expect_str_eq(e->code, "EINVAL");
  cr_expect_eq(e->errnum, EINVAL);
  cr_expect_null(e->syscall);
  cr_expect_neq(e->message[0], '\0', "the message says what was wrong");
}

static void ignore_server(ns_server *srv, const ns_server_event *ev,
                          void *arg) {
  (void)srv, (void)ev, (void)arg;
}

static void ignore_socket(ns_socket *sock, const ns_socket_event *ev,
                          void *arg) {
  (void)sock, (void)ev, (void)arg;
}

Test(api_args, server_new_rejects_a_null_base) {
  ns_error e;

  memset(&e, 0, sizeof e);
  cr_expect_null(ns_server_new(NULL, NULL, ignore_server, NULL, &e));
  expect_einval(&e);
  cr_expect_null(ns_server_new(NULL, NULL, ignore_server, NULL, NULL),
                 "a NULL err is allowed");
}

Test(api_args, socket_new_rejects_a_null_base) {
  ns_error e;

  memset(&e, 0, sizeof e);
  cr_expect_null(ns_socket_new(NULL, NULL, ignore_socket, NULL, &e));
  expect_einval(&e);
}

Test(api_args, dns_configure_rejects_a_garbage_nameserver) {
  struct event_base *base = event_base_new();
  ns_error e;

  memset(&e, 0, sizeof e);
  cr_expect_eq(ns_dns_configure(base, NULL, "garbage:99999999", &e), -1);
  expect_einval(&e);
  ns_base_cleanup(base);
  event_base_free(base);
}

Test(api_args, dns_configure_checks_every_nameserver_form) {
  static const char *good[] = {"127.0.0.1", "127.0.0.1:5353", "::1",
                               "[::1]:53", "[::1]:65535", "127.0.0.1:1"};
  static const char *bad[] = {
      "",           "localhost",       "127.0.0.1:0",  "127.0.0.1:65536",
      "127.0.0.1:", "127.0.0.1:53x",   "127.0.0.1:-1", "[::1]",
      "[::1]:",     "[127.0.0.1]:53",  "::1:53:",      "1.2.3:53",
      "[::1]:53 ",  "127.0.0.1:000053", "::1%lo"};
  struct event_base *base = event_base_new();
  ns_error e;
  size_t i;

  for (i = 0; i < sizeof good / sizeof good[0]; i++)
    cr_expect_eq(ns_dns_configure(base, NULL, good[i], &e), 0, "%s", good[i]);
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(&e, 0, sizeof e);
    cr_expect_eq(ns_dns_configure(base, NULL, bad[i], &e), -1, "'%s'", bad[i]);
    cr_expect_str_eq(e.code, "EINVAL", "'%s'", bad[i]);
  }
  ns_base_cleanup(base);
  event_base_free(base);
}

Test(api_args, dns_configure_rejects_a_null_base_and_an_empty_hosts_path) {
  struct event_base *base = event_base_new();
  ns_error e;

  memset(&e, 0, sizeof e);
  cr_expect_eq(ns_dns_configure(NULL, NULL, "127.0.0.1", &e), -1);
  expect_einval(&e);
  memset(&e, 0, sizeof e);
  cr_expect_eq(ns_dns_configure(base, "", NULL, &e), -1);
  expect_einval(&e);
  cr_expect_eq(ns_dns_configure(base, NULL, NULL, NULL), 0, "nothing to do");
  ns_base_cleanup(base);
  event_base_free(base);
}

Test(api_args, dns_use_resolv_conf_rejects_a_null_base_or_path) {
  struct event_base *base = event_base_new();
  ns_error e;

  memset(&e, 0, sizeof e);
  cr_expect_eq(ns_dns_use_resolv_conf(NULL, "/etc/resolv.conf", &e), -1);
  expect_einval(&e);
  memset(&e, 0, sizeof e);
  cr_expect_eq(ns_dns_use_resolv_conf(base, NULL, &e), -1);
  expect_einval(&e);
  memset(&e, 0, sizeof e);
  cr_expect_eq(ns_dns_use_resolv_conf(base, "", &e), -1);
  expect_einval(&e);
  ns_base_cleanup(base);
  event_base_free(base);
}

Test(api_args, run_rejects_a_null_base) {
  cr_expect_eq(ns_run(NULL), -1);
  cr_expect_eq(ns_base_refs(NULL), 0);
}

/* listen(otherServer) and listen(socket) share a descriptor between two
 * handles; across bases that would run one descriptor on two loops. */
Test(api_args, listen_handles_of_another_base_are_refused) {
  struct event_base *a = event_base_new(), *b = event_base_new();
  ns_server *lender = ns_server_new(a, NULL, ignore_server, NULL, NULL);
  ns_server *srv = ns_server_new(b, NULL, ignore_server, NULL, NULL);
  ns_listen_options lo;
  ns_socket_options so;
  ns_socket *sock;
  ns_error e;
  int fds[2], i;

  memset(&lo, 0, sizeof lo);
  lo.host = "127.0.0.1";
  lo.has_port = 1;
  cr_assert_eq(ns_server_listen(lender, &lo, &e), 0);
  for (i = 0; i < 10 && !ns_server_listening(lender); i++)
    event_base_loop(a, EVLOOP_ONCE);
  cr_assert(ns_server_listening(lender));
  memset(&e, 0, sizeof e);
  cr_expect_eq(ns_server_listen_server(srv, lender, 0, &e), -1);
  expect_einval(&e);
  cr_expect_not(ns_server_listening(srv));

  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  memset(&so, 0, sizeof so);
  so.has_fd = 1;
  so.fd = fds[0];
  sock = ns_socket_new(a, &so, ignore_socket, NULL, NULL);
  cr_assert_not_null(sock);
  memset(&e, 0, sizeof e);
  cr_expect_eq(ns_server_listen_socket(srv, sock, 0, &e), -1);
  expect_einval(&e);
  cr_expect_not(ns_server_listening(srv));

  ns_socket_free(sock);
  close(fds[1]);
  ns_server_free(srv);
  ns_server_free(lender);
  ns_base_cleanup(a);
  ns_base_cleanup(b);
  event_base_free(a);
  event_base_free(b);
}
