/*
 * test_timer.c - ns_timer: ns_run() lasts exactly while a ref'd timer is
 * pending (alone or beside servers), unref'd timers fire without keeping
 * it, intervals, restart and free from the callback, bad arguments.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "netspec.h"

static double now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* What the callbacks saw and what they are to do. */
typedef struct tstate {
  int fired;
  int stop_after;    /* stop the timer at this count (0: never) */
  int restart_until; /* restart a one-shot timer until this count */
  int free_at;       /* free the timer at this count */
  double at[8];      /* when each firing happened */
} tstate;

static void on_timer(ns_timer *t, void *arg) {
  tstate *s = arg;

  if (s->fired < 8)
    s->at[s->fired] = now_ms();
  s->fired++;
  if (s->stop_after > 0 && s->fired == s->stop_after)
    ns_timer_stop(t);
  if (s->fired < s->restart_until)
    cr_assert_eq(ns_timer_start(t, 5, 0, NULL), 0);
  if (s->free_at > 0 && s->fired == s->free_at)
    ns_timer_free(t);
}

Test(timer, ns_run_returns_when_the_last_timer_has_fired) {
  struct event_base *base = event_base_new();
  tstate s = {0}, u = {0};
  ns_timer *t = ns_timer_new(base, on_timer, &s, NULL);
  ns_timer *later = ns_timer_new(base, on_timer, &u, NULL);
  double start;

  cr_assert_not_null(t);
  cr_expect_eq(ns_base_refs(base), 0);
  cr_assert_eq(ns_timer_start(t, 40, 0, NULL), 0);
  cr_expect_eq(ns_timer_pending(t), 1);
  cr_expect_eq(ns_base_refs(base), 1, "a pending timer is ref'd");
  /* an unref'd timer due long after: ns_run() must not wait for it */
  cr_assert_eq(ns_timer_start(later, 5000, 0, NULL), 0);
  ns_timer_unref(later);
  start = now_ms();
  cr_assert_eq(ns_run(base), 0);
  cr_expect_eq(s.fired, 1, "ns_run() waited for the timer");
  cr_expect_geq(s.at[0] - start, 34, "libevent's clock is a few ms coarse");
  cr_expect_eq(u.fired, 0, "and returned before the unref'd one");
  cr_expect_lt(now_ms() - start, 2500);
  cr_expect_eq(ns_timer_pending(t), 0);
  cr_expect_eq(ns_base_refs(base), 0);
  ns_timer_free(t);
  ns_timer_free(later);
  ns_base_cleanup(base);
  event_base_free(base);
}

Test(timer, an_unrefd_timer_does_not_keep_ns_run_going) {
  struct event_base *base = event_base_new();
  tstate a = {0}, b = {0};
  ns_timer *late = ns_timer_new(base, on_timer, &a, NULL);
  ns_timer *early = ns_timer_new(base, on_timer, &b, NULL);

  cr_assert_eq(ns_timer_start(late, 10000, 0, NULL), 0);
  ns_timer_unref(late);
  cr_expect_eq(ns_base_refs(base), 0);
  cr_assert_eq(ns_run(base), 0);
  cr_expect_eq(a.fired, 0, "ns_run() returned at once");
  cr_expect_eq(ns_timer_pending(late), 1, "the timer is still pending");

  /* it still fires while something ref'd keeps the loop running */
  cr_assert_eq(ns_timer_start(late, 10, 0, NULL), 0);
  cr_assert_eq(ns_timer_start(early, 50, 0, NULL), 0);
  cr_assert_eq(ns_run(base), 0);
  cr_expect_eq(a.fired, 1);
  cr_expect_eq(b.fired, 1);
  ns_timer_ref(late); /* not pending: counts nothing */
  cr_expect_eq(ns_base_refs(base), 0);
  ns_timer_free(late);
  ns_timer_free(early);
  ns_base_cleanup(base);
  event_base_free(base);
}

