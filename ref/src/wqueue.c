/*
 * wqueue.c - the write queue and Node 8's writable-stream accounting.
 */
#include "wqueue.h"

#include <stdlib.h>

#include <string.h>

#include <event2/buffer.h>

#include "base.h"

/* From this size on, a write's copy goes into a block of the base. */
#define BLOCK_MIN 4096

int ns__wq_init(ns__wqueue *wq) {
  wq->base = NULL;
  wq->head = wq->tail = NULL;
  wq->group_count = wq->group_bytes = wq->group_unsent = 0;
  wq->group_count_len = 0;
  wq->length = 0;
  wq->need_drain = 0;
  wq->total = 0;
  wq->buf = NULL; /* created by the first write the kernel does not take */
  return 0;
}

void ns__wq_free_list(ns__wreq *list) {
  while (list != NULL) {
    ns__wreq *next = list->next;

    free(list);
    list = next;
  }
}

void ns__wq_clear(ns__wqueue *wq) {
  ns__wq_free_list(wq->head);
  wq->head = wq->tail = NULL;
  wq->group_count = wq->group_bytes = wq->group_unsent = 0;
  wq->group_count_len = 0;
  wq->length = 0;
  if (wq->buf != NULL)
    evbuffer_drain(wq->buf, evbuffer_get_length(wq->buf));
}

void ns__wq_free(ns__wqueue *wq) {
  ns__wq_clear(wq);
  if (wq->buf != NULL)
    evbuffer_free(wq->buf);
  wq->buf = NULL;
}

/* libevent's cleanup of a referenced chain: the block goes back. */
static void block_done(const void *data, size_t len, void *base) {
  (void)len;
  ns__base_block_return(base, (void *)data);
}

/* Appends a copy of data[0..len) to the queue's bytes. Returns 0 or -1. */
static int add_copy(ns__wqueue *wq, const void *data, size_t len) {
  void *block;

  if (wq->buf == NULL && (wq->buf = evbuffer_new()) == NULL)
    return -1;
  if (len < BLOCK_MIN || len > NS_BLOCK_SIZE || wq->base == NULL ||
      (block = ns__base_block(wq->base)) == NULL)
    return evbuffer_add(wq->buf, data, len);
  memcpy(block, data, len);
  if (evbuffer_add_reference(wq->buf, block, len, block_done, wq->base) !=
      0) {
    ns__base_block_return(wq->base, block);
    return -1;
  }
  return 0;
}

int ns__wq_push(ns__wqueue *wq, const void *data, size_t len, size_t count,
                ns_write_cb cb, void *arg) {
  ns__wreq *req = calloc(1, sizeof *req);

  if (req == NULL)
    return -1;
  if (len > 0 && add_copy(wq, data, len) != 0) {
    free(req);
    return -1;
  }
  req->len = len;
  req->count = count;
  req->cb = cb;
  req->arg = arg;
  if (wq->tail != NULL)
    wq->tail->next = req;
  else
    wq->head = req;
  wq->tail = req;
  wq->length += count;
  wq->total += len;
  if (wq->length < NS_WQ_HIGH_WATER)
    return 1;
  wq->need_drain = 1;
  return 0;
}

int ns__wq_push_sent(ns__wqueue *wq, const void *data, size_t len,
                     size_t count, size_t sent, ns_write_cb cb, void *arg) {
  int ret = ns__wq_push(wq, (const char *)data + sent, len - sent, count, cb,
                        arg);

  if (ret < 0)
    return ret;
  wq->tail->len = len;
  wq->total += sent;
  wq->group_count = 1;
  wq->group_bytes = len;
  wq->group_count_len = count;
  wq->group_unsent = len - sent;
  return ret;
}

size_t ns__wq_dispatch(ns__wqueue *wq, int single) {
  ns__wreq *req;

  if (wq->group_count > 0 || wq->head == NULL)
    return wq->group_unsent;
  for (req = wq->head; req != NULL && !(single && wq->group_count == 1);
       req = req->next) {
    wq->group_count++;
    wq->group_bytes += req->len;
    wq->group_count_len += req->count;
  }
  wq->group_unsent = wq->group_bytes;
  return wq->group_unsent;
}

int ns__wq_sent(ns__wqueue *wq, size_t n) {
  if (n > wq->group_unsent)
    n = wq->group_unsent;
  wq->group_unsent -= n;
  return wq->group_count > 0 && wq->group_unsent == 0;
}

ns__wreq *ns__wq_complete(ns__wqueue *wq) {
  ns__wreq *list = wq->head, *last = NULL;
  size_t i;

  if (wq->group_count == 0)
    return NULL;
  for (i = 0; i < wq->group_count; i++) {
    last = last == NULL ? wq->head : last->next;
  }
  wq->head = last->next;
  if (wq->head == NULL)
    wq->tail = NULL;
  last->next = NULL;
  wq->length -= wq->group_count_len;
  wq->group_count = wq->group_bytes = wq->group_unsent = 0;
  wq->group_count_len = 0;
  return list;
}

size_t ns__wq_buffer_size(const ns__wqueue *wq) {
  return wq->group_unsent + wq->length;
}

int ns__wq_idle(const ns__wqueue *wq) {
  return wq->head == NULL;
}
