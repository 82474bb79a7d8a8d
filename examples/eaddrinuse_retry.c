/*
 * eaddrinuse_retry.c - the EADDRINUSE retry loop of Node's `net`
 * documentation (server.listen()), on netspec:
 *
 *     server.on('error', (e) => {
 *       if (e.code === 'EADDRINUSE') {
 *         console.log('Address in use, retrying...');
 *         setTimeout(() => {
 *           server.close();
 *           server.listen(PORT, HOST);
 *         }, 1000);
 *       }
 *     });
 *
 * Usage: eaddrinuse_retry PORT [TRIES] [HOST]
 *   TRIES (default 5) is how many listen attempts are made in all; HOST
 *   defaults to 127.0.0.1 (loopback).
 * Each EADDRINUSE prints "Address in use, retrying..." and waits a second
 * (an ns_timer, Node's setTimeout()) before close() and listen() again. Once listening it
 * prints "listening on HOST:PORT", closes the server and exits 0. After
 * TRIES failures it prints "giving up after TRIES tries" and exits 1; any
 * other error exits 1 at once.
 */
#define _POSIX_C_SOURCE 200809L /* SIGPIPE */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <netspec.h>

typedef struct retry {
  ns_server *srv;
  ns_listen_options opts; /* what to listen on, every time */
  ns_timer *timer;        /* the one-second wait */
  int tries;              /* attempts made so far */
  int max_tries;
  int status;             /* the exit status */
} retry;

static void try_listen(retry *r) {
  ns_error err;

  r->tries++;
  printf("try %d of %d: listen on %s:%d\n", r->tries, r->max_tries,
         r->opts.host, r->opts.port);
  fflush(stdout);
  /* Only bad options fail here (Node's listen() would throw); the outcome
   * arrives later as NS_SERVER_LISTENING or NS_SERVER_ERROR. */
  if (ns_server_listen(r->srv, &r->opts, &err) != 0) {
    fprintf(stderr, "%s: %s\n", err.name, err.message);
    ns_error_free(&err); /* an error the library filled in is ours */
    r->status = 1;
  }
}

/* The setTimeout() of the documentation: server.close(); server.listen(). */
static void on_timer(ns_timer *timer, void *arg) {
  retry *r = arg;

  (void)timer;
  /* The server is not listening after the error, so this close() only
   * emits NS_SERVER_CLOSE (Node 8 passes "Not running" to a callback). */
  ns_server_close(r->srv, NULL, NULL);
  try_listen(r);
}

static void on_server(ns_server *srv, const ns_server_event *ev, void *arg) {
  retry *r = arg;

  switch (ev->type) {
  case NS_SERVER_LISTENING: {
    ns_address a;
    ns_server_address(srv, &a);
    printf("listening on %s:%d after %d %s\n", a.address, a.port, r->tries,
           r->tries == 1 ? "try" : "tries");
    /* The example is done: closing lets ns_run() return. */
    ns_server_close(srv, NULL, NULL);
    break;
  }
  case NS_SERVER_ERROR:
    if (ev->error->code != NULL && strcmp(ev->error->code, "EADDRINUSE") == 0) {
      printf("%s\n", ev->error->message); /* listen EADDRINUSE HOST:PORT */
      if (r->tries >= r->max_tries) {
        printf("giving up after %d tries\n", r->tries);
        r->status = 1;
      } else {
        printf("Address in use, retrying...\n");
        /* A pending timer keeps ns_run() going, as setTimeout() keeps
         * Node's loop alive: nothing else of ours is pending meanwhile. */
        ns_timer_start(r->timer, 1000, 0, NULL);
      }
    } else {
      printf("error: %s\n", ev->error->message);
      r->status = 1;
    }
    break;
  case NS_SERVER_CLOSE:
    printf("close\n");
    break;
  case NS_SERVER_CONNECTION:
    /* Nobody is expected to connect; close anyone who does. */
    ns_socket_destroy(ev->socket, NULL);
    break;
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  struct event_base *base;
  retry r;

  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: %s PORT [TRIES] [HOST]\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);

  memset(&r, 0, sizeof r);
  r.opts.port = atoi(argv[1]);
  r.opts.has_port = 1;
  r.max_tries = argc > 2 ? atoi(argv[2]) : 5;
  r.opts.host = argc > 3 ? argv[3] : "127.0.0.1";
  if (r.max_tries < 1)
    r.max_tries = 1;

  base = event_base_new();
  if (base == NULL || (r.srv = ns_server_new(base, NULL, on_server, &r, NULL)) == NULL ||
      (r.timer = ns_timer_new(base, on_timer, &r, NULL)) == NULL) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }

  try_listen(&r);
  /* Until the server has listened and closed, or we gave up: no listening
   * server, no pending timer, nothing left to run. */
  if (ns_run(base) != 0)
    r.status = 1;

  ns_timer_free(r.timer);
  ns_server_free(r.srv);
  ns_base_cleanup(base);
  event_base_free(base);
  return r.status;
}
