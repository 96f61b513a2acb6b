/* url: a target URL taken apart, its host looked up, for args and the tests. */
#ifndef EF_LOAD_URL_H
#define EF_LOAD_URL_H

#include <stddef.h>

#include "load/args.h"

/*
 * http[s]://host[:port][/path][?query], ws[s]://... or tcp://host:port into t,
 * the host looked up with getaddrinfo; -1 and err on failure.
 */
int	url_parse(struct load_target *t, const char *url, char *err, size_t errlen);

#endif
