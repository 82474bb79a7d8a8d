/*
 * base.h - what the library keeps per event_base: the count of ref'd
 * handles (for ns_run()), the evdns resolver used for host names, and the
 * memory its sockets share (one read buffer, a cache of tick blocks).
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

/* A cache of equally sized free blocks (see ns__base_tick_blocks()). */
typedef struct ns__freelist {
  void *head;     /* each free block starts with the pointer to the next */
  unsigned count;
} ns__freelist;

/* Takes a block from `list` (NULL when it is empty). */
void *ns__freelist_take(ns__freelist *list);

/* Keeps `block` in `list` if it holds fewer than `max`; returns 0 then, -1
 * when the block was not kept (the caller frees it). */
int ns__freelist_keep(ns__freelist *list, void *block, unsigned max);

/* The base's cache of free tick blocks, or NULL when the base has no record
 * (then ticks are plain allocations). Emptied by ns_base_cleanup(). */
ns__freelist *ns__base_tick_blocks(struct event_base *base);

/* Size of the blocks ns__base_block() lends: room for what a paused socket
 * keeps (below NS_READ_HIGH_WATER) plus one more read of NS_READ_SIZE. */
#define NS_BLOCK_SIZE (16384 + 65536)

/*
 * A block of NS_BLOCK_SIZE bytes from the base's cache (or newly allocated;
 * NULL when out of memory). Blocks hold what a paused socket has read and
 * the unsent tail of a large write; reusing them keeps the allocator from
 * growing and trimming the heap (and the kernel from faulting fresh pages
 * in) at every 64 KiB chunk. ns__base_block_return() gives one back: it is
 * cached (a few per base) or freed; a base without a record just frees.
 */
void *ns__base_block(struct event_base *base);
void ns__base_block_return(struct event_base *base, void *block);

/*
 * The base's read buffer (NS_READ_SIZE bytes): a flowing socket reads into
 * it and emits 'data' straight from it, so an idle connection holds no read
 * memory at all. Returns NULL when the buffer is already lent out (a read
 * from inside a 'data' callback) or cannot be allocated: the caller then
 * uses memory of its own. Give it back with ns__base_read_buffer_return().
 */
unsigned char *ns__base_read_buffer(struct event_base *base);
void ns__base_read_buffer_return(struct event_base *base);

#endif /* NS_SRC_BASE_H */
