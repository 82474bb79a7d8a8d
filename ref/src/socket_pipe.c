/*
 * socket_pipe.c - socket.pipe(dest): Node 8's Readable.prototype.pipe for
 * two sockets: every chunk the source emits is written to the destination
 * (after the source's own callback, as pipe's 'data' listener comes after
 * the user's), the source pauses while the destination's write() says its
 * queue is full and resumes on the destination's 'drain', and the
 * destination is ended after the source's 'end'. Either side's 'close'
 * undoes the pipe.
 */
#include "socket_int.h"

void ns__socket_unpipe(ns_socket *sock) {
  ns_socket *src = sock->pipe_dest != NULL ? sock : sock->pipe_src;
  ns_socket *dst;

  if (src == NULL || src->pipe_dest == NULL)
    return;
  dst = src->pipe_dest;
  src->pipe_dest = NULL;
  dst->pipe_src = NULL;
  /* Each side held the other; the caller is busy on `sock`. */
  if (dst != src) {
    ns_socket_release(dst);
    ns_socket_release(src);
  }
}

void ns__socket_pipe_event(ns_socket *sock, const ns_socket_event *ev) {
  ns_socket *dst = sock->pipe_dest;

  switch (ev->type) {
  case NS_SOCKET_DATA:
    if (dst != NULL &&
        ns_socket_write(dst, ev->data, ev->len, NULL, NULL) == 0)
      ns_socket_pause(sock);
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
    ns__socket_unpipe(sock);
    break;
  default:
    break;
  }
}

int ns_socket_pipe(ns_socket *src, ns_socket *dst) {
  if (src == NULL || dst == NULL || src->pipe_dest != NULL ||
      dst->pipe_src != NULL)
    return -1;
  src->pipe_dest = dst;
  dst->pipe_src = src;
  if (dst != src) {
    ns_socket_hold(dst);
    ns_socket_hold(src);
  }
  ns_socket_resume(src);
  return 0;
}
