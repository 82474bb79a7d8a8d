/* toint32.c - JavaScript's ToInt32 (see toint32.h). */
#include "toint32.h"

#include <math.h>

int32_t js_to_int32(double d) {
  double m;
  if (!isfinite(d) || d == 0) return 0;
  m = fmod(trunc(d), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return m >= 2147483648.0 ? (int32_t)(m - 4294967296.0) : (int32_t)m;
}
