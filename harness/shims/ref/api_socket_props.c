/*
 * api_socket_props.c - socket.address() and the Socket properties
 * (bufferSize, bytesRead, ..., remotePort), read from the library.
 */
#include "api_socket.h"
#include "value.h"

static void write_address_object(json_writer *w, const ns_address *a) {
  jw_object_begin(w);
  jw_key(w, "address");
  jw_string(w, a->address);
  jw_key(w, "family");
  jw_string(w, a->family != NULL ? a->family : "IPv4");
  jw_key(w, "port");
  jw_int(w, a->port);
  jw_object_end(w);
}

/* socket.address(): {address, family, port} or {} */
void socket_address(call *c) {
  ns_address a;
  if (ns_socket_address(state_of(c->self)->sock, &a) == 0) {
    write_address_object(&c->r->value, &a);
  } else {
    jw_object_begin(&c->r->value);
    jw_object_end(&c->r->value);
  }
}


static int remote(handle *h, ns_address *a) {
  return ns_socket_remote(state_of(h)->sock, a) == 0 && a->kind == NS_ADDRESS_INET;
}

static void get_remote_address(handle *h, reply *r) {
  ns_address a;
  if (remote(h, &a)) jw_string(&r->value, a.address);
}
static void get_remote_family(handle *h, reply *r) {
  ns_address a;
  if (remote(h, &a) && a.family != NULL) jw_string(&r->value, a.family);
}
static void get_remote_port(handle *h, reply *r) {
  ns_address a;
  if (remote(h, &a)) jw_int(&r->value, a.port);
}
static void get_local_address(handle *h, reply *r) {
  ns_address a;
  if (ns_socket_address(state_of(h)->sock, &a) == 0)
    jw_string(&r->value, a.address);
}
static void get_local_port(handle *h, reply *r) {
  ns_address a;
  if (ns_socket_address(state_of(h)->sock, &a) == 0) jw_int(&r->value, a.port);
}

static void get_buffer_size(handle *h, reply *r) {
  ns_socket_info i;
  ns_socket_info_get(state_of(h)->sock, &i);
  if (i.has_handle) jw_int(&r->value, (long long)i.buffer_size);
}

/* get_FIELD(): the property read from ns_socket_info's FIELD, written by
 * WRITE (jw_int or jw_bool). */
#define INFO_GETTER(field, write)                  \
  static void get_##field(handle *h, reply *r) {   \
    ns_socket_info i;                              \
    ns_socket_info_get(state_of(h)->sock, &i);     \
    write(&r->value, i.field);                     \
  }
INFO_GETTER(bytes_read, jw_int)
INFO_GETTER(bytes_written, jw_int)
INFO_GETTER(connecting, jw_bool)
INFO_GETTER(destroyed, jw_bool)
INFO_GETTER(readable, jw_bool)
INFO_GETTER(writable, jw_bool)

const prop_def socket_props[] = {
    {"bufferSize", get_buffer_size, NULL},
    {"bytesRead", get_bytes_read, NULL},
    {"bytesWritten", get_bytes_written, NULL},
    {"connecting", get_connecting, NULL},
    {"destroyed", get_destroyed, NULL},
    {"readable", get_readable, NULL},
    {"writable", get_writable, NULL},
    {"localAddress", get_local_address, NULL},
    {"localPort", get_local_port, NULL},
    {"remoteAddress", get_remote_address, NULL},
    {"remoteFamily", get_remote_family, NULL},
    {"remotePort", get_remote_port, NULL},
    {NULL, NULL, NULL},
};

