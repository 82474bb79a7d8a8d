/*
 * utf8.h - reading and writing single UTF-8 code points: the one UTF-8
 * implementation of the tree. The library's string decoder (decoder.c) and
 * Number() (jsnum.c) use it, and so does the reference shim
 * (harness/shims/ref/), which links the internal archive. Internal.
 */
#ifndef NS_SRC_UTF8_H
#define NS_SRC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* U+FFFD, what ill-formed input becomes. */
#define NS__UTF8_REPLACEMENT 0xFFFDu
/* *cp after a unit that is not well-formed. */
#define NS__UTF8_INVALID 0xFFFFFFFFu

/*
 * One unit of UTF-8 at s (n > 0 bytes available), as V8 reads one: the
 * lead byte announces a length (2, 3 or 4 by its bit pattern) and the
 * continuation bytes that follow, up to that length, belong to the unit.
 * Returns the bytes the unit takes (1 to 4) and stores its code point in
 * *cp, or NS__UTF8_INVALID when it is not well-formed (overlong, a
 * surrogate, above U+10FFFF, cut short, or a byte that starts nothing).
 */
size_t ns__utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Writes code point cp (<= U+10FFFF) as UTF-8 into out[4]; returns the
 * number of bytes written (1 to 4). */
size_t ns__utf8_put(uint32_t cp, char *out);

#endif /* NS_SRC_UTF8_H */
