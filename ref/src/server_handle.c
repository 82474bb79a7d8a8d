/*
 * server_handle.c - server.listen(handle): another server's listening
 * socket, an inherited descriptor ({ fd }), or a socket's descriptor.
 *
 * Like Node 8, the server takes the handle during the call (it is
 * listening when listen() returns) and 'listening' or 'error' follows on a
 * later tick. A handle that cannot listen gives "listen E..." with no
 * address and port -1 (a server's or socket's handle: Node's
 * listenInCluster(null, -1, ...)) or no port ({ fd }: null, null).
 */
#include "server_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "error.h"
#include "netfd.h"
#include "socket_int.h"

/* The backlog listen() uses: the caller's, or Node's default. */
static int backlog_of(int backlog) {
  return backlog > 0 ? backlog : NS__DEFAULT_BACKLOG;
}

/* Node's "Invalid listen argument: ..." for a handle it cannot use. */
static int invalid(ns_error *err, const char *what) {
  ns__error_plainf(err, "Error", "Invalid listen argument: %s", what);
  return -1;
}

/* Queues "listen E..." (no address; `port` -1 or 0: none) for the next
 * tick. */
static void post_error(ns_server *srv, int errnum, int port) {
  ns_error e;

  ns__error_sys_addr(&e, errnum, "listen", NULL, port);
  ns__server_post_error(srv, &e);
  ns_error_free(&e);
}

/* Non-zero when `fd` is a Unix domain socket. */
static int is_unix(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  return getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
         ss.ss_family == AF_UNIX;
}

/* Non-zero when `fd` is an open TCP or Unix stream socket (Node makes a
 * handle only of those). */
static int is_stream_socket(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int type = 0;
  socklen_t tlen = sizeof type;

  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 ||
      type != SOCK_STREAM ||
      getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
    return 0;
  return ss.ss_family == AF_INET || ss.ss_family == AF_INET6 ||
         ss.ss_family == AF_UNIX;
}

/*
 * Makes `fd` (owned from now on) the server's listening descriptor and
 * listens on it. A server that already listens keeps its own socket, as
 * ns_server_listen() does, and `fd` is closed.
 */
static void take(ns_server *srv, int fd, int backlog, int port) {
  if (srv->fd >= 0) {
    close(fd);
  } else {
    srv->fd = fd;
    srv->is_pipe = is_unix(fd);
    ns__server_update_ref(srv);
    ns__fd_emfile_reserve();
  }
  ns__server_setup_listen(srv, backlog_of(backlog), 0, NULL, port);
}

/* Returns a non-blocking close-on-exec copy of `fd`, or -1 (errno set). */
static int copy_fd(int fd) {
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);

  if (copy >= 0 && ns__fd_prepare(copy) != 0) {
    int saved = errno;

    close(copy);
    errno = saved;
    return -1;
  }
  return copy;
}

int ns_server_listen_server(ns_server *srv, ns_server *lender, int backlog,
                            ns_error *err) {
  int fd;

  if (srv == NULL || lender == NULL || lender->fd < 0)
    return invalid(err, "Server { _handle: null }");
  if (lender->base != srv->base) {
    ns__error_invalid(err, "ns_server_listen_server: the two servers are "
                           "on different event bases");
    return -1;
  }
  if (lender == srv || srv->fd >= 0) { /* keeps its own socket */
    ns__server_setup_listen(srv, backlog_of(backlog), 0, NULL, -1);
    return 0;
  }
  if ((fd = copy_fd(lender->fd)) == -1) {
    post_error(srv, errno, -1);
    return 0;
  }
  /* The borrower gets the connections from now on; closing either server
   * shuts the shared socket down for both. */
  if (lender->accept_ev != NULL) {
    event_free(lender->accept_ev);
    lender->accept_ev = NULL;
  }
  lender->shared = 1;
  if (srv->fd < 0) {
    srv->shared = 1;
    free(srv->pipe_name);
    srv->pipe_name = NULL;
    if (lender->pipe_name != NULL) {
      srv->pipe_name = malloc(lender->pipe_name_len + 1);
      if (srv->pipe_name != NULL) {
        memcpy(srv->pipe_name, lender->pipe_name, lender->pipe_name_len + 1);
        srv->pipe_name_len = lender->pipe_name_len;
      }
    }
  }
  take(srv, fd, backlog, -1);
  return 0;
}

int ns_server_listen_fd(ns_server *srv, int fd, int backlog, ns_error *err) {
  char what[48];

  if (fd < 0) {
    snprintf(what, sizeof what, "{ fd: %d }", fd);
    return invalid(err, what);
  }
  /* Not a descriptor Node can make a handle of: EINVAL, and the
   * descriptor stays the caller's. A pipe (FIFO) is the exception: libuv
   * takes it for a pipe handle and listen(2) then fails with ENOTSOCK. */
  if (!is_stream_socket(fd) || ns__fd_prepare(fd) != 0) {
    struct stat st;
    post_error(srv, fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) ? ENOTSOCK : EINVAL, 0);
    return 0;
  }
  take(srv, fd, backlog, 0);
  return 0;
}

int ns_server_listen_socket(ns_server *srv, ns_socket *sock, int backlog,
                            ns_error *err) {
  int fd;

  if (sock == NULL || sock->fd < 0)
    return invalid(err, "Socket { _handle: null }");
  if (sock->base != srv->base) {
    ns__error_invalid(err, "ns_server_listen_socket: the server and the "
                           "socket are on different event bases");
    return -1;
  }
  /* Node listens on the socket's own handle; a connected socket fails
   * with EINVAL. Listening on a copy gives the same outcome and leaves
   * the socket itself alone. */
  if (listen(sock->fd, backlog_of(backlog)) == -1) {
    post_error(srv, errno, -1);
    return 0;
  }
  if ((fd = copy_fd(sock->fd)) == -1) {
    post_error(srv, errno, -1);
    return 0;
  }
  take(srv, fd, backlog, -1);
  return 0;
}
