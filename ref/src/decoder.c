/*
 * decoder.c - Node 8's string_decoder algorithm, in C, producing UTF-8.
 */
#include "decoder.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* ------------------------------------------------------------ plain codecs */

/* buf.toString('utf8'): ill-formed parts become U+FFFD. */
static size_t utf8_text(const unsigned char *in, size_t n, char *out) {
  size_t i = 0, o = 0;

  while (i < n) {
    uint32_t cp;
    size_t len = ns__utf8_next(in + i, n - i, &cp);

    if (cp != NS__UTF8_INVALID && len == 1) {
      out[o++] = (char)in[i];
    } else if (cp != NS__UTF8_INVALID) {
      memcpy(out + o, in + i, len);
      o += len;
    } else {
      o += ns__utf8_put(NS__UTF8_REPLACEMENT, out + o);
    }
    i += len;
  }
  return o;
}

static size_t hex_text(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  size_t i;

  for (i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  return 2 * n;
}

static size_t base64_text(const unsigned char *in, size_t n, char *out) {
  static const char abc[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i, o = 0;

  for (i = 0; i + 2 < n; i += 3) {
    unsigned long v = ((unsigned long)in[i] << 16) | (in[i + 1] << 8) | in[i + 2];

    out[o++] = abc[(v >> 18) & 63];
    out[o++] = abc[(v >> 12) & 63];
    out[o++] = abc[(v >> 6) & 63];
    out[o++] = abc[v & 63];
  }
  if (n - i == 1) {
    out[o++] = abc[in[i] >> 2];
    out[o++] = abc[(in[i] & 3) << 4];
    out[o++] = '=';
    out[o++] = '=';
  } else if (n - i == 2) {
    out[o++] = abc[in[i] >> 2];
    out[o++] = abc[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
    out[o++] = abc[(in[i + 1] & 15) << 2];
    out[o++] = '=';
  }
  return o;
}

static size_t latin1_text(const unsigned char *in, size_t n, char *out,
                          unsigned mask) {
  size_t i, o = 0;

  for (i = 0; i < n; i++)
    o += ns__utf8_put(in[i] & mask, out + o);
  return o;
}

/* buf.toString('utf16le') of an even number of bytes; a lone surrogate
 * becomes U+FFFD. */
static size_t utf16_text(const unsigned char *in, size_t n, char *out) {
  size_t i, o = 0;

  for (i = 0; i + 1 < n; i += 2) {
    unsigned long u = in[i] | (in[i + 1] << 8);

    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
      unsigned long v = in[i + 2] | (in[i + 3] << 8);

      if (v >= 0xDC00 && v <= 0xDFFF) {
        o += ns__utf8_put(0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00), out + o);
        i += 2;
        continue;
      }
    }
    if (u >= 0xD800 && u <= 0xDFFF)
      u = 0xFFFD;
    o += ns__utf8_put(u, out + o);
  }
  return o;
}

/* buf.toString(enc) for the current encoding. */
static size_t text(ns__encoding enc, const unsigned char *in, size_t n,
                   char *out) {
  switch (enc) {
  case NS_ENC_HEX:
    return hex_text(in, n, out);
  case NS_ENC_BASE64:
    return base64_text(in, n, out);
  case NS_ENC_LATIN1:
    return latin1_text(in, n, out, 0xFF);
  case NS_ENC_ASCII:
    return latin1_text(in, n, out, 0x7F);
  case NS_ENC_UTF16LE:
    return utf16_text(in, n, out);
  default:
    return utf8_text(in, n, out);
  }
}

/* --------------------------------------------------------------- encodings */

ns__encoding ns__encoding_parse(const char *name) {
  static const struct {
    const char *name;
    ns__encoding enc;
  } names[] = {
      {"utf8", NS_ENC_UTF8},       {"utf-8", NS_ENC_UTF8},
      {"hex", NS_ENC_HEX},         {"base64", NS_ENC_BASE64},
      {"latin1", NS_ENC_LATIN1},   {"binary", NS_ENC_LATIN1},
      {"ascii", NS_ENC_ASCII},     {"utf16le", NS_ENC_UTF16LE},
      {"utf-16le", NS_ENC_UTF16LE}, {"ucs2", NS_ENC_UTF16LE},
      {"ucs-2", NS_ENC_UTF16LE},
  };
  char low[16];
  size_t i, n;

  if (name == NULL || name[0] == '\0')
    return NS_ENC_UTF8;
  n = strlen(name);
  if (n >= sizeof low)
    return NS_ENC_NONE;
  for (i = 0; i <= n; i++)
    low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(low, names[i].name) == 0)
      return names[i].enc;
  return NS_ENC_NONE;
}

/* ------------------------------------------------------------------ decoder */

void ns__decoder_init(ns__decoder *d, ns__encoding enc) {
  memset(d, 0, sizeof *d);
  d->enc = enc;
}

size_t ns__decoder_max_out(size_t n) {
  return 3 * (n + 4) + 8;
}

/* utf8CheckByte(): sequence length a lead byte announces, 0 for ASCII, -1
 * for a continuation byte, -2 for an invalid byte. */
static int utf8_check_byte(unsigned char b) {
  if (b <= 0x7F)
    return 0;
  if ((b >> 5) == 0x06)
    return 2;
  if ((b >> 4) == 0x0E)
    return 3;
  if ((b >> 3) == 0x1E)
    return 4;
  return (b >> 6) == 0x02 ? -1 : -2;
}

/* utf8CheckIncomplete(): looks back up to 3 bytes from the end of in[i..n)
 * for a cut character; sets d->need and returns its total length. */
