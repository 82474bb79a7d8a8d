/*
 * util.h - small string helpers shared by the library. Internal.
 */
#ifndef NS_SRC_UTIL_H
#define NS_SRC_UTIL_H

#include <stddef.h>

/* Copies `src` into dst[size], truncating, always NUL-terminated; size > 0.
 * Returns the number of bytes copied (without the NUL). */
size_t ns__copy_text(char *dst, size_t size, const char *src);

#endif /* NS_SRC_UTIL_H */
