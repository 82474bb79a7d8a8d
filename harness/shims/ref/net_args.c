/* net_args.c - Node 8's normalizeArgs() (see net_args.h). */
#include "net_args.h"

#include <math.h>
#include <string.h>

#include "jsnum.h" /* the library's Number() and trim() (ref/src) */
#include "value.h"

void net_args_normalize(const json_value *const *args, size_t n, net_args *out) {
  memset(out, 0, sizeof *out);
  if (n == 0) return;
  if (val_is_object(args[0])) {
    out->options = args[0];
    out->port = val_prop(out->options, "port");
    out->port_given = out->port != NULL;
    out->host = val_prop(out->options, "host");
    out->path = val_prop(out->options, "path");
  } else if (val_is_pipe_name(args[0])) {
    out->path = args[0];
  } else {
    out->port = args[0];
    out->port_given = 1;
    if (n > 1 && val_kind_of(args[1]) == VK_STRING) out->host = args[1];
  }
  out->label = val_callback_label(args[n - 1]);
}

int net_args_legal_port(const json_value *v, int *out) {
  val_kind k = val_kind_of(v);
  double d;

  if (k != VK_NUMBER && k != VK_STRING) return 0;
  if (k == VK_STRING && ns__js_is_blank(v->str, v->len)) return 0;
  d = val_to_number(v);
  if (!(d >= 0 && d <= 65535 && d == trunc(d))) return 0;
  *out = (int)d;
  return 1;
}
