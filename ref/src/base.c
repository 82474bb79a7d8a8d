/*
 * base.c - per-event_base state: ref'd handle count, the DNS resolver,
 * ns_run() and ns_base_cleanup().
 */
#include "base.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "addr.h"
#include "error.h"
#include "netspec.h"
#include "socket_int.h"

typedef struct base_rec {
  struct event_base *base;
  int refs;
  struct evdns_base *dns;
  char *hosts_path;
  char *nameserver;
  char *resolv_conf;
  ns_socket *sockets;
  ns__freelist ticks;
  ns__freelist blocks;
  unsigned char *rmem; /* the shared read buffer */
  int rmem_lent;
  struct base_rec *next;
} base_rec;

/* The records of all bases, shared by every thread: the list is guarded by
 * records_lock; a record's fields belong to its base's thread. */
static base_rec *records;
static pthread_mutex_t records_lock = PTHREAD_MUTEX_INITIALIZER;

/* The record of `base`; created when `create` is set. */
static base_rec *rec_of(struct event_base *base, int create) {
  base_rec *r;

  pthread_mutex_lock(&records_lock);
  for (r = records; r != NULL; r = r->next)
    if (r->base == base)
      break;
  if (r == NULL && create && (r = calloc(1, sizeof *r)) != NULL) {
    r->base = base;
    r->next = records;
    records = r;
  }
  pthread_mutex_unlock(&records_lock);
  return r;
}

void ns__base_ref(struct event_base *base, int delta) {
  base_rec *r = rec_of(base, delta > 0);

  if (r != NULL)
    r->refs += delta;
}

void ns__base_track(struct event_base *base, ns_socket *sock, int on) {
  base_rec *r = rec_of(base, on);

  if (r == NULL)
    return;
  if (on) {
    sock->base_prev = NULL;
    sock->base_next = r->sockets;
    if (r->sockets != NULL)
      r->sockets->base_prev = sock;
    r->sockets = sock;
    return;
  }
  if (sock->base_prev != NULL)
    sock->base_prev->base_next = sock->base_next;
  else if (r->sockets == sock)
    r->sockets = sock->base_next;
  if (sock->base_next != NULL)
    sock->base_next->base_prev = sock->base_prev;
  sock->base_prev = sock->base_next = NULL;
}

void *ns__freelist_take(ns__freelist *list) {
  void *block = list->head;

  if (block != NULL) {
    list->head = *(void **)block;
    list->count--;
  }
  return block;
}

int ns__freelist_keep(ns__freelist *list, void *block, unsigned max) {
  if (list->count >= max)
    return -1;
  *(void **)block = list->head;
  list->head = block;
  list->count++;
  return 0;
}

/* Frees every block of a cache. */
static void freelist_clear(ns__freelist *list) {
  void *block;

  while ((block = ns__freelist_take(list)) != NULL)
    free(block);
}

ns__freelist *ns__base_tick_blocks(struct event_base *base) {
  base_rec *r = rec_of(base, 0);

  return r != NULL ? &r->ticks : NULL;
}

#define BLOCKS_KEPT 16

void *ns__base_block(struct event_base *base) {
  base_rec *r = rec_of(base, 0);
  void *block = r != NULL ? ns__freelist_take(&r->blocks) : NULL;

  return block != NULL ? block : malloc(NS_BLOCK_SIZE);
}

void ns__base_block_return(struct event_base *base, void *block) {
  base_rec *r = rec_of(base, 0);

  if (block != NULL &&
      (r == NULL || ns__freelist_keep(&r->blocks, block, BLOCKS_KEPT) != 0))
    free(block);
}

unsigned char *ns__base_read_buffer(struct event_base *base) {
  base_rec *r = rec_of(base, 0);

  if (r == NULL || r->rmem_lent)
    return NULL;
  if (r->rmem == NULL && (r->rmem = malloc(NS_READ_SIZE)) == NULL)
    return NULL;
  r->rmem_lent = 1;
  return r->rmem;
}

void ns__base_read_buffer_return(struct event_base *base) {
  base_rec *r = rec_of(base, 0);

  if (r != NULL)
    r->rmem_lent = 0;
}

int ns_base_refs(struct event_base *base) {
  base_rec *r;

  if (base == NULL)
    return 0;
  r = rec_of(base, 0);
  return (r != NULL ? r->refs : 0) +
         event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE);
}

