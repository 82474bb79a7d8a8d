/*
 * test_tick.c - next-tick jobs: deferred, in posting order, cancellable.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "tick.h"

static char order[64];
static size_t order_len;

/* Job: appends the payload's letter to `order`. */
static void append_job(void *owner, void *payload) {
  (void)owner;
  order[order_len++] = *(char *)payload;
  order[order_len] = '\0';
}

/* Posts append_job for letter `c` on `list`. */
static void post_letter(struct event_base *base, ns__tick_list *list, char c) {
  char *p = ns__tick_post(base, list, append_job, NULL, 1);

  cr_assert_not_null(p);
  *p = c;
}

/* Runs the loop until no job is left (a job never re-arms itself here). */
static void drain(struct event_base *base) {
  cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
}

Test(tick, runs_later_in_posting_order_across_lists) {
  struct event_base *base = event_base_new();
  ns__tick_list a = {NULL}, b = {NULL};

  order_len = 0;
  order[0] = '\0';
  post_letter(base, &a, '1');
  post_letter(base, &b, '2');
  post_letter(base, &a, '3');
  cr_expect_str_eq(order, ""); /* nothing runs inside the posting call */
  drain(base);
  cr_expect_str_eq(order, "123");
  cr_expect_null(a.head);
  cr_expect_null(b.head);
  event_base_free(base);
}

Test(tick, cancel_all_drops_pending_jobs) {
  struct event_base *base = event_base_new();
  ns__tick_list a = {NULL}, b = {NULL};

  order_len = 0;
  order[0] = '\0';
  post_letter(base, &a, 'x');
  post_letter(base, &b, 'y');
  post_letter(base, &a, 'z');
  ns__tick_cancel_all(&a);
  cr_expect_null(a.head);
  drain(base);
  cr_expect_str_eq(order, "y");
  event_base_free(base);
}

static struct event_base *chain_base;
static ns__tick_list chain_list;

/* Job: posts a follow-up job, which must run after the jobs already queued. */
static void chain_job(void *owner, void *payload) {
  (void)owner;
  append_job(NULL, payload);
  post_letter(chain_base, &chain_list, 'c');
}

Test(tick, job_posted_from_a_job_runs_after_queued_ones) {
  char *p;

  chain_base = event_base_new();
  memset(&chain_list, 0, sizeof chain_list);
  order_len = 0;
  order[0] = '\0';
  p = ns__tick_post(chain_base, &chain_list, chain_job, NULL, 1);
  *p = 'a';
  post_letter(chain_base, &chain_list, 'b');
  drain(chain_base);
  if (order_len < 3)
    drain(chain_base);
  cr_expect_str_eq(order, "abc");
  event_base_free(chain_base);
}

static int counter;

/* Job with no payload: counts. */
static void count_job(void *owner, void *payload) {
  (void)payload;
  *(int *)owner += 1;
}

Test(tick, post0_and_cancel_in_job) {
  struct event_base *base = event_base_new();
  ns__tick_list l = {NULL};

  counter = 0;
  cr_assert_eq(ns__tick_post0(base, &l, count_job, &counter), 0);
  cr_assert_eq(ns__tick_post0(base, &l, count_job, &counter), 0);
  drain(base);
  cr_expect_eq(counter, 2);
  event_base_free(base);
}
