/* handles.c - the handle registry: an array indexed by id. */
#include "handles.h"

#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

static handle **table; /* table[id - 1] */
static size_t count, cap;

handle *handles_add(const class_def *cls, void *state) {
  handle *h = xcalloc(1, sizeof *h);

  if (count == cap) {
    cap = cap ? cap * 2 : 16;
    table = xrealloc(table, cap * sizeof *table);
  }
  table[count++] = h;
  h->id = count;
  snprintf(h->name, sizeof h->name, "h%lu", h->id);
  h->cls = cls;
  h->state = state;
  return h;
}

handle *handles_find(const char *name, size_t len) {
  size_t id = 0;

  /* "h" then a decimal number without leading zeros, short enough that
   * it cannot overflow (and wrap onto a real id). */
  if (len < 2 || len > 16 || name[0] != 'h' || name[1] == '0') return NULL;
  for (size_t i = 1; i < len; i++) {
    if (name[i] < '0' || name[i] > '9') return NULL;
    id = id * 10 + (size_t)(name[i] - '0');
  }
  return (id >= 1 && id <= count) ? table[id - 1] : NULL;
}

void handles_release_all(void) {
  while (count > 0) {
    handle *h = table[--count];
    if (h->cls->release != NULL) h->cls->release(h);
    free(h);
  }
  free(table);
  table = NULL;
  cap = 0;
}
