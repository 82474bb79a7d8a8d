/*
 * main.c - netspec-shim-ref: drives the netspec C reference implementation
 * for the harness (harness/PROTOCOL.md). Says hello, then runs one libevent
 * loop that carries both the requests read from stdin and everything the
 * library does; exits 0 once stdin ends, or, after the `detach` op, once
 * nothing ref'd is left.
 */
#include <signal.h>
#include <stdio.h>

#include <event2/event.h>

#include "dispatch.h"
#include "handles.h"
#include "input.h"
#include "out.h"
#include "shim.h"

struct event_base *shim_base;
int shim_detached;

static void on_eof(void) { event_base_loopbreak(shim_base); }

int main(void) {
  static const input_handlers handlers = {
      .line = dispatch_line,
      .overlong = dispatch_overlong,
      .eof = on_eof,
  };
  int status = 0;

  signal(SIGPIPE, SIG_IGN); /* a vanished peer is an error, not a signal */
  out_init();
  if ((shim_base = event_base_new()) == NULL) {
    fputs("netspec-shim-ref: cannot create the event base\n", stderr);
    return 1;
  }
  /* Like Node: names not in /etc/hosts go to the system's name servers.
   * The suite only ever looks such names up in a private namespace whose
   * resolv.conf names a server on loopback. */
  ns_dns_use_resolv_conf(shim_base, "/etc/resolv.conf", NULL);
  out_hello();
  if (input_start(shim_base, &handlers) != 0) {
    fputs("netspec-shim-ref: cannot watch stdin\n", stderr);
    status = 1;
  } else if (!out_failed()) {
    event_base_dispatch(shim_base);
  }

  input_stop();
  if (shim_detached && !out_failed())
    ns_run(shim_base); /* until only unref'd handles are left, as Node's loop */
  handles_release_all();
  ns_base_cleanup(shim_base);
  event_base_free(shim_base);
  shim_base = NULL;
  out_cleanup();
  libevent_global_shutdown();
  return out_failed() ? 1 : status;
}
