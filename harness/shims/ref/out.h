/*
 * out.h - messages to the harness on stdout: hello, then responses, events
 * and callbacks numbered by `seq`. Each message is one line written with a
 * blocking write, in the order the functions are called.
 */
#ifndef SHIM_OUT_H
#define SHIM_OUT_H

#include "json.h"
#include "shim.h"

struct handle;

/* Makes stdout blocking. Call once, first. */
void out_init(void);

/* Non-zero once a write to stdout failed (the harness went away); every
 * later message is dropped and the loop is asked to stop. */
int out_failed(void);

void out_hello(void);

/* A response to request `id` (an integer JSON value, or NULL for null). */
void out_response(const json_value *id, const reply *r);

/* An event of handle h; args is an encoded JSON array, NULL for []. */
void out_event(const struct handle *h, const char *event,
               const json_writer *args);

/* An invocation of the callback `label`; args as for out_event. */
void out_callback(const char *label, const json_writer *args);

/* Releases the message buffer. */
void out_cleanup(void);

#endif