static int utf8_check_incomplete(ns__decoder *d, const unsigned char *in,
                                 size_t i, size_t n) {
  size_t j = n;
  int nb, back;

  for (back = 1; back <= 3; back++) {
    if (j == 0 || j - 1 < i)
      return 0;
    j--;
    nb = utf8_check_byte(in[j]);
    if (nb >= 0) {
      if (nb > 0) {
        if (back == 3 && nb == 2)
          return 0;
        d->need = nb - back;
        if (d->need < 0)
          d->need = 0;
      }
      return nb;
    }
    if (nb == -2)
      return 0;
  }
  return 0;
}

/* The `text` step of a write, from byte i on; holds back a cut unit. */
static size_t decode_text(ns__decoder *d, const unsigned char *in, size_t i,
                          size_t n, char *out) {
  size_t rest = n - i, keep;

  switch (d->enc) {
  case NS_ENC_UTF8: {
    int total = utf8_check_incomplete(d, in, i, n);

    if (d->need == 0)
      return text(d->enc, in + i, rest, out);
    d->total = total;
    keep = (size_t)(total - d->need);
    memcpy(d->last, in + n - keep, keep);
    return text(d->enc, in + i, rest - keep, out);
  }
  case NS_ENC_UTF16LE:
    if (rest % 2 == 0) {
      unsigned u = in[n - 2] | (in[n - 1] << 8);

      if (u >= 0xD800 && u <= 0xDBFF) {
        d->need = 2;
        d->total = 4;
        d->last[0] = in[n - 2];
        d->last[1] = in[n - 1];
        return text(d->enc, in + i, rest - 2, out);
      }
      return text(d->enc, in + i, rest, out);
    }
    d->need = 1;
    d->total = 2;
    d->last[0] = in[n - 1];
    return text(d->enc, in + i, rest - 1, out);
  case NS_ENC_BASE64:
    keep = rest % 3;
    if (keep == 0)
      return text(d->enc, in + i, rest, out);
    d->need = (int)(3 - keep);
    d->total = 3;
    memcpy(d->last, in + n - keep, keep);
    return text(d->enc, in + i, rest - keep, out);
  default:
    return text(d->enc, in + i, rest, out);
  }
}

/* utf8CheckExtraBytes(): the bytes that should continue the held-back
 * character are not continuation bytes. Returns 1 (and the U+FFFD) then. */
static int utf8_extra_bytes(ns__decoder *d, const unsigned char *in, size_t n) {
  if ((in[0] & 0xC0) != 0x80) {
    d->need = 0;
    return 1;
  }
  if (d->need > 1 && n > 1) {
    if ((in[1] & 0xC0) != 0x80) {
      d->need = 1;
      return 1;
    }
    if (d->need > 2 && n > 2 && (in[2] & 0xC0) != 0x80) {
      d->need = 2;
      return 1;
    }
  }
  return 0;
}

/* A completed UTF-16 unit that is a high surrogate, followed in `next` by
 * a low one. */
static int utf16_pairs_with_next(const unsigned char *unit,
                                 const unsigned char *next, size_t n) {
  unsigned u = unit[0] | (unit[1] << 8), v;

  if (u < 0xD800 || u > 0xDBFF || n < 2)
    return 0;
  v = next[0] | (next[1] << 8);
  return v >= 0xDC00 && v <= 0xDFFF;
}

size_t ns__decoder_write(ns__decoder *d, const unsigned char *in, size_t n,
                         char *out) {
  size_t o = 0, i = 0;

  if (n == 0)
    return 0;
  if (d->enc != NS_ENC_UTF8 && d->enc != NS_ENC_UTF16LE &&
      d->enc != NS_ENC_BASE64)
    return text(d->enc, in, n, out);
  if (d->need > 0) {
    int pos = d->total - d->need;

    if (d->enc == NS_ENC_UTF8 && utf8_extra_bytes(d, in, n)) {
      /* Node returns the U+FFFD alone and resumes at byte lastNeed. */
      o = ns__utf8_put(NS__UTF8_REPLACEMENT, out);
    } else if ((size_t)d->need <= n) {
      memcpy(d->last + pos, in, (size_t)d->need);
      if (d->enc == NS_ENC_UTF16LE && d->total == 2 &&
          utf16_pairs_with_next(d->last, in + d->need, n - (size_t)d->need)) {
        /* Node joins the two JavaScript strings into one pair. */
        unsigned char pair[4];

        memcpy(pair, d->last, 2);
        memcpy(pair + 2, in + d->need, 2);
        o = text(d->enc, pair, 4, out);
        d->need += 2;
      } else {
        o = text(d->enc, d->last, (size_t)d->total, out);
      }
    } else {
      memcpy(d->last + pos, in, n);
      d->need -= (int)n;
      return 0;
    }
    i = (size_t)d->need;
    d->need = 0;
  }
  if (i < n)
    o += decode_text(d, in, i, n, out + o);
  return o;
}

size_t ns__decoder_end(ns__decoder *d, char *out) {
  size_t o = 0;

  if (d->need == 0)
    return 0;
  switch (d->enc) {
  case NS_ENC_UTF8:
    o = ns__utf8_put(NS__UTF8_REPLACEMENT, out);
    break;
  case NS_ENC_UTF16LE:
  case NS_ENC_BASE64:
    o = text(d->enc, d->last, (size_t)(d->total - d->need), out);
    break;
  default:
    break;
  }
  d->need = d->total = 0;
  return o;
}
