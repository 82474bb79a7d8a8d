/*
 * loadgen.c - the load generator of the echo benchmark: one thread, epoll,
 * non-blocking sockets, no library. It drives one echo server on
 * 127.0.0.1:PORT with one scenario and prints one JSON line of results.
 *
 *   loadgen --port P --scenario pingpong|stream|churn|idle [--conns N]
 *           [--size BYTES] [--warmup SEC] [--duration SEC] [--pid PID]
 *           [--spin 1]
 *
 * pingpong: every connection sends `size` bytes (64), waits for the whole
 *           echo, checks it, sends again. Round trips/s, p50/p99 latency.
 * stream:   every connection writes `size`-byte chunks (64 KiB) as fast as
 *           the socket takes them and reads the echo. Echoed MB/s.
 * churn:    `conns` connections in flight, each: connect, one `size`-byte
 *           echo, close. Connections/s.
 * idle:     opens `conns` connections (at most 256 being set up at a time),
 *           each completes one `size`-byte echo (so the server has surely
 *           accepted it and handled a read), then stays open. Server RSS
 *           before and after, per connection.
 *
 * With --pid the server's CPU time (utime+stime from /proc/PID/stat) is
 * sampled at the start and end of the measured interval (after --warmup),
 * and its VmRSS (/proc/PID/status) before and after the scenario. The
 * generator's own CPU time over the interval is reported too (gen_cpu_s):
 * near 100 % of the interval, the generator may be what limits the rate.
 * --spin 1 (pingpong) polls epoll with a zero timeout instead of sleeping:
 * the generator's own wake-up latency then stays out of the round trips
 * (it burns its core, which is its own).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#define MAX_EVENTS 512
#define STREAM_RBUF (256 * 1024)

static struct sockaddr_in g_addr;
static int g_ep = -1;
static int g_pid = 0;
static int g_spin = 0; /* --spin: poll epoll without sleeping (pingpong) */
static long g_ticks = 100;

static void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(1);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Server CPU seconds (all threads, utime+stime) or -1. */
static double server_cpu(void) {
  char path[64], buf[1024];
  unsigned long long ut = 0, st = 0;
  FILE *f;
  size_t n;
  char *p;

  if (g_pid <= 0)
    return -1;
  snprintf(path, sizeof path, "/proc/%d/stat", g_pid);
  if ((f = fopen(path, "r")) == NULL)
    return -1;
  n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  /* Fields after the command name, which may hold spaces: state is field
   * 3, utime 14, stime 15. */
  if ((p = strrchr(buf, ')')) == NULL)
    return -1;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
             &ut, &st) != 2)
    return -1;
  return (double)(ut + st) / (double)g_ticks;
}

/* This process's CPU seconds (user+system). */
static double self_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Server VmRSS in KiB, or -1. */
static long server_rss_kb(void) {
  char path[64], line[256];
  long kb = -1;
  FILE *f;

  if (g_pid <= 0)
    return -1;
  snprintf(path, sizeof path, "/proc/%d/status", g_pid);
  if ((f = fopen(path, "r")) == NULL)
    return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "VmRSS:", 6) == 0) {
      kb = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return kb;
}

static void raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* A non-blocking TCP socket with TCP_NODELAY, connecting to the server.
 * Returns the descriptor (connect in progress or done), or -1 with errno.
 *
 * Source addresses rotate over 127.0.0.2-127.0.0.251 (the port is still
 * picked by connect: IP_BIND_ADDRESS_NO_PORT). With one source address,
 * connect() has to search the ephemeral ports past tens of thousands of
 * TIME_WAIT entries that churn leaves behind, and the generator, not the
 * server, sets the rate (measured: raw libuv churn 13 400 conn/s with the
 * server 47 % busy; rotating: 23 000 conn/s, server 85 % busy). */
