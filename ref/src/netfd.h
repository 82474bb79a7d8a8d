/*
 * netfd.h - descriptor-level socket helpers (in the spirit of redis's
 * anet.c): create, bind, listen and accept, all non-blocking and
 * close-on-exec. Each returns -1 with errno set on failure. Internal.
 */
#ifndef NS_SRC_NETFD_H
#define NS_SRC_NETFD_H

#include <sys/socket.h>

/* Makes `fd` non-blocking and close-on-exec. Returns 0 or -1. */
int ns__fd_prepare(int fd);

/* A new stream socket of `family` (AF_INET, AF_INET6, AF_UNIX), already
 * non-blocking and close-on-exec. Returns it, or -1 with errno set. */
int ns__fd_socket(int family);

/*
 * Creates a TCP socket for sa's family with SO_REUSEADDR (and, for IPv6,
 * IPV6_V6ONLY off: dual-stack) and binds it to `sa`. Like libuv, an
 * EADDRINUSE from bind() is not reported here: the descriptor is returned
 * and *deferred receives the errno for ns__fd_listen() to report.
 * Returns the descriptor, or -1 with errno set.
 */
int ns__fd_tcp_bind(const struct sockaddr *sa, socklen_t len, int *deferred);

/*
 * Creates a Unix stream socket bound to `path` (truncated as ns__addr_unix
 * does). ENOENT is reported as EACCES, as Node 8's libuv does.
 * Returns the descriptor, or -1 with errno set.
 */
int ns__fd_unix_bind(const char *path);

/* listen(2), first reporting a `deferred` bind error if non-zero.
 * Returns 0, or -1 with errno set. */
int ns__fd_listen(int fd, int backlog, int deferred);

/* Accepts one connection, non-blocking and close-on-exec. Returns the new
 * descriptor, or -1 with errno set (EAGAIN when none is pending). */
int ns__fd_accept(int lfd, struct sockaddr_storage *peer, socklen_t *len);

/* Makes sure the spare descriptor used by ns__fd_emfile_drain() exists. */
void ns__fd_emfile_reserve(void);

/*
 * Out of descriptors (EMFILE/ENFILE) with connections pending: releases the
 * spare descriptor, accepts and closes pending connections until none is
 * left, then takes a spare again (libuv's approach, so the listening socket
 * does not stay readable forever). Returns 0 when drained, or -1 with
 * errno set (no spare to release, or accept() failed otherwise).
 */
int ns__fd_emfile_drain(int lfd);

#endif /* NS_SRC_NETFD_H */
