/* labels.c - lists of callback labels. */
#include "labels.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void labels_add(labels *l, const char *label) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 4;
    l->v = xrealloc(l->v, l->cap * sizeof *l->v);
  }
  l->v[l->n++] = xstrdup(label);
}

void labels_take(labels *to, labels *from) {
  *to = *from;
  from->v = NULL;
  from->n = from->cap = 0;
}

void labels_clear(labels *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = l->cap = 0;
}

char *labels_shift(labels *l) {
  char *first;

  if (l->n == 0) return NULL;
  first = l->v[0];
  memmove(l->v, l->v + 1, (l->n - 1) * sizeof *l->v);
  l->n--;
  return first;
}
