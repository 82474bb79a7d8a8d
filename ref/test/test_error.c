/*
 * test_error.c - errno names and Node-style error messages.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "error.h"
#include "netspec.h"

Test(error, names_libuv_errnos) {
  static const struct {
    int errnum;
    const char *code;
  } cases[] = {
    {EADDRINUSE, "EADDRINUSE"},   {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
    {EACCES, "EACCES"},           {ECONNREFUSED, "ECONNREFUSED"},
    {ECONNRESET, "ECONNRESET"},   {EPIPE, "EPIPE"},
    {EINVAL, "EINVAL"},           {ENOENT, "ENOENT"},
    {ENOTSOCK, "ENOTSOCK"},       {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {ETIMEDOUT, "ETIMEDOUT"},     {EMFILE, "EMFILE"},
    {ENFILE, "ENFILE"},           {ENOBUFS, "ENOBUFS"},
    {EAGAIN, "EAGAIN"},           {EBADF, "EBADF"},
    {ENOTCONN, "ENOTCONN"},       {EISCONN, "EISCONN"},
    {EHOSTUNREACH, "EHOSTUNREACH"}, {ENETUNREACH, "ENETUNREACH"},
    {ECONNABORTED, "ECONNABORTED"}, {EALREADY, "EALREADY"},
    {ENAMETOOLONG, "ENAMETOOLONG"}, {EPERM, "EPERM"},
    {ENOTSUP, "ENOTSUP"},         {ECANCELED, "ECANCELED"},
    {EWOULDBLOCK, "EAGAIN"},      {EOPNOTSUPP, "ENOTSUP"},
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cr_expect_str_eq(ns_errno_code(cases[i].errnum), cases[i].code,
                     "errno %d", cases[i].errnum);
}

Test(error, unknown_errno) {
  cr_expect_str_eq(ns_errno_code(0), "UNKNOWN");
  cr_expect_str_eq(ns_errno_code(-1), "UNKNOWN");
  cr_expect_str_eq(ns_errno_code(99999), "UNKNOWN");
}

Test(error, host_port_ipv4) {
  ns_error e = {0};

  (ns_error_free(&e), ns__error_sys_addr(&e, EADDRINUSE, "listen", "127.0.0.1", 8080));
  cr_expect_str_eq(e.name, "Error");
  cr_expect_str_eq(e.code, "EADDRINUSE");
  cr_expect_str_eq(e.syscall, "listen");
  cr_expect_eq(e.errnum, EADDRINUSE);
  cr_expect(e.has_address);
  cr_expect_str_eq(e.address, "127.0.0.1");
  cr_expect(e.has_port);
  cr_expect_eq(e.port, 8080);
  cr_expect_str_eq(e.message, "listen EADDRINUSE 127.0.0.1:8080");
  ns_error_free(&e);
}

Test(error, host_port_ipv6) {
  ns_error e = {0};

  (ns_error_free(&e), ns__error_sys_addr(&e, EADDRINUSE, "listen", "::1", 8080));
  cr_expect_str_eq(e.message, "listen EADDRINUSE ::1:8080");
  (ns_error_free(&e), ns__error_sys_addr(&e, EADDRINUSE, "listen", "::", 8080));
  cr_expect_str_eq(e.message, "listen EADDRINUSE :::8080");
  ns_error_free(&e);
}

/* Node 8: a pipe reports port -1, and no port in the message. */
Test(error, unix_path) {
  ns_error e = {0};

  (ns_error_free(&e), ns__error_sys_addr(&e, EADDRINUSE, "listen", "/tmp/x.sock", -1));
  cr_expect_str_eq(e.message, "listen EADDRINUSE /tmp/x.sock");
  cr_expect_str_eq(e.address, "/tmp/x.sock");
  cr_expect(e.has_port);
  cr_expect_eq(e.port, -1);
  ns_error_free(&e);
}

/* Node 8: port 0 is neither in the message nor on the error. */
Test(error, port_zero) {
  ns_error e = {0};

  (ns_error_free(&e), ns__error_sys_addr(&e, EADDRNOTAVAIL, "listen", "192.0.2.1", 0));
  cr_expect_str_eq(e.message, "listen EADDRNOTAVAIL 192.0.2.1");
  cr_expect(e.has_address);
  cr_expect_not(e.has_port);
  ns_error_free(&e);
}

