/* strenc.c - string to bytes in Node's encodings. */
#include "strenc.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "utf8.h" /* the library's (ref/src) */
#include "xalloc.h"

/* Next UTF-16 code unit(s) of the text: decodes one code point. */
static size_t next_cp(const unsigned char *s, size_t n, uint32_t *cp) {
  size_t len = ns__utf8_next(s, n, cp);
  if (*cp == NS__UTF8_INVALID) { /* one U+FFFD per byte */
    *cp = NS__UTF8_REPLACEMENT;
    return 1;
  }
  return len;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int b64val(int c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

unsigned char *strenc_encode(const char *text, size_t n, const char *enc,
                             size_t *out_len) {
  const unsigned char *s = (const unsigned char *)text;
  unsigned char *out = xmalloc(n * 2 + 4);
  size_t i = 0, o = 0;
  uint32_t cp;

  if (enc == NULL || strcasecmp(enc, "utf8") == 0 || strcasecmp(enc, "utf-8") == 0) {
    memcpy(out, text, n);
    *out_len = n;
    return out;
  }
  if (strcasecmp(enc, "latin1") == 0 || strcasecmp(enc, "binary") == 0 ||
      strcasecmp(enc, "ascii") == 0) {
    while (i < n) {
      i += next_cp(s + i, n - i, &cp);
      if (cp >= 0x10000) { /* a surrogate pair: two units */
        uint32_t v = cp - 0x10000;
        out[o++] = (unsigned char)((0xD800 + (v >> 10)) & 0xFF);
        out[o++] = (unsigned char)((0xDC00 + (v & 0x3FF)) & 0xFF);
      } else {
        out[o++] = (unsigned char)(cp & 0xFF);
      }
    }
  } else if (strcasecmp(enc, "ucs2") == 0 || strcasecmp(enc, "ucs-2") == 0 ||
             strcasecmp(enc, "utf16le") == 0 || strcasecmp(enc, "utf-16le") == 0) {
    while (i < n) {
      i += next_cp(s + i, n - i, &cp);
      if (cp >= 0x10000) {
        uint32_t v = cp - 0x10000, hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
        out[o++] = hi & 0xFF; out[o++] = hi >> 8;
        out[o++] = lo & 0xFF; out[o++] = lo >> 8;
      } else {
        out[o++] = cp & 0xFF; out[o++] = (cp >> 8) & 0xFF;
      }
    }
  } else if (strcasecmp(enc, "hex") == 0) {
    /* Node stops at the first pair that is not two hex digits. */
    for (i = 0; i + 1 < n; i += 2) {
      int hi = hexval(s[i]), lo = hexval(s[i + 1]);
      if (hi < 0 || lo < 0) break;
      out[o++] = (unsigned char)(hi << 4 | lo);
    }
  } else if (strcasecmp(enc, "base64") == 0) {
    uint32_t acc = 0;
    int bits = 0;
    for (i = 0; i < n && s[i] != '='; i++) {
      int v = b64val(s[i]);
      if (v < 0) continue; /* Node skips what is not base64 */
      acc = (acc << 6) | (uint32_t)v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (unsigned char)((acc >> bits) & 0xFF);
      }
    }
  } else {
    free(out);
    return NULL;
  }
  *out_len = o;
  return out;
}
