/* api_net.c - the `net` module target: its functions. */
#include "shim.h"

static const method_def net_methods[] = {
    {"createServer", server_create},
    {NULL, NULL},
};

const class_def net_module = {
    .name = "net",
    .construct = NULL,
    .methods = net_methods,
    .props = NULL,
    .release = NULL,
};
