/* handles.h - the registry of objects that crossed the protocol ("h1"...). */
#ifndef SHIM_HANDLES_H
#define SHIM_HANDLES_H

#include <stddef.h>

#include "shim.h"

typedef struct handle {
  unsigned long id;
  char name[24];         /* "h<id>" */
  const class_def *cls;
  void *state;           /* the class's own record */
} handle;

/* Registers a new handle with the next id; ids are never reused. */
handle *handles_add(const class_def *cls, void *state);

/* The handle named name[0..len), or NULL. */
handle *handles_find(const char *name, size_t len);

/* Releases every handle, newest first (accepted sockets before their
 * server), through its class's release hook. */
void handles_release_all(void);

#endif
