/* labels.h - a list of callback labels: the listeners the harness attached
 * to one event of one handle, in the order they were attached. */
#ifndef SHIM_LABELS_H
#define SHIM_LABELS_H

#include <stddef.h>

typedef struct labels {
  char **v;
  size_t n, cap;
} labels;

void labels_add(labels *l, const char *label);
/* Moves every label out of `from` into `to` (which must be empty): how a
 * once-listener list is detached before its listeners run. */
void labels_take(labels *to, labels *from);
void labels_clear(labels *l);
/* Removes and returns the first label (the caller frees it), or NULL. */
char *labels_shift(labels *l);

#endif
