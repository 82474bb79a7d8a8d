/*
 * fuzz_isip.c - ns_is_ip() and the library's host parsing (addr.c).
 *
 * The input is the text (cut at its first NUL: NET.ISIP.NUL.1, the C API
 * takes a C string). Checks, for every input:
 *   - ns_is_ip() agrees with model_is_ip(), written here from the words of
 *     spec/module.md NET.ISIP.* (not from any implementation): four
 *     decimal parts 0..255 without leading zeros; eight groups of 1-4 hex
 *     digits, one `::`, an IPv4 tail; only the text before the first '%'
 *     is looked at for IPv6;
 *   - 4 if and only if inet_pton(AF_INET) accepts the text; 6 implies
 *     inet_pton(AF_INET6) accepts the part before the '%';
 *   - ns__addr_parse_ip() (how connect()/listen() decide that a host is an
 *     IP literal) never calls something an IP that isIP does not, gives
 *     the family it returns, carries the port, and its address formats
 *     back (ns__addr_format) to text that parses to the same bytes; it
 *     agrees with ns_is_ip() exactly, zones included (Node 8 decides
 *     "is this host an IP" with isIP(); a zone naming no interface is
 *     scope 0, not an error);
 *   - ns__addr_unix() keeps a NUL-terminated prefix of at most 107 bytes.
 * Nothing here resolves names: ns__addr_parse_ip() reads literals only
 * (inet_pton(), if_nametoindex() for a zone).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "addr.h"
#include "netspec.h"

#define CHECK(cond, ...)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "fuzz_isip: check failed: %s\n  input: ", #cond);      \
      dump(text);                                                            \
      fprintf(stderr, "\n  " __VA_ARGS__);                                   \
      fputc('\n', stderr);                                                   \
      abort();                                                               \
    }                                                                        \
  } while (0)

static void dump(const char *s) {
  fputc('\'', stderr);
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
      fputc(c, stderr);
    else
      fprintf(stderr, "\\x%02x", c);
  }
  fputc('\'', stderr);
}

/* ------------------------------------------------------ the spec's model */

static int is_dec(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) {
  return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* NET.ISIP.V4.1, V4.LEADINGZERO.1, V4.SHORTHAND.1: s[0..n) is exactly four
 * decimal numbers 0..255 joined by dots, none with a leading zero. */
static int model_v4(const char *s, size_t n) {
  size_t i = 0;

  for (int part = 1;; part++) {
    size_t start = i;
    unsigned value = 0;

    while (i < n && is_dec(s[i]) && i - start < 4)
      value = value * 10 + (unsigned)(s[i++] - '0');
    if (i == start || i - start > 3 || value > 255 ||
        (i - start > 1 && s[start] == '0'))
      return 0;
    if (part == 4)
      return i == n;
    if (i == n || s[i] != '.')
      return 0;
    i++;
  }
}

/* NET.ISIP.V6.1, V6.MAPPED.1: eight groups of one to four hex digits
 * joined by colons; one run of zero groups (at least one) may be written
 * "::"; the last two groups may be an IPv4 address (IPv4 rules apply). */
static int model_v6(const char *s, size_t n) {
  size_t i = 0;
  int groups = 0, gap = 0;

  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 1;
    i = 2;
    if (i == n)
      return 1; /* "::" */
  } else if (n >= 1 && s[0] == ':') {
    return 0;
  }
  for (;;) {
    size_t start = i;

    while (i < n && is_hex(s[i]))
      i++;
    if (i < n && s[i] == '.') { /* the IPv4 tail runs to the end */
      if (!model_v4(s + start, n - start))
        return 0;
      groups += 2;
      break;
    }
    if (i == start || i - start > 4)
      return 0;
    groups++;
    if (i == n)
      break;
    if (s[i] != ':')
      return 0;
    i++;
    if (i < n && s[i] == ':') {
      if (gap)
        return 0; /* a second "::" */
      gap = 1;
      i++;
      if (i == n)
        break;
    } else if (i == n) {
      return 0; /* a lone trailing ':' */
    }
  }
  return gap ? groups < 8 : groups == 8;
}

/* NET.ISIP.*: 4, 6 or 0 for the C string s. NET.ISIP.ZONE.1: for IPv6
 * only the part before the first '%' counts. (Node 8 copies that part into
 * a 46-byte buffer and gives 0 when it does not fit; no IPv6 address is
 * longer than 45 characters, so the model needs no such limit.) */
