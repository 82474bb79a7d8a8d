/*
 * test_addr.c - parsing and formatting addresses, Unix path truncation.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>

#include "addr.h"

Test(addr, parse_ipv4) {
  struct sockaddr_storage ss;
  socklen_t len;
  struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

  cr_assert_eq(ns__addr_parse_ip("127.0.0.1", 8080, &ss, &len), 4);
  cr_expect_eq(sin->sin_family, AF_INET);
  cr_expect_eq(ntohs(sin->sin_port), 8080);
  cr_expect_eq(ntohl(sin->sin_addr.s_addr), 0x7f000001u);
  cr_expect_eq(len, sizeof *sin);
}

Test(addr, parse_ipv6) {
  struct sockaddr_storage ss;
  socklen_t len;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

  cr_assert_eq(ns__addr_parse_ip("::1", 443, &ss, &len), 6);
  cr_expect_eq(sin6->sin6_family, AF_INET6);
  cr_expect_eq(ntohs(sin6->sin6_port), 443);
  cr_expect(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
  cr_expect_eq(len, sizeof *sin6);
  cr_expect_eq(ns__addr_parse_ip("::", 0, &ss, &len), 6);
  cr_expect_eq(ns__addr_parse_ip("::ffff:127.0.0.1", 0, &ss, &len), 6);
}

/* Zones: the scope is the named interface's index, 0 for a name no
 * interface has (fuzz/: getaddrinfo() refused those). */
Test(addr, parse_ipv6_zones) {
  struct sockaddr_storage ss;
  socklen_t len;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

  cr_assert_eq(ns__addr_parse_ip("::1%lo", 80, &ss, &len), 6);
  cr_expect_neq(sin6->sin6_scope_id, 0);
  cr_expect_eq(ntohs(sin6->sin6_port), 80);
  cr_expect_eq(len, sizeof *sin6);
  cr_assert_eq(ns__addr_parse_ip("::1%nosuchif", 80, &ss, &len), 6);
  cr_expect_eq(sin6->sin6_scope_id, 0);
  cr_expect(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
  cr_expect_eq(ns__addr_parse_ip("::1%", 0, &ss, &len), 6);
  cr_expect_eq(ns__addr_parse_ip("1.2.3.4%lo", 0, &ss, &len), 0);
  cr_expect_eq(ns__addr_parse_ip("%lo", 0, &ss, &len), 0);
}

Test(addr, not_ip_literals) {
  struct sockaddr_storage ss;
  socklen_t len;
  static const char *const texts[] = {
    "localhost", "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "::g", "01.2.3.4x",
    " 127.0.0.1",
  };
  size_t i;

  for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
    cr_expect_eq(ns__addr_parse_ip(texts[i], 0, &ss, &len), 0, "%s",
                 texts[i]);
}

Test(addr, format_round_trip) {
  static const struct {
    const char *in, *out, *family;
  } cases[] = {
    {"127.0.0.1", "127.0.0.1", "IPv4"},
    {"0.0.0.0", "0.0.0.0", "IPv4"},
    {"::", "::", "IPv6"},
    {"::1", "::1", "IPv6"},
    {"0:0:0:0:0:0:0:1", "::1", "IPv6"},
    {"::ffff:127.0.0.1", "::ffff:127.0.0.1", "IPv6"},
    {"fe80::1:2", "fe80::1:2", "IPv6"},
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct sockaddr_storage ss;
    socklen_t len;
    ns_address a;

    cr_assert_neq(ns__addr_parse_ip(cases[i].in, 1234, &ss, &len), 0);
    cr_assert_eq(ns__addr_format((struct sockaddr *)&ss, &a), 0);
    cr_expect_eq(a.kind, NS_ADDRESS_INET);
    cr_expect_str_eq(a.address, cases[i].out);
    cr_expect_str_eq(a.family, cases[i].family);
    cr_expect_eq(a.port, 1234);
  }
}

Test(addr, format_other_family) {
  struct sockaddr_un sun;
  ns_address a;

  ns__addr_unix("/tmp/x", &sun);
  cr_expect_eq(ns__addr_format((struct sockaddr *)&sun, &a), -1);
  cr_expect_eq(a.kind, NS_ADDRESS_NONE);
  cr_expect_null(a.family);
}

Test(addr, lookup_literal_keeps_text) {
  struct sockaddr_storage ss;
  socklen_t len;
  char ip[NS_IP_TEXT_MAX];
  ns_error err;

  cr_assert_eq(ns__addr_lookup("0:0::1", 80, &ss, &len, ip, sizeof ip, &err),
               0);
  cr_expect_str_eq(ip, "0:0::1"); /* dns.lookup returns a literal as given */
  cr_expect_eq(ss.ss_family, AF_INET6);
}

/* /etc/hosts answers localhost; Node 8 prefers its IPv4 address. */
Test(addr, lookup_localhost_prefers_ipv4) {
  struct sockaddr_storage ss;
  socklen_t len;
  char ip[NS_IP_TEXT_MAX];
  ns_error err;

  cr_assert_eq(
      ns__addr_lookup("localhost", 80, &ss, &len, ip, sizeof ip, &err), 0);
  cr_expect_str_eq(ip, "127.0.0.1");
  cr_expect_eq(ss.ss_family, AF_INET);
  cr_expect_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 80);
}

/* Node 8's libuv copies at most sizeof(sun_path) - 1 bytes. */
Test(addr, unix_path_truncated_to_107) {
  struct sockaddr_un sun;
  char path[200];
  size_t max = sizeof sun.sun_path - 1;

  cr_assert_eq(max, 107);
  memset(path, 'a', sizeof path - 1);
  path[sizeof path - 1] = '\0';
  cr_expect_eq(ns__addr_unix(path, &sun), sizeof sun);
  cr_expect_eq(sun.sun_family, AF_UNIX);
  cr_expect_eq(strlen(sun.sun_path), max);
  cr_expect_eq(memcmp(sun.sun_path, path, max), 0);

  path[max] = '\0'; /* exactly 107 bytes: kept whole */
  ns__addr_unix(path, &sun);
  cr_expect_str_eq(sun.sun_path, path);

  path[max] = 'b';
  path[max + 1] = '\0'; /* 108 bytes: the last one is cut */
  ns__addr_unix(path, &sun);
  cr_expect_eq(strlen(sun.sun_path), max);
  cr_expect_eq(sun.sun_path[max - 1], 'a');
}

Test(addr, pipe_address) {
  ns_address a;
  static char path[20000];

  ns__addr_pipe("/tmp/x.sock", 11, &a);
  cr_expect_eq(a.kind, NS_ADDRESS_PIPE);
  cr_expect_str_eq(a.path, "/tmp/x.sock");
  cr_expect_eq(a.path_len, 11);
  cr_expect_str_eq(a.address, "");
  cr_expect_null(a.family);
  memset(path, 'q', sizeof path - 1);
  path[sizeof path - 1] = '\0';
  ns__addr_pipe(path, strlen(path), &a);
  cr_expect_eq(strlen(a.path), sizeof path - 1, "a long path is kept whole");
  cr_expect_eq(a.path_len, sizeof path - 1);
}

Test(addr, pipe_address_with_nul) {
  ns_address a;

  ns__addr_pipe("/tmp/a\0tail", 11, &a);
  cr_expect_eq(a.path_len, 11);
  cr_expect_eq(memcmp(a.path, "/tmp/a\0tail", 12), 0);
}
