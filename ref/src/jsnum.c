/*
 * jsnum.c - JavaScript's Number() of a string (see jsnum.h).
 */
#include "jsnum.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* JavaScript WhiteSpace and LineTerminator code points (what trim()
 * removes). */
static int is_js_space(uint32_t c) {
  return c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D ||
         c == 0x20 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

/* Narrows [*s, *s + *n) to its trimmed part. */
static void trim(const char **s, size_t *n) {
  const unsigned char *p = (const unsigned char *)*s, *end = p + *n;
  uint32_t c;
  size_t k;

  while (p < end && (k = ns__utf8_next(p, (size_t)(end - p), &c)) > 0 &&
         c != NS__UTF8_INVALID && is_js_space(c))
    p += k;
  /* Trailing: step back over whole sequences (continuation bytes first). */
  while (end > p) {
    const unsigned char *q = end - 1;

    while (q > p && (*q & 0xC0) == 0x80 && end - q < 4)
      q--;
    k = ns__utf8_next(q, (size_t)(end - q), &c);
    if (c == NS__UTF8_INVALID || q + k != end || !is_js_space(c))
      break;
    end = q;
  }
  *s = (const char *)p;
  *n = (size_t)(end - p);
}

int ns__js_is_blank(const char *s, size_t n) {
  trim(&s, &n);
  return n == 0;
}

/* The digits s[0..n) in `radix`, accumulated in a double; NaN when one is
 * not a digit of that radix or there are none. */
static double radix_integer(const char *s, size_t n, int radix) {
  double v = 0;
  size_t i;

  if (n == 0)
    return NAN;
  for (i = 0; i < n; i++) {
    char c = s[i];
    int d;

    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z')
      d = c - 'A' + 10;
    else
      return NAN;
    if (d >= radix)
      return NAN;
    v = v * radix + d;
  }
  return v;
}

/* Non-zero when s[0..n) is a StrDecimalLiteral without the Infinity forms:
 * [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)? */
static int is_decimal_literal(const char *s, size_t n) {
  size_t i = 0, int_digits = 0, frac_digits = 0;

  if (i < n && (s[i] == '+' || s[i] == '-'))
    i++;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
    int_digits++;
  if (i < n && s[i] == '.')
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      frac_digits++;
  if (int_digits + frac_digits == 0)
    return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t exp_digits = 0;

    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      exp_digits++;
    if (exp_digits == 0)
      return 0;
  }
  return i == n;
}

/*
 * The value of the decimal literal s[0..n) (is_decimal_literal() holds).
 * strtod() reads the locale's decimal point, so it is given the digits as
 * an integer and an exponent ("-12.5e3" as "-125e2"), which every locale
 * reads alike and which is the same number, rounded once.
 */
static double decimal_value(const char *s, size_t n) {
  size_t i = 0, o = 0, frac = 0;
  long long exp = 0;
  int negative = 0, in_frac = 0, exp_negative = 0;
  char *text;
  double v;

  if (s[i] == '+' || s[i] == '-')
    negative = s[i++] == '-';
  if ((text = malloc(n + 32)) == NULL)
    return NAN;
  if (negative)
    text[o++] = '-';
  for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
    if (s[i] == '.') {
      in_frac = 1;
      continue;
    }
    frac += (size_t)in_frac;
    if (o > (size_t)negative || s[i] != '0')
      text[o++] = s[i]; /* from the first non-zero digit */
  }
  if (o == (size_t)negative) { /* all zeros */
    free(text);
    return negative ? -0.0 : 0.0;
  }
  if (i < n) { /* the exponent, saturated far beyond any double */
    i++;
    if (s[i] == '+' || s[i] == '-')
      exp_negative = s[i++] == '-';
    for (; i < n; i++)
      if (exp < 1000000000000LL)
        exp = exp * 10 + (s[i] - '0');
    if (exp_negative)
      exp = -exp;
  }
  snprintf(text + o, 32, "e%lld", exp - (long long)frac);
  v = strtod(text, NULL);
  free(text);
  return v;
}

double ns__js_number(const char *s, size_t n) {
  trim(&s, &n);
  if (n == 0)
    return 0;
  if (n > 2 && s[0] == '0') {
    if (s[1] == 'x' || s[1] == 'X')
      return radix_integer(s + 2, n - 2, 16);
    if (s[1] == 'o' || s[1] == 'O')
      return radix_integer(s + 2, n - 2, 8);
    if (s[1] == 'b' || s[1] == 'B')
      return radix_integer(s + 2, n - 2, 2);
  }
  if ((n == 8 && memcmp(s, "Infinity", 8) == 0) ||
      (n == 9 && memcmp(s, "+Infinity", 9) == 0))
    return INFINITY;
  if (n == 9 && memcmp(s, "-Infinity", 9) == 0)
    return -INFINITY;
  if (!is_decimal_literal(s, n))
    return NAN;
  return decimal_value(s, n);
}
