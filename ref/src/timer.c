/*
 * timer.c - ns_timer: one-shot and repeating timers on the base's loop,
 * with ref/unref like Node's setTimeout()/setInterval(): a pending ref'd
 * timer counts among the handles that keep ns_run() going.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <event2/event.h>

#include "base.h"
#include "error.h"
#include "netspec.h"

/* Longest delay (Node's 2^31 - 1 ms, about 24.8 days). */
#define DELAY_MAX 2147483647.0

struct ns_timer {
  struct event_base *base;
  struct event *ev;
  ns_timer_cb cb;
  void *arg;
  double repeat_ms; /* 0: one-shot */
  int pending;      /* started and not yet fired or stopped */
  int unrefd;       /* ns_timer_unref() */
  int counted;      /* counted in the base's ref'd handles */
  int busy;         /* its callback is running */
  int freed;        /* ns_timer_free() was called during the callback */
};

/* Counts the timer in the base's ref'd handles exactly while it is
 * pending and ref'd. */
static void update_ref(ns_timer *t) {
  int want = t->pending && !t->unrefd;

  if (want != t->counted) {
    t->counted = want;
    ns__base_ref(t->base, want ? 1 : -1);
  }
}

/* Arms the libevent timer for `ms` milliseconds. */
static void arm(ns_timer *t, double ms) {
  struct timeval tv;

  tv.tv_sec = (long)(ms / 1000);
  tv.tv_usec = (long)((ms - (double)tv.tv_sec * 1000) * 1000);
  evtimer_add(t->ev, &tv);
  t->pending = 1;
  update_ref(t);
}

static void release(ns_timer *t) {
  event_free(t->ev);
  free(t);
}

/* libevent callback: the delay is over. A repeating timer is armed again
 * before the callback runs, so the callback may stop or restart it. */
static void on_fire(evutil_socket_t fd, short what, void *arg) {
  ns_timer *t = arg;

  (void)fd;
  (void)what;
  if (t->repeat_ms > 0) {
    arm(t, t->repeat_ms);
  } else {
    t->pending = 0;
    update_ref(t);
  }
  t->busy++;
  t->cb(t, t->arg);
  if (--t->busy == 0 && t->freed)
    release(t);
}

/* Non-zero (with *err) when `ms` is no usable delay. */
static int bad_delay(double ms, const char *what, ns_error *err) {
  if (ms >= 0 && isfinite(ms))
    return 0;
  ns__error_invalid(err, what);
  return 1;
}

/* A delay as Node uses it: at least 1 ms, at most DELAY_MAX. */
static double clamp(double ms) {
  return ms < 1 ? 1 : ms > DELAY_MAX ? DELAY_MAX : ms;
}

ns_timer *ns_timer_new(struct event_base *base, ns_timer_cb cb, void *arg,
                       ns_error *err) {
  ns_timer *t;

  if (base == NULL || cb == NULL) {
    ns__error_invalid(err, base == NULL ? "ns_timer_new: base is NULL"
                                        : "ns_timer_new: cb is NULL");
    return NULL;
  }
  if ((t = calloc(1, sizeof *t)) == NULL ||
      (t->ev = evtimer_new(base, on_fire, t)) == NULL) {
    free(t);
    ns__error_sys(err, ENOMEM, "ns_timer_new");
    return NULL;
  }
  t->base = base;
  t->cb = cb;
  t->arg = arg;
  return t;
}

int ns_timer_start(ns_timer *t, double delay_ms, double repeat_ms,
                   ns_error *err) {
  if (bad_delay(delay_ms, "ns_timer_start: delay_ms is negative or not "
                          "finite", err) ||
      bad_delay(repeat_ms, "ns_timer_start: repeat_ms is negative or not "
                           "finite", err))
    return -1;
  t->repeat_ms = repeat_ms > 0 ? clamp(repeat_ms) : 0;
  arm(t, clamp(delay_ms));
  return 0;
}

void ns_timer_stop(ns_timer *t) {
  if (t == NULL)
    return;
  evtimer_del(t->ev);
  t->pending = 0;
  update_ref(t);
}

int ns_timer_pending(const ns_timer *t) {
  return t != NULL && t->pending;
}

void ns_timer_ref(ns_timer *t) {
  t->unrefd = 0;
  update_ref(t);
}

void ns_timer_unref(ns_timer *t) {
  t->unrefd = 1;
  update_ref(t);
}

void ns_timer_free(ns_timer *t) {
  if (t == NULL || t->freed)
    return;
  ns_timer_stop(t);
  if (t->busy > 0)
    t->freed = 1; /* released when its callback returns */
  else
    release(t);
}
