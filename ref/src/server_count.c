/*
 * server_count.c - counting and limiting connections: maxConnections,
 * getConnections() and the deprecated `connections` property.
 */
#include "server_int.h"

#include <string.h>

/* What a getConnections() request waits with for the next tick. */
struct count_job {
  ns_count_cb cb;
  void *arg;
};

/* Tick job: answers a getConnections() with the count of that moment. */
static void count_job(void *owner, void *payload) {
  ns_server *srv = owner;
  struct count_job *job = payload;

  ns__server_enter(srv);
  job->cb(srv, srv->connections, job->arg);
  ns__server_leave(srv);
}

int ns_server_get_connections(ns_server *srv, ns_count_cb cb, void *arg) {
  struct count_job *job;

  if (srv == NULL || cb == NULL || srv->freed)
    return -1;
  job = ns__tick_post(srv->base, &srv->ticks, count_job, srv, sizeof *job);
  if (job == NULL)
    return -1;
  job->cb = cb;
  job->arg = arg;
  return 0;
}

int ns_server_connections(const ns_server *srv) {
  return srv->connections;
}

void ns_server_set_connections(ns_server *srv, int count) {
  srv->connections = count;
}

void ns_server_set_max_connections(ns_server *srv, int max) {
  srv->max_connections = max;
}

int ns__server_over_limit(const ns_server *srv) {
  return srv->max_connections != 0 &&
         srv->connections >= srv->max_connections;
}
