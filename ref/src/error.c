/*
 * error.c - errno names and Node-style error values.
 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* One errno value and the name libuv (and so Node) gives it. */
struct errno_name {
  int errnum;
  const char *code;
};

/*
 * The errno values libuv names on this platform. A table rather than a
 * switch, because some names share a value (EAGAIN/EWOULDBLOCK,
 * ENOTSUP/EOPNOTSUPP on Linux): the first entry wins, and it carries the
 * name libuv reports.
 */
static const struct errno_name errno_names[] = {
  {EPERM, "EPERM"},
  {ENOENT, "ENOENT"},
  {ESRCH, "ESRCH"},
  {EINTR, "EINTR"},
  {EIO, "EIO"},
  {ENXIO, "ENXIO"},
  {E2BIG, "E2BIG"},
  {EBADF, "EBADF"},
  {EAGAIN, "EAGAIN"},
  {ENOMEM, "ENOMEM"},
  {EACCES, "EACCES"},
  {EFAULT, "EFAULT"},
  {EBUSY, "EBUSY"},
  {EEXIST, "EEXIST"},
  {EXDEV, "EXDEV"},
  {ENODEV, "ENODEV"},
  {ENOTDIR, "ENOTDIR"},
  {EISDIR, "EISDIR"},
  {EINVAL, "EINVAL"},
  {ENFILE, "ENFILE"},
  {EMFILE, "EMFILE"},
  {ENOTTY, "ENOTTY"},
  {ETXTBSY, "ETXTBSY"},
  {EFBIG, "EFBIG"},
  {ENOSPC, "ENOSPC"},
  {ESPIPE, "ESPIPE"},
  {EROFS, "EROFS"},
  {EMLINK, "EMLINK"},
  {EPIPE, "EPIPE"},
  {ERANGE, "ERANGE"},
  {ENAMETOOLONG, "ENAMETOOLONG"},
  {ENOSYS, "ENOSYS"},
  {ENOTEMPTY, "ENOTEMPTY"},
  {ELOOP, "ELOOP"},
#ifdef ENONET
  {ENONET, "ENONET"},
#endif
  {EPROTO, "EPROTO"},
  {ENOTSOCK, "ENOTSOCK"},
  {EDESTADDRREQ, "EDESTADDRREQ"},
  {EMSGSIZE, "EMSGSIZE"},
  {EPROTOTYPE, "EPROTOTYPE"},
  {ENOPROTOOPT, "ENOPROTOOPT"},
  {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
  {ENOTSUP, "ENOTSUP"},
  {EOPNOTSUPP, "ENOTSUP"},
  {EAFNOSUPPORT, "EAFNOSUPPORT"},
  {EADDRINUSE, "EADDRINUSE"},
  {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
  {ENETDOWN, "ENETDOWN"},
  {ENETUNREACH, "ENETUNREACH"},
  {ECONNABORTED, "ECONNABORTED"},
  {ECONNRESET, "ECONNRESET"},
  {ENOBUFS, "ENOBUFS"},
  {EISCONN, "EISCONN"},
  {ENOTCONN, "ENOTCONN"},
#ifdef ESHUTDOWN
  {ESHUTDOWN, "ESHUTDOWN"},
#endif
  {ETIMEDOUT, "ETIMEDOUT"},
  {ECONNREFUSED, "ECONNREFUSED"},
#ifdef EHOSTDOWN
  {EHOSTDOWN, "EHOSTDOWN"},
#endif
  {EHOSTUNREACH, "EHOSTUNREACH"},
  {EALREADY, "EALREADY"},
#ifdef EREMOTEIO
  {EREMOTEIO, "EREMOTEIO"},
#endif
  {ECANCELED, "ECANCELED"},
  {EWOULDBLOCK, "EAGAIN"},
};

const char *ns_errno_code(int errnum) {
  size_t i;

  for (i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)
    if (errno_names[i].errnum == errnum)
      return errno_names[i].code;
  return "UNKNOWN";
}

void ns__error_clear(ns_error *err) {
  memset(err, 0, sizeof *err);
}

/* What an error says when there was no memory for its text: its code, or
 * its name (both static). */
static void text_fallback(ns_error *err) {
  err->text_ = NULL;
  err->message = err->code != NULL ? err->code
                 : err->name != NULL ? err->name
                                     : "Error";
  err->address = err->has_address ? "" : NULL;
}

/* Gives *err its text: the message formatted from `fmt`, and a copy of
 * `address` (NULL: none), both in one allocation that *err owns. */
static void set_text_v(ns_error *err, const char *address, const char *fmt,
                       va_list ap) {
  va_list again;
  int n;
  size_t mlen, alen = address != NULL ? strlen(address) + 1 : 0;
  char *block;

  va_copy(again, ap);
  n = vsnprintf(NULL, 0, fmt, again);
  va_end(again);
  mlen = n > 0 ? (size_t)n : 0;
  if ((block = malloc(mlen + 1 + alen)) == NULL) {
    text_fallback(err);
    return;
  }
  vsnprintf(block, mlen + 1, fmt, ap);
  err->text_ = block;
  err->message = block;
  err->address = NULL;
  if (address != NULL) {
    memcpy(block + mlen + 1, address, alen);
    err->address = block + mlen + 1;
  }
}

static void set_text(ns_error *err, const char *address, const char *fmt,
                     ...) {
  va_list ap;

  va_start(ap, fmt);
  set_text_v(err, address, fmt, ap);
  va_end(ap);
}

void ns__error_sys_addr(ns_error *err, int errnum, const char *syscall,
                        const char *address, int port) {
  const char *code = ns_errno_code(errnum);

  if (err == NULL)
    return;
  ns__error_clear(err);
  err->name = "Error";
  err->code = code;
  err->syscall = syscall;
  err->errnum = errnum;
  err->has_address = address != NULL;
  if (port != 0) {
    err->has_port = 1;
    err->port = port;
  }
  if (port > 0 && address != NULL)
    set_text(err, address, "%s %s %s:%d", syscall, code, address, port);
  else if (address != NULL && address[0] != '\0')
    set_text(err, address, "%s %s %s", syscall, code, address);
  else
    set_text(err, address, "%s %s", syscall, code);
}

void ns__error_sys(ns_error *err, int errnum, const char *syscall) {
  ns__error_sys_addr(err, errnum, syscall, NULL, 0);
}

void ns__error_lookup(ns_error *err, const char *code, const char *hostname,
                      int with_host) {
  if (err == NULL)
    return;
  ns__error_clear(err);
  err->name = "Error";
  err->code = code;
  err->syscall = "getaddrinfo";
  if (with_host && hostname != NULL && hostname[0] != '\0')
    set_text(err, NULL, "getaddrinfo %s %s", code, hostname);
  else
    set_text(err, NULL, "getaddrinfo %s", code);
}

void ns__error_plain(ns_error *err, const char *name, const char *message) {
  if (err == NULL)
    return;
  ns__error_clear(err);
  err->name = name;
  set_text(err, NULL, "%s", message);
}

void ns__error_const(ns_error *err, const char *name, const char *message) {
  if (err == NULL)
    return;
  ns__error_clear(err);
  err->name = name;
  err->message = message;
}

void ns__error_plainf(ns_error *err, const char *name, const char *fmt, ...) {
  va_list ap;

  if (err == NULL)
    return;
  ns__error_clear(err);
  err->name = name;
  va_start(ap, fmt);
  set_text_v(err, NULL, fmt, ap);
  va_end(ap);
}

void ns__error_invalid(ns_error *err, const char *message) {
  if (err == NULL)
    return;
  ns__error_const(err, "TypeError", message);
  err->code = "EINVAL";
  err->errnum = EINVAL;
}

void ns__error_append(ns_error *err, const char *fmt, ...) {
  ns_error old = *err;
  char *tail;
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || (tail = malloc((size_t)n + 1)) == NULL)
    return; /* the message stays as it was */
  va_start(ap, fmt);
  vsnprintf(tail, (size_t)n + 1, fmt, ap);
  va_end(ap);
  set_text(err, old.address, "%s%s", old.message != NULL ? old.message : "",
           tail);
  free(tail);
  if (err->text_ == NULL) /* no memory: keep the old text */
    *err = old;
  else
    free(old.text_);
}

size_t ns__error_text_size(const ns_error *err) {
  return (err->message != NULL ? strlen(err->message) : 0) + 1 +
         (err->address != NULL ? strlen(err->address) + 1 : 0);
}

void ns__error_copy_into(ns_error *dst, const ns_error *src, char *room) {
  size_t mlen = src->message != NULL ? strlen(src->message) : 0;

  *dst = *src;
  dst->text_ = NULL;
  memcpy(room, src->message != NULL ? src->message : "", mlen + 1);
  dst->message = room;
  dst->address = NULL;
  if (src->address != NULL) {
    strcpy(room + mlen + 1, src->address);
    dst->address = room + mlen + 1;
  }
}

void ns_error_free(ns_error *err) {
  if (err == NULL)
    return;
  free(err->text_);
  err->text_ = NULL;
  err->message = NULL;
  err->address = NULL;
}

int ns_error_copy(ns_error *dst, const ns_error *src) {
  char *block;

  if (dst == NULL || src == NULL)
    return -1;
  if ((block = malloc(ns__error_text_size(src))) == NULL) {
    *dst = *src;
    text_fallback(dst);
    return -1;
  }
  ns__error_copy_into(dst, src, block);
  dst->text_ = block;
  return 0;
}
