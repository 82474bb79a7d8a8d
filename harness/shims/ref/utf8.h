/* utf8.h - decoding and encoding of single UTF-8 code points. */
#ifndef SHIM_UTF8_H
#define SHIM_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu

/* Decodes the well-formed UTF-8 sequence at s (n bytes available). Returns
 * its length (1 to 4) and stores the code point in *cp, or returns 0 when the
 * bytes are not well-formed UTF-8 (overlong, surrogate, > U+10FFFF, cut). */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Encodes code point cp (<= U+10FFFF, not a surrogate) into out; returns
 * the number of bytes written (1 to 4). */
size_t utf8_encode(uint32_t cp, char out[4]);

#endif
