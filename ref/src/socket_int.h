/*
 * socket_int.h - the ns_socket structure and what its source files share.
 * Internal.
 *
 *   socket.c          creation, lifetime, events, destroy, properties
 *   socket_read.c     reading: flowing/paused, EOF, setEncoding
 *   socket_write.c    the write queue on the descriptor, end(), shutdown
 *   socket_connect.c  connect(): validation, lookup, TCP and Unix connects
 *   socket_opts.c     setTimeout, setNoDelay, setKeepAlive, ref/unref
 *   socket_pipe.c     pipe() between two sockets, NS_PIPE_DESTROY_PEER
 *
 * and beside them, with headers of their own: connect_args.c (connect()
 * and setTimeout() argument checks), wqueue.c (the write queue and Node's
 * writable-stream accounting), decoder.c (setEncoding()'s string decoder).
 *
 * The flags mirror the Node 8 state they stand for (net.Socket and its
 * Readable/Writable states), named in the comments.
 */
#ifndef NS_SRC_SOCKET_INT_H
#define NS_SRC_SOCKET_INT_H

#include <sys/socket.h>

#include "decoder.h"
#include "netspec.h"
#include "tick.h"
#include "wqueue.h"

struct event;
struct evbuffer;
struct evdns_getaddrinfo_request;

/* Node 8's default highWaterMark of a socket's readable side. */
#define NS_READ_HIGH_WATER 16384
/* Bytes read per read(2) and reads per wake-up (as libuv does: 64 KiB). */
#define NS_READ_SIZE 65536
#define NS_READS_PER_WAKEUP 8

/* A connect request waiting for its tick or its lookup. */
typedef struct ns__connect_req {
  char *host;
  int port;
  char *local_address;
  int local_port;
  int family;
  int custom; /* waiting for ns_socket_lookup_done() */
} ns__connect_req;

/* One end([cb]) callback: called on 'finish'. */
typedef struct ns__finish_cb {
  ns_write_cb cb;
  void *arg;
  struct ns__finish_cb *next;
} ns__finish_cb;

struct ns_socket {
  struct event_base *base;
  ns_socket_cb cb;
  void *arg;

  /* lifetime */
  int holds;        /* ns_socket_hold() count */
  int owned;        /* the library still owns it (until 'close' emitted) */
  int busy;         /* callbacks or jobs of it running */

  /* the descriptor: Node's _handle */
  int fd;                    /* -1: none (yet) */
  int is_pipe;               /* a Unix domain socket */
  int has_handle;            /* _handle != null */
  struct event *read_ev;     /* EV_READ | EV_PERSIST on fd */
  struct event *write_ev;    /* EV_WRITE | EV_PERSIST on fd */
  int read_on, write_on;     /* the events are wanted */
  int read_added, write_added; /* ...and in libevent's set (removed lazily) */

  /* state */
  int connecting;            /* socket.connecting */
  int destroyed;             /* socket.destroyed */
  int readable, writable;    /* socket.readable / socket.writable */
  int allow_half_open;
  int error_emitted;         /* _writableState.errorEmitted */

  /* readable side */
  int flowing;               /* _readableState.flowing (1) or paused (0) */
  int reading;               /* _handle.reading: the read event wanted */
  int eof;                   /* _readableState.ended: FIN (or EOF) seen */
  int end_emitted;           /* 'end' emitted (or posted) */
  int resume_posted;         /* a resume job is pending */
  unsigned char *kept;       /* bytes read while paused: a block of the base
                              * (NS_BLOCK_SIZE), NULL while none are kept */
  size_t kept_head, kept_tail; /* they are kept[kept_head..kept_tail) */
  size_t *chunks;            /* their read sizes, in order */
  size_t nchunks, chunks_cap;
  ns__decoder dec;           /* setEncoding(): dec.enc != NS_ENC_NONE */
  unsigned long long bytes_read;

  /* writable side */
  ns__wqueue wq;
  int pending_cbs;           /* writes whose afterWrite has not run */
  int cb_batched;            /* a callback of a several-write group runs */
  int sync_errors;           /* ns_socket_set_sync_errors(): Node's order */
  int hold_first;            /* the first write waits for the connection */
  int ending;                /* end() called: _writableState.ending/ended */
  int final_called;          /* _final() queued */
  int prefinished;           /* _final() done */
  int finished;              /* 'finish' emitted */
  int final_on_connect;      /* _final() waits for the connection */
  int destroy_on_finish;     /* destroySoon(): destroy after 'finish' */
  int destroy_on_eof;        /* after shutdown: destroy at the peer's EOF */
  int fin_refused;           /* writeAfterFIN installed */
  ns__finish_cb *finish_cbs; /* end(cb) callbacks */

