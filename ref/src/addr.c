/*
 * addr.c - host text to sockaddr, sockaddr to ns_address, Unix paths.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "error.h"
#include "util.h"

/*
 * Parses an IPv6 literal with a "%zone" suffix as Node 8 does: the text
 * before the first '%' must be an IPv6 address (what net.isIP() checks);
 * the zone sets the scope id to the index of the interface it names, or
 * to 0 when no interface has that name (an unknown zone is not an error:
 * Node 8 connects to "::1%nosuchif"; found by fuzz/, where getaddrinfo()
 * refused such text and connect() then threw or looked the host up).
 */
static int parse_ip6_zoned(const char *text, int port,
                           struct sockaddr_storage *ss, socklen_t *len) {
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
  const char *zone = strchr(text, '%');
  char head[NS_IP_TEXT_MAX];
  size_t n = (size_t)(zone - text);

  if (n >= sizeof head)
    return 0;
  memcpy(head, text, n);
  head[n] = '\0';
  memset(ss, 0, sizeof *ss);
  if (inet_pton(AF_INET6, head, &sin6->sin6_addr) != 1)
    return 0;
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons((unsigned short)port);
  sin6->sin6_scope_id = if_nametoindex(zone + 1);
  *len = sizeof *sin6;
  return 6;
}

int ns__addr_parse_ip(const char *text, int port, struct sockaddr_storage *ss,
                      socklen_t *len) {
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

  memset(ss, 0, sizeof *ss);
  if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons((unsigned short)port);
    *len = sizeof *sin;
    return 4;
  }
  if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((unsigned short)port);
    *len = sizeof *sin6;
    return 6;
  }
  if (strchr(text, '%') != NULL)
    return parse_ip6_zoned(text, port, ss, len);
  return 0;
}

/* Fills *err for a getaddrinfo() failure as Node 8's dnsException() does. */
static void lookup_error(int gai, int sys_errno, const char *host,
                         ns_error *err) {
  switch (gai) {
  case EAI_NONAME:
#ifdef EAI_NODATA
  case EAI_NODATA:
#endif
  case EAI_MEMORY:
    ns__error_lookup(err, "ENOTFOUND", host, 1);
    return;
  case EAI_AGAIN:
    ns__error_lookup(err, "EAI_AGAIN", host, 0);
    return;
  case EAI_FAIL:
    ns__error_lookup(err, "EAI_FAIL", host, 0);
    return;
  case EAI_FAMILY:
    ns__error_lookup(err, "EAI_FAMILY", host, 0);
    return;
  case EAI_SERVICE:
    ns__error_lookup(err, "EAI_SERVICE", host, 0);
    return;
  case EAI_SYSTEM:
    ns__error_lookup(err, ns_errno_code(sys_errno), host, 0);
    err->errnum = sys_errno;
    return;
  default:
    ns__error_lookup(err, "UNKNOWN", host, 0);
    return;
  }
}

int ns__addr_lookup(const char *host, int port, struct sockaddr_storage *ss,
                    socklen_t *len, char *ip, size_t ip_size, ns_error *err) {
  struct addrinfo hints, *res = NULL, *ai, *pick = NULL;
  ns_address text;
  int rc;

  if (ns__addr_parse_ip(host, port, ss, len) != 0) {
    ns__copy_text(ip, ip_size, host);
    return 0;
  }
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  rc = getaddrinfo(host, NULL, &hints, &res);
  if (rc != 0 || res == NULL) {
    lookup_error(rc != 0 ? rc : EAI_NONAME, errno, host, err);
    return -1;
  }
  for (ai = res; ai != NULL && pick == NULL; ai = ai->ai_next)
    if (ai->ai_family == AF_INET)
      pick = ai;
  for (ai = res; ai != NULL && pick == NULL; ai = ai->ai_next)
    if (ai->ai_family == AF_INET6)
      pick = ai;
  if (pick == NULL) {
    freeaddrinfo(res);
    lookup_error(EAI_NONAME, 0, host, err);
    return -1;
  }
  memset(ss, 0, sizeof *ss);
  memcpy(ss, pick->ai_addr, pick->ai_addrlen);
  *len = pick->ai_addrlen;
  freeaddrinfo(res);
  if (ss->ss_family == AF_INET)
    ((struct sockaddr_in *)ss)->sin_port = htons((unsigned short)port);
  else
    ((struct sockaddr_in6 *)ss)->sin6_port = htons((unsigned short)port);
  ns__addr_format((const struct sockaddr *)ss, &text);
  ns__copy_text(ip, ip_size, text.address);
  return 0;
}

