/*
 * test_threads.c - one event base per thread: threads that create, use and
 * clean up their own bases at the same time do not disturb each other (the
 * library's per-base records are shared state).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "netspec.h"

#define THREADS 4
#define ROUNDS 150

static void on_server(ns_server *srv, const ns_server_event *ev, void *arg) {
  int *listened = arg;

  if (ev->type == NS_SERVER_LISTENING) {
    (*listened)++;
    ns_server_close(srv, NULL, NULL);
  }
}

/* A round: a base, a server that listens on loopback and closes, a socket
 * connected to it... all of it freed again. Returns 0 when it went as
 * expected. */
static int one_round(void) {
  struct event_base *base = event_base_new();
  ns_listen_options lo;
  ns_server *srv;
  ns_error err;
  int listened = 0;

  if (base == NULL)
    return -1;
  srv = ns_server_new(base, NULL, on_server, &listened, NULL);
  memset(&lo, 0, sizeof lo);
  lo.host = "127.0.0.1";
  lo.has_port = 1;
  if (srv == NULL || ns_server_listen(srv, &lo, &err) != 0)
    return -1;
  ns_run(base);          /* returns once the server has closed */
  ns_server_free(srv);
  ns_base_cleanup(base);
  event_base_free(base);
  return listened == 1 ? 0 : -1;
}

static void *worker(void *arg) {
  int *failures = arg, i;

  for (i = 0; i < ROUNDS; i++)
    if (one_round() != 0)
      (*failures)++;
  return NULL;
}

Test(threads, one_base_per_thread_at_the_same_time) {
  pthread_t t[THREADS];
  int failures[THREADS] = {0}, i;

  for (i = 0; i < THREADS; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, worker, &failures[i]), 0);
  for (i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    cr_expect_eq(failures[i], 0, "thread %d: %d of %d rounds went wrong", i,
                 failures[i], ROUNDS);
  }
}