Test(error, no_address) {
  ns_error e = {0};

  (ns_error_free(&e), ns__error_sys(&e, EMFILE, "accept"));
  cr_expect_str_eq(e.message, "accept EMFILE");
  cr_expect_not(e.has_address);
  cr_expect_not(e.has_port);
  cr_expect_str_eq(e.code, "EMFILE");
  ns_error_free(&e);
}

Test(error, lookup) {
  ns_error e = {0};

  (ns_error_free(&e), ns__error_lookup(&e, "ENOTFOUND", "nowhere.invalid", 1));
  cr_expect_str_eq(e.message, "getaddrinfo ENOTFOUND nowhere.invalid");
  cr_expect_str_eq(e.syscall, "getaddrinfo");
  cr_expect_str_eq(e.code, "ENOTFOUND");
  cr_expect_eq(e.errnum, 0);
  (ns_error_free(&e), ns__error_lookup(&e, "EAI_AGAIN", "x.invalid", 0));
  cr_expect_str_eq(e.message, "getaddrinfo EAI_AGAIN");
  ns_error_free(&e);
}

Test(error, plain) {
  ns_error e = {0};

  (ns_error_free(&e), ns__error_plain(&e, "Error", "Not running"));
  cr_expect_str_eq(e.name, "Error");
  cr_expect_str_eq(e.message, "Not running");
  cr_expect_null(e.code);
  cr_expect_null(e.syscall);
  cr_expect_eq(e.errnum, 0);
  cr_expect_not(e.has_address);
  cr_expect_not(e.has_port);
  ns_error_free(&e);
}

Test(error, long_address_is_kept_whole) {
  ns_error e = {0};
  static char path[20000];

  memset(path, 'p', sizeof path - 1);
  path[sizeof path - 1] = '\0';
  (ns_error_free(&e), ns__error_sys_addr(&e, EADDRINUSE, "listen", path, -1));
  cr_expect_eq(strlen(e.address), sizeof path - 1);
  cr_expect_eq(strlen(e.message), strlen("listen EADDRINUSE ") + sizeof path - 1);
  cr_expect_eq(memcmp(e.message + strlen("listen EADDRINUSE "), path,
                      sizeof path - 1), 0);
  ns_error_free(&e);
  cr_expect_null(e.message);
  ns_error_free(&e); /* twice is safe */
  ns_error_free(&e);
}

Test(error, lean) {
  cr_expect_leq(sizeof(ns_error), 64);
  cr_expect_leq(sizeof(ns_address), 96);
}

Test(error, copy_is_independent) {
  ns_error e = {0}, c;

  (ns_error_free(&e), ns__error_sys_addr(&e, ECONNREFUSED, "connect", "127.0.0.1", 80));
  cr_assert_eq(ns_error_copy(&c, &e), 0);
  ns_error_free(&e);
  cr_expect_str_eq(c.message, "connect ECONNREFUSED 127.0.0.1:80");
  cr_expect_str_eq(c.address, "127.0.0.1");
  cr_expect_str_eq(c.code, "ECONNREFUSED");
  cr_expect_eq(c.port, 80);
  ns_error_free(&c);
}

Test(error, append_keeps_the_address) {
  ns_error e = {0};

  (ns_error_free(&e), ns__error_sys_addr(&e, ECONNREFUSED, "connect", "::1", 80));
  ns__error_append(&e, " - Local (%s:%d)", "::1", 5000);
  cr_expect_str_eq(e.message, "connect ECONNREFUSED ::1:80 - Local (::1:5000)");
  cr_expect_str_eq(e.address, "::1");
  ns_error_free(&e);
  ns_error_free(&e);
}

Test(error, a_user_made_error_is_copied_not_owned) {
  ns_error e = {0}, c;
  char text[] = "mine";

  e.name = "Error";
  e.message = text;
  cr_assert_eq(ns_error_copy(&c, &e), 0);
  text[0] = 'X';
  cr_expect_str_eq(c.message, "mine");
  ns_error_free(&c);
  ns_error_free(&e); /* owns nothing: only forgets the pointer */
  cr_expect_str_eq(text, "Xine");
}

Test(error, version) {
  cr_expect_str_eq(ns_version(), NS_VERSION_STRING);
}
