/*
 * libuv_echo.c - the echo server on raw libuv, written the idiomatic way:
 * uv_read_start with a 64 KiB buffer allocated per read, uv_write of that
 * same buffer, freed in the write callback. Reading stops while 64 KiB or
 * more wait to be written (uv_stream_get_write_queue_size) and resumes in
 * the write callback. After the peer's end: uv_shutdown, then uv_close.
 * Listens on 127.0.0.1:PORT and prints the port once listening.
 */
#define _GNU_SOURCE

#include "common.h"

#include <string.h>

#include <uv.h>

#define READ_SIZE 65536
#define HIGH_WATER 65536

typedef struct conn {
  uv_tcp_t tcp; /* first: a uv_stream_t* is a conn* */
  int paused;
} conn;

/* The write request lives in front of the read buffer: one allocation per
 * read, freed once the write completed. */
typedef struct wreq {
  uv_write_t req;
  uv_buf_t buf;
} wreq;

static uv_loop_t *loop;

static void on_close(uv_handle_t *h) { free(h); }

static void conn_close(uv_stream_t *s) {
  if (!uv_is_closing((uv_handle_t *)s))
    uv_close((uv_handle_t *)s, on_close);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  char *p = malloc(sizeof(wreq) + READ_SIZE);
  (void)h;
  (void)suggested;
  *buf = uv_buf_init(p ? p + sizeof(wreq) : NULL, p ? READ_SIZE : 0);
}

static void free_buf(const uv_buf_t *buf) {
  if (buf->base != NULL)
    free(buf->base - sizeof(wreq));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void on_write(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  conn *c = (conn *)req->handle;
  free(w);
  if (status < 0) {
    conn_close((uv_stream_t *)c);
    return;
  }
  if (c->paused &&
      uv_stream_get_write_queue_size((uv_stream_t *)c) < HIGH_WATER &&
      !uv_is_closing((uv_handle_t *)c)) {
    c->paused = 0;
    uv_read_start((uv_stream_t *)c, on_alloc, on_read);
  }
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)status;
  conn_close(req->handle);
  free(req);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  conn *c = (conn *)s;
  if (nread > 0) {
    wreq *w = (wreq *)(buf->base - sizeof(wreq));
    w->buf = uv_buf_init(buf->base, (unsigned)nread);
    if (uv_write(&w->req, s, &w->buf, 1, on_write) != 0) {
      free(w);
      conn_close(s);
      return;
    }
    if (uv_stream_get_write_queue_size(s) >= HIGH_WATER) {
      c->paused = 1;
      uv_read_stop(s);
    }
    return;
  }
  free_buf(buf);
  if (nread == UV_EOF) {
    uv_shutdown_t *req = malloc(sizeof *req);
    if (req == NULL || uv_shutdown(req, s, on_shutdown) != 0) {
      free(req);
      conn_close(s);
    }
  } else if (nread < 0) {
    conn_close(s);
  }
}

static void on_connection(uv_stream_t *server, int status) {
  conn *c;
  if (status < 0)
    return;
  if ((c = calloc(1, sizeof *c)) == NULL)
    return;
  uv_tcp_init(loop, &c->tcp);
  if (uv_accept(server, (uv_stream_t *)c) != 0) {
    uv_close((uv_handle_t *)c, on_close);
    return;
  }
  uv_read_start((uv_stream_t *)c, on_alloc, on_read);
}

int main(int argc, char **argv) {
  uv_tcp_t server;
  struct sockaddr_in sin;
  int len = sizeof sin, r;

  uv_ip4_addr("127.0.0.1", bench_port(argc, argv), &sin);
  bench_setup();
  bench_tune_malloc();
  loop = uv_default_loop();
  uv_tcp_init(loop, &server);
  if ((r = uv_tcp_bind(&server, (struct sockaddr *)&sin, 0)) != 0 ||
      (r = uv_listen((uv_stream_t *)&server, 511, on_connection)) != 0) {
    fprintf(stderr, "libuv_echo: listen: %s\n", uv_strerror(r));
    return 1;
  }
  uv_tcp_getsockname(&server, (struct sockaddr *)&sin, &len);
  bench_listening(ntohs(sin.sin_port));
  return uv_run(loop, UV_RUN_DEFAULT);
}
