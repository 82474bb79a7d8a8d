/*
 * half_close_client.c - a client that half-closes, on netspec:
 *
 *     const c = net.connect(PORT, HOST, () => {
 *       c.end(MESSAGE);                 // write, then FIN: our side is done
 *     });
 *     const chunks = [];
 *     c.on('data', (d) => chunks.push(d));
 *     c.on('end', () => process.stdout.write(Buffer.concat(chunks)));
 *
 * Usage: half_close_client PORT [MESSAGE] [HOST]
 *   MESSAGE defaults to "hello, netspec\n"; HOST to 127.0.0.1 (loopback).
 * Connects, writes MESSAGE, ends its writing side (shutdown: the server
 * sees 'end'), keeps reading until the server ends its side in turn, then
 * writes the whole reply to stdout, exactly, and nothing else. What happens
 * is told on stderr. Exits 0 once the reply was read to its end, else 1.
 * Against examples/echo_server the reply equals MESSAGE.
 */
#define _POSIX_C_SOURCE 200809L /* SIGPIPE */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <netspec.h>

typedef struct client {
  const char *message;
  char *reply; /* every 'data' chunk, in order */
  size_t len, cap;
  int got_end;
  int status;
} client;

/* Called once the message and the FIN were handed to the kernel ('finish'). */
static void on_finish(ns_socket *sock, const ns_error *err, void *arg) {
  (void)sock;
  (void)arg;
  if (err != NULL)
    fprintf(stderr, "end failed: %s\n", err->message);
  else
    fprintf(stderr, "our side ended: the server has the message and our FIN\n");
}

static int append(client *c, const char *data, size_t len) {
  if (c->len + len > c->cap) {
    size_t cap = c->cap ? c->cap : 256;
    char *p;
    while (cap < c->len + len)
      cap *= 2;
    if ((p = realloc(c->reply, cap)) == NULL)
      return -1;
    c->reply = p;
    c->cap = cap;
  }
  memcpy(c->reply + c->len, data, len);
  c->len += len;
  return 0;
}

static void on_socket(ns_socket *sock, const ns_socket_event *ev, void *arg) {
  client *c = arg;

  switch (ev->type) {
  case NS_SOCKET_CONNECT:
    fprintf(stderr, "connected; writing %zu bytes and ending our side\n",
            strlen(c->message));
    /* socket.end(data): write, then shutdown(SHUT_WR) once it is out. We
     * can still read: the connection is half-closed, not closed. */
    ns_socket_end(sock, c->message, strlen(c->message), on_finish, c);
    break;
  case NS_SOCKET_DATA:
    if (append(c, ev->data, ev->len) != 0) {
      fprintf(stderr, "out of memory\n");
      ns_socket_destroy(sock, NULL);
    }
    break;
  case NS_SOCKET_END:
    /* The server ended its side too: every byte of the reply is here. */
    c->got_end = 1;
    fprintf(stderr, "server ended its side after %zu bytes\n", c->len);
    break;
  case NS_SOCKET_ERROR:
    fprintf(stderr, "error: %s\n", ev->error->message);
    c->status = 1;
    break;
  case NS_SOCKET_CLOSE:
    /* The last event; the library releases the socket after it. */
    fprintf(stderr, "closed%s\n", ev->had_error ? " after an error" : "");
    break;
  default:
    break;
  }
}

int main(int argc, char **argv) {
  struct event_base *base;
  ns_socket *sock;
  ns_connect_options co = {0};
  ns_error err;
  client c;

  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: %s PORT [MESSAGE] [HOST]\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);

  memset(&c, 0, sizeof c);
  c.message = argc > 2 ? argv[2] : "hello, netspec\n";
  co.port = atoi(argv[1]);
  co.host = argc > 3 ? argv[3] : "127.0.0.1";

  base = event_base_new();
  /* Default options: allowHalfOpen false. It only matters for the side that
   * receives the first FIN; we end ours first. */
  if (base == NULL || (sock = ns_socket_new(base, NULL, on_socket, &c, &err)) == NULL) {
    fprintf(stderr, "cannot create the socket\n");
    return 1;
  }
  if (ns_socket_connect(sock, &co, &err) != 0) {
    fprintf(stderr, "%s: %s\n", err.name, err.message);
    ns_error_free(&err); /* an error the library filled in is ours */
    ns_socket_free(sock);
    c.status = 1;
  } else if (ns_run(base) != 0) { /* until the socket has closed */
    c.status = 1;
  }

  if (c.status == 0 && !c.got_end) {
    fprintf(stderr, "the connection closed before the server's end\n");
    c.status = 1;
  }
  if (c.status == 0)
    fwrite(c.reply != NULL ? c.reply : "", 1, c.len, stdout);
  free(c.reply);
  ns_base_cleanup(base);
  event_base_free(base);
  return c.status;
}
