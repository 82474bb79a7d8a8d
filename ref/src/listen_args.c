/*
 * listen_args.c - validating listen options like Node 8 and formatting them
 * like util.inspect() for "Invalid listen argument" messages.
 */
#include "listen_args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Node 8 util.inspect's default breakLength. */
#define INSPECT_BREAK_LENGTH 60

/* Bytes util.inspect() of a string of `n` bytes can take: quotes, and at
 * most 6 bytes ("\u001f") per byte. */
#define INSPECTED_MAX(n) (6 * (n) + 3)

/* ---------------------------------------------------- JavaScript Number() */

/* UTF-8 forms of the non-ASCII characters JavaScript's trim() removes. */
static const char *const js_unicode_spaces[] = {
  "\xc2\xa0", "\xef\xbb\xbf", "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81",
  "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85",
  "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89",
  "\xe2\x80\x8a", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaf",
  "\xe2\x81\x9f", "\xe3\x80\x80",
};

/* Returns the byte length of the JavaScript white space at s[0..n), or 0. */
static size_t js_space_at(const char *s, size_t n) {
  size_t i;

  if (n > 0 && strchr(" \t\n\v\f\r", s[0]) != NULL && s[0] != '\0')
    return 1;
  for (i = 0; i < sizeof js_unicode_spaces / sizeof js_unicode_spaces[0];
       i++) {
    size_t len = strlen(js_unicode_spaces[i]);

    if (n >= len && memcmp(s, js_unicode_spaces[i], len) == 0)
      return len;
  }
  return 0;
}

/* Returns non-zero if c is a digit of the given radix (2, 8, 10 or 16). */
static int is_radix_digit(char c, int radix) {
  if (radix == 16)
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
  return c >= '0' && c < '0' + radix;
}

/* Returns non-zero if s[0..n) is all digits of `radix` and not empty. */
static int all_radix_digits(const char *s, size_t n, int radix) {
  size_t i;

  if (n == 0)
    return 0;
  for (i = 0; i < n; i++)
    if (!is_radix_digit(s[i], radix))
      return 0;
  return 1;
}

/*
 * Classifies an unsigned StrDecimalLiteral s[0..n): returns 1 for a valid
 * literal whose mantissa is all zeros, 2 for a valid non-zero one, 0 if it
 * is not a literal. (A non-zero literal so small that it underflows to 0 is
 * counted as non-zero here: see decimal_underflows().)
 */
static int classify_decimal(const char *s, size_t n) {
  size_t i = 0;
  int digits = 0, nonzero = 0;

  if (n == 8 && memcmp(s, "Infinity", 8) == 0)
    return 2;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
    nonzero |= s[i] != '0';
  if (i < n && s[i] == '.')
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
      nonzero |= s[i] != '0';
  if (digits == 0)
    return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t start;

    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++;
    if (i == start)
      return 0;
  }
  if (i != n)
    return 0;
  return nonzero ? 2 : 1;
}

/*
 * For a non-zero unsigned decimal literal s[0..n) (classify_decimal() gave
 * 2; not "Infinity"): non-zero if Number() rounds it to 0, as it does
 * "1e-400" or "2e-324" (so "-1e-400" is -0, which is >= 0; found by
 * ref/fuzz). Clear cases are decided by the decimal exponent alone; near
 * the smallest double, strtod() decides, given the digits as an integer
 * and an exponent, so that the locale's decimal point plays no part.
 */
static int decimal_underflows(const char *s, size_t n) {
  size_t i, digits = 0, frac = 0;
  long long exp = 0, mag;
  int in_frac = 0, exp_neg = 0, zero;
  char *buf;

  for (i = 0; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
    if (s[i] == '.') {
      in_frac = 1;
      continue;
    }
    frac += in_frac;
    if (digits > 0 || s[i] != '0')
      digits++; /* significant digits: from the first non-zero one */
  }
  if (i < n) { /* the exponent, saturated far beyond any double */
    i++;
    if (s[i] == '+' || s[i] == '-')
      exp_neg = s[i++] == '-';
    for (; i < n; i++)
      if (exp < 1000000000000LL)
        exp = exp * 10 + (s[i] - '0');
    if (exp_neg)
      exp = -exp;
  }
  /* The value is D * 10^(exp - frac), D of `digits` digits: it lies in
   * [10^mag, 10^(mag+1)). Half the smallest double is 2.47e-324. */
  mag = exp - (long long)frac + (long long)digits - 1;
  if (mag < -330)
    return 1;
  if (mag > -320)
    return 0;
  buf = malloc(digits + 32);
  if (buf == NULL)
    return 0;
  {
    size_t o = 0;

    for (i = 0; i < n && s[i] != 'e' && s[i] != 'E'; i++)
      if (s[i] != '.' && (o > 0 || s[i] != '0'))
        buf[o++] = s[i];
    snprintf(buf + o, 32, "e%lld", exp - (long long)frac);
  }
  zero = strtod(buf, NULL) == 0;
  free(buf);
  return zero;
}

