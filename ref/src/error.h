/*
 * error.h - building ns_error values the way Node 8 builds its Error objects.
 * Internal to the library.
 */
#ifndef NS_SRC_ERROR_H
#define NS_SRC_ERROR_H

#include "netspec.h"

/*
 * Every builder below gives *err text of its own (one allocation holding
 * the message and the address), which the holder releases with
 * ns_error_free(); without memory the message is the error's static code
 * or name. They overwrite *err without releasing what it held, and do
 * nothing when `err` is NULL.
 */

/* Resets *err to an empty error (all fields zero, no text); frees nothing. */
void ns__error_clear(ns_error *err);

/*
 * A system error from `syscall` on an address, like Node 8's
 * exceptionWithHostPort(): code = errno name, message
 * "SYSCALL CODE ADDRESS:PORT" when port > 0, "SYSCALL CODE ADDRESS" when
 * port <= 0 and an address is given. `address` may be NULL. `port` is
 * recorded when non-zero (a Unix path reports -1, as Node 8 does).
 */
void ns__error_sys_addr(ns_error *err, int errnum, const char *syscall,
                        const char *address, int port);

/* A system error without an address (Node 8's errnoException()):
 * message "SYSCALL CODE". */
void ns__error_sys(ns_error *err, int errnum, const char *syscall);

/*
 * A failed name lookup (Node 8's dnsException() for getaddrinfo): `code` is
 * a static string such as "ENOTFOUND"; the hostname is appended to the
 * message when `with_host` is non-zero.
 */
void ns__error_lookup(ns_error *err, const char *code, const char *hostname,
                      int with_host);

/* A plain JavaScript error: `name` is "Error", "TypeError" or "RangeError";
 * no code, syscall or address. */
void ns__error_plain(ns_error *err, const char *name, const char *message);

/* ns__error_plain() with a static `message` (a string literal): no
 * allocation, nothing to release. */
void ns__error_const(ns_error *err, const char *name, const char *message);

/* ns__error_plain() with a printf-style message. */
void ns__error_plainf(ns_error *err, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends printf-style text to the message of *err (an error the library
 * built: its text is replaced). Without memory the message stays. */
void ns__error_append(ns_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bytes that ns__error_copy_into() needs for the text of `err`. */
size_t ns__error_text_size(const ns_error *err);

/* Copies *src into *dst with its text placed at `room`
 * (ns__error_text_size(src) bytes, e.g. right after *dst in one block):
 * *dst owns nothing and is never passed to ns_error_free(). For errors
 * kept in a tick's payload, released with the payload. */
void ns__error_copy_into(ns_error *dst, const ns_error *src, char *room);

/* Misuse of the C API that Node has no error for (a NULL base, an argument
 * the library cannot use): name "TypeError", code "EINVAL", errnum EINVAL,
 * no syscall or address; `message` (a string literal, not copied) says which
 * argument and why. */
void ns__error_invalid(ns_error *err, const char *message);

#endif /* NS_SRC_ERROR_H */
