/*
 * test_jsnum.c - JavaScript's Number() of a string (src/jsnum.c), which
 * isPipeName() and the reference shim's conversions read strings with.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "jsnum.h"

static double num(const char *s) { return ns__js_number(s, strlen(s)); }

Test(jsnum, decimal_and_radix) {
  cr_expect_eq(num(""), 0);
  cr_expect_eq(num("  \t\n"), 0);
  cr_expect_eq(num("8080"), 8080);
  cr_expect_eq(num(" 12 "), 12);
  cr_expect_eq(num("\xc2\xa0" "7\xe3\x80\x80"), 7);
  cr_expect_eq(num("0x1F"), 31);
  cr_expect_eq(num("0o17"), 15);
  cr_expect_eq(num("0B101"), 5);
  cr_expect_eq(num("1e3"), 1000);
  cr_expect_eq(num("-12.5e3"), -12500);
  cr_expect_eq(num(".5"), 0.5);
  cr_expect_eq(num("5."), 5);
  cr_expect_eq(num("+3"), 3);
  cr_expect_eq(num("-1"), -1);
}

Test(jsnum, zeros_and_infinities) {
  cr_expect(signbit(num("-0")));
  cr_expect(signbit(num("-1e-400")), "underflows to -0");
  cr_expect_eq(num("2e-324"), 0);
  cr_expect(isinf(num("Infinity")) && num("Infinity") > 0);
  cr_expect(isinf(num("+Infinity")) && num("+Infinity") > 0);
  cr_expect(isinf(num("-Infinity")) && num("-Infinity") < 0);
  cr_expect(isinf(num("1e400")));
}

Test(jsnum, not_numbers) {
  static const char *const nan_inputs[] = {
    "abc", "1_0", "-0x10", "0x", "inf", "nan", "1e", "/tmp/sock", ".", "e5",
  };
  size_t i;

  for (i = 0; i < sizeof nan_inputs / sizeof nan_inputs[0]; i++)
    cr_expect(isnan(num(nan_inputs[i])), "'%s'", nan_inputs[i]);
  cr_expect(isnan(ns__js_number("1\0", 2)), "a NUL byte is not white space");
}

Test(jsnum, blank) {
  cr_expect(ns__js_is_blank("", 0));
  cr_expect(ns__js_is_blank(" \xef\xbb\xbf\xe2\x80\xa8", 7));
  cr_expect_not(ns__js_is_blank(" x ", 3));
  cr_expect_not(ns__js_is_blank("\xff", 1), "ill-formed UTF-8 is not space");
}