  /* options */
  double timeout_ms;          /* setTimeout(); 0: off */
  struct event *timer_ev;
  int want_nodelay, nodelay;  /* setNoDelay() before the connection */
  int want_keepalive, keepalive;
  double keepalive_delay;
  int unrefd;                 /* unref() called */
  int counted;                /* counted in the base's ref'd handles */

  /* connect */
  ns__connect_req *creq;                   /* waiting for its tick/lookup */
  struct evdns_getaddrinfo_request *lookup;
  int connect_port;                        /* for errors */
  char *connect_address;                   /* for errors; NULL: none */
  char *local_text;                        /* the local address bound; NULL: none */
  int local_port;                          /* the local port asked for */

  /* peer, remembered once read (Node's _peername) */
  int peer_cached;
  struct sockaddr_storage peer; /* formatted on each read: 128 bytes, not 4 KiB */

  /* accepted sockets */
  ns_server *server;
  ns_socket *prev, *next;      /* in server->sockets */

  /* pipe(): the destination of this socket's data, and the source that
   * writes into this one (each holds the other while piped) */
  ns_socket *pipe_dest;
  ns_socket *pipe_src;
  int pipe_flags; /* of the pipe to pipe_dest: NS_PIPE_* */

  ns__tick_list ticks;
  ns_socket *base_prev, *base_next; /* every socket of the base (base.c) */
};

/* socket.c */
/* Replaces *dst with a copy of src (NULL: none). Returns 0, or -1 when out
 * of memory (then *dst is NULL). */
int ns__socket_set_text(char **dst, const char *src);
/* Releases a socket whatever holds it (ns_base_cleanup()). */
void ns__socket_cleanup(ns_socket *sock);
ns_socket *ns__socket_alloc(struct event_base *base);
/* Wraps a connected descriptor (accepted, or options.fd): reading starts
 * unless `paused`. Returns 0 or -1 (out of memory; fd left open). */
int ns__socket_attach(ns_socket *sock, int fd, int is_pipe, int paused);
/* Wraps an accepted descriptor; not yet linked into srv's list. */
ns_socket *ns__socket_accepted(ns_server *srv, int fd);
/* Silent destroy used by ns_server_free(). */
void ns__socket_destroy_detached(ns_socket *sock);
void ns__socket_enter(ns_socket *sock);
/* Ends a callback section; returns -1 when the memory was released. */
int ns__socket_leave(ns_socket *sock);
/* Emits an event; returns -1 when the socket's memory is gone after it. */
int ns__socket_emit(ns_socket *sock, const ns_socket_event *ev);
int ns__socket_emit_error(ns_socket *sock, const ns_error *err);

/* Queues NS_SOCKET_ERROR with a copy of *err for the next tick. */
void ns__socket_post_error(ns_socket *sock, const ns_error *err);
/* destroy(err), with had_error forced on for 'close' when `had_error`
 * (a failed write: its error was emitted by the caller). */
void ns__socket_destroy(ns_socket *sock, const ns_error *err, int emit_error,
                        int had_error);
/* Starts the idle timer again (Node's _unrefTimer()). */
void ns__socket_touch(ns_socket *sock);
/* Recomputes whether the socket counts as a ref'd handle. */
void ns__socket_update_ref(ns_socket *sock);
/* Adds/removes the descriptor's events (fd must be >= 0). */
int ns__socket_watch_read(ns_socket *sock, int on);
int ns__socket_watch_write(ns_socket *sock, int on);
/* Applies setNoDelay/setKeepAlive requested before the connection. */
void ns__socket_apply_options(ns_socket *sock);

/* socket_read.c */
void ns__socket_on_readable(ns_socket *sock);
/* Starts reading if the socket should (Node's _read()). */
void ns__socket_start_reading(ns_socket *sock);
void ns__socket_stop_reading(ns_socket *sock);

/* socket_write.c */
void ns__socket_on_writable(ns_socket *sock);
/* Hands queued writes to the kernel. `sync`: called from a user call. */
void ns__socket_flush(ns_socket *sock, int sync);
/* Node's finishMaybe(). */
void ns__socket_finish_maybe(ns_socket *sock);
/* Node's destroySoon(). */
void ns__socket_destroy_soon(ns_socket *sock);
/* Runs a deferred _final() once connected. */
void ns__socket_final(ns_socket *sock);

/* socket_pipe.c: what pipe() does after the user's callback saw `ev`. */
void ns__socket_pipe_event(ns_socket *sock, const ns_socket_event *ev);
/* Undoes the pipes this socket is part of (to it and from it). */
void ns__socket_unpipe(ns_socket *sock);

/* socket_connect.c */
void ns__socket_on_connect_ready(ns_socket *sock);
void ns__socket_cancel_connect(ns_socket *sock);

#endif /* NS_SRC_SOCKET_INT_H */
