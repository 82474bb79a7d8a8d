/*
 * addr.h - socket addresses: parsing host text, formatting for
 * server.address(), and Unix domain socket paths. Internal.
 */
#ifndef NS_SRC_ADDR_H
#define NS_SRC_ADDR_H

#include <sys/socket.h>
#include <sys/un.h>

#include "netspec.h"

/* Room for any IP address text, with a zone id, and its NUL. */
#define NS_IP_TEXT_MAX 64

/*
 * Parses an IP literal (IPv4 dotted quad, or IPv6, optionally with a
 * "%zone") and a port into *ss. Returns 4 or 6, or 0 when `text` is not an
 * IP literal (Node's net.isIP() would say 0).
 */
int ns__addr_parse_ip(const char *text, int port, struct sockaddr_storage *ss,
                      socklen_t *len);

/*
 * Resolves `host` like Node 8's dns.lookup(host) with default options: an
 * IP literal stands for itself (and `ip` receives it as given); a name is
 * resolved with getaddrinfo() and the first IPv4 result is preferred, else
 * the first IPv6 one (`ip` receives its text). Returns 0, or -1 with *err
 * filled as Node's getaddrinfo error ("getaddrinfo ENOTFOUND host").
 * Blocking for names: a later slice may move it off the loop.
 */
int ns__addr_lookup(const char *host, int port, struct sockaddr_storage *ss,
                    socklen_t *len, char *ip, size_t ip_size, ns_error *err);

/* Fills *out from an AF_INET / AF_INET6 address. Returns 0, or -1 (kind
 * NS_ADDRESS_NONE) for any other family. */
int ns__addr_format(const struct sockaddr *sa, ns_address *out);

/*
 * Fills *sun for `path` the way Node 8 (libuv 1.x of its time) does: a
 * bounded copy, so a path longer than sizeof(sun_path) - 1 bytes (107 on
 * Linux) is silently truncated to that many bytes. Returns the length to
 * pass to bind() / connect().
 */
socklen_t ns__addr_unix(const char *path, struct sockaddr_un *sun);

/* Makes *out the pipe address `src` (`len` bytes, NUL bytes allowed, a NUL
 * after them): out->path points at `src` itself, which must outlive it. */
void ns__addr_pipe(const char *src, size_t len, ns_address *out);

/* Non-zero when `text` is a name server address ns_dns_configure()
 * accepts: "IPv4", "IPv6", "IPv4:PORT" or "[IPv6]:PORT", PORT being 1 to
 * 65535 in decimal digits (no zone, no host name, nothing after it). */
int ns__addr_nameserver_ok(const char *text);

#endif /* NS_SRC_ADDR_H */
