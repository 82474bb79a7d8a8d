/*
 * test_listen_args.c - listen() option validation and its messages, as
 * observed on Node 8.17.0.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "listen_args.h"

static const char range_msg[] = "\"port\" argument must be >= 0 and < 65536";

Test(listen_args, port_range) {
  ns_listen_options o;
  ns_error e = {0};
  static const int bad[] = {-1, 65536, 100000, -65536};
  static const int good[] = {0, 1, 8080, 65535};
  size_t i;

  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(&o, 0, sizeof o);
    o.has_port = 1;
    o.port = bad[i];
    cr_expect_eq((ns_error_free(&e), ns__listen_validate(&o, &e)), -1, "port %d", bad[i]);
    cr_expect_str_eq(e.name, "RangeError");
    cr_expect_str_eq(e.message, range_msg);
    cr_expect_null(e.code);
  }
  for (i = 0; i < sizeof good / sizeof good[0]; i++) {
    memset(&o, 0, sizeof o);
    o.has_port = 1;
    o.port = good[i];
    o.host = "127.0.0.1";
    cr_expect_eq((ns_error_free(&e), ns__listen_validate(&o, &e)), 0, "port %d", good[i]);
  }
  ns_error_free(&e);
}

/* Expects validation to fail with "Invalid listen argument: <inspected>". */
static void expect_invalid(const ns_listen_options *o, const char *inspected) {
  ns_error e = {0};
  char want[600];

  snprintf(want, sizeof want, "Invalid listen argument: %s", inspected);
  cr_expect_eq((ns_error_free(&e), ns__listen_validate(o, &e)), -1);
  cr_expect_str_eq(e.name, "Error");
  cr_expect_str_eq(e.message, want);
  cr_expect_null(e.code);
  cr_expect_null(e.syscall);
  ns_error_free(&e);
}

Test(listen_args, invalid_messages) {
  ns_listen_options o;

  memset(&o, 0, sizeof o);
  expect_invalid(&o, "{}");
  o.host = "127.0.0.1";
  expect_invalid(&o, "{ host: '127.0.0.1' }");
  memset(&o, 0, sizeof o);
  o.path = "";
  expect_invalid(&o, "{ path: '' }");
  o.path = "123";
  expect_invalid(&o, "{ path: '123' }");
  memset(&o, 0, sizeof o);
  o.host = "it's";
  o.backlog = 5;
  o.exclusive = 1;
  expect_invalid(&o, "{ host: 'it\\'s', backlog: 5, exclusive: true }");
  memset(&o, 0, sizeof o);
  o.path = "\t\n";
  expect_invalid(&o, "{ path: '\\t\\n' }");
}

/* util.inspect keeps an object on one line up to 60 characters. */
Test(listen_args, inspect_line_breaking) {
  ns_listen_options o;
  char path[61], want[200], buf[300];

  memset(&o, 0, sizeof o);
  o.host = "127.0.0.1";
  o.path = "12"; /* a number-like path is no pipe name: invalid */
  expect_invalid(&o, "{ host: '127.0.0.1', path: '12' }");

  memset(path, 'a', 60);
  path[60] = '\0';
  o.path = path;
  snprintf(want, sizeof want, "{ host: '127.0.0.1',\n  path: '%s' }", path);
  ns__inspect_listen_options(&o, buf, sizeof buf);
  cr_expect_str_eq(buf, want);
}

Test(listen_args, inspect_escapes) {
  ns_listen_options o;
  char buf[100];

  memset(&o, 0, sizeof o);
  o.path = "a\x01" "b\\c\x0b";
  ns__inspect_listen_options(&o, buf, sizeof buf);
  cr_expect_str_eq(buf, "{ path: 'a\\u0001b\\\\c\\u000b' }");
}

/* Node 8's isPipeName(): Number(path) >= 0 means "not a pipe name". */
Test(listen_args, pipe_names) {
  static const char *const not_pipes[] = {
    "", "123", " 12 ", "1e3", "0x10", "0X1f", "0b1", "0o7", "Infinity",
    "+Infinity", "+5", ".5", "5.", "00", "-0", "-0.0e5", "\t\n", " ",
    "\xc2\xa0\x35" /* NBSP then 5 */, "+.5e-3",
    "-1e-400", "-2e-324", "-0.00e-99999999999999999999" /* -0 (fuzz/) */,
  };
  static const char *const pipes[] = {
    "-1", "abc", "1_0", "-Infinity", "1 2", "0x", "-0x1", "1e", "Infinityx",
    "/tmp/x.sock", ".", "0x1g", "0b2", "-", "+", "e5",
    "-3e-324", "-1e-323", "-0.000001", "-1e99999999999999999999",
  };
  size_t i;

  for (i = 0; i < sizeof not_pipes / sizeof not_pipes[0]; i++)
    cr_expect_not(ns__is_pipe_name(not_pipes[i], strlen(not_pipes[i])), "'%s'", not_pipes[i]);
  for (i = 0; i < sizeof pipes / sizeof pipes[0]; i++)
    cr_expect(ns__is_pipe_name(pipes[i], strlen(pipes[i])), "'%s'", pipes[i]);
  cr_expect(ns__is_pipe_name("12\0ab", 5), "a NUL makes Number() NaN");
  cr_expect_not(ns__is_pipe_name("12\0ab", 2));
}

Test(listen_args, path_is_valid_without_port) {
  ns_listen_options o;
  ns_error e = {0};

  memset(&o, 0, sizeof o);
  o.path = "/tmp/x.sock";
  cr_expect_eq((ns_error_free(&e), ns__listen_validate(&o, &e)), 0);
  o.has_port = 1; /* a port wins over the path */
  o.port = 70000;
  cr_expect_eq((ns_error_free(&e), ns__listen_validate(&o, &e)), -1);
  cr_expect_str_eq(e.name, "RangeError");
  ns_error_free(&e);
}

/* Number() of a path holding a NUL is NaN: a pipe name (fuzz/). */
Test(listen_args, path_with_a_nul_is_a_pipe_name) {
  ns_listen_options o;
  ns_error e = {0};

  memset(&o, 0, sizeof o);
  o.path = "12\0ab";
  o.path_len = 5;
  cr_expect_eq((ns_error_free(&e), ns__listen_validate(&o, &e)), 0);
  o.path_len = 0; /* "12" alone is a number */
  cr_expect_eq((ns_error_free(&e), ns__listen_validate(&o, &e)), -1);
  ns_error_free(&e);
}

/* A long host is quoted whole in the message (fuzz/). */
Test(listen_args, long_host_is_not_cut) {
  static char host[1500];
  static const char tail[] = "',\n  exclusive: true }";
  ns_listen_options o;
  ns_error e = {0};
  size_t n;

  memset(host, 'h', sizeof host - 1);
  memset(&o, 0, sizeof o);
  o.host = host;
  o.exclusive = 1;
  cr_assert_eq((ns_error_free(&e), ns__listen_validate(&o, &e)), -1);
  n = strlen(e.message);
  cr_expect_gt(n, sizeof host);
  cr_expect_str_eq(e.message + n - strlen(tail), tail);
  ns_error_free(&e);
}
