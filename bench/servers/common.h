/*
 * common.h - what every C echo server of the benchmark does the same way:
 * raise RLIMIT_NOFILE to the hard limit, ignore SIGPIPE, parse the port
 * argument, and print the bound port on stdout once listening (bench/run
 * reads that line, then checks readiness by connecting).
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static inline void bench_setup(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  signal(SIGPIPE, SIG_IGN);
}

/* For the raw libuv and libevent servers only: keep glibc malloc from
 * giving the heap top back to the kernel after every freed 64 KiB read
 * buffer (trim, then page faults on the next read: ~15 faults per read, the
 * raw libuv server at ~1.1 GB/s instead of ~2 GB/s). The baselines should
 * be as fast as their library allows; the reference is measured as a user
 * would link it, without this. */
static inline void bench_tune_malloc(void) {
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

static inline int bench_port(int argc, char **argv) {
  int port;
  if (argc != 2 || (port = atoi(argv[1])) < 0 || port > 65535) {
    fprintf(stderr, "usage: %s PORT   (0: any free port)\n", argv[0]);
    exit(2);
  }
  return port;
}

static inline void bench_listening(int port) {
  printf("%d\n", port);
  fflush(stdout);
}

#endif
