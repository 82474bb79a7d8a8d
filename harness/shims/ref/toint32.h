/* jsnum.h - the JavaScript number conversions that Node's argument
 * handling depends on (ECMAScript ToNumber on strings, ToInt32, trim). */
#ifndef SHIM_JSNUM_H
#define SHIM_JSNUM_H

#include <stddef.h>
#include <stdint.h>

/* Number(s) for a UTF-8 string: white space trimmed, "" is 0, decimal,
 * 0x/0o/0b integers, [+-]Infinity; anything else is NaN. */
double js_string_to_number(const char *s, size_t n);

/* Non-zero when s.trim() is empty (only JS white space / line ends). */
int js_string_is_blank(const char *s, size_t n);

/* ToInt32(d). */
int32_t js_to_int32(double d);

#endif
