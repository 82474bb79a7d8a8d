/*
 * util.h - small helpers shared by the library. Internal.
 */
#ifndef NS_SRC_UTIL_H
#define NS_SRC_UTIL_H

#include <stddef.h>

/* Copies `src` into dst[size], truncating, always NUL-terminated; size > 0.
 * Returns the number of bytes copied (without the NUL). */
size_t ns__copy_text(char *dst, size_t size, const char *src);

/* n rounded up to a multiple of the strictest alignment (max_align_t):
 * where something placed after n bytes of a block may start. */
size_t ns__align_up(size_t n);

#endif /* NS_SRC_UTIL_H */
