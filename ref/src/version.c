/*
 * version.c - the library version.
 */
#include "netspec.h"

const char *ns_version(void) {
  return NS_VERSION_STRING;
}