/* Returns non-zero if JavaScript's Number(s) is a number >= 0. */
static int js_number_is_nonnegative(const char *s) {
  size_t n = strlen(s), k;
  int kind;

  while (n > 0 && (k = js_space_at(s, n)) > 0) {
    s += k;
    n -= k;
  }
  for (;;) { /* trim the end: try each width a space can have */
    size_t w, found = 0;

    for (w = 1; w <= 3 && w <= n && found == 0; w++)
      if (js_space_at(s + n - w, w) == w)
        found = w;
    if (found == 0)
      break;
    n -= found;
  }
  if (n == 0)
    return 1; /* Number("") is 0 */
  if (n > 2 && s[0] == '0') {
    int radix = (s[1] == 'x' || s[1] == 'X')   ? 16
                : (s[1] == 'o' || s[1] == 'O') ? 8
                : (s[1] == 'b' || s[1] == 'B') ? 2
                                               : 0;
    if (radix != 0)
      return all_radix_digits(s + 2, n - 2, radix);
  }
  if (s[0] == '+' || s[0] == '-') {
    kind = classify_decimal(s + 1, n - 1);
    if (s[0] == '-') /* -0 >= 0 holds; any other negative does not */
      return kind == 1 ||
             (kind == 2 && !(n - 1 == 8 && memcmp(s + 1, "Infinity", 8) == 0) &&
              decimal_underflows(s + 1, n - 1));
    return kind != 0;
  }
  return classify_decimal(s, n) != 0;
}

int ns__is_pipe_name(const char *path) {
  return !js_number_is_nonnegative(path);
}

/* ----------------------------------------------------------- util.inspect */

/* Appends util.inspect(str) of a JavaScript string: single-quoted, with
 * control characters, quotes and backslashes escaped as Node 8 does. */
static void inspect_string(char *buf, size_t size, const char *str) {
  static const char short_escapes[] = "btnvfr"; /* for 8..13, \v excepted */
  size_t len = strlen(buf);
  const unsigned char *p;

#define PUT(...)                                                           \
  do {                                                                     \
    if (len < size)                                                        \
      len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__);         \
  } while (0)
  PUT("'");
  for (p = (const unsigned char *)str; *p != '\0'; p++) {
    if (*p == '\'' || *p == '\\')
      PUT("\\%c", *p);
    else if (*p >= 8 && *p <= 13 && *p != 11)
      PUT("\\%c", short_escapes[*p - 8]);
    else if (*p < 32)
      PUT("\\u%04x", *p);
    else
      PUT("%c", *p);
  }
  PUT("'");
#undef PUT
}

/* Returns the JavaScript (UTF-16) length of UTF-8 text. */
static size_t js_length(const char *s) {
  size_t n = 0;
  const unsigned char *p;

  for (p = (const unsigned char *)s; *p != '\0'; p++) {
    if ((*p & 0xc0) != 0x80)
      n++;
    if (*p >= 0xf0)
      n++; /* a 4-byte sequence is a surrogate pair */
  }
  return n;
}

size_t ns__inspect_listen_options_size(const ns_listen_options *opts) {
  /* four entries with their names, separators and braces, plus the two
   * strings inspected */
  return 128 +
         (opts->host != NULL ? INSPECTED_MAX(strlen(opts->host)) : 0) +
         (opts->path != NULL ? INSPECTED_MAX(strlen(opts->path)) : 0);
}

void ns__inspect_listen_options(const ns_listen_options *opts, char *buf,
                                size_t size) {
  size_t room = ns__inspect_listen_options_size(opts);
  char *entries[4];
  size_t count = 0, total = 0, i;
  int one_line;

  /* one block for the four entries, each with room for the longest */
  if (size == 0 || (entries[0] = malloc(4 * room)) == NULL) {
    if (size > 0)
      buf[0] = '\0';
    return;
  }
  for (i = 1; i < 4; i++)
    entries[i] = entries[0] + i * room;
  if (opts->host != NULL) {
    snprintf(entries[count], room, "host: ");
    inspect_string(entries[count++], room, opts->host);
  }
  if (opts->path != NULL) {
    snprintf(entries[count], room, "path: ");
    inspect_string(entries[count++], room, opts->path);
  }
  if (opts->backlog > 0)
    snprintf(entries[count++], room, "backlog: %d", opts->backlog);
  if (opts->exclusive)
    snprintf(entries[count++], room, "exclusive: true");
  if (count == 0) {
    snprintf(buf, size, "{}");
    free(entries[0]);
    return;
  }
  for (i = 0; i < count; i++)
    total += js_length(entries[i]) + 1;
  one_line = count * 2 <= INSPECT_BREAK_LENGTH && total <= INSPECT_BREAK_LENGTH;
  snprintf(buf, size, "{ ");
  for (i = 0; i < count; i++) {
    size_t len = strlen(buf);

    snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : one_line ? ", " : ",\n  ",
             entries[i]);
  }
  {
    size_t len = strlen(buf);

    snprintf(buf + len, size - len, " }");
  }
  free(entries[0]);
}

/* ------------------------------------------------------------- validation */

int ns__listen_validate(const ns_listen_options *opts, ns_error *err) {
  size_t size;
  char *text;

  if (opts->has_port) {
    if (opts->port < 0 || opts->port > 65535) {
      ns__error_plain(err, "RangeError",
                      "\"port\" argument must be >= 0 and < 65536");
      return -1;
    }
    return 0;
  }
  /* A path holding a NUL byte is never a number (Number() is NaN), so it
   * is a pipe name whatever comes before the NUL (found by ref/fuzz). */
  if (opts->path != NULL &&
      (opts->path_len > strlen(opts->path) || ns__is_pipe_name(opts->path)))
    return 0;
  if (err == NULL)
    return -1;
  size = ns__inspect_listen_options_size(opts);
  if ((text = malloc(size)) == NULL) {
    ns__error_sys(err, ENOMEM, "listen");
    return -1;
  }
  ns__inspect_listen_options(opts, text, size);
  ns__error_plainf(err, "Error", "Invalid listen argument: %s", text);
  free(text);
  return -1;
}
