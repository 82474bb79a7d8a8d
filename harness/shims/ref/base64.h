/* base64.h - standard base64 (RFC 4648 section 4) with '=' padding. */
#ifndef SHIM_BASE64_H
#define SHIM_BASE64_H

#include <stddef.h>

/* Length of the encoding of n bytes, not counting a NUL. */
size_t base64_encoded_len(size_t n);

/* Encodes in[0..n) into out, which must hold base64_encoded_len(n) + 1
 * bytes; the result is NUL-terminated. */
void base64_encode(const unsigned char *in, size_t n, char *out);

/* Largest number of bytes that decoding n characters can produce. */
size_t base64_decoded_max(size_t n);

/* Decodes in[0..n) into out (base64_decoded_max(n) bytes) and stores the
 * byte count in *out_len. Returns 0, or -1 when the text is not canonical
 * padded base64 (bad length, character, padding or leftover bits). */
int base64_decode(const char *in, size_t n, unsigned char *out,
                  size_t *out_len);

#endif
