/*
 * timers.c - ns_timer beside a server, with ref/unref, as Node programs
 * use setTimeout()/setInterval():
 *
 *     const server = net.createServer().listen(0, '127.0.0.1');
 *     server.unref();                            // does not keep us alive
 *     const beat = setInterval(() => {}, 20);    // heartbeat...
 *     beat.unref();                              // ...that does not either
 *     let n = 0;
 *     const tick = setInterval(() => { if (++n === 3) clearInterval(tick); }, 60);
 *     setTimeout(() => {}, 250);                 // the last ref'd thing
 *
 * Usage: timers
 * Prints each firing with the milliseconds since the start, then
 * "ns_run returned after MS ms": right after the 250 ms timer, the last
 * ref'd handle (the unref'd server and heartbeat do not hold the loop).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, SIGPIPE */

#include <signal.h>
#include <stdio.h>
#include <time.h>

#include <event2/event.h>
#include <netspec.h>

static double start_ms;

static double now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 - start_ms;
}

static int beats;

static void on_beat(ns_timer *t, void *arg) {
  (void)t, (void)arg;
  beats++;
}

static void on_tick(ns_timer *t, void *arg) {
  int *n = arg;

  printf("%4.0f ms: tick %d\n", now_ms(), ++*n);
  if (*n == 3)
    ns_timer_stop(t); /* clearInterval() */
}

static void on_last(ns_timer *t, void *arg) {
  (void)t, (void)arg;
  printf("%4.0f ms: the last ref'd timer (%d heartbeats so far)\n", now_ms(),
         beats);
}

static void on_server(ns_server *srv, const ns_server_event *ev, void *arg) {
  (void)arg;
  if (ev->type == NS_SERVER_LISTENING) {
    ns_address a;

    ns_server_address(srv, &a);
    printf("%4.0f ms: unref'd server listening on %s:%d\n", now_ms(),
           a.address, a.port);
  } else if (ev->type == NS_SERVER_CONNECTION) {
    ns_socket_destroy(ev->socket, NULL);
  }
}

int main(void) {
  struct event_base *base = event_base_new();
  ns_listen_options lo = {0};
  ns_server *srv;
  ns_timer *beat, *tick, *last;
  int n = 0, status = 0;

  signal(SIGPIPE, SIG_IGN);
  start_ms = now_ms();
  srv = ns_server_new(base, NULL, on_server, NULL, NULL);
  beat = ns_timer_new(base, on_beat, NULL, NULL);
  tick = ns_timer_new(base, on_tick, &n, NULL);
  last = ns_timer_new(base, on_last, NULL, NULL);
  if (srv == NULL || beat == NULL || tick == NULL || last == NULL) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  lo.host = "127.0.0.1";
  lo.has_port = 1;
  if (ns_server_listen(srv, &lo, NULL) != 0)
    status = 1;
  ns_server_unref(srv);
  ns_timer_start(beat, 20, 20, NULL);
  ns_timer_unref(beat);
  ns_timer_start(tick, 60, 60, NULL);
  ns_timer_start(last, 250, 0, NULL);

  if (ns_run(base) != 0)
    status = 1;
  printf("%4.0f ms: ns_run returned after %.0f ms\n", now_ms(), now_ms());

  ns_timer_free(beat);
  ns_timer_free(tick);
  ns_timer_free(last);
  ns_server_free(srv);
  ns_base_cleanup(base);
  event_base_free(base);
  return status;
}
