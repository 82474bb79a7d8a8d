/*
 * socket_pipe.c - socket.pipe(dest): Node 8's Readable.prototype.pipe for
 * two sockets: every chunk the source emits is written to the destination
 * (after the source's own callback, as pipe's 'data' listener comes after
 * the user's), the source pauses while the destination's write() says its
 * queue is full and resumes on the destination's 'drain', and the
 * destination is ended after the source's 'end'. Either side's 'close'
 * undoes the pipe, and with NS_PIPE_DESTROY_PEER destroys the other side.
 */
#include "socket_int.h"

/* Undoes the pipe from `src` to its destination, if any. */
static void unpipe_from(ns_socket *src) {
  ns_socket *dst = src->pipe_dest;

  if (dst == NULL)
    return;
  src->pipe_dest = NULL;
  src->pipe_flags = 0;
  dst->pipe_src = NULL;
  /* Each side held the other; the caller is busy on one of them. */
  if (dst != src) {
    ns_socket_release(dst);
    ns_socket_release(src);
  }
}

void ns__socket_unpipe(ns_socket *sock) {
  if (sock->pipe_src != NULL)
    unpipe_from(sock->pipe_src);
  unpipe_from(sock);
}

void ns__socket_pipe_event(ns_socket *sock, const ns_socket_event *ev) {
  ns_socket *dst = sock->pipe_dest;

  switch (ev->type) {
  case NS_SOCKET_DATA:
    if (dst != NULL) {
      int ret = ns_socket_write(dst, ev->data, ev->len, NULL, NULL);

      if (ret == 0)
        ns_socket_pause(sock);
      else if (ret < 0 && !dst->sync_errors)
        /* A refused write (dst ended or closed): its 'error' follows, and
         * Node's pipe unpipes on the destination's error; do it now rather
         * than refuse every further chunk. */
        unpipe_from(sock);
    }
    break;
  case NS_SOCKET_END:
    if (dst != NULL)
      ns_socket_end(dst, NULL, 0, NULL, NULL);
    break;
  case NS_SOCKET_DRAIN:
    if (sock->pipe_src != NULL)
      ns_socket_resume(sock->pipe_src);
    break;
  case NS_SOCKET_CLOSE:
    /* NS_PIPE_DESTROY_PEER: the other side of a tied pipe goes too. */
    if (dst != NULL && dst != sock && (sock->pipe_flags & NS_PIPE_DESTROY_PEER))
      ns_socket_destroy(dst, NULL);
    if (sock->pipe_src != NULL && sock->pipe_src != sock &&
        (sock->pipe_src->pipe_flags & NS_PIPE_DESTROY_PEER))
      ns_socket_destroy(sock->pipe_src, NULL);
    ns__socket_unpipe(sock);
    break;
  default:
    break;
  }
}

int ns_socket_pipe_ex(ns_socket *src, ns_socket *dst, int flags) {
  if (src == NULL || dst == NULL || src->pipe_dest != NULL ||
      dst->pipe_src != NULL || (flags & ~NS_PIPE_DESTROY_PEER) != 0)
    return -1;
  src->pipe_dest = dst;
  src->pipe_flags = flags;
  dst->pipe_src = src;
  if (dst != src) {
    ns_socket_hold(dst);
    ns_socket_hold(src);
  }
  ns_socket_resume(src);
  return 0;
}

int ns_socket_pipe(ns_socket *src, ns_socket *dst) {
  return ns_socket_pipe_ex(src, dst, 0);
}
