/* base64.c - standard base64 encoding and strict decoding. */
#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }

size_t base64_decoded_max(size_t n) { return n / 4 * 3; }

void base64_encode(const unsigned char *in, size_t n, char *out) {
  size_t i;

  for (i = 0; i + 3 <= n; i += 3) {
    unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];
    *out++ = alphabet[v >> 18];
    *out++ = alphabet[(v >> 12) & 63];
    *out++ = alphabet[(v >> 6) & 63];
    *out++ = alphabet[v & 63];
  }
  if (n - i == 1) {
    unsigned long v = (unsigned long)in[i] << 16;
    *out++ = alphabet[v >> 18];
    *out++ = alphabet[(v >> 12) & 63];
    *out++ = '=';
    *out++ = '=';
  } else if (n - i == 2) {
    unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;
    *out++ = alphabet[v >> 18];
    *out++ = alphabet[(v >> 12) & 63];
    *out++ = alphabet[(v >> 6) & 63];
    *out++ = '=';
  }
  *out = '\0';
}

/* The 6-bit value of base64 character c, or -1. */
static int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int base64_decode(const char *in, size_t n, unsigned char *out,
                  size_t *out_len) {
  size_t i, o = 0;

  if (n % 4 != 0) return -1;
  for (i = 0; i < n; i += 4) {
    int last = (i + 4 == n);
    int pad = 0, s[4];
    unsigned long v;

    for (int k = 0; k < 4; k++) {
      if (last && k >= 2 && in[i + k] == '=' && (k == 3 || in[i + 3] == '=')) {
        s[k] = 0;
        pad++;
        continue;
      }
      if ((s[k] = sextet(in[i + k])) < 0) return -1;
    }
    v = (unsigned long)s[0] << 18 | (unsigned long)s[1] << 12 |
        (unsigned long)s[2] << 6 | (unsigned long)s[3];
    if ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0))
      return -1; /* bits that padding says are unused */
    out[o++] = (unsigned char)(v >> 16);
    if (pad < 2) out[o++] = (unsigned char)(v >> 8);
    if (pad < 1) out[o++] = (unsigned char)v;
  }
  *out_len = o;
  return 0;
}
