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
 *     argument) is reported by the return value and an `ns_error` out-param
 *     (which may be NULL when the caller does not want the details).
 *     Misuse that Node has no error for, such as a NULL `base` given to a
 *     constructor or an unusable configuration text, is a "TypeError" with
 *     code "EINVAL" and errnum EINVAL.
 *   - Each handle has one event callback (an emitter with one listener); the
 *     event structure says which event it is.
 *   - Strings passed in are copied; strings handed out stay valid for the
 *     duration of the callback or until the next call on the same handle.
 *   - Like Node, the caller should ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)):
 *     queued data goes out with writev(), which raises SIGPIPE when the peer
 *     is gone (the error is then reported as "write EPIPE").
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

/* NS_API marks the library's public functions: the library is compiled with
 * hidden visibility, so a shared libnetspec exports these and nothing else. */
#if defined(__GNUC__) || defined(__clang__)
#define NS_API __attribute__((visibility("default")))
#else
#define NS_API
#endif

#define NS_VERSION_MAJOR 0
#define NS_VERSION_MINOR 2
#define NS_VERSION_PATCH 0
#define NS_VERSION_STRING "0.2.0"

/** Returns the library version as "MAJOR.MINOR.PATCH" (a static string).
 *  @return the version string, e.g. "0.2.0" (static)
 */
NS_API const char *ns_version(void);

