/*
 * kept_errors.h - for tests that record the errors their callbacks get:
 * keep_error() copies one past the callback (ns_error_copy()), and every
 * copy's text is released after each test by kept_errors_free(), the
 * suite's .fini.
 */
#ifndef NS_TEST_KEPT_ERRORS_H
#define NS_TEST_KEPT_ERRORS_H

#include <stdlib.h>

#include "netspec.h"

#define KEPT_MAX 4096

static void *kept_texts[KEPT_MAX];
static int kept_count;

static void keep_error(ns_error *dst, const ns_error *src) {
  ns_error_copy(dst, src);
  if (dst->text_ != NULL && kept_count < KEPT_MAX)
    kept_texts[kept_count++] = dst->text_;
}

static void kept_errors_free(void) {
  while (kept_count > 0)
    free(kept_texts[--kept_count]);
}

#endif /* NS_TEST_KEPT_ERRORS_H */
