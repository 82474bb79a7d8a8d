/*
 * tick.h - "next tick" deferral on a libevent loop. Internal.
 *
 * Node emits nothing from inside the call that caused it: the emission is
 * queued and runs after the current JavaScript frame. Here each queued job
 * is a libevent event made active with event_active(); libevent runs
 * active events of one priority first-in first-out, so jobs run in the
 * order they were posted, across all handles of one event_base, and never
 * inside the call that posted them.
 *
 * Each handle keeps its pending jobs in an ns__tick_list so that freeing
 * the handle can cancel them.
 */
#ifndef NS_SRC_TICK_H
#define NS_SRC_TICK_H

#include <stddef.h>

struct event_base;

typedef struct ns__tick ns__tick;

/* A job: `owner` is the handle, `payload` the bytes the poster filled. */
typedef void (*ns__tick_fn)(void *owner, void *payload);

/* The pending jobs of one handle. Zero-initialise. */
typedef struct ns__tick_list {
  ns__tick *head;
} ns__tick_list;

/*
 * Queues fn(owner, payload) to run from the loop of `base`. Returns a
 * pointer to `payload_size` zeroed bytes for the caller to fill before it
 * returns to the loop (NULL-safe to ignore when payload_size is 0), or NULL
 * when memory is exhausted (nothing is queued then). The job is removed
 * from `list` before fn runs, and its memory is released after fn returns.
 */
void *ns__tick_post(struct event_base *base, ns__tick_list *list,
                    ns__tick_fn fn, void *owner, size_t payload_size);

/* Like ns__tick_post() with no payload; returns 0, or -1 when out of memory. */
int ns__tick_post0(struct event_base *base, ns__tick_list *list,
                   ns__tick_fn fn, void *owner);

/* Non-zero when `list` holds a pending job whose function is not `fn`. */
int ns__tick_pending_other(const ns__tick_list *list, ns__tick_fn fn);

/* Cancels and releases every pending job of `list`. */
void ns__tick_cancel_all(ns__tick_list *list);

#endif /* NS_SRC_TICK_H */