int ns__addr_format(const struct sockaddr *sa, ns_address *out) {
  memset(out, 0, sizeof *out);
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

    inet_ntop(AF_INET, &sin->sin_addr, out->address, sizeof out->address);
    out->family = "IPv4";
    out->port = ntohs(sin->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

    inet_ntop(AF_INET6, &sin6->sin6_addr, out->address, sizeof out->address);
    out->family = "IPv6";
    out->port = ntohs(sin6->sin6_port);
  } else {
    out->kind = NS_ADDRESS_NONE;
    return -1;
  }
  out->kind = NS_ADDRESS_INET;
  out->address_len = strlen(out->address);
  return 0;
}

socklen_t ns__addr_unix(const char *path, struct sockaddr_un *sun) {
  memset(sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  ns__copy_text(sun->sun_path, sizeof sun->sun_path, path);
  return (socklen_t)sizeof *sun;
}

void ns__addr_pipe(const char *src, size_t len, ns_address *out) {
  memset(out, 0, sizeof *out);
  out->kind = NS_ADDRESS_PIPE;
  out->path = src;
  out->path_len = len;
}

int ns_is_ip(const char *text) {
  unsigned char buf[sizeof(struct in6_addr)];
  char head[NS_IP_TEXT_MAX];
  const char *zone;
  size_t n;

  if (text == NULL)
    return 0;
  if (inet_pton(AF_INET, text, buf) == 1)
    return 4;
  /* As libuv's uv_inet_pton(): whatever follows a '%' is a zone id and
   * is not looked at. */
  zone = strchr(text, '%');
  n = zone != NULL ? (size_t)(zone - text) : strlen(text);
  if (n >= sizeof head)
    return 0;
  memcpy(head, text, n);
  head[n] = '\0';
  return inet_pton(AF_INET6, head, buf) == 1 ? 6 : 0;
}

/* Non-zero when `text` is 1 to 5 decimal digits worth 1..65535. */
static int port_text_ok(const char *text) {
  long value = 0;
  size_t n;

  for (n = 0; text[n] >= '0' && text[n] <= '9'; n++)
    value = value * 10 + (text[n] - '0');
  return n > 0 && n <= 5 && text[n] == '\0' && value >= 1 && value <= 65535;
}

/* Non-zero when the `n` bytes at `text` are an address of `family`. */
static int ip_text_ok(const char *text, size_t n, int family) {
  char ip[NS_IP_TEXT_MAX];
  unsigned char bin[sizeof(struct in6_addr)];

  if (n >= sizeof ip)
    return 0;
  memcpy(ip, text, n);
  ip[n] = '\0';
  return inet_pton(family, ip, bin) == 1;
}

int ns__addr_nameserver_ok(const char *text) {
  const char *colon, *close;

  if (text == NULL)
    return 0;
  if (text[0] == '[') { /* "[IPv6]:PORT" */
    close = strchr(text, ']');
    return close != NULL && ip_text_ok(text + 1, (size_t)(close - text - 1),
                                       AF_INET6) &&
           close[1] == ':' && port_text_ok(close + 2);
  }
  colon = strchr(text, ':');
  if (colon != NULL && strchr(colon + 1, ':') == NULL) /* "IPv4:PORT" */
    return ip_text_ok(text, (size_t)(colon - text), AF_INET) &&
           port_text_ok(colon + 1);
  return ip_text_ok(text, strlen(text), colon != NULL ? AF_INET6 : AF_INET);
}
