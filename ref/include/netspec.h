/*
 * netspec.h - the netspec reference implementation of the stream networking API
 * documented as Node.js 8's `net` module, in C on libevent.
 *
 * Conventions
 *   - Every public name starts with `ns_` (types, functions) or `NS_` (constants).
 *   - The library never owns the event loop: the caller creates a libevent
 *     `struct event_base` and runs it. All callbacks run from that loop.
 *   - Like Node, nothing is emitted from inside the call that caused it: a
 *     call that succeeds or fails asynchronously reports through an event on
 *     a later loop iteration ("the next tick"). Synchronous misuse (a bad
 *     argument) is reported by the return value and an `ns_error` out-param.
 *   - Each handle has one event callback (an emitter with one listener); the
 *     event structure says which event it is.
 *   - Strings passed in are copied; strings handed out stay valid for the
 *     duration of the callback or until the next call on the same handle.
 *
 * Requirement ids in comments (e.g. SERVER.LISTEN.EADDRINUSE.1) refer to spec/.
 */
#ifndef NETSPEC_H
#define NETSPEC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

#define NS_VERSION_MAJOR 0
#define NS_VERSION_MINOR 1
#define NS_VERSION_PATCH 0
#define NS_VERSION_STRING "0.1.0"

/** Returns the library version as "MAJOR.MINOR.PATCH" (a static string). */
const char *ns_version(void);

/* ------------------------------------------------------------------ errors */

/** Longest address text an error or address can carry (a Unix path with NUL). */
#define NS_ADDRESS_MAX 256

/**
 * An error as Node reports it. `code` and `syscall` are static strings or
 * NULL; `errnum` is the positive errno value (0 when the error is not a
 * system error); `has_address` / `has_port` tell whether `address` / `port`
 * are meaningful. `name` is "Error", "TypeError" or "RangeError", as Node
 * would throw. `message` is formatted as Node 8 formats it, e.g.
 * "listen EADDRINUSE 127.0.0.1:8080", "listen EADDRINUSE :::8080" (host
 * omitted: address "::"), "listen EADDRINUSE /tmp/x.sock" (a Unix path:
 * Node 8 still sets port, to -1, but leaves it out of the message). A port
 * of 0 is neither in the message nor set (has_port 0). A failed host lookup
 * has code "ENOTFOUND" (or "EAI_*"), syscall "getaddrinfo" and errnum 0.
 */
typedef struct ns_error {
  const char *name;
  const char *code;
  const char *syscall;
  int errnum;
  int has_address;
  char address[NS_ADDRESS_MAX];
  int has_port;
  int port;
  char message[512];
} ns_error;

/** Returns the symbolic name of a positive errno value ("EADDRINUSE"), or
 *  "UNKNOWN" for a value it does not know. The string is static. */
const char *ns_errno_code(int errnum);

/* --------------------------------------------------------------- addresses */

typedef enum ns_address_kind {
  NS_ADDRESS_NONE = 0, /* not bound: Node's `null` */
  NS_ADDRESS_INET = 1, /* an IP address with family and port */
  NS_ADDRESS_PIPE = 2  /* a Unix domain socket path: Node returns a string */
} ns_address_kind;

/** What `server.address()` / `socket.address()` return. `family` is the
 *  static string "IPv4" or "IPv6" for NS_ADDRESS_INET, else NULL. `address`
 *  holds the IP text or the path. */
typedef struct ns_address {
  ns_address_kind kind;
  char address[NS_ADDRESS_MAX];
  const char *family;
  int port;
} ns_address;

/* ----------------------------------------------------------------- sockets */

typedef struct ns_socket ns_socket;

/** Reads `socket.remoteAddress`, `remoteFamily` and `remotePort` into *out.
 *  Returns 0, or -1 (kind NS_ADDRESS_NONE) when the socket has no peer. */
int ns_socket_remote(const ns_socket *sock, ns_address *out);

/** Destroys the socket at once: closes its descriptor. Its server's
 *  connection count drops (and the server's pending 'close' may follow on a
 *  later iteration). The memory is released by the library: do not use
 *  `sock` after this call. Safe to call from the 'connection' event. */
void ns_socket_destroy(ns_socket *sock);

/* ----------------------------------------------------------------- servers */

typedef struct ns_server ns_server;

typedef enum ns_server_event_type {
  NS_SERVER_LISTENING = 1, /* 'listening': bound and listening */
  NS_SERVER_CONNECTION,    /* 'connection': `socket` is the accepted socket */
  NS_SERVER_ERROR,         /* 'error': `error` says what failed */
  NS_SERVER_CLOSE          /* 'close': closed and every connection ended */
} ns_server_event_type;

