/*
 * base.h - what the library keeps per event_base: the count of ref'd
 * handles (for ns_run()) and the evdns resolver used for host names.
 * Internal.
 */
#ifndef NS_SRC_BASE_H
#define NS_SRC_BASE_H

struct event_base;
struct evdns_base;
struct ns_socket;

/* Adds `delta` (+1 / -1) to the ref'd handles of `base`. */
void ns__base_ref(struct event_base *base, int delta);

/* Adds / removes a socket from the base's list (freed by cleanup). */
void ns__base_track(struct event_base *base, struct ns_socket *sock, int on);

/* The resolver of `base`, created on first use from the hosts file and the
 * configured name server (never the system's resolv.conf). NULL when out of
 * memory. */
struct evdns_base *ns__base_dns(struct event_base *base);

#endif /* NS_SRC_BASE_H */
