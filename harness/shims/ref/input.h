/* input.h - reads requests from stdin inside the event loop and hands out
 * whole lines; lines longer than INPUT_MAX_LINE are discarded and
 * reported by length instead. */
#ifndef SHIM_INPUT_H
#define SHIM_INPUT_H

#include <stddef.h>

struct event_base;

#define INPUT_MAX_LINE ((size_t)64 << 20)

typedef struct input_handlers {
  void (*line)(const char *line, size_t len); /* without the '\n' */
  void (*overlong)(size_t len);
  void (*eof)(void); /* stdin ended (or failed); nothing more is read */
} input_handlers;

/* Starts reading stdin on base. Returns 0, or -1 if it cannot. */
int input_start(struct event_base *base, const input_handlers *h);

/* Stops reading and frees the buffer. */
void input_stop(void);

#endif
