/*
 * test_connect_args.c - socket.connect() and setTimeout() argument checks
 * with Node 8.17.0's messages.
 */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "connect_args.h"

static ns_connect_options tcp(const char *host, int port) {
  ns_connect_options o;

  memset(&o, 0, sizeof o);
  o.host = host;
  o.port = port;
  return o;
}

Test(connect_args, legal_options_pass) {
  ns_connect_options o = tcp("127.0.0.1", 0);
  ns_error err = {0};

  cr_expect_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), 0);
  o.port = 65535;
  o.local_address = "::1";
  o.local_port = 70000; /* not checked here: the bind fails like Node's */
  cr_expect_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), 0);
  ns_error_free(&err);
}

Test(connect_args, port_out_of_range_is_a_range_error) {
  ns_connect_options o = tcp("127.0.0.1", 65536);
  ns_error err = {0};

  cr_assert_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), -1);
  cr_expect_str_eq(err.name, "RangeError");
  cr_expect_null(err.code);
  cr_expect_str_eq(err.message, "\"port\" option should be >= 0 and < 65536: 65536");
  o.port = -1;
  cr_assert_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), -1);
  cr_expect_str_eq(err.message, "\"port\" option should be >= 0 and < 65536: -1");
  ns_error_free(&err);
}

Test(connect_args, port_text_is_quoted_as_given) {
  ns_connect_options o = tcp("127.0.0.1", 0);
  ns_error err = {0};

  o.port_invalid = 1;
  o.port_text = "1.5";
  cr_assert_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), -1);
  cr_expect_str_eq(err.message, "\"port\" option should be >= 0 and < 65536: 1.5");
  ns_error_free(&err);
}

Test(connect_args, local_address_must_be_an_ip) {
  ns_connect_options o = tcp("127.0.0.1", 80);
  ns_error err = {0};

  o.local_address = "localhost";
  cr_assert_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), -1);
  cr_expect_str_eq(err.name, "TypeError");
  cr_expect_str_eq(err.message, "\"localAddress\" option must be a valid IP: localhost");
  ns_error_free(&err);
}

Test(connect_args, local_address_is_checked_before_the_port) {
  ns_connect_options o = tcp("127.0.0.1", 70000);
  ns_error err = {0};

  o.local_address = "x";
  cr_assert_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), -1);
  cr_expect_str_eq(err.name, "TypeError");
  ns_error_free(&err);
}

Test(connect_args, a_path_skips_the_tcp_checks) {
  ns_connect_options o = tcp(NULL, 99999);
  ns_error err = {0};

  o.path = "/tmp/x.sock";
  o.local_address = "nope";
  cr_expect_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), 0);
  ns_error_free(&err);
}

Test(connect_args, a_busy_socket_is_refused) {
  ns_connect_options o = tcp("127.0.0.1", 1);
  ns_error err = {0};

  cr_assert_eq((ns_error_free(&err), ns__connect_validate(&o, 1, &err)), -1);
  cr_expect_str_eq(err.message, "Socket is already connected");
  ns_error_free(&err);
}

Test(connect_args, timeouts) {
  ns_error err = {0};

  cr_expect_eq((ns_error_free(&err), ns__timeout_validate(0, &err)), 0);
  cr_expect_eq((ns_error_free(&err), ns__timeout_validate(1e12, &err)), 0);
  cr_assert_eq((ns_error_free(&err), ns__timeout_validate(-1, &err)), -1);
  cr_expect_str_eq(err.name, "RangeError");
  cr_expect_str_eq(err.message,
                   "\"msecs\" argument must be a non-negative finite number");
  cr_expect_eq((ns_error_free(&err), ns__timeout_validate(INFINITY, &err)), -1);
  cr_expect_eq((ns_error_free(&err), ns__timeout_validate(NAN, &err)), -1);
  ns_error_free(&err);
}

Test(connect_args, family_is_checked_for_names_only) {
  ns_connect_options o = tcp("localhost", 80);
  ns_error err = {0};

  o.family = 5;
  cr_assert_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), -1);
  cr_expect_str_eq(err.name, "TypeError");
  cr_expect_str_eq(err.message, "Invalid argument: family must be 4 or 6");
  o.host = "127.0.0.1";
  cr_expect_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), 0);
  o.host = "localhost";
  o.family = 6;
  cr_expect_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), 0);
  ns_error_free(&err);
}

Test(connect_args, hints_must_be_valid_flags_for_the_default_lookup) {
  ns_connect_options o = tcp("localhost", 80);
  ns_error err = {0};

  o.hints = 12345;
  cr_assert_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), -1);
  cr_expect_str_eq(err.message, "Invalid argument: hints must use valid flags");
  o.hints = NS_AI_ADDRCONFIG | NS_AI_V4MAPPED;
  cr_expect_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), 0);
  o.hints = 1; /* both wrong: dns.lookup() checks the hints first (fuzz/) */
  o.family = 5;
  cr_assert_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), -1);
  cr_expect_str_eq(err.message, "Invalid argument: hints must use valid flags");
  ns_error_free(&err);
}

/* An IPv6 literal with a zone naming no interface is an IP (isIP), not a
 * name to look up, and a valid localAddress (fuzz/). */
Test(connect_args, unknown_zone_is_still_an_ip) {
  ns_connect_options o = tcp("::1%nosuchif", 80);
  ns_error err = {0};

  o.family = 5;
  o.local_address = "::1%nosuchif";
  cr_expect_eq((ns_error_free(&err), ns__connect_validate(&o, 0, &err)), 0);
  ns_error_free(&err);
}
