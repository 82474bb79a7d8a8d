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
#include "jsnum.h"

/* Node 8 util.inspect's default breakLength. */
#define INSPECT_BREAK_LENGTH 60

/* Bytes util.inspect() of a string of `n` bytes can take: quotes, and at
 * most 6 bytes ("\u001f") per byte. */
#define INSPECTED_MAX(n) (6 * (n) + 3)

/* ------------------------------------------------------------- isPipeName */

int ns__is_pipe_name(const char *s, size_t n) {
  return !(ns__js_number(s, n) >= 0);
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
   * is a pipe name whatever comes before the NUL (found by fuzz/). */
  if (opts->path != NULL &&
      ns__is_pipe_name(opts->path, opts->path_len > strlen(opts->path)
                                       ? opts->path_len
                                       : strlen(opts->path)))
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
