/* strenc.h - Buffer.from(string, encoding) for socket.write(string, enc):
 * the JavaScript string arrives as UTF-8 text. */
#ifndef SHIM_STRENC_H
#define SHIM_STRENC_H

#include <stddef.h>

/* Encodes text[0..n) (UTF-8) as Node 8 would encode the JavaScript string
 * with `enc` (NULL: utf8). Returns a malloc'd buffer and its length in
 * *out_len, or NULL when `enc` is not an encoding Node knows. */
unsigned char *strenc_encode(const char *text, size_t n, const char *enc,
                             size_t *out_len);

#endif
