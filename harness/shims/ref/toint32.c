/* jsnum.c - JavaScript's string-to-number and integer conversions. */
#include "jsnum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xalloc.h"

/* JS WhiteSpace and LineTerminator code points. */
static int is_js_space(uint32_t c) {
  return c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D ||
         c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000 || c == 0xFEFF;
}

/* Narrows [*s, *s + *n) to its trimmed part. */
static void trim(const char **s, size_t *n) {
  const unsigned char *p = (const unsigned char *)*s, *end = p + *n;
  uint32_t c;
  size_t k;

  while (p < end && (k = utf8_decode(p, (size_t)(end - p), &c)) != 0 &&
         is_js_space(c))
    p += k;
  /* Trailing: step back over whole sequences (continuation bytes first). */
  while (end > p) {
    const unsigned char *q = end - 1;
    while (q > p && (*q & 0xC0) == 0x80 && end - q < 4) q--;
    if ((k = utf8_decode(q, (size_t)(end - q), &c)) == 0 ||
        q + k != end || !is_js_space(c))
      break;
    end = q;
  }
  *s = (const char *)p;
  *n = (size_t)(end - p);
}

int js_string_is_blank(const char *s, size_t n) {
  trim(&s, &n);
  return n == 0;
}

static double radix_integer(const char *s, size_t n, int radix) {
  double v = 0;
  if (n == 0) return NAN;
  for (size_t i = 0; i < n; i++) {
    int d;
    char c = s[i];
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
    else return NAN;
    if (d >= radix) return NAN;
    v = v * radix + d;
  }
  return v;
}

/* Checks StrDecimalLiteral without the Infinity forms:
 * [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)? */
static int is_decimal_literal(const char *s, size_t n) {
  size_t i = 0, int_digits = 0, frac_digits = 0;

  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++, int_digits++;
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, frac_digits++;
  }
  if (int_digits + frac_digits == 0) return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t exp_digits = 0;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, exp_digits++;
    if (exp_digits == 0) return 0;
  }
  return i == n;
}

double js_string_to_number(const char *s, size_t n) {
  char *text;
  double v;

  trim(&s, &n);
  if (n == 0) return 0;
  if (n > 2 && s[0] == '0') {
    if (s[1] == 'x' || s[1] == 'X') return radix_integer(s + 2, n - 2, 16);
    if (s[1] == 'o' || s[1] == 'O') return radix_integer(s + 2, n - 2, 8);
    if (s[1] == 'b' || s[1] == 'B') return radix_integer(s + 2, n - 2, 2);
  }
  if ((n == 8 && memcmp(s, "Infinity", 8) == 0) ||
      (n == 9 && memcmp(s, "+Infinity", 9) == 0))
    return INFINITY;
  if (n == 9 && memcmp(s, "-Infinity", 9) == 0) return -INFINITY;
  if (!is_decimal_literal(s, n)) return NAN;

  text = xmalloc(n + 1);
  memcpy(text, s, n);
  text[n] = '\0';
  v = strtod(text, NULL);
  free(text);
  return v;
}

int32_t js_to_int32(double d) {
  double m;
  if (!isfinite(d) || d == 0) return 0;
  m = fmod(trunc(d), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return m >= 2147483648.0 ? (int32_t)(m - 4294967296.0) : (int32_t)m;
}
