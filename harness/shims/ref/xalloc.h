/* xalloc.h - allocation that ends the process on memory exhaustion. Input
 * sizes are bounded elsewhere, so running out of memory is not a bad
 * request but a broken machine. */
#ifndef SHIM_XALLOC_H
#define SHIM_XALLOC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *xalloc_check(void *p) {
  if (p == NULL) {
    fputs("netspec-shim-ref: out of memory\n", stderr);
    abort();
  }
  return p;
}

static inline void *xmalloc(size_t n) { return xalloc_check(malloc(n ? n : 1)); }
static inline void *xcalloc(size_t n, size_t size) {
  return xalloc_check(calloc(n ? n : 1, size ? size : 1));
}
static inline void *xrealloc(void *p, size_t n) {
  return xalloc_check(realloc(p, n ? n : 1));
}
static inline char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(xmalloc(n), s, n);
}

#endif
