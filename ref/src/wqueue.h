/*
 * wqueue.h - a socket's write queue, with the accounting Node 8's Writable
 * stream does. Internal.
 *
 * The bytes of every accepted write sit in one evbuffer, in order. Writes
 * are grouped the way Node dispatches them to libuv: a write made while
 * nothing is in flight forms a group of its own; writes made while a group
 * is in flight are buffered, and when that group completes all of them
 * form the next group (Node's _writev). Only the group in flight is handed
 * to the kernel. The accounting follows Node:
 *   length      = size of every write not yet completed (Node's
 *                 _writableState.length: bytes of a buffer, UTF-16 units
 *                 of a string, as the caller counts); write() returns
 *                 length < high-water mark after adding its bytes;
 *   buffer_size = bytes of the group not yet handed to the kernel (libuv's
 *                 writeQueueSize) + length (socket.bufferSize).
 * The unit has no descriptor: the socket writes and reports progress.
 */
#ifndef NS_SRC_WQUEUE_H
#define NS_SRC_WQUEUE_H

#include <stddef.h>

#include "netspec.h"

struct evbuffer;
struct event_base;

/* Node 8's default highWaterMark for sockets' writable side. */
#define NS_WQ_HIGH_WATER 16384

/* One accepted write. */
typedef struct ns__wreq {
  size_t len;             /* bytes */
  size_t count;           /* what Node's length counts for it */
  ns_write_cb cb;
  void *arg;
  struct ns__wreq *next;
} ns__wreq;

typedef struct ns__wqueue {
  struct event_base *base; /* lends blocks for large writes; may be NULL */
  struct evbuffer *buf;   /* bytes not yet handed to the kernel (NULL until
                           * a write has some: idle sockets hold none) */
  ns__wreq *head, *tail;  /* writes not completed: the group, then buffered */
  size_t group_count;     /* writes of the group in flight (0: none) */
  size_t group_bytes;     /* their bytes */
  size_t group_count_len; /* what length counts for them (Node's writelen) */
  size_t group_unsent;    /* of those, not yet handed to the kernel */
  size_t length;          /* Node's state.length */
  int need_drain;         /* a write returned 0; 'drain' is owed */
  unsigned long long total;  /* bytes ever accepted (bytesWritten) */
} ns__wqueue;

/* Initialises an empty queue (allocates nothing). Returns 0. */
int ns__wq_init(ns__wqueue *wq);

/* Releases the bytes and the writes (their callbacks are not called). */
void ns__wq_free(ns__wqueue *wq);

/* Drops every queued byte and write, keeping the queue usable. */
void ns__wq_clear(ns__wqueue *wq);

/* Accepts a write of len bytes (copied: a large one into a block the base
 * lends, see base.h, so no heap growth per chunk) that Node's length counts as
 * `count` (a string's UTF-16 units; len for bytes). Returns 1 when length
 * stays below the high-water mark, 0 when not (need_drain is then set), -1
 * when out of memory (nothing queued). */
int ns__wq_push(ns__wqueue *wq, const void *data, size_t len, size_t count,
                ns_write_cb cb, void *arg);

/* For a write tried on the descriptor at once, while the queue was idle:
 * accepts it like ns__wq_push() (same return value) when the first `sent`
 * bytes already went to the kernel, and makes it the group in flight with
 * the rest (copied) unsent. */
int ns__wq_push_sent(ns__wqueue *wq, const void *data, size_t len,
                     size_t count, size_t sent, ns_write_cb cb, void *arg);

/* Forms the next group from the buffered writes if none is in flight:
 * all of them, or only the first when `single` (the write Node held back
 * while connecting goes alone). Returns the number of bytes to hand to the
 * kernel now (group_unsent). */
size_t ns__wq_dispatch(ns__wqueue *wq, int single);

/* Records that n bytes of the group went to the kernel (drained from buf).
 * Returns 1 when the group is now completely sent. */
int ns__wq_sent(ns__wqueue *wq, size_t n);

/* Completes the group in flight (all of it sent): removes its writes from
 * the queue and returns them as a list for their callbacks, which the
 * caller frees; length drops by group_bytes. */
ns__wreq *ns__wq_complete(ns__wqueue *wq);

/* socket.bufferSize. */
size_t ns__wq_buffer_size(const ns__wqueue *wq);

/* Non-zero when no write is pending at all (nothing in flight or buffered). */
int ns__wq_idle(const ns__wqueue *wq);

/* Frees a list returned by ns__wq_complete(). */
void ns__wq_free_list(ns__wreq *list);

#endif /* NS_SRC_WQUEUE_H */
