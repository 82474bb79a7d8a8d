/*
 * jsnum.h - JavaScript's Number() of a string, the one place the tree
 * implements it: the library's isPipeName() (listen_args.c) and the
 * reference shim's conversions of JavaScript values (which link the
 * internal archive) both read strings through it. Internal.
 */
#ifndef NS_SRC_JSNUM_H
#define NS_SRC_JSNUM_H

#include <stddef.h>

/*
 * Number(s) for the UTF-8 text s[0..n) (it may hold NUL bytes, which make
 * it NaN): JavaScript white space trimmed first; "" is 0; decimal literals
 * (rounded as strtod() rounds them, whatever the locale), 0x/0o/0b
 * integers, [+-]Infinity; anything else is NaN.
 */
double ns__js_number(const char *s, size_t n);

/* Non-zero when s[0..n).trim() is empty (only JavaScript white space and
 * line terminators). */
int ns__js_is_blank(const char *s, size_t n);

#endif /* NS_SRC_JSNUM_H */
