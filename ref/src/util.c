/*
 * util.c - small helpers.
 */
#include "util.h"

#include <stddef.h>
#include <string.h>

size_t ns__copy_text(char *dst, size_t size, const char *src) {
  size_t n = strlen(src);

  if (n >= size)
    n = size - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
  return n;
}

size_t ns__align_up(size_t n) {
  size_t a = sizeof(max_align_t);

  return (n + a - 1) / a * a;
}