int ns_run(struct event_base *base) {
  if (base == NULL)
    return -1;
  while (ns_base_refs(base) > 0) {
    if (event_base_loop(base, EVLOOP_ONCE) < 0)
      return -1;
    if (event_base_got_break(base) || event_base_got_exit(base))
      break;
  }
  return 0;
}

int ns_dns_configure(struct event_base *base, const char *hosts_path,
                     const char *nameserver, ns_error *err) {
  base_rec *r;
  char *h = NULL, *n = NULL;

  if (base == NULL) {
    ns__error_invalid(err, "ns_dns_configure: base is NULL");
    return -1;
  }
  if (hosts_path != NULL && hosts_path[0] == '\0') {
    ns__error_invalid(err, "ns_dns_configure: the hosts path is empty");
    return -1;
  }
  if (nameserver != NULL && !ns__addr_nameserver_ok(nameserver)) {
    ns__error_invalid(err, "ns_dns_configure: the name server is not "
                           "IPv4, IPv6, IPv4:PORT or [IPv6]:PORT");
    return -1;
  }
  if ((r = rec_of(base, 1)) == NULL ||
      (hosts_path != NULL && (h = strdup(hosts_path)) == NULL) ||
      (nameserver != NULL && (n = strdup(nameserver)) == NULL)) {
    free(h);
    ns__error_sys(err, ENOMEM, "ns_dns_configure");
    return -1;
  }
  if (r->dns != NULL && n != NULL &&
      evdns_base_nameserver_ip_add(r->dns, n) != 0) {
    free(h);
    free(n);
    ns__error_invalid(err, "ns_dns_configure: the resolver refused the "
                           "name server");
    return -1;
  }
  if (h != NULL) {
    free(r->hosts_path);
    r->hosts_path = h;
    if (r->dns != NULL)
      evdns_base_load_hosts(r->dns, h);
  }
  if (n != NULL) {
    free(r->nameserver);
    r->nameserver = n;
  }
  return 0;
}

int ns_dns_use_resolv_conf(struct event_base *base, const char *path,
                           ns_error *err) {
  base_rec *r;
  char *copy;

  if (base == NULL || path == NULL || path[0] == '\0') {
    ns__error_invalid(err, base == NULL
                               ? "ns_dns_use_resolv_conf: base is NULL"
                               : "ns_dns_use_resolv_conf: no path");
    return -1;
  }
  if ((r = rec_of(base, 1)) == NULL || (copy = strdup(path)) == NULL) {
    ns__error_sys(err, ENOMEM, "ns_dns_use_resolv_conf");
    return -1;
  }
  free(r->resolv_conf);
  r->resolv_conf = copy;
  return 0;
}

struct evdns_base *ns__base_dns(struct event_base *base) {
  base_rec *r = rec_of(base, 1);

  if (r == NULL)
    return NULL;
  if (r->dns != NULL)
    return r->dns;
  /* 0: no nameservers from resolv.conf, nothing initialised. */
  r->dns = evdns_base_new(base, 0);
  if (r->dns == NULL)
    return NULL;
  evdns_base_load_hosts(r->dns,
                        r->hosts_path != NULL ? r->hosts_path : "/etc/hosts");
  if (r->nameserver != NULL)
    evdns_base_nameserver_ip_add(r->dns, r->nameserver);
  if (r->resolv_conf != NULL) /* name servers and options; no search list */
    evdns_base_resolv_conf_parse(r->dns, DNS_OPTION_NAMESERVERS | DNS_OPTION_MISC,
                                 r->resolv_conf);
  return r->dns;
}

/* Takes the record of `base` out of the list; NULL when it has none. */
static base_rec *rec_unlink(struct event_base *base) {
  base_rec **p, *r;

  pthread_mutex_lock(&records_lock);
  for (p = &records; (r = *p) != NULL; p = &r->next)
    if (r->base == base) {
      *p = r->next;
      break;
    }
  pthread_mutex_unlock(&records_lock);
  return r;
}

void ns_base_cleanup(struct event_base *base) {
  base_rec *r = rec_of(base, 0);

  if (r == NULL)
    return;
  while (r->sockets != NULL)
    ns__socket_cleanup(r->sockets); /* unlinks itself */
  rec_unlink(base);
  if (r->dns != NULL)
    evdns_base_free(r->dns, 1);
  freelist_clear(&r->ticks);
  freelist_clear(&r->blocks);
  free(r->rmem);
  free(r->hosts_path);
  free(r->nameserver);
  free(r->resolv_conf);
  free(r);
}
