/* endpoint: redirects, cookies, auth, caching, ranges and encodings; private to the core. */
#ifndef EF_ENDPOINT_MORE_H
#define EF_ENDPOINT_MORE_H

#include <stddef.h>

#include "util/buf.h"

struct endpoint_call;

#define ENDPOINT_REDIRECT_MAX	1000	/* /redirect/n and friends: n at most */
#define ENDPOINT_LINKS_MAX	200	/* /links/n: n at most */
#define ENDPOINT_RANGE_MAX	102400	/* /range/n: n at most (the body is held whole) */

/* A byte range from a Range header, inclusive. */
struct endpoint_range {
	unsigned long long first;
	unsigned long long last;
};

/* endpoint_parse.c: I/O-free pieces, unit-tested */
/*
 * A Range header against a body of size bytes: 1 and *r for one satisfiable
 * "bytes=" range, 0 when it is not one we serve (answer the whole body),
 * -1 when it can never be satisfied (416).
 */
int	endpoint_parse_range(const char *, size_t, unsigned long long size,
	    struct endpoint_range *r);
/* An Authorization "Basic" value decoded into out ("user:password"); *ulen: the user's length. */
int	endpoint_parse_basic(const char *, size_t, struct buf *out, size_t *ulen);
/*
 * The next "name=value" of a Cookie header from *pos; 1 and the pair (quotes
 * around the value removed), or 0 at the end.
 */
int	endpoint_parse_cookie(const char *, size_t, size_t *pos, const char **name,
	    size_t *nlen, const char **value, size_t *vlen);
/* 1 if an If-Match / If-None-Match list names etag or "*" (W/ and quotes ignored). */
int	endpoint_parse_etag_match(const char *, size_t, const char *etag, size_t elen);
/* 1 if an Accept-Encoding value accepts gzip (a "gzip" or "*" coding, q not 0). */
int	endpoint_parse_accepts_gzip(const char *, size_t);
/* 1 if the bytes may go into a header value: no controls but tab, no DEL. */
int	endpoint_parse_header_safe(const char *, size_t);

/* endpoint_redirect.c */
void	endpoint_redirect(struct endpoint_call *);
void	endpoint_redirect_to(struct endpoint_call *);
void	endpoint_cookies(struct endpoint_call *);
void	endpoint_basic_auth(struct endpoint_call *);
void	endpoint_bearer(struct endpoint_call *);
void	endpoint_links(struct endpoint_call *);

/* endpoint_encode.c */
void	endpoint_gzip(struct endpoint_call *);
void	endpoint_response_headers(struct endpoint_call *);
void	endpoint_cache(struct endpoint_call *);
void	endpoint_etag(struct endpoint_call *);
void	endpoint_range(struct endpoint_call *);
void	endpoint_stream_bytes(struct endpoint_call *);
void	endpoint_sse(struct endpoint_call *);

#endif
