/* dispatch.h - turns one request line into one response (PROTOCOL.md
 * section 2), routing through the class tables of shim.h. */
#ifndef SHIM_DISPATCH_H
#define SHIM_DISPATCH_H

#include <stddef.h>

#include "shim.h"

/* Handles one request line (without its newline). */
void dispatch_line(const char *line, size_t len);

/* Answers a line that was too long to keep (len bytes, now discarded). */
void dispatch_overlong(size_t len);

/* Runs fn (a method, or a class's constructor with self NULL) with the
 * arguments `args` (a JSON array; NULL means none) after checking every
 * argument: a bad one, or args that are no array, answer bad_request in r.
 * r must be initialised (status ok, value writer ready); fn fills it. */
void dispatch_invoke(struct handle *self, method_fn fn, const json_value *args,
                     reply *r);

#endif
