/*
 * tick.c - jobs deferred to the event loop, run in posting order.
 */
#include "tick.h"

#include <stdlib.h>

#include <event2/event.h>

struct ns__tick {
  struct event *ev;
  ns__tick_list *list;
  ns__tick *prev;
  ns__tick *next;
  ns__tick_fn fn;
  void *owner;
  max_align_t payload[]; /* the poster's bytes, suitably aligned */
};

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
  event_free(t->ev);
  free(t);
}

void *ns__tick_post(struct event_base *base, ns__tick_list *list,
                    ns__tick_fn fn, void *owner, size_t payload_size) {
  ns__tick *t = calloc(1, sizeof *t + payload_size);

  if (t == NULL)
    return NULL;
  t->ev = event_new(base, -1, 0, tick_run, t);
  if (t->ev == NULL) {
    free(t);
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
    event_free(t->ev); /* event_free() also makes an active event inactive */
    free(t);
  }
}

int ns__tick_pending_other(const ns__tick_list *list, ns__tick_fn fn) {
  const ns__tick *t;

  for (t = list->head; t != NULL; t = t->next)
    if (t->fn != fn)
      return 1;
  return 0;
}
