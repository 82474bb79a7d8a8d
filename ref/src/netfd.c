/*
 * netfd.c - non-blocking socket descriptors: bind, listen, accept.
 */
#define _GNU_SOURCE /* accept4(), SOCK_NONBLOCK, SOCK_CLOEXEC (Linux) */
#include "netfd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"

/* The spare descriptor for the EMFILE drain; -1 when not held. */
static atomic_int emfile_spare = -1;

int ns__fd_prepare(int fd) {
  int flags = fcntl(fd, F_GETFL);

  if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
    return -1;
  flags = fcntl(fd, F_GETFD);
  if (flags == -1 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1)
    return -1;
  return 0;
}

/* Closes `fd` without disturbing errno. */
static void close_keep_errno(int fd) {
  int saved = errno;

  close(fd);
  errno = saved;
}

/* Creates a stream socket of `family`, prepared. Returns it or -1. */
int ns__fd_socket(int family) {
  return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int ns__fd_tcp_bind(const struct sockaddr *sa, socklen_t len, int *deferred) {
  int fd = ns__fd_socket(sa->sa_family);
  int on = 1, off = 0;

  *deferred = 0;
  if (fd == -1)
    return -1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
    goto fail;
  if (sa->sa_family == AF_INET6 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == -1)
    goto fail;
  if (bind(fd, sa, len) == -1) {
    if (errno != EADDRINUSE)
      goto fail;
    *deferred = errno;
  }
  return fd;
fail:
  close_keep_errno(fd);
  return -1;
}

int ns__fd_unix_bind(const char *path) {
  struct sockaddr_un sun;
  socklen_t len = ns__addr_unix(path, &sun);
  int fd = ns__fd_socket(AF_UNIX);

  if (fd == -1)
    return -1;
  if (bind(fd, (struct sockaddr *)&sun, len) == -1) {
    if (errno == ENOENT)
      errno = EACCES;
    close_keep_errno(fd);
    return -1;
  }
  return fd;
}

int ns__fd_listen(int fd, int backlog, int deferred) {
  if (deferred != 0) {
    errno = deferred;
    return -1;
  }
  return listen(fd, backlog);
}

int ns__fd_accept(int lfd, struct sockaddr_storage *peer, socklen_t *len) {
  int fd;

  *len = sizeof *peer;
  /* One system call, where accept() + ns__fd_prepare() made five. */
  do
    fd = accept4(lfd, (struct sockaddr *)peer, len,
                 SOCK_NONBLOCK | SOCK_CLOEXEC);
  while (fd == -1 && errno == EINTR);
  return fd;
}

/* Opens a descriptor to hold in reserve. Returns it or -1. */
static int open_spare(void) {
  return open("/", O_RDONLY | O_CLOEXEC);
}

void ns__fd_emfile_reserve(void) {
  int expected = -1;
  int fd;

  if (atomic_load(&emfile_spare) != -1)
    return;
  fd = open_spare();
  if (fd != -1 && !atomic_compare_exchange_strong(&emfile_spare, &expected, fd))
    close(fd); /* another thread got there first */
}

int ns__fd_emfile_drain(int lfd) {
  int spare = atomic_exchange(&emfile_spare, -1);
  int saved = errno;
  int fd;

  if (spare == -1) {
    errno = saved;
    return -1;
  }
  close(spare);
  for (;;) {
    do
      fd = accept(lfd, NULL, NULL);
    while (fd == -1 && errno == EINTR);
    if (fd == -1)
      break;
    close(fd);
  }
  saved = errno;
  ns__fd_emfile_reserve();
  errno = saved;
  return (saved == EAGAIN || saved == EWOULDBLOCK) ? 0 : -1;
}