/* ------------------------------------------------------------------ errors */

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
 *
 * Text and ownership. `message` (never NULL in an error the library made)
 * and `address` (NULL unless has_address) are complete, however long a
 * path or host name in them is; they live in memory the error holds:
 *   - an error passed to a callback (`ev->error`, a write or close
 *     callback's `err`) belongs to the library and is valid during the
 *     callback; keep one with ns_error_copy();
 *   - an error the library wrote into your `ns_error *err` out-parameter
 *     (only when the call failed) is yours: release it with
 *     ns_error_free() when done;
 *   - plain assignment (`a = b`) shares the text: release only one of the
 *     two, or copy with ns_error_copy().
 * An error you build yourself (to pass to ns_socket_destroy(), say) may
 * point `message` at any string and leave `text_` NULL: the library copies
 * what it keeps. Zero-initialise it first.
 */
typedef struct ns_error {
  const char *name; /**< "Error", "TypeError" or "RangeError" (static) */
  const char *code; /**< "EADDRINUSE", "ENOTFOUND", ... (static), or NULL */
  /** "listen", "connect", "getaddrinfo", ... (static), or NULL */
  const char *syscall;
  const char *message; /**< the message, as Node 8 words it */
  const char *address; /**< the address or path the error is about, or NULL */
  int errnum; /**< the positive errno value, or 0 */
  int has_address; /**< `address` is meaningful */
  int has_port; /**< `port` is meaningful */
  int port; /**< the port the error is about (-1 for a Unix path) */
  void *text_; /**< library-private: the memory of message and address */
} ns_error;

/** Releases the text of an error the library filled in (see ns_error).
 *  Safe on a zeroed error, on one you built yourself and twice over;
 *  `message` and `address` are NULL afterwards. `err` NULL does nothing.
 *  @param err the error to release */
NS_API void ns_error_free(ns_error *err);

/** Makes *dst an independent copy of *src (text included), to keep an
 *  error past its callback. Release it with ns_error_free().
 *  @param dst where the copy goes (its old content is not released)
 *  @param src the error to copy
 *  @return 0, or -1 when out of memory: *dst then has the fields of *src
 *  and a static message (its code or name). */
NS_API int ns_error_copy(ns_error *dst, const ns_error *src);

/** Returns the symbolic name of a positive errno value ("EADDRINUSE"), or
 *  "UNKNOWN" for a value it does not know. The string is static.
 *  @param errnum a positive errno value
 *  @return the name, e.g. "EADDRINUSE", or "UNKNOWN" (static)
 */
NS_API const char *ns_errno_code(int errnum);

/* --------------------------------------------------------------- addresses */

typedef enum ns_address_kind {
  NS_ADDRESS_NONE = 0, /* not bound: Node's `null` */
  NS_ADDRESS_INET = 1, /* an IP address with family and port */
  NS_ADDRESS_PIPE = 2  /* a Unix domain socket path: Node returns a string */
} ns_address_kind;

/** Room for the IP text of an address, its NUL included (IPv6 text has
 *  at most 45 characters). */
#define NS_ADDRESS_IP_MAX 48

/** What `server.address()` / `socket.address()` return. NS_ADDRESS_INET:
 *  `address` holds the IP text (`address_len` bytes), `family` is the
 *  static string "IPv4" or "IPv6", `port` the port. NS_ADDRESS_PIPE (only
 *  from ns_server_address()): `path` is the path as it was given, complete,
 *  `path_len` bytes followed by a NUL; `path_len` counts NUL bytes inside a
 *  path given with one (IPC.PATH.NUL.1: read it with the length, not as a
 *  C string). `path` points into the server, valid until the server is
 *  freed or listens again: copy it to keep it. `address` is "" then. */
typedef struct ns_address {
  /** NS_ADDRESS_NONE, NS_ADDRESS_INET or NS_ADDRESS_PIPE */
  ns_address_kind kind;
  int port; /**< NS_ADDRESS_INET: the port */
  const char *family; /**< NS_ADDRESS_INET: "IPv4" or "IPv6" (static) */
  /** NS_ADDRESS_INET: the IP text; "" otherwise */
  char address[NS_ADDRESS_IP_MAX];
  size_t address_len; /**< bytes of `address` */
  const char *path; /**< NS_ADDRESS_PIPE: the path, borrowed from the server */
  /** NS_ADDRESS_PIPE: bytes of `path`, NUL bytes inside included */
  size_t path_len;
} ns_address;

/** net.isIP(text): 4 for an IPv4 literal, 6 for an IPv6 one (a "%zone"
 *  suffix allowed), else 0.
 *  @param text the text to check (NULL gives 0)
 *  @return 4, 6 or 0
 */
NS_API int ns_is_ip(const char *text);

/* -------------------------------------------------------------- the loop */

/**
 * Like Node's event loop, a libevent loop run with ns_run() lasts while a
 * "ref'd" handle is alive: a socket that is connecting or connected and not
 * unref'd (ns_socket_unref()), a listening server, a pending timer
 * (ns_timer, below) that is not unref'd, or a pending next-tick emission.
 * Handles that were unref'd do not keep it running (their events
 * are still delivered while it runs). A C user runs:
 *
 *     ns_run(base);            // returns when only unref'd handles remain
 *     ... free handles ...
 *     ns_base_cleanup(base);   // the library's per-base state (DNS)
 *     event_base_free(base);
 *
 * Plain event_base_dispatch() also works but does not know about unref'd
 * handles (it runs while any event is registered).
 * Threads: use one base per thread and call the library for a base (and
 * its handles) only from that thread; bases of different threads are
 * independent.
 */

/** Runs `base` until no ref'd handle nor pending emission remains, or until
 *  event_base_loopbreak()/loopexit(). Returns 0, or -1 on a libevent
 *  error or when `base` is NULL.
 *  @param base the libevent base (the caller's)
 *  @return 0, or -1 on a libevent error or a NULL `base`
 */
NS_API int ns_run(struct event_base *base);

/** Number of ref'd handles (and pending emissions) on `base` right now.
 *  @param base the libevent base (the caller's)
 *  @return the count (0 for a NULL `base`)
 */
NS_API int ns_base_refs(struct event_base *base);

/**
 * Host name resolution (socket connect with a host name) uses libevent's
 * evdns, never the system resolver: names are looked up in a hosts file
 * ("/etc/hosts" unless set here) and, only if one is configured here, on
 * one DNS name server. Without a name server a name missing from the hosts
 * file fails as getaddrinfo() does when no name server answers: EAI_AGAIN
 * ("getaddrinfo EAI_AGAIN"). Call before the first lookup on `base`.
 * `hosts_path` NULL keeps "/etc/hosts"; `nameserver` is NULL for none, or
 * "IPv4", "IPv6", "IPv4:PORT" or "[IPv6]:PORT" (PORT 1..65535; 53 when
 * left out). Returns 0, or -1 with *err (if non-NULL) filled: EINVAL for a
 * NULL `base`, an empty `hosts_path` or a name server text of any other
 * form (a host name, a port out of range), ENOMEM when out of memory; the
 * configuration is then unchanged.
 * @param base the libevent base (the caller's)
 * @param hosts_path the hosts file, or NULL to keep "/etc/hosts"
 * @param nameserver the name server, or NULL for none
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return 0, or -1 with *err filled
 */
NS_API int ns_dns_configure(struct event_base *base, const char *hosts_path,
                            const char *nameserver, ns_error *err);

/**
 * Also asks the name servers of a resolv.conf file (`path`, e.g.
 * "/etc/resolv.conf"), with its timeout and attempts options, as Node does
 * through getaddrinfo(). Off by default, so that a program (or a unit test)
 * never sends a query anywhere it did not name; a name server the server
 * says does not know the name gives ENOTFOUND, one that does not answer
 * EAI_AGAIN. Call before the first lookup on `base`. Returns 0, or -1 with
 * *err (if non-NULL) filled: EINVAL for a NULL `base` or a NULL or empty
 * `path`, ENOMEM when out of memory. The file is read at the first lookup;
 * an unreadable file adds no name server.
 * @param base the libevent base (the caller's)
 * @param path the resolv.conf file to read
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return 0, or -1 with *err filled
 */
NS_API int ns_dns_use_resolv_conf(struct event_base *base, const char *path,
                                  ns_error *err);

/** Releases what the library keeps for `base`: its DNS resolver, and
 *  every socket of `base` whose memory is still there (held or not, open
 *  or not: closed silently, no callbacks). Call after the servers on `base`
 *  were freed, before event_base_free(); no socket pointer of `base` may be
 *  used afterwards.
 *  @param base the libevent base (the caller's)
 */
NS_API void ns_base_cleanup(struct event_base *base);

/* ------------------------------------------------------------------ timers */

/**
 * A timer on the loop, like Node's setTimeout()/setInterval(): while it is
 * pending (started, not yet fired, not stopped) and ref'd, it is one of the
 * handles that keep ns_run() running, beside servers and sockets; an
 * unref'd timer still fires while the loop runs for something else. So a
 * retry, a heartbeat or a deadline needs no loop of your own: ns_run()
 * returns exactly when the last ref'd timer, server and socket are done.
 * The caller owns the timer and frees it with ns_timer_free() (before
 * ns_base_cleanup() and event_base_free()).
 */
typedef struct ns_timer ns_timer;

/** Called from the loop when the timer fires. The timer may be started
 *  again, stopped or freed from here. */
typedef void (*ns_timer_cb)(ns_timer *timer, void *arg);

/**
 * Creates a stopped timer on `base`. Emits nothing.
 * @param base the event base the timer runs on (must outlive it)
 * @param cb called each time the timer fires (not NULL)
 * @param arg passed to `cb`
 * @param err filled (if non-NULL) on failure: EINVAL for a NULL `base` or
 *   `cb`, ENOMEM
 * @return the timer, or NULL on failure
 */
NS_API ns_timer *ns_timer_new(struct event_base *base, ns_timer_cb cb,
                              void *arg, ns_error *err);

/**
 * Starts (or restarts) the timer: it fires after `delay_ms` milliseconds,
 * then, if `repeat_ms` is non-zero, every `repeat_ms` milliseconds until
 * stopped (setInterval(f, ms) is start(ms, ms)). As in Node, a delay below
 * 1 ms is 1 ms and one above 2147483647 ms is capped to that. A repeating
 * timer is re-armed before its callback runs. Delays are measured with
 * libevent's clock (CLOCK_MONOTONIC_COARSE on Linux unless the base was
 * made with EVENT_BASE_FLAG_PRECISE_TIMER): a timer may fire a few
 * milliseconds early or late.
 * @param timer the timer
 * @param delay_ms milliseconds until it first fires (>= 0)
 * @param repeat_ms interval after that, or 0 for a one-shot timer (>= 0)
 * @param err filled (if non-NULL) with an EINVAL error for a negative or
 *   non-finite value; the timer is then unchanged
 * @return 0, or -1 on a bad value
 */
NS_API int ns_timer_start(ns_timer *timer, double delay_ms, double repeat_ms,
                          ns_error *err);

/** Stops the timer (clearTimeout()): it will not fire until started
 *  again. Safe on a stopped timer and from its own callback.
 *  @param timer the timer (NULL does nothing) */
NS_API void ns_timer_stop(ns_timer *timer);

/** Whether the timer will fire (started and neither fired, for a one-shot
 *  timer, nor stopped).
 *  @param timer the timer
 *  @return 1 when pending, else 0 */
NS_API int ns_timer_pending(const ns_timer *timer);

/** timer.ref(): a pending timer keeps ns_run() running (the default).
 *  @param timer the timer */
NS_API void ns_timer_ref(ns_timer *timer);

/** timer.unref(): the timer does not keep ns_run() running; it still fires
 *  while the loop runs.
 *  @param timer the timer */
NS_API void ns_timer_unref(ns_timer *timer);

/** Stops and releases the timer. Safe from its own callback (the memory
 *  goes once the callback returns); do not use `timer` afterwards.
 *  @param timer the timer (NULL does nothing) */
NS_API void ns_timer_free(ns_timer *timer);

/* ----------------------------------------------------------------- sockets */

/**
 * A stream socket: net.Socket. TCP (IPv4/IPv6) or a Unix domain socket.
 *
 * Lifetime and ownership
 *   - The library owns every socket. It releases the memory after it has
 *     delivered the socket's NS_SOCKET_CLOSE event (once the callback has
 *     returned), or when the socket is destroyed before it ever had a
 *     descriptor (Node emits no 'close' then), or when ns_socket_free() is
 *     called, or when the server that accepted it is freed.
 *   - A user who wants to keep using the pointer after that (to read
 *     properties after 'close', as Node allows) takes a hold with
 *     ns_socket_hold() and drops it with ns_socket_release(): the memory
 *     stays until the last hold is dropped. Every call is safe on a closed
 *     socket that is still held: methods then fail or do nothing as Node's
 *     would on a destroyed socket.
 *   - Accepted sockets arrive in NS_SERVER_CONNECTION with no callback set:
 *     call ns_socket_set_callback() from the connection event to receive
 *     their events.
 *
 * Ownership at close, in one place
 *   - A socket's last event is NS_SOCKET_CLOSE. Once its callback returns,
 *     the library frees the socket unless it is held: drop every pointer
 *     you keep to it in that callback (or hold it and release it later).
 *   - Timers, lists and other sockets of yours that point at it are yours
 *     to stop or unlink there; the library does not know about them.
 *   - A socket that is piped is held by its pipe partner until either
 *     closes; with NS_PIPE_DESTROY_PEER (ns_socket_pipe_ex()) the partner is
 *     destroyed then too, and both are freed after their own 'close'.
 *   - Servers and timers are the caller's: free them with ns_server_free()
 *     and ns_timer_free() (never freed by the library); freeing a server
 *     closes and frees the sockets it accepted, silently.
 *   - ns_base_cleanup() frees whatever sockets remain on the base.
 *
 * Events (ns_socket_event_type), in Node 8's order, never from inside the
 * call that caused them except where a function says so (only
 * ns_socket_lookup_done(), and ns_socket_write() and friends when
 * ns_socket_set_sync_errors() asked for Node's synchronous errors):
 *   lookup (a host name was resolved, or failed), connect, data, end (the
 *   peer sent FIN and every byte was delivered), drain (the write queue
 *   emptied after a write returned 0), timeout (idle for the time set by
 *   ns_socket_set_timeout; the socket stays open), error (followed by
 *   close with had_error 1, except for the synchronous write-after-end
 *   errors), close (the descriptor is closed; the last event).
 */
typedef struct ns_socket ns_socket;

typedef enum ns_socket_event_type {
  NS_SOCKET_LOOKUP = 1, /* `error` NULL: `address`, `family`, `host` set;
                           else `error` and `host` */
  NS_SOCKET_CONNECT,    /* connected */
  NS_SOCKET_DATA,       /* `data`/`len`: bytes, or UTF-8 text (`is_text`)
                           once an encoding is set */
  NS_SOCKET_END,        /* the peer ended its side */
  NS_SOCKET_DRAIN,      /* the write queue emptied */
  NS_SOCKET_TIMEOUT,    /* idle timeout */
  NS_SOCKET_ERROR,      /* `error` */
  NS_SOCKET_CLOSE       /* `had_error`: closed because of an error */
} ns_socket_event_type;

/** One socket event; every pointer is valid during the callback only. */
typedef struct ns_socket_event {
  ns_socket_event_type type; /**< which event this is */
  /** NS_SOCKET_ERROR (and a failed NS_SOCKET_LOOKUP): the error */
  const ns_error *error;
  const char *data; /**< NS_SOCKET_DATA: the bytes or text */
  size_t len; /**< NS_SOCKET_DATA: bytes of `data` */
  int is_text; /**< NS_SOCKET_DATA: `data` is UTF-8 text (an encoding is set) */
  int had_error; /**< NS_SOCKET_CLOSE: closed because of an error */
  const char *address; /**< LOOKUP: the IP text */
  int family;          /**< LOOKUP: 4 or 6 */
  const char *host;    /**< LOOKUP: the name looked up */
} ns_socket_event;

typedef void (*ns_socket_cb)(ns_socket *sock, const ns_socket_event *ev,
                             void *arg);

/** Called once a write's bytes were handed to the kernel (`err` NULL), or
 *  with the error that failed it; see ns_socket_write(). */
typedef void (*ns_write_cb)(ns_socket *sock, const ns_error *err, void *arg);

/** Options of new net.Socket(). Zero-initialise for Node's defaults. */
typedef struct ns_socket_options {
  int allow_half_open; /**< stay writable after the peer's FIN until end() */
  int has_fd;          /**< wrap `fd`, an existing connected stream socket */
  int fd;              /**< the library takes ownership of it */
  int not_readable;    /**< with has_fd: Node's readable: false */
  int not_writable;    /**< with has_fd: Node's writable: false */
} ns_socket_options;

/**
 * Creates a socket on `base` (which must outlive it). `opts` NULL for the
 * defaults. Without has_fd the socket has no descriptor until
 * ns_socket_connect(). With has_fd the descriptor (TCP or Unix stream) is
 * made non-blocking and the socket starts reading at once. Returns NULL
 * with *err (if non-NULL) filled when `base` is NULL (EINVAL), when out of
 * memory, or (has_fd) when `fd` is not a stream socket. Emits nothing. See
 * "Lifetime" above: a socket
 * that never gets a descriptor is released when destroyed or freed (or by
 * ns_base_cleanup()).
 * @param base the libevent base (the caller's)
 * @param opts the options, or NULL for the defaults
 * @param cb receives every event of the socket (may be NULL, set later)
 * @param arg passed to `cb` as is
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return the socket, or NULL with *err filled
 */
NS_API ns_socket *ns_socket_new(struct event_base *base,
                                const ns_socket_options *opts, ns_socket_cb cb,
                                void *arg, ns_error *err);

/** Sets (or replaces) the event callback.
 *  @param sock the socket
 *  @param cb the new callback (NULL: events are dropped)
 *  @param arg passed to `cb` as is
 */
NS_API void ns_socket_set_callback(ns_socket *sock, ns_socket_cb cb, void *arg);

/** Keeps the memory of `sock` until the matching ns_socket_release().
 *  @param sock the socket
 */
NS_API void ns_socket_hold(ns_socket *sock);

/** Drops a hold; may release the memory (do not use `sock` after).
 *  @param sock the socket (do not use it afterwards)
 */
NS_API void ns_socket_release(ns_socket *sock);

/**
 * A custom host lookup (Node's options.lookup). Called during
 * ns_socket_connect(), only for a host name, instead of the library's
 * resolver, with the family (0 when not given) and the hints Node passes:
 * the caller's, or AI_ADDRCONFIG (32) when the family is neither 4 nor 6 and
 * no hints were given. Answer with ns_socket_lookup_done(), at once or
 * later; until then the socket stays connecting.
 */
typedef void (*ns_lookup_fn)(ns_socket *sock, const char *host, int family,
                             int hints, void *arg);

/** What to connect to: socket.connect(options). Zero-initialise. */
typedef struct ns_connect_options {
  const char *path;          /**< a Unix socket path: wins when set */
  const char *host;          /**< NULL or "": "localhost" */
  int port;                  /**< 0..65535 */
  int port_invalid;          /**< the caller's port was not a legal port */
  const char *port_text;     /**< NULL, or the port as the caller wrote it,
                                for the RangeError message */
  const char *local_address; /**< NULL, or an IP literal to bind to */
  int local_port;            /**< 0: any */
  int family;                /**< 0, 4 or 6: lookup family */
  int hints;                 /**< getaddrinfo hints for the lookup (0: none) */
  ns_lookup_fn lookup;       /**< NULL: the library's resolver */
  void *lookup_arg; /**< passed to `lookup` */
} ns_connect_options;

/**
 * Answers a custom lookup: `err` NULL with `address` (an IP literal) and
 * `family` (4 or 6), or the lookup's error. Like Node's callback of
 * dns.lookup: emits NS_SOCKET_LOOKUP during this call, then connects, or
 * fails the socket (the error gets " host:port" appended, then
 * NS_SOCKET_ERROR and NS_SOCKET_CLOSE on later ticks). Returns 0, or -1 when
 * no custom lookup of this socket is waiting (e.g. it was destroyed).
 * @param sock the socket
 * @param err NULL for success, or the lookup's error (copied)
 * @param address with success: the IP literal the name resolved to
 * @param family with success: 4 or 6
 * @return 0, or -1 when no custom lookup of `sock` is waiting
 */
NS_API int ns_socket_lookup_done(ns_socket *sock, const ns_error *err,
                                 const char *address, int family);

/**
 * Connects, like socket.connect(options). Validates first, as Node 8
 * throws: port outside 0..65535 or port_invalid (RangeError '"port" option
 * should be >= 0 and < 65536: P'), local_address not an IP (TypeError
 * '"localAddress" option must be a valid IP: X'), a socket already
 * connecting or connected (Error "Socket is already connected"; Node would
 * misbehave). A local_port above 65535 binds its low 16 bits and fails
 * with "bind EADDRINUSE", as in Node 8.
 * Returns -1 with *err then, nothing emitted. Otherwise returns 0 and the
 * socket is `connecting`: an IP literal is connected to on the next tick; a
 * name is resolved first (NS_SOCKET_LOOKUP, even on failure); a path is
 * connected to at once. The outcome is NS_SOCKET_CONNECT, or NS_SOCKET_ERROR
 * ("connect ECONNREFUSED 127.0.0.1:80", syscall "connect", address, port;
 * "bind ..." for a failed local bind; a lookup error with host:port added)
 * then NS_SOCKET_CLOSE. A destroyed socket can connect again, as in Node.
 * @param sock the socket
 * @param opts what to connect to (NULL: port 0 on localhost)
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return 0 when the connection is under way, or -1 with *err filled
 */
NS_API int ns_socket_connect(ns_socket *sock, const ns_connect_options *opts,
                             ns_error *err);

/**
 * socket.write(data): writes `len` bytes (handed to the kernel at once when
 * nothing is queued; what it does not take is copied and queued) and
 * returns 1 while the queued bytes (this write included) stay below the
 * high-water mark (16 KiB, Node's default), else 0, and NS_SOCKET_DRAIN
 * follows once the queue has emptied. `cb` (may be NULL) is called with `arg`
 * on a later tick once the
 * bytes were handed to the kernel (writes made while connecting wait for
 * the connection). If the socket is destroyed first, callbacks of writes
 * not yet handed to the kernel are never called (as in Node): `arg` stays
 * the caller's to free. Write failures destroy the socket: `cb` gets the
 * error ("write EPIPE", syscall "write"), then NS_SOCKET_ERROR, then
 * NS_SOCKET_CLOSE.
 * A write that cannot be made returns -1 and queues nothing; its error
 * arrives as NS_SOCKET_ERROR on the next tick, never during this call (so
 * a loop over your own list of sockets may write to each and unlink a
 * socket from its error callback safely), and `cb` gets the same error on
 * the tick after:
 *   - after ns_socket_end(): Error "write after end";
 *   - after the peer's FIN with allow_half_open off: Error "This socket has
 *     been ended by the other party", code "EPIPE";
 *   - on a destroyed or closed socket (one still held): Error "This socket
 *     is closed"; the socket stays destroyed.
 * With ns_socket_set_sync_errors() on, the error is emitted during the
 * call instead and the return value is Node 8's: 0 after end, -1 (Node's
 * undefined) after the peer's FIN, 1 or 0 as above on a closed socket.
 * @param sock the socket
 * @param data the bytes (copied when they cannot be sent at once)
 * @param len how many bytes (0 is an empty write)
 * @param cb called once the bytes went to the kernel, or with the error (may be
 *   NULL)
 * @param arg passed to `cb` as is
 * @return 1 to keep writing, 0 when the queue reached the high-water mark (wait
 *   for NS_SOCKET_DRAIN), -1 when the write was refused
 */
NS_API int ns_socket_write(ns_socket *sock, const void *data, size_t len,
                           ns_write_cb cb, void *arg);

/**
 * For bindings that mirror Node exactly (the netspec shim): with `on`
 * non-zero, the misuse errors of ns_socket_write(), ns_socket_write_counted()
 * and ns_socket_end() with data are emitted as NS_SOCKET_ERROR during the
 * call, as Node 8 emits them, and those calls return what Node's write()
 * returns (see ns_socket_write()). A C program should leave it off (the
 * default): then no error callback runs inside a call of yours.
 * @param sock the socket
 * @param on 1 for Node's synchronous order, 0 for the default
 */
NS_API void ns_socket_set_sync_errors(ns_socket *sock, int on);

/**
 * Node-conformance detail (C programs do not need it). For bindings that
 * mirror Node exactly: non-zero while a write callback
 * runs for a write that went to the kernel together with others (Node's
 * writev of the writes queued behind a write in flight), zero otherwise.
 * Node calls such callbacks with one explicit `undefined` argument, a lone
 * write's callback with none.
 * @param sock the socket
 * @return non-zero inside the callback of a batched write
 */
NS_API int ns_socket_write_batched(const ns_socket *sock);

/**
 * Node-conformance detail (C programs use ns_socket_write()).
 * ns_socket_write() for data that Node's write-queue accounting counts as
 * `count` units rather than `len` bytes: Node 8 counts a string written to
 * a socket by its length in UTF-16 code units (socket.write("\u00e9") adds
 * 1 to bufferSize although 2 bytes go out). The return value, bufferSize
 * and NS_SOCKET_DRAIN use `count`; bytes_written still counts bytes.
 * @param sock the socket
 * @param data the bytes
 * @param len how many bytes
 * @param count what the write counts for in bufferSize and the high-water mark
 * @param cb as for ns_socket_write()
 * @param arg passed to `cb` as is
 * @return as ns_socket_write()
 */
NS_API int ns_socket_write_counted(ns_socket *sock, const void *data, size_t len,
                                   size_t count, ns_write_cb cb, void *arg);

/**
 * socket.end([data][, cb]): writes `data` first when it is non-NULL (as
 * ns_socket_write() would; len may be 0: an empty write), then ends the
 * writable side: once every queued byte is written,
 * shutdown(SHUT_WR) (the peer sees FIN), or, when the peer has already
 * ended, the socket is destroyed (NS_SOCKET_CLOSE). `cb` (may be NULL) is
 * called once everything was written and the side shut down (Node's
 * 'finish'). Calling it again does nothing (with data: the "write after
 * end" error of ns_socket_write(), on the next tick).
 * @param sock the socket
 * @param data bytes to write first, or NULL
 * @param len how many bytes of `data`
 * @param cb called once everything was written and the side shut down (may be
 *   NULL)
 * @param arg passed to `cb` as is
 */
NS_API void ns_socket_end(ns_socket *sock, const void *data, size_t len,
                          ns_write_cb cb, void *arg);

/**
 * socket.once('finish', cb): `cb` is called (with `err` NULL) when the
 * writable side finishes, whether the program called ns_socket_end() or the
 * socket ended itself after the peer's end (allow_half_open 0). Nothing is
 * called for a socket that has finished already or never finishes.
 * Returns 0, or -1 with errno ENOMEM.
 */
int ns_socket_on_finish(ns_socket *sock, ns_write_cb cb, void *arg);

/**
 * socket.destroy([err]): closes the descriptor at once (queued writes are
 * dropped, reading stops). Emits, on later ticks, NS_SOCKET_ERROR with a
 * copy of `err` if non-NULL, then NS_SOCKET_CLOSE (had_error = err != NULL)
 * if the socket had a descriptor. On an already destroyed socket only the
 * error (if any, and if no error was emitted before) is emitted. Safe from
 * any callback. Does not free the memory (see Lifetime).
 * @param sock the socket
 * @param err NULL, or an error to emit (copied)
 */
NS_API void ns_socket_destroy(ns_socket *sock, const ns_error *err);

/** Destroys silently (no events; pending emissions and callbacks dropped)
 *  and gives up the library's ownership: the memory is released now, or
 *  when the last hold is dropped.
 *  @param sock the socket; do not use it afterwards unless held
 */
NS_API void ns_socket_free(ns_socket *sock);

/** socket.pause(): stops emitting NS_SOCKET_DATA. Like Node 8, reading
 *  continues until at least 16 KiB are buffered, then stops; as one read
 *  takes up to 64 KiB, a paused socket holds up to about 80 KiB.
 *  @param sock the socket
 */
NS_API void ns_socket_pause(ns_socket *sock);
/** socket.resume(): emits the buffered data on the next tick and reads
 *  again.
 *  @param sock the socket
 */
NS_API void ns_socket_resume(ns_socket *sock);
/**
 * src.pipe(dst) (Readable.prototype.pipe for two sockets, src == dst
 * allowed): after src's own NS_SOCKET_DATA callback, the chunk is written
 * to dst; when that write returns 0, src is paused until dst's
 * NS_SOCKET_DRAIN; after src's NS_SOCKET_END, dst is ended; the 'close' of
 * either undoes the pipe (and, when a socket is piped both ways, both
 * pipes), and so does a chunk dst refuses (dst ended or closed: one
 * NS_SOCKET_ERROR on dst, as Node unpipes on the destination's error). Resumes src. The two sockets hold each other's memory while
 * piped. Same as ns_socket_pipe_ex(src, dst, 0).
 * @param src the socket whose data is forwarded
 * @param dst the socket written to
 * @return 0, or -1 when src already has a destination or dst a source (one
 *   destination per source in this implementation)
 */
NS_API int ns_socket_pipe(ns_socket *src, ns_socket *dst);

/** Flag of ns_socket_pipe_ex(): when either socket of the pipe closes (an
 *  error, a reset, a destroy, or the normal end of both directions), the
 *  other is destroyed too (with no error of its own), so that neither
 *  outlives the other: what a proxy wants. */
#define NS_PIPE_DESTROY_PEER 1

/**
 * ns_socket_pipe() with options. A TCP-to-Unix proxy ties its two sockets
 * with one pipe each way:
 *
 *     ns_socket_pipe_ex(client, upstream, NS_PIPE_DESTROY_PEER);
 *     ns_socket_pipe_ex(upstream, client, NS_PIPE_DESTROY_PEER);
 *
 * Then each direction ends the other side after its 'end' (half-close is
 * forwarded), back-pressure pauses the reader, and when either socket
 * closes the other is destroyed: the proxy needs no pointers of its own to
 * clear (see "Ownership at close" above).
 * @param src the socket whose data is forwarded
 * @param dst the socket written to
 * @param flags 0 or NS_PIPE_DESTROY_PEER
 * @return 0, or -1 when src already has a destination, dst a source, or
 *   `flags` holds an unknown bit
 */
NS_API int ns_socket_pipe_ex(ns_socket *src, ns_socket *dst, int flags);

/** Non-zero while paused (socket.isPaused()).
 *  @param sock the socket
 *  @return non-zero while paused
 */
NS_API int ns_socket_is_paused(const ns_socket *sock);

/**
 * socket.setEncoding(enc): from now on NS_SOCKET_DATA carries text (UTF-8,
 * is_text 1), decoded incrementally (a character split across reads is
 * emitted whole). `enc` NULL is "utf8". Accepts Node's names, any case:
 * "utf8"/"utf-8", "hex", "base64", "latin1"/"binary", "ascii",
 * "utf16le"/"utf-16le"/"ucs2"/"ucs-2". Returns 0, or -1 with *err ("Unknown
 * encoding: X") for any other name.
 * @param sock the socket
 * @param enc the encoding name, or NULL for "utf8"
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return 0, or -1 with *err filled for an unknown name
 */
NS_API int ns_socket_set_encoding(ns_socket *sock, const char *enc, ns_error *err);

/**
 * socket.setTimeout(ms): emits NS_SOCKET_TIMEOUT after `ms` milliseconds
 * without reads or writes (once per idle period; the socket stays open).
 * 0 disables. Values above 2147483647 are capped to it. Returns 0, or -1
 * with *err for a negative ms (RangeError).
 * @param sock the socket
 * @param ms idle milliseconds, 0 to disable
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return 0, or -1 with *err filled for a negative or non-finite `ms`
 */
NS_API int ns_socket_set_timeout(ns_socket *sock, double ms, ns_error *err);

/** socket.setNoDelay(enable): TCP_NODELAY (Node: enable defaults to
 *  true). Before the connection exists it applies once connected.
 *  @param sock the socket
 *  @param enable non-zero to set TCP_NODELAY, 0 to clear it
 */
NS_API void ns_socket_set_no_delay(ns_socket *sock, int enable);

/** socket.setKeepAlive(enable, initial_delay_ms): SO_KEEPALIVE and, when
 *  enabling, TCP_KEEPIDLE of initial_delay_ms / 1000 seconds (if > 0).
 *  Before the connection exists it applies once connected.
 *  @param sock the socket
 *  @param enable non-zero to turn SO_KEEPALIVE on, 0 off
 *  @param initial_delay_ms idle time before the first probe (<= 0: the
 *    system's)
 */
NS_API void ns_socket_set_keep_alive(ns_socket *sock, int enable,
                                     double initial_delay_ms);

/** socket.ref(): the socket keeps ns_run() running while it is connecting
 *  or connected (the default).
 *  @param sock the socket
 */
NS_API void ns_socket_ref(ns_socket *sock);

/** socket.unref(): the socket does not keep ns_run() running; its events
 *  are still delivered while the loop runs.
 *  @param sock the socket
 */
NS_API void ns_socket_unref(ns_socket *sock);

/** Properties. */
typedef struct ns_socket_info {
  int connecting;      /**< socket.connecting */
  int destroyed;       /**< socket.destroyed */
  int readable;        /**< socket.readable */
  int writable;        /**< socket.writable */
  int has_handle;      /**< a descriptor exists (or is being connected) */
  size_t buffer_size;  /**< socket.bufferSize (meaningful with has_handle) */
  unsigned long long bytes_read; /**< socket.bytesRead */
  unsigned long long bytes_written; /**< socket.bytesWritten */
} ns_socket_info;

/** Fills *out with the socket's state (valid on any held socket).
 *  @param sock the socket (any held one, even closed)
 *  @param out filled with the properties
 */
NS_API void ns_socket_info_get(const ns_socket *sock, ns_socket_info *out);

/** Reads `socket.remoteAddress`, `remoteFamily` and `remotePort` into *out.
 *  Returns 0, or -1 (kind NS_ADDRESS_NONE: Node's undefined) when the
 *  socket has no peer. Like Node, the peer is remembered once read, and
 *  then still answered after close.
 *  @param sock the socket
 *  @param out filled with the peer's address
 *  @return 0, or -1 when the socket has no peer
 */
NS_API int ns_socket_remote(ns_socket *sock, ns_address *out);

/** socket.address() (and localAddress/localPort): the local address of a
 *  TCP socket with a descriptor. Returns 0, or -1 (kind NS_ADDRESS_NONE:
 *  Node's {}) when there is none (no descriptor, or a Unix socket).
 *  @param sock the socket
 *  @param out filled with the local address
 *  @return 0, or -1 when there is no local TCP address
 */
NS_API int ns_socket_address(ns_socket *sock, ns_address *out);

/* ----------------------------------------------------------------- servers */

typedef struct ns_server ns_server;

typedef enum ns_server_event_type {
  NS_SERVER_LISTENING = 1, /* 'listening': bound and listening */
  NS_SERVER_CONNECTION,    /* 'connection': `socket` is the accepted socket */
  NS_SERVER_ERROR,         /* 'error': `error` says what failed */
  NS_SERVER_CLOSE          /* 'close': closed and every connection ended */
} ns_server_event_type;

/** One server event. Pointers are valid only during the callback, except
 *  `socket`: an accepted socket owned by the library like any other (see
 *  "Lifetime" under sockets): set its callback with
 *  ns_socket_set_callback() during this event, and ns_socket_hold() it to
 *  use the pointer after its NS_SOCKET_CLOSE. It is already reading
 *  (unless the server has pause_on_connect) and has the server's
 *  allow_half_open. */
typedef struct ns_server_event {
  ns_server_event_type type; /**< which event this is */
  const ns_error *error; /**< NS_SERVER_ERROR: the error */
  ns_socket *socket; /**< NS_SERVER_CONNECTION: the accepted socket */
} ns_server_event;

typedef void (*ns_server_cb)(ns_server *srv, const ns_server_event *ev,
                             void *arg);

/** Callback of ns_server_close(): `err` is NULL, or the "Not running" error
 *  when the server was not listening (SERVER.CLOSE.NOT_RUNNING.1). */
typedef void (*ns_close_cb)(ns_server *srv, const ns_error *err, void *arg);

/** Options of net.createServer(). Zero-initialise for Node's defaults. */
typedef struct ns_server_options {
  /** accepted sockets stay writable after the peer's FIN */
  int allow_half_open;
  int pause_on_connect; /**< accepted sockets start paused */
} ns_server_options;

/**
 * Creates a server on `base` (which the caller owns and must outlive the
 * server). `opts` may be NULL for defaults. `cb` receives every event, with
 * `arg`. Returns NULL with *err (if non-NULL) filled when `base` is NULL
 * (EINVAL) or memory is exhausted (ENOMEM). The caller owns the server and
 * releases it with ns_server_free(). Emits nothing.
 * @param base the libevent base (the caller's)
 * @param opts the options, or NULL for the defaults
 * @param cb receives every event of the server
 * @param arg passed to `cb` as is
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return the server, or NULL with *err filled
 */
NS_API ns_server *ns_server_new(struct event_base *base,
                                const ns_server_options *opts, ns_server_cb cb,
                                void *arg, ns_error *err);

/** What to listen on: server.listen(options) in C. Zero-initialise, then set
 *  `path` for a Unix domain socket, or `host`/`port` for TCP. A path longer
 *  than 107 bytes is truncated when bound, as Node 8 does on Linux. */
typedef struct ns_listen_options {
  const char *host; /**< NULL or "": "::" with fallback to "0.0.0.0" */
  int port;         /**< 0: an ephemeral port chosen by the system */
  int has_port;     /**< non-zero when `port` was given */
  const char *path; /**< Unix socket path; ignored when has_port is set */
  size_t path_len;  /**< bytes of `path` when it holds NUL bytes, else 0
                       (strlen): the socket file is named by the part before
                       the first NUL, address() answers all path_len bytes */
  int backlog;      /**< <= 0: the default, 511 */
  int exclusive;    /**< accepted; cluster sharing does not exist in C */
} ns_listen_options;

/**
 * Starts listening, like server.listen(). A Unix socket path whose parent
 * directory does not exist fails with "listen EACCES PATH", as in Node 8
 * (libuv's answer; not ENOENT). `opts` NULL is listen() with no
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
 * @param srv the server
 * @param opts what to listen on, or NULL for any address and an ephemeral port
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return 0 (the outcome follows as an event), or -1 with *err filled for bad
 *   options
 */
NS_API int ns_server_listen(ns_server *srv, const ns_listen_options *opts,
                            ns_error *err);

/**
 * server.listen(otherServer[, backlog]) (SERVER.LISTEN.HANDLE.SERVER.*):
 * `srv` listens on the listening socket of `lender` (another server of the
 * same base: a lender of another base returns -1 with an EINVAL *err) with
 * `backlog` (<= 0: 511), which applies to the shared socket. From then on
 * `srv` emits the connections and `lender` none;
 * closing (or freeing) either server stops the shared socket for both,
 * although the other still reads as listening until it is closed itself.
 * address() of `srv` is the lender's. Returns -1 with *err (Error "Invalid
 * listen argument: Server { _handle: null }") when `lender` does not
 * listen; otherwise 0: `srv` listens at once, NS_SERVER_LISTENING follows
 * on a later iteration. A server that already listens keeps its socket.
 * @param srv the server that is to listen
 * @param lender a listening server of the same base
 * @param backlog the listen() backlog; <= 0 for the default, 511
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return 0, or -1 with *err filled
 */
NS_API int ns_server_listen_server(ns_server *srv, ns_server *lender, int backlog,
                                   ns_error *err);

/**
 * server.listen({ fd }) (SERVER.LISTEN.HANDLE.FD.*): listens on `fd`, an
 * open stream socket (TCP or Unix, bound, possibly listening already),
 * which the library owns from then on (closed with the server; a Unix
 * socket's file is not removed). A negative `fd` returns -1 with *err
 * (Error "Invalid listen argument: { fd: N }"). Otherwise returns 0: the
 * server listens at once and NS_SERVER_LISTENING follows. When `fd` is not
 * an open TCP or Unix stream socket, the server does not listen and
 * NS_SERVER_ERROR "listen EINVAL" (syscall "listen", no port, no address)
 * follows; `fd` then stays the caller's. When listen() fails on it, `fd`
 * is closed and NS_SERVER_ERROR "listen E..." (no port) follows. A server
 * that already listens keeps its own socket and closes `fd`.
 * @param srv the server that is to listen
 * @param fd an open stream socket (owned by the library once accepted)
 * @param backlog the listen() backlog; <= 0 for the default, 511
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return 0, or -1 with *err filled for a negative `fd`
 */
NS_API int ns_server_listen_fd(ns_server *srv, int fd, int backlog, ns_error *err);

/**
 * server.listen(socket) (SERVER.LISTEN.HANDLE.SOCKET.1): listens on the
 * descriptor of `sock`. A connected socket cannot listen: returns 0 and
 * NS_SERVER_ERROR "listen EINVAL" (port -1) follows; the socket itself is
 * left as it is. A socket without a descriptor returns -1 with *err (Error
 * "Invalid listen argument: Socket { _handle: null }"); so does, with an
 * EINVAL *err, a socket of another base.
 * @param srv the server that is to listen
 * @param sock a socket of the same base with a descriptor
 * @param backlog the listen() backlog; <= 0 for the default, 511
 * @param err filled (if non-NULL) when the call fails; release it with
 *   ns_error_free()
 * @return 0, or -1 with *err filled
 */
NS_API int ns_server_listen_socket(ns_server *srv, ns_socket *sock, int backlog,
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
 * @param srv the server
 * @param cb called once after NS_SERVER_CLOSE (may be NULL)
 * @param arg passed to `cb` as is
 */
NS_API void ns_server_close(ns_server *srv, ns_close_cb cb, void *arg);

/** Fills *out like server.address(). Returns 0, or -1 with kind
 *  NS_ADDRESS_NONE for Node's `null`: no listening TCP socket. Like Node 8,
 *  a server once asked to listen on a path answers that path (as given,
 *  untruncated) even while not listening, e.g. after EADDRINUSE or close.
 *  @param srv the server
 *  @param out filled with the address
 *  @return 0, or -1 when there is no address (Node's null)
 */
NS_API int ns_server_address(const ns_server *srv, ns_address *out);

/** server.ref(): a listening server keeps ns_run() running (the default).
 *  Safe in any state; emits nothing.
 *  @param srv the server
 */
NS_API void ns_server_ref(ns_server *srv);

/** server.unref(): a listening server does not keep ns_run() running; it
 *  still accepts while the loop runs. Safe in any state; emits nothing.
 *  @param srv the server
 */
NS_API void ns_server_unref(ns_server *srv);

/** Returns non-zero while the server is listening (server.listening).
 *  @param srv the server
 *  @return non-zero while listening
 */
NS_API int ns_server_listening(const ns_server *srv);

/** Callback of ns_server_get_connections(): the number of open accepted
 *  connections when it runs. */
typedef void (*ns_count_cb)(ns_server *srv, int count, void *arg);

/**
 * server.getConnections(callback): calls `cb` with `arg` and the count on a
 * later loop iteration (once), in any state of the server (0 before listen,
 * still counting open connections after close). Returns 0, or -1 (nothing
 * queued) when `cb` is NULL, the server was freed, or memory is exhausted.
 * The call is dropped, unanswered, if the server is freed before it runs.
 * @param srv the server
 * @param cb receives the count (not NULL)
 * @param arg passed to `cb` as is
 * @return 0, or -1 when nothing was queued
 */
NS_API int ns_server_get_connections(ns_server *srv, ns_count_cb cb, void *arg);

/** Node-conformance detail. The deprecated server.connections: the number
 *  of accepted connections
 *  not yet closed (SERVER.CONNECTIONS.1). Emits nothing.
 *  @param srv the server
 *  @return the count
 */
NS_API int ns_server_connections(const ns_server *srv);

/** Node-conformance detail (C programs do not need it). Assigning
 *  server.connections (SERVER.CONNECTIONS.4): sets the count that
 *  ns_server_connections() and getConnections report; closing accepted
 *  connections counts down from it, and the server's 'close' waits until
 *  it is 0, as in Node 8. Emits nothing.
 *  @param srv the server
 *  @param count the new count
 */
NS_API void ns_server_set_connections(ns_server *srv, int count);

/** server.maxConnections: 0 (the default) is no limit; otherwise, while
 *  the count is at or above `max` (always, for a negative `max`), a new
 *  connection is accepted and closed at once: the peer sees an orderly end,
 *  no NS_SERVER_CONNECTION and no error is emitted. Connections already
 *  open stay open.
 *  @param srv the server
 *  @param max the limit; 0 for none
 */
NS_API void ns_server_set_max_connections(ns_server *srv, int max);

/** Releases the server. If it is still listening its socket is closed
 *  silently (no events, pending ones are dropped, a bound path is removed);
 *  its accepted sockets are closed silently too (as ns_socket_free()). May be
 *  called from any callback of
 *  the server: nothing of it runs afterwards.
 *  @param srv the server (NULL does nothing); do not use it afterwards
 */
NS_API void ns_server_free(ns_server *srv);

/** Like ns_server_free(), but a bound Unix socket path is left in the file
 *  system, as when a Node 8 process exits while listening (IPC.LIFECYCLE):
 *  use it when the program ends. Same events and ownership as
 *  ns_server_free().
 *  @param srv the server; do not use it afterwards
 */
NS_API void ns_server_free_at_exit(ns_server *srv);

#ifdef __cplusplus
}
#endif

#endif /* NETSPEC_H */
