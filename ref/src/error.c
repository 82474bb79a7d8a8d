/*
 * error.c - errno names and Node-style error values.
 */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

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

void ns__error_sys_addr(ns_error *err, int errnum, const char *syscall,
                        const char *address, int port) {
  const char *code = ns_errno_code(errnum);

  ns__error_clear(err);
  err->name = "Error";
  err->code = code;
  err->syscall = syscall;
  err->errnum = errnum;
  if (address != NULL) {
    err->has_address = 1;
    ns__copy_text(err->address, sizeof err->address, address);
  }
  if (port != 0) {
    err->has_port = 1;
    err->port = port;
  }
  if (port > 0 && address != NULL)
    snprintf(err->message, sizeof err->message, "%s %s %s:%d", syscall, code,
             address, port);
  else if (address != NULL && address[0] != '\0')
    snprintf(err->message, sizeof err->message, "%s %s %s", syscall, code,
             address);
  else
    snprintf(err->message, sizeof err->message, "%s %s", syscall, code);
}

void ns__error_sys(ns_error *err, int errnum, const char *syscall) {
  ns__error_sys_addr(err, errnum, syscall, NULL, 0);
}

void ns__error_lookup(ns_error *err, const char *code, const char *hostname,
                      int with_host) {
  ns__error_clear(err);
  err->name = "Error";
  err->code = code;
  err->syscall = "getaddrinfo";
  if (with_host && hostname != NULL && hostname[0] != '\0')
    snprintf(err->message, sizeof err->message, "getaddrinfo %s %s", code,
             hostname);
  else
    snprintf(err->message, sizeof err->message, "getaddrinfo %s", code);
}

void ns__error_plain(ns_error *err, const char *name, const char *message) {
  ns__error_clear(err);
  err->name = name;
  ns__copy_text(err->message, sizeof err->message, message);
}

void ns__error_invalid(ns_error *err, const char *message) {
  ns__error_plain(err, "TypeError", message);
  err->code = "EINVAL";
  err->errnum = EINVAL;
}
