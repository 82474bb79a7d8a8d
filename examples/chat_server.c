/*
 * chat_server.c - a line-based chat: every line a client sends goes to
 * every other client as "[ID] line". Shows the two things a C program has
 * to get right on a busy server:
 *
 *   back-pressure  when a recipient's write() returns 0 (its queue is full:
 *                  it reads slower than others write), the sender is
 *                  paused until that recipient drains, so a flood costs a
 *                  few queued blocks, not memory without end;
 *   half-close     a client that ends its side (EOF) is told "bye" before
 *                  its socket closes (allowHalfOpen), and the others see
 *                  "[ID] left".
 *
 * The clients are the program's own list; errors never arrive inside
 * ns_socket_write(), so the broadcast loop may run while a client fails,
 * and a client is unlinked in its NS_SOCKET_CLOSE callback, the last
 * moment its pointer is valid.
 *
 * Usage: chat_server PORT [HOST]
 *   PORT 0 picks a free port; HOST defaults to 127.0.0.1. Prints
 *   "listening on HOST:PORT"; SIGINT/SIGTERM stop it.
 */
#define _POSIX_C_SOURCE 200809L /* SIGPIPE */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <netspec.h>

#define LINE_MAX_BYTES 4096

typedef struct client {
  ns_socket *sock;
  int id;
  char line[LINE_MAX_BYTES]; /* the part of a line received so far */
  size_t len;
  int blocked_by;            /* recipients whose queue is full for us */
  struct client *next;
} client;

static client *clients;
static int next_id = 1;

/* Sends `text` to everyone but `from`; pauses `from` for each recipient
 * whose queue is full (resumed in that recipient's 'drain'). */
static void broadcast(client *from, const char *text, size_t len) {
  client *c;

  for (c = clients; c != NULL; c = c->next) {
    if (c == from)
      continue;
    if (ns_socket_write(c->sock, text, len, NULL, NULL) == 0 && from != NULL) {
      from->blocked_by++;
      ns_socket_pause(from->sock);
    }
  }
}

/* Sends "[ID] " + line + "\n" of `from` to the others. */
static void say(client *from, const char *line, size_t len) {
  char msg[LINE_MAX_BYTES + 32];
  int n = snprintf(msg, sizeof msg, "[%d] %.*s\n", from->id, (int)len, line);

  broadcast(from, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

/* Splits received bytes into lines; a line longer than the buffer is sent
 * in pieces. */
static void on_data(client *c, const char *data, size_t len) {
  size_t i;

  for (i = 0; i < len; i++) {
    if (data[i] == '\n' || c->len == sizeof c->line) {
      say(c, c->line, c->len);
      c->len = 0;
      if (data[i] == '\n')
        continue;
    }
    c->line[c->len++] = data[i];
  }
}

/* A recipient drained: whoever it blocked may go on. Every paused sender
 * is resumed (a simple policy: a still-full recipient pauses it again). */
static void on_drain(void) {
  client *c;

  for (c = clients; c != NULL; c = c->next)
    if (c->blocked_by > 0) {
      c->blocked_by = 0;
      ns_socket_resume(c->sock);
    }
}

static void unlink_client(client *gone) {
  client **p;

  for (p = &clients; *p != NULL; p = &(*p)->next)
    if (*p == gone) {
      *p = gone->next;
      break;
    }
}

static void on_client(ns_socket *sock, const ns_socket_event *ev, void *arg) {
  client *c = arg;
  char msg[64];

  switch (ev->type) {
  case NS_SOCKET_DATA:
    on_data(c, ev->data, ev->len);
    break;
  case NS_SOCKET_DRAIN:
    on_drain();
    break;
  case NS_SOCKET_END: /* the client is done sending; we may still write */
    if (c->len > 0)
      say(c, c->line, c->len);
    c->len = 0;
    snprintf(msg, sizeof msg, "[%d] left\n", c->id);
    broadcast(c, msg, strlen(msg));
    ns_socket_end(sock, "bye\n", 4, NULL, NULL); /* then our FIN */
    break;
  case NS_SOCKET_ERROR:
    fprintf(stderr, "client %d: %s\n", c->id, ev->error->message);
    break;
  case NS_SOCKET_CLOSE: /* the last event: the socket is freed after it */
    unlink_client(c);
    free(c);
    on_drain(); /* it may have blocked others */
    break;
  default:
    break;
  }
}

static void on_server(ns_server *srv, const ns_server_event *ev, void *arg) {
  (void)arg;
  if (ev->type == NS_SERVER_LISTENING) {
    ns_address a;

    ns_server_address(srv, &a);
    printf("listening on %s:%d\n", a.address, a.port);
    fflush(stdout);
  } else if (ev->type == NS_SERVER_CONNECTION) {
    client *c = calloc(1, sizeof *c);
    char hello[64];

    if (c == NULL) {
      ns_socket_destroy(ev->socket, NULL);
      return;
    }
    c->sock = ev->socket;
    c->id = next_id++;
    c->next = clients;
    clients = c;
    ns_socket_set_callback(c->sock, on_client, c);
    snprintf(hello, sizeof hello, "welcome, you are [%d]\n", c->id);
    ns_socket_write(c->sock, hello, strlen(hello), NULL, NULL);
  } else if (ev->type == NS_SERVER_ERROR) {
    fprintf(stderr, "server: %s\n", ev->error->message);
  }
}

/* SIGINT/SIGTERM: stop accepting and close every client. */
static void on_signal(evutil_socket_t sig, short what, void *arg) {
  client *c;

  (void)sig, (void)what;
  ns_server_close(arg, NULL, NULL);
  for (c = clients; c != NULL; c = c->next)
    ns_socket_destroy(c->sock, NULL); /* each unlinks itself on close */
}

int main(int argc, char **argv) {
  struct event_base *base;
  struct event *sigint, *sigterm;
  ns_server_options opts = {0};
  ns_listen_options lo = {0};
  ns_server *srv;
  ns_error err;
  int status = 0;

  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s PORT [HOST]\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  base = event_base_new();
  opts.allow_half_open = 1; /* a client's EOF leaves our side open */
  if (base == NULL ||
      (srv = ns_server_new(base, &opts, on_server, NULL, NULL)) == NULL) {
    fprintf(stderr, "cannot start\n");
    return 1;
  }
  sigint = evsignal_new(base, SIGINT, on_signal, srv);
  sigterm = evsignal_new(base, SIGTERM, on_signal, srv);
  evsignal_add(sigint, NULL);
  evsignal_add(sigterm, NULL);
  lo.host = argc > 2 ? argv[2] : "127.0.0.1";
  lo.port = atoi(argv[1]);
  lo.has_port = 1;
  if (ns_server_listen(srv, &lo, &err) != 0) {
    fprintf(stderr, "%s: %s\n", err.name, err.message);
    ns_error_free(&err);
    status = 2;
  } else if (ns_run(base) != 0) {
    status = 1;
  }
  event_free(sigint);
  event_free(sigterm);
  ns_server_free(srv);
  ns_base_cleanup(base);
  event_base_free(base);
  return status;
}
