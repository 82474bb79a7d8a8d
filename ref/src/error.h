/*
 * error.h - building ns_error values the way Node 8 builds its Error objects.
 * Internal to the library.
 */
#ifndef NS_SRC_ERROR_H
#define NS_SRC_ERROR_H

#include "netspec.h"

/* Resets *err to an empty error (all fields zero, name NULL). */
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

/* Misuse of the C API that Node has no error for (a NULL base, an argument
 * the library cannot use): name "TypeError", code "EINVAL", errnum EINVAL,
 * no syscall or address; `message` says which argument and why. */
void ns__error_invalid(ns_error *err, const char *message);

#endif /* NS_SRC_ERROR_H */
