/* parse: reading one HTTP/1.x response off a load connection, for framing only. */
#ifndef EF_LOAD_PARSE_H
#define EF_LOAD_PARSE_H

#include <event2/buffer.h>

#include "load/client.h"

#define PARSE_MAX_HEAD		(64 * 1024)	/* a response head, a ws upgrade answer */

/* Feed what arrived to clt's response parser: 1 response complete, 0 need more, -1 bad. */
int	parse_http(struct load_client *clt, struct evbuffer *in);
/* The same over len contiguous bytes; *used is what it consumed, a partial line is left. */
int	parse_flat(struct load_client *clt, const char *p, size_t len, size_t *used);

#endif