static int start_connect(void) {
  static unsigned next_src = 0;
  struct sockaddr_in src;
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  memset(&src, 0, sizeof src);
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl(0x7f000000u | (2 + next_src++ % 250));
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  if (connect(fd, (struct sockaddr *)&g_addr, sizeof g_addr) < 0 &&
      errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static void ep_add(int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev;
  ev.events = events;
  ev.data.u64 = data;
  if (epoll_ctl(g_ep, EPOLL_CTL_ADD, fd, &ev) < 0)
    die("epoll_ctl add");
}

static void ep_mod(int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev;
  ev.events = events;
  ev.data.u64 = data;
  if (epoll_ctl(g_ep, EPOLL_CTL_MOD, fd, &ev) < 0)
    die("epoll_ctl mod");
}

/* Blocks (in epoll) until every connection of `fds` is connected. */
static void wait_connected(int *fds, int n) {
  struct epoll_event evs[MAX_EVENTS];
  int left = n, i;
  double deadline = now_s() + 10;

  for (i = 0; i < n; i++)
    ep_add(fds[i], EPOLLOUT, (uint64_t)i);
  while (left > 0) {
    int k = epoll_wait(g_ep, evs, MAX_EVENTS, 1000);
    if (k < 0 && errno != EINTR)
      die("epoll_wait");
    for (i = 0; i < k; i++) {
      int idx = (int)evs[i].data.u64, err = 0;
      socklen_t len = sizeof err;
      getsockopt(fds[idx], SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        errno = err;
        die("connect");
      }
      ep_mod(fds[idx], 0, (uint64_t)idx);
      left--;
    }
    if (now_s() > deadline) {
      errno = ETIMEDOUT;
      die("connect");
    }
  }
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------- results */

typedef struct result {
  double seconds;      /* measured interval */
  unsigned long long ops;   /* round trips, connections */
  unsigned long long bytes; /* echoed bytes received */
  double cpu;          /* server CPU seconds over the interval, -1 unknown */
  double gen_cpu;      /* the generator's own CPU seconds over it */
  double p50_us, p99_us;
  long rss_before_kb, rss_after_kb;
  unsigned long long errors;
} result;

/* The measured interval of a scenario: `warmup` seconds from its start, then
 * `duration` seconds; the server's and the generator's CPU are read at both
 * ends. */
typedef struct window {
  int measuring;
  double t_measure, t_end, cpu0, gcpu0;
} window;

static void window_start(window *w, double warmup, double duration) {
  w->measuring = 0;
  w->t_measure = now_s() + warmup;
  w->t_end = w->t_measure + duration;
  w->cpu0 = -1;
  w->gcpu0 = 0;
}

/* Called once per turn of a scenario's loop. Returns 1 when the interval
 * has just begun (the caller takes its counters' base), -1 when it has
 * ended (r's seconds and CPU are filled: the loop stops), else 0. */
static int window_tick(window *w, result *r) {
  double t = now_s();

  if (!w->measuring && t >= w->t_measure) {
    w->measuring = 1;
    w->cpu0 = server_cpu();
    w->gcpu0 = self_cpu();
    w->t_measure = t;
    return 1;
  }
  if (w->measuring && t >= w->t_end) {
    double cpu1 = server_cpu();

    r->seconds = t - w->t_measure;
    r->cpu = w->cpu0 >= 0 && cpu1 >= 0 ? cpu1 - w->cpu0 : -1;
    r->gen_cpu = self_cpu() - w->gcpu0;
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------ pingpong */

typedef struct pp_conn {
  int fd;
  size_t got;
  uint64_t sent_at;
  uint32_t seq;
} pp_conn;

static void pp_send(pp_conn *c, size_t size, unsigned char *msg) {
  ssize_t w;
  memcpy(msg, &c->seq, sizeof c->seq);
  c->sent_at = now_ns();
  c->got = 0;
  w = write(c->fd, msg, size);
  if (w != (ssize_t)size) /* 64 B into an empty send buffer: never short */
    die("pingpong write");
}

static void run_pingpong(int nconns, size_t size, double warmup,
                         double duration, result *r) {
  pp_conn *cs = calloc((size_t)nconns, sizeof *cs);
  int *fds = calloc((size_t)nconns, sizeof *fds);
  unsigned char *msg = malloc(size), *in = malloc(size), *expect = malloc(size);
  size_t nlat = 0, caplat = 1 << 20;
  uint32_t *lat = malloc(caplat * sizeof *lat);
  struct epoll_event evs[MAX_EVENTS];
  window w;
  int i;

  if (!cs || !fds || !msg || !in || !expect || !lat)
    die("malloc");
  for (i = 0; i < (int)size; i++)
    msg[i] = (unsigned char)('a' + i % 26);
  for (i = 0; i < nconns; i++)
    if ((fds[i] = start_connect()) < 0)
      die("connect");
  wait_connected(fds, nconns);
  for (i = 0; i < nconns; i++) {
    cs[i].fd = fds[i];
    ep_mod(fds[i], EPOLLIN, (uint64_t)i);
  }
  window_start(&w, warmup, duration);
  for (i = 0; i < nconns; i++)
    pp_send(&cs[i], size, msg);
  for (;;) {
    int k = epoll_wait(g_ep, evs, MAX_EVENTS, g_spin ? 0 : 100);
    if (k < 0 && errno != EINTR)
      die("epoll_wait");
    for (i = 0; i < k; i++) {
      pp_conn *c = &cs[evs[i].data.u64];
      ssize_t n = read(c->fd, in + c->got, size - c->got);
      if (n <= 0) {
        if (n < 0 && errno == EAGAIN)
          continue;
        errno = n == 0 ? ECONNRESET : errno;
        die("pingpong read");
      }
      c->got += (size_t)n;
      if (c->got < size)
        continue;
      memcpy(expect, msg, size);
      memcpy(expect, &c->seq, sizeof c->seq);
      if (memcmp(in, expect, size) != 0) {
        fprintf(stderr, "loadgen: pingpong: echo differs from what was sent\n");
        exit(1);
      }
      if (w.measuring) {
        uint64_t d = now_ns() - c->sent_at;
        if (nlat == caplat) {
          caplat *= 2;
          if ((lat = realloc(lat, caplat * sizeof *lat)) == NULL)
            die("realloc");
        }
        lat[nlat++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
      }
      c->seq++;
      pp_send(c, size, msg);
    }
    if (window_tick(&w, r) < 0)
      break;
  }
  r->ops = nlat;
  r->bytes = (unsigned long long)nlat * size;
  if (nlat > 0) {
    qsort(lat, nlat, sizeof *lat, cmp_u32);
    r->p50_us = lat[(size_t)(0.50 * (double)(nlat - 1))] / 1000.0;
    r->p99_us = lat[(size_t)(0.99 * (double)(nlat - 1))] / 1000.0;
  }
  for (i = 0; i < nconns; i++)
    close(fds[i]);
  free(cs);
  free(fds);
  free(msg);
  free(in);
  free(expect);
  free(lat);
}

/* -------------------------------------------------------------- stream */

typedef struct st_conn {
  int fd;
  size_t off; /* bytes of the current chunk already written */
  unsigned long long sent, recvd;
} st_conn;

static void run_stream(int nconns, size_t size, double warmup,
                       double duration, result *r) {
  st_conn *cs = calloc((size_t)nconns, sizeof *cs);
  int *fds = calloc((size_t)nconns, sizeof *fds);
  unsigned char *chunk = malloc(size), *rbuf = malloc(STREAM_RBUF);
  struct epoll_event evs[MAX_EVENTS];
  unsigned long long recvd = 0, base = 0;
  window w;
  int i;

  if (!cs || !fds || !chunk || !rbuf)
    die("malloc");
  memset(chunk, 'x', size);
  for (i = 0; i < nconns; i++)
    if ((fds[i] = start_connect()) < 0)
      die("connect");
  wait_connected(fds, nconns);
  for (i = 0; i < nconns; i++) {
    cs[i].fd = fds[i];
    ep_mod(fds[i], EPOLLIN | EPOLLOUT | EPOLLET, (uint64_t)i);
  }
  window_start(&w, warmup, duration);
  for (;;) {
    int k = epoll_wait(g_ep, evs, MAX_EVENTS, 100), tick;
    if (k < 0 && errno != EINTR)
      die("epoll_wait");
    for (i = 0; i < k; i++) {
      st_conn *c = &cs[evs[i].data.u64];
      uint32_t e = evs[i].events;
      if (e & (EPOLLERR | EPOLLHUP)) {
        errno = ECONNRESET;
        die("stream");
      }
      if (e & EPOLLIN) {
        for (;;) {
          ssize_t n = read(c->fd, rbuf, STREAM_RBUF);
          if (n > 0) {
            c->recvd += (unsigned long long)n;
            recvd += (unsigned long long)n;
            if (n < STREAM_RBUF)
              break; /* drained; edge-triggered: a new edge comes later */
            continue;
          }
          if (n < 0 && errno == EAGAIN)
            break;
          if (n < 0 && errno == EINTR)
            continue;
          errno = n == 0 ? ECONNRESET : errno;
          die("stream read");
        }
      }
      if (e & EPOLLOUT) {
        for (;;) {
          ssize_t n = write(c->fd, chunk + c->off, size - c->off);
          if (n > 0) {
            c->sent += (unsigned long long)n;
            c->off += (size_t)n;
            if (c->off == size)
              c->off = 0;
            else
              break; /* short write: the send buffer is full */
            continue;
          }
          if (n < 0 && errno == EAGAIN)
            break;
          if (n < 0 && errno == EINTR)
            continue;
          die("stream write");
        }
      }
    }
    tick = window_tick(&w, r);
    if (tick > 0)
      base = recvd;
    else if (tick < 0)
      break;
  }
  r->bytes = recvd - base;
  r->ops = r->bytes / size;
  for (i = 0; i < nconns; i++) {
    if (cs[i].recvd > cs[i].sent) {
      fprintf(stderr, "loadgen: stream: more echoed than sent\n");
      exit(1);
    }
    close(fds[i]);
  }
  free(cs);
  free(fds);
  free(chunk);
  free(rbuf);
}

/* ------------------------------------------------- churn and idle setup */

enum { CH_CONNECTING = 0, CH_WAITING = 1, CH_DONE = 2 };

typedef struct ch_conn {
  int fd;
  int state;
  size_t got;
} ch_conn;

/* Starts connection slot `c`: connect, and (edge-triggered) wait for
 * writability then readability. Returns 0, or -1 when connect failed. */
static int ch_start(ch_conn *c, uint64_t idx) {
  c->fd = start_connect();
  if (c->fd < 0)
    return -1;
  c->state = CH_CONNECTING;
  c->got = 0;
  ep_add(c->fd, EPOLLIN | EPOLLOUT | EPOLLET, idx);
  return 0;
}

/* Advances slot `c` on events `e`. Returns 1 once its echo came back, 0
 * while in progress, -1 on failure (the descriptor is then closed). */
static int ch_step(ch_conn *c, uint32_t e, const unsigned char *msg,
                   size_t size) {
  unsigned char in[512];
  if (c->state == CH_CONNECTING && (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    ssize_t w = write(c->fd, msg, size);
    if (w != (ssize_t)size) {
      if (w < 0 && errno == EAGAIN)
        return 0;
      goto fail;
    }
    c->state = CH_WAITING;
  }
  if (c->state == CH_WAITING) {
    for (;;) {
      ssize_t n = read(c->fd, in, size - c->got);
      if (n > 0) {
        c->got += (size_t)n;
        if (c->got == size) {
          c->state = CH_DONE;
          return 1;
        }
        continue;
      }
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n < 0 && errno == EINTR)
        continue;
      goto fail;
    }
  }
  return 0;
fail:
  close(c->fd);
  c->fd = -1;
  return -1;
}

static void run_churn(int nconns, size_t size, double warmup,
                      double duration, result *r) {
  ch_conn *cs = calloc((size_t)nconns, sizeof *cs);
  unsigned char *msg = malloc(size);
  struct epoll_event evs[MAX_EVENTS];
  unsigned long long done = 0, base = 0, errors = 0;
  window w;
  int i;

  if (!cs || !msg || size > 512)
    die("churn setup");
  memset(msg, 'c', size);
  for (i = 0; i < nconns; i++)
    if (ch_start(&cs[i], (uint64_t)i) < 0)
      die("connect");
  window_start(&w, warmup, duration);
  for (;;) {
    int k = epoll_wait(g_ep, evs, MAX_EVENTS, 100), tick;
    if (k < 0 && errno != EINTR)
      die("epoll_wait");
    for (i = 0; i < k; i++) {
      uint64_t idx = evs[i].data.u64;
      ch_conn *c = &cs[idx];
      int s = ch_step(c, evs[i].events, msg, size);
      if (s == 0)
        continue;
      if (s > 0) {
        close(c->fd); /* also removes it from the epoll set */
        done++;
      } else {
        errors++;
      }
      while (ch_start(c, idx) < 0) { /* e.g. no ephemeral port yet */
        if (++errors > 1000)
          die("churn connect");
      }
    }
    tick = window_tick(&w, r);
    if (tick > 0)
      base = done;
    else if (tick < 0)
      break;
  }
  r->ops = done - base;
  r->bytes = r->ops * size;
  r->errors = errors;
  for (i = 0; i < nconns; i++)
    if (cs[i].fd >= 0)
      close(cs[i].fd);
  free(cs);
  free(msg);
}

static void run_idle(int nconns, size_t size, result *r) {
  enum { IN_FLIGHT = 256 };
  ch_conn *cs = calloc((size_t)nconns, sizeof *cs);
  unsigned char *msg = malloc(size);
  struct epoll_event evs[MAX_EVENTS];
  int started = 0, done = 0, inflight = 0, i;
  double t0, deadline;

  if (!cs || !msg || size > 512)
    die("idle setup");
  memset(msg, 'i', size);
  r->rss_before_kb = server_rss_kb();
  t0 = now_s();
  deadline = t0 + 60;
  while (done < nconns) {
    int k;
    while (inflight < IN_FLIGHT && started < nconns) {
      if (ch_start(&cs[started], (uint64_t)started) < 0)
        die("idle connect");
      started++;
      inflight++;
    }
    k = epoll_wait(g_ep, evs, MAX_EVENTS, 1000);
    if (k < 0 && errno != EINTR)
      die("epoll_wait");
    for (i = 0; i < k; i++) {
      ch_conn *c = &cs[evs[i].data.u64];
      int s;
      if (c->state == CH_DONE)
        continue;
      s = ch_step(c, evs[i].events, msg, size);
      if (s < 0)
        die("idle echo");
      if (s > 0) {
        /* Idle from now on: out of the epoll set, kept open. */
        epoll_ctl(g_ep, EPOLL_CTL_DEL, c->fd, NULL);
        done++;
        inflight--;
      }
    }
    if (now_s() > deadline) {
      errno = ETIMEDOUT;
      die("idle setup");
    }
  }
  r->seconds = now_s() - t0;
  r->rss_after_kb = server_rss_kb();
  r->ops = (unsigned long long)nconns;
  r->bytes = (unsigned long long)nconns * size;
  for (i = 0; i < nconns; i++)
    close(cs[i].fd);
  free(cs);
  free(msg);
}

/* ---------------------------------------------------------------- main */

static void usage(void) {
  fprintf(stderr, "usage: loadgen --port P --scenario "
                  "pingpong|stream|churn|idle [--conns N] [--size B] "
                  "[--warmup S] [--duration S] [--pid PID] [--spin 1]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *scenario = NULL;
  int port = 0, conns = 1, i;
  size_t size = 64;
  double warmup = 0.5, duration = 3;
  result r;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL)
      usage();
    if (strcmp(a, "--port") == 0)
      port = atoi(v);
    else if (strcmp(a, "--scenario") == 0)
      scenario = v;
    else if (strcmp(a, "--conns") == 0)
      conns = atoi(v);
    else if (strcmp(a, "--size") == 0)
      size = (size_t)strtoul(v, NULL, 10);
    else if (strcmp(a, "--warmup") == 0)
      warmup = atof(v);
    else if (strcmp(a, "--duration") == 0)
      duration = atof(v);
    else if (strcmp(a, "--pid") == 0)
      g_pid = atoi(v);
    else if (strcmp(a, "--spin") == 0)
      g_spin = atoi(v);
    else
      usage();
    i++;
  }
  if (scenario == NULL || port <= 0 || port > 65535 || conns <= 0 ||
      size == 0)
    usage();

  raise_nofile();
  g_ticks = sysconf(_SC_CLK_TCK);
  memset(&g_addr, 0, sizeof g_addr);
  g_addr.sin_family = AF_INET;
  g_addr.sin_port = htons((uint16_t)port);
  g_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if ((g_ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
    die("epoll_create1");

  memset(&r, 0, sizeof r);
  r.cpu = -1;
  r.rss_before_kb = r.rss_after_kb = -1;
  if (strcmp(scenario, "pingpong") == 0)
    run_pingpong(conns, size, warmup, duration, &r);
  else if (strcmp(scenario, "stream") == 0)
    run_stream(conns, size, warmup, duration, &r);
  else if (strcmp(scenario, "churn") == 0)
    run_churn(conns, size, warmup, duration, &r);
  else if (strcmp(scenario, "idle") == 0)
    run_idle(conns, size, &r);
  else
    usage();

  printf("{\"scenario\": \"%s\", \"conns\": %d, \"size\": %zu, "
         "\"seconds\": %.6f, \"ops\": %llu, \"bytes\": %llu, "
         "\"cpu_s\": %.4f, \"gen_cpu_s\": %.4f, \"p50_us\": %.2f, \"p99_us\": %.2f, "
         "\"rss_before_kb\": %ld, \"rss_after_kb\": %ld, \"errors\": %llu}\n",
         scenario, conns, size, r.seconds, r.ops, r.bytes, r.cpu, r.gen_cpu, r.p50_us,
         r.p99_us, r.rss_before_kb, r.rss_after_kb, r.errors);
  return 0;
}
