/* dispatch.h - turns one request line into one response (PROTOCOL.md
 * section 2), routing through the class tables of shim.h. */
#ifndef SHIM_DISPATCH_H
#define SHIM_DISPATCH_H

#include <stddef.h>

/* Handles one request line (without its newline). */
void dispatch_line(const char *line, size_t len);

/* Answers a line that was too long to keep (len bytes, now discarded). */
void dispatch_overlong(size_t len);

#endif
