/*
 * decoder.h - incremental bytes-to-text decoding for socket.setEncoding(),
 * following Node 8's string_decoder: a multi-byte character (or a base64
 * group, or a UTF-16 unit or surrogate pair) split across chunks is held
 * back until it is complete; end() flushes what is left (U+FFFD for a cut
 * UTF-8 character, padded base64). Text comes out as UTF-8 (a lone UTF-16
 * surrogate as U+FFFD, as it reaches the wire when Node prints it).
 * Internal.
 */
#ifndef NS_SRC_DECODER_H
#define NS_SRC_DECODER_H

#include <stddef.h>

typedef enum ns__encoding {
  NS_ENC_NONE = 0,
  NS_ENC_UTF8,
  NS_ENC_HEX,
  NS_ENC_BASE64,
  NS_ENC_LATIN1,
  NS_ENC_ASCII,
  NS_ENC_UTF16LE
} ns__encoding;

/* Node's normalizeEncoding(): NULL or "" is utf8; names are matched without
 * regard to case. Returns NS_ENC_NONE for an unknown name. */
ns__encoding ns__encoding_parse(const char *name);

typedef struct ns__decoder {
  ns__encoding enc;
  unsigned char last[4]; /* bytes held back */
  int need;              /* bytes still missing for last[] */
  int total;             /* size of the held-back unit */
} ns__decoder;

/* Starts decoding with `enc` (not NS_ENC_NONE). */
void ns__decoder_init(ns__decoder *d, ns__encoding enc);

/* Room ns__decoder_write()/ns__decoder_end() may need for n input bytes. */
size_t ns__decoder_max_out(size_t n);

/* Decodes in[0..n) into out (ns__decoder_max_out(n) bytes). Returns the
 * number of bytes of text written (0: nothing complete yet). */
size_t ns__decoder_write(ns__decoder *d, const unsigned char *in, size_t n,
                         char *out);

/* Flushes what is held back (ns__decoder_max_out(0) bytes of room). */
size_t ns__decoder_end(ns__decoder *d, char *out);

#endif /* NS_SRC_DECODER_H */
