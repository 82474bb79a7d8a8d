/*
 * util.c - small string helpers.
 */
#include "util.h"

#include <string.h>

size_t ns__copy_text(char *dst, size_t size, const char *src) {
  size_t n = strlen(src);

  if (n >= size)
    n = size - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
  return n;
}