Test(timer, an_interval_runs_until_stopped_from_its_callback) {
  struct event_base *base = event_base_new();
  tstate s = {.stop_after = 3};
  ns_timer *t = ns_timer_new(base, on_timer, &s, NULL);

  cr_assert_eq(ns_timer_start(t, 10, 10, NULL), 0);
  cr_assert_eq(ns_run(base), 0);
  cr_expect_eq(s.fired, 3);
  cr_expect_geq(s.at[2] - s.at[0], 14, "about 10 ms apart");
  cr_expect_eq(ns_timer_pending(t), 0);
  ns_timer_free(t);
  ns_base_cleanup(base);
  event_base_free(base);
}

Test(timer, restarting_from_the_callback_keeps_ns_run_going) {
  struct event_base *base = event_base_new();
  tstate s = {.restart_until = 4};
  ns_timer *t = ns_timer_new(base, on_timer, &s, NULL);

  cr_assert_eq(ns_timer_start(t, 5, 0, NULL), 0);
  cr_assert_eq(ns_run(base), 0);
  cr_expect_eq(s.fired, 4);
  ns_timer_free(t);
  ns_base_cleanup(base);
  event_base_free(base);
}

Test(timer, freeing_from_the_callback_is_safe) {
  struct event_base *base = event_base_new();
  tstate s = {.free_at = 2};
  ns_timer *t = ns_timer_new(base, on_timer, &s, NULL);

  cr_assert_eq(ns_timer_start(t, 5, 5, NULL), 0);
  cr_assert_eq(ns_run(base), 0);
  cr_expect_eq(s.fired, 2, "freed while repeating: it fires no more");
  cr_expect_eq(ns_base_refs(base), 0);
  ns_base_cleanup(base);
  event_base_free(base);
}

static void on_server(ns_server *srv, const ns_server_event *ev, void *arg) {
  (void)srv, (void)ev, (void)arg;
}

/* Issue 17: an unref'd server and a timer; ns_run() used to return at
 * once. It must return when the timer has fired, not before, not later. */
Test(timer, a_timer_beside_an_unrefd_server) {
  struct event_base *base = event_base_new();
  ns_server *srv = ns_server_new(base, NULL, on_server, NULL, NULL);
  ns_listen_options lo = {0};
  tstate s = {0};
  ns_timer *t = ns_timer_new(base, on_timer, &s, NULL);

  lo.host = "127.0.0.1";
  lo.has_port = 1;
  cr_assert_eq(ns_server_listen(srv, &lo, NULL), 0);
  ns_server_unref(srv);
  cr_assert_eq(ns_timer_start(t, 30, 0, NULL), 0);
  cr_assert_eq(ns_run(base), 0);
  cr_expect_eq(s.fired, 1);
  cr_expect_eq(ns_server_listening(srv), 1, "the server is still there");
  ns_server_free(srv);
  ns_timer_free(t);
  ns_base_cleanup(base);
  event_base_free(base);
}

Test(timer, bad_arguments_are_refused) {
  struct event_base *base = event_base_new();
  ns_timer *t;
  ns_error e = {0};

  cr_expect_null(ns_timer_new(NULL, on_timer, NULL, &e));
  cr_expect_str_eq(e.code, "EINVAL");
  memset(&e, 0, sizeof e);
  cr_expect_null(ns_timer_new(base, NULL, NULL, &e));
  cr_expect_str_eq(e.code, "EINVAL");
  t = ns_timer_new(base, on_timer, NULL, NULL);
  cr_assert_not_null(t);
  memset(&e, 0, sizeof e);
  cr_expect_eq(ns_timer_start(t, -1, 0, &e), -1);
  cr_expect_eq(e.errnum, EINVAL);
  cr_expect_eq(ns_timer_start(t, 5, NAN, NULL), -1);
  cr_expect_eq(ns_timer_start(t, INFINITY, 0, NULL), -1);
  cr_expect_eq(ns_timer_pending(t), 0, "unchanged");
  ns_timer_stop(NULL);
  ns_timer_free(NULL);
  ns_timer_free(t);
  ns_base_cleanup(base);
  event_base_free(base);
}
