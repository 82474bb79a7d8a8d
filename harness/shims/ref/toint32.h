/* toint32.h - ToInt32, the JavaScript number conversion the shim applies to
 * backlog, family, hints and localPort values. Number() of a string is the
 * library's (ref/src/jsnum.h, ns__js_number), which isPipeName() uses too. */
#ifndef SHIM_TOINT32_H
#define SHIM_TOINT32_H

#include <stdint.h>

/* ToInt32(d). */
int32_t js_to_int32(double d);

#endif
