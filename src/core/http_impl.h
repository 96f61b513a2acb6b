/* http_impl: what the head and body halves of the parser share; not for other modules. */
#ifndef EF_HTTP_IMPL_H
#define EF_HTTP_IMPL_H

#include <stddef.h>

#include "core/http.h"

#define HTTP_CHUNK_DIGITS_MAX	16	/* hex digits in a chunk size (64 bits) */
#define HTTP_CHUNK_EXT_MAX	4096	/* bytes of chunk extensions we skip */

/* Set the error status and reason, enter ERROR; always -1. */
int	http_fail(struct http_parser *, int status, const char *reason);
/* Hex digit value, or -1. */
int	http_hexval(unsigned char);
/* Body states (http_body.c): take what belongs to this request's body. */
int	http_feed_length(struct http_parser *, const char *, size_t, size_t *used);
int	http_feed_chunked(struct http_parser *, const char *, size_t, size_t *used);

#endif
