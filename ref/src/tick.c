/*
 * tick.c - jobs deferred to the event loop, run in posting order.
 */
#include "tick.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base.h"
#include "util.h"

/*
 * A job lives in one block: this header, the poster's payload, then the
 * libevent event (event_assign(), no separate allocation). Blocks with a
 * payload of at most POOLED_PAYLOAD bytes all have one size and go back to
 * the base's cache when done, so the hot jobs (afterWrite, resume) cost no
 * allocation once the loop is warm.
 */
struct ns__tick {
  struct event *ev;      /* inside the block, after the payload */
  struct event_base *base;
  ns__tick_list *list;
  ns__tick *prev;
  ns__tick *next;
  ns__tick_fn fn;
  void *owner;
  int pooled;
  max_align_t payload[]; /* the poster's bytes, suitably aligned */
};

#define POOLED_PAYLOAD 64
#define POOL_MAX 256 /* blocks a base keeps */

static ns__tick *tick_alloc(struct event_base *base, size_t payload_size) {
  size_t room = ns__align_up(payload_size <= POOLED_PAYLOAD ? POOLED_PAYLOAD
                                                            : payload_size);
  size_t size = sizeof(ns__tick) + room + event_get_struct_event_size();
  ns__freelist *cache =
      payload_size <= POOLED_PAYLOAD ? ns__base_tick_blocks(base) : NULL;
  ns__tick *t = cache != NULL ? ns__freelist_take(cache) : NULL;

  if (t == NULL)
    t = malloc(size);
  if (t == NULL)
    return NULL;
  memset(t, 0, sizeof *t + payload_size);
  t->ev = (struct event *)((char *)t->payload + room);
  t->base = base;
  t->pooled = payload_size <= POOLED_PAYLOAD;
  return t;
}

static void tick_release(ns__tick *t) {
  ns__freelist *cache = t->pooled ? ns__base_tick_blocks(t->base) : NULL;

  if (cache == NULL || ns__freelist_keep(cache, t, POOL_MAX) != 0)
    free(t);
}

/* Removes `t` from its handle's list. */
static void tick_unlink(ns__tick *t) {
  if (t->prev != NULL)
    t->prev->next = t->next;
  else
    t->list->head = t->next;
  if (t->next != NULL)
    t->next->prev = t->prev;
  t->prev = t->next = NULL;
}

/* libevent callback: runs one job, then releases it. */
static void tick_run(evutil_socket_t fd, short what, void *arg) {
  ns__tick *t = arg;

  (void)fd;
  (void)what;
  tick_unlink(t);
  t->fn(t->owner, t->payload);
  tick_release(t); /* the event ran and is neither pending nor active */
}

void *ns__tick_post(struct event_base *base, ns__tick_list *list,
                    ns__tick_fn fn, void *owner, size_t payload_size) {
  ns__tick *t = tick_alloc(base, payload_size);

  if (t == NULL)
    return NULL;
  if (event_assign(t->ev, base, -1, 0, tick_run, t) != 0) {
    tick_release(t);
    return NULL;
  }
  t->list = list;
  t->fn = fn;
  t->owner = owner;
  /* Append at the tail is not needed for ordering (libevent keeps the
   * order); the list only serves cancellation, so push at the head. */
  t->next = list->head;
  if (list->head != NULL)
    list->head->prev = t;
  list->head = t;
  event_active(t->ev, 0, 0);
  return t->payload;
}

int ns__tick_post0(struct event_base *base, ns__tick_list *list,
                   ns__tick_fn fn, void *owner) {
  return ns__tick_post(base, list, fn, owner, 0) != NULL ? 0 : -1;
}

void ns__tick_cancel_all(ns__tick_list *list) {
  ns__tick *t;

  while ((t = list->head) != NULL) {
    tick_unlink(t);
    event_del(t->ev); /* also makes an active event inactive */
    tick_release(t);
  }
}

int ns__tick_pending_other(const ns__tick_list *list, ns__tick_fn fn) {
  const ns__tick *t;

  for (t = list->head; t != NULL; t = t->next)
    if (t->fn != fn)
      return 1;
  return 0;
}
