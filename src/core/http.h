/* http: a strict, incremental HTTP/1.1 request parser (RFC 9112). */
#ifndef EF_HTTP_H
#define EF_HTTP_H

#include <stddef.h>

#include "util/buf.h"

#define HTTP_HEADERS_HARD_MAX	256

/* A byte range inside the request's own head copy; not NUL-terminated. */
struct http_slice {
	const char	*p;
	size_t		 len;
};

struct http_header {
	struct http_slice name;
	struct http_slice value;	/* leading and trailing OWS removed */
};

enum http_method {
	HTTP_METHOD_OTHER = 0,	/* a valid token we do not know; endpoints may 405 it */
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_PATCH,
	HTTP_OPTIONS,
	HTTP_TRACE,
	HTTP_CONNECT,
};

struct http_limits {
	size_t		 request_line_max;	/* 414 beyond; default 8192 */
	size_t		 header_block_max;	/* 431 beyond; default 16384 */
	unsigned int	 headers_max;		/* 431 beyond; default 100 */
	size_t		 body_max;		/* 413 beyond; default 1 MiB */
	size_t		 chunk_overhead_max;	/* chunked framing beyond the data; 400; default 16 KiB */
};

/* A parsed request. Slices point into `head`, which lives until the next reset. */
struct http_request {
	struct buf	 head;		/* the raw head bytes, request line to CRLFCRLF */
	enum http_method method;
	struct http_slice method_name;
	struct http_slice target;	/* as sent: "/path?query" */
	struct http_slice path;		/* target up to '?', still percent-encoded */
	struct http_slice query;	/* after '?', empty if none */
	int		 version;	/* 10 or 11 */
	struct http_header *headers;	/* grown as headers arrive, kept across requests */
	unsigned int	 nheaders;
	unsigned int	 headers_cap;
	int		 keep_alive;	/* after this request: HTTP/1.1 unless "close", 1.0 only with "keep-alive" */
	int		 chunked;
	int		 has_content_length;
	unsigned long long content_length;
	int		 expect_continue;
	struct buf	 body;		/* decoded body (chunked framing removed) */
};

enum http_parse_result {
	HTTP_PARSE_NEED_MORE = 0,	/* all input consumed; feed more */
	HTTP_PARSE_DONE,		/* one whole request; the rest of the input is the next one */
	HTTP_PARSE_ERROR,		/* see parser.error_status / error_reason; then close */
};

enum http_parser_state {
	HTTP_STATE_HEAD = 0,
	HTTP_STATE_BODY_LENGTH,
	HTTP_STATE_CHUNK_SIZE,
	HTTP_STATE_CHUNK_EXT,
	HTTP_STATE_CHUNK_SIZE_LF,
	HTTP_STATE_CHUNK_DATA,
	HTTP_STATE_CHUNK_DATA_CR,
	HTTP_STATE_CHUNK_DATA_LF,
	HTTP_STATE_TRAILER,
	HTTP_STATE_DONE,
	HTTP_STATE_ERROR,
};

struct http_parser {
	struct http_limits	 limits;
	enum http_parser_state	 state;
	struct http_request	 req;
	size_t			 scan;		/* where to resume looking for the end of head */
	unsigned long long	 remaining;	/* body or chunk bytes still due */
	size_t			 line_len;	/* chunk-size / trailer line length so far */
	int			 chunk_digits;
	int			 want_continue;	/* executor should send "100 Continue" now */
	int			 error_status;	/* 400, 413, 414, 417, 431, 501, 505; 500 if out of memory */
	const char		*error_reason;	/* static string, e.g. "duplicate Content-Length" */
	/* Added for the implementation; zero after init and reset. */
	unsigned int		 empty_lines;	/* CRLFs skipped before the request line */
	int			 saw_cr;	/* a CR waits for its LF (leading CRLFs, trailers) */
	int			 head_done;	/* the head parsed and passed every check */
	unsigned long long	 chunk_framing;	/* chunked bytes that were not data, so far */
};

void	http_limits_default(struct http_limits *);
void	http_parser_init(struct http_parser *, const struct http_limits *);
/* Forget the finished request but keep buffers, for the next one on the connection. */
void	http_parser_reset(struct http_parser *);
void	http_parser_free(struct http_parser *);
/*
 * Feed bytes. *consumed says how many were taken; on DONE the bytes after
 * them belong to the next request (pipelining). After HEAD is complete with
 * "Expect: 100-continue" and a body still due, want_continue is set once.
 */
enum http_parse_result http_parser_feed(struct http_parser *, const char *, size_t,
	    size_t *consumed);
/* 1 once the head is parsed (method, target, headers are valid). */
int	http_parser_head_done(const struct http_parser *);

/* Helpers over a parsed request. */
const struct http_header *http_header_find(const struct http_request *, const char *name);
int	http_slice_eq(struct http_slice, const char *);		/* exact */
int	http_slice_caseeq(struct http_slice, const char *);	/* ASCII case-insensitive */
int	http_slice_caseeq_n(struct http_slice, const char *, size_t);
int	http_slices_caseeq(struct http_slice, struct http_slice);	/* the same, two slices */
/* The slice without spaces and tabs at either end. */
struct http_slice http_trim_ows(struct http_slice);
const char *http_method_name(enum http_method);
/* Percent-decode into out (and '+' to space when form != 0). -1 on bad %XX. */
int	http_percent_decode(struct buf *out, const char *, size_t, int form);

#endif