static int model_is_ip(const char *s) {
  size_t n = strlen(s);
  const char *pct = strchr(s, '%');

  if (model_v4(s, n))
    return 4;
  return model_v6(s, pct != NULL ? (size_t)(pct - s) : n) ? 6 : 0;
}

/* ------------------------------------------------------------- the target */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  unsigned char bin[sizeof(struct in6_addr)];
  struct sockaddr_storage ss;
  socklen_t len = 0;
  int got, want, parsed, port = (int)(size * 257 % 65536);
  const char *pct;

  memcpy(text, data, size);
  text[size] = '\0';
  pct = strchr(text, '%');

  got = ns_is_ip(text);
  want = model_is_ip(text);
  CHECK(got == want, "ns_is_ip %d, the spec's model %d", got, want);

  CHECK((got == 4) == (inet_pton(AF_INET, text, bin) == 1), "ns_is_ip %d", got);
  if (got == 6) {
    char head[NS_IP_TEXT_MAX];
    size_t n = pct != NULL ? (size_t)(pct - text) : strlen(text);

    CHECK(n < sizeof head, "an IPv6 head of %zu bytes", n);
    memcpy(head, text, n);
    head[n] = '\0';
    CHECK(inet_pton(AF_INET6, head, bin) == 1, "inet_pton6 refuses the head");
  }

  memset(&ss, 0xA5, sizeof ss);
  parsed = ns__addr_parse_ip(text, port, &ss, &len);
  CHECK(parsed == 0 || parsed == 4 || parsed == 6, "parse_ip %d", parsed);
  CHECK(parsed == got, "ns__addr_parse_ip %d, ns_is_ip %d", parsed, got);
  if (parsed != 0) {
    ns_address a;
    struct sockaddr_storage again;
    socklen_t again_len = 0;

    if (parsed == 4) {
      const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
      CHECK(ss.ss_family == AF_INET && len == sizeof *sin, "family %d len %u",
            ss.ss_family, (unsigned)len);
      CHECK(ntohs(sin->sin_port) == port, "port %d", ntohs(sin->sin_port));
    } else {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
      CHECK(ss.ss_family == AF_INET6 && len == sizeof *sin6,
            "family %d len %u", ss.ss_family, (unsigned)len);
      CHECK(ntohs(sin6->sin6_port) == port, "port %d", ntohs(sin6->sin6_port));
    }
    CHECK(ns__addr_format((const struct sockaddr *)&ss, &a) == 0, "format");
    CHECK(a.kind == NS_ADDRESS_INET && a.port == port &&
              a.address_len == strlen(a.address) &&
              strcmp(a.family, parsed == 4 ? "IPv4" : "IPv6") == 0,
          "formatted as '%s' %s port %d", a.address, a.family, a.port);
    CHECK(ns_is_ip(a.address) == parsed, "formatted as '%s'", a.address);
    CHECK(ns__addr_parse_ip(a.address, port, &again, &again_len) == parsed,
          "formatted as '%s'", a.address);
    if (parsed == 4)
      CHECK(memcmp(&((struct sockaddr_in *)&again)->sin_addr,
                   &((struct sockaddr_in *)&ss)->sin_addr, 4) == 0,
            "'%s' reads back as another address", a.address);
    else
      CHECK(memcmp(&((struct sockaddr_in6 *)&again)->sin6_addr,
                   &((struct sockaddr_in6 *)&ss)->sin6_addr, 16) == 0,
            "'%s' reads back as another address", a.address);
  }

  {
    struct sockaddr_un sun;
    socklen_t sl = ns__addr_unix(text, &sun);
    size_t keep = strnlen(sun.sun_path, sizeof sun.sun_path);
    size_t n = strlen(text);

    CHECK(sl == sizeof sun && sun.sun_family == AF_UNIX, "unix length %u",
          (unsigned)sl);
    CHECK(keep < sizeof sun.sun_path, "sun_path not terminated");
    CHECK(keep == (n < sizeof sun.sun_path ? n : sizeof sun.sun_path - 1) &&
              memcmp(sun.sun_path, text, keep) == 0,
          "sun_path keeps %zu of %zu bytes", keep, n);
  }
  {
    ns_address a;
    ns__addr_pipe((const char *)data, size, &a);
    CHECK(a.kind == NS_ADDRESS_PIPE && a.path == (const char *)data &&
              a.path_len == size && a.address[0] == '\0',
          "pipe address of %zu bytes", a.path_len);
  }
  free(text);
  return 0;
}
