/*
 * utf8.c - single UTF-8 code points, read and written (see utf8.h).
 */
#include "utf8.h"

size_t ns__utf8_next(const unsigned char *s, size_t n, uint32_t *cp) {
  static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
  unsigned char b = s[0];
  size_t len, i;
  uint32_t c;

  *cp = NS__UTF8_INVALID;
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  if ((b >> 5) == 0x06) {
    len = 2;
    c = b & 0x1F;
  } else if ((b >> 4) == 0x0E) {
    len = 3;
    c = b & 0x0F;
  } else if ((b >> 3) == 0x1E) {
    len = 4;
    c = b & 0x07;
  } else {
    return 1; /* a continuation byte, or 0xF8..0xFF */
  }
  for (i = 1; i < len; i++) {
    if (i >= n || (s[i] & 0xC0) != 0x80)
      return i;
    c = (c << 6) | (s[i] & 0x3F);
  }
  if (c < min_for_len[len] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
    return len;
  *cp = c;
  return len;
}

size_t ns__utf8_put(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}