/** One server event. Pointers are valid only during the callback, except
 *  `socket`, which lives until it is destroyed. */
typedef struct ns_server_event {
  ns_server_event_type type;
  const ns_error *error;
  ns_socket *socket;
} ns_server_event;

typedef void (*ns_server_cb)(ns_server *srv, const ns_server_event *ev,
                             void *arg);

/** Callback of ns_server_close(): `err` is NULL, or the "Not running" error
 *  when the server was not listening (SERVER.CLOSE.NOT_RUNNING.1). */
typedef void (*ns_close_cb)(ns_server *srv, const ns_error *err, void *arg);

/** Options of net.createServer(). Zero-initialise for Node's defaults. */
typedef struct ns_server_options {
  int allow_half_open;
  int pause_on_connect;
} ns_server_options;

/**
 * Creates a server on `base` (which the caller owns and must outlive the
 * server). `opts` may be NULL for defaults. `cb` receives every event, with
 * `arg`. Returns NULL only when memory is exhausted. The caller owns the
 * server and releases it with ns_server_free(). Emits nothing.
 */
ns_server *ns_server_new(struct event_base *base,
                         const ns_server_options *opts, ns_server_cb cb,
                         void *arg);

/** What to listen on: server.listen(options) in C. Zero-initialise, then set
 *  `path` for a Unix domain socket, or `host`/`port` for TCP. A path longer
 *  than 107 bytes is truncated when bound, as Node 8 does on Linux. */
typedef struct ns_listen_options {
  const char *host; /* NULL or "": "::" with fallback to "0.0.0.0" */
  int port;         /* 0: an ephemeral port chosen by the system */
  int has_port;     /* non-zero when `port` was given */
  const char *path; /* Unix socket path; ignored when has_port is set */
  int backlog;      /* <= 0: the default, 511 */
  int exclusive;    /* accepted; cluster sharing does not exist in C */
} ns_listen_options;

/**
 * Starts listening, like server.listen(). `opts` NULL is listen() with no
 * argument (any address, an ephemeral port). Validates the options first:
 * on a bad option it returns -1 and fills *err (if err is non-NULL) with
 * the error Node 8 would throw, and nothing is emitted. Otherwise returns 0;
 * the outcome arrives on a later loop iteration as NS_SERVER_LISTENING, or
 * as NS_SERVER_ERROR (e.g. EADDRINUSE, with syscall "listen" even when
 * bind() failed) after which the server is not listening.
 * As in Node 8, with no host (and for a path) the socket is bound during
 * the call, so ns_server_listening() is already 1 when it returns; with a
 * host, the bind waits for the host lookup on a later iteration.
 * As in Node 8, calling it on a server that already has a listening socket
 * keeps that socket (same address) and emits NS_SERVER_LISTENING again.
 */
int ns_server_listen(ns_server *srv, const ns_listen_options *opts,
                     ns_error *err);

/**
 * Stops accepting, like server.close([callback]). Emits NS_SERVER_CLOSE on a
 * later loop iteration once every connection has ended. If `cb` is non-NULL
 * it is called once, right after that event: with err NULL, or with the
 * "Not running" error if the server was not listening when close was called.
 * As in Node 8, each call made while no connection is left queues its own
 * NS_SERVER_CLOSE, and every callback registered before an NS_SERVER_CLOSE
 * is emitted runs right after that one (close(a); close(b) on an idle
 * server gives CLOSE, a, b, CLOSE).
 */
void ns_server_close(ns_server *srv, ns_close_cb cb, void *arg);

/** Fills *out like server.address(). Returns 0, or -1 with kind
 *  NS_ADDRESS_NONE for Node's `null`: no listening TCP socket. Like Node 8,
 *  a server once asked to listen on a path answers that path (as given,
 *  untruncated) even while not listening, e.g. after EADDRINUSE or close. */
int ns_server_address(const ns_server *srv, ns_address *out);

/** Returns non-zero while the server is listening (server.listening). */
int ns_server_listening(const ns_server *srv);

/** Releases the server. If it is still listening its socket is closed
 *  silently (no events, pending ones are dropped, a bound path is removed);
 *  its accepted sockets are destroyed. May be called from any callback of
 *  the server: nothing of it runs afterwards. */
void ns_server_free(ns_server *srv);

#ifdef __cplusplus
}
#endif

#endif /* NETSPEC_H */
