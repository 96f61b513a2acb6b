/* http: a strict, incremental HTTP/1.1 request parser (RFC 9112). */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/http_impl.h"
#include "util/num.h"

/*
 * The head is copied into req.head and scanned once, byte by byte, from
 * p->scan; errors that can be seen early (bare CR/LF, NUL, an over-long
 * request line or head) are raised at the byte that proves them, so the
 * verdict never depends on how the input was split. The head is parsed as a
 * whole once its blank line is there. In the HEAD state p->line_len holds
 * the offset of the request line's LF (0 while the line is still open).
 *
 * Choices where RFC 9112 leaves room, all on the strict side:
 *  - bare LF or bare CR anywhere in the head or the chunked framing: 400;
 *  - repeated Transfer-Encoding fields: 501, as they make a coding list;
 *  - duplicate Content-Length, even with equal values: 400;
 *  - no whitespace between a chunk size and ';' or CRLF;
 *  - raw bytes >= 0x80 in the request-target: 400 (obs-text is fine in values).
 */

#define HTTP_LEADING_CRLF_MAX	4

static const char *const http_method_names[] = {
	[HTTP_METHOD_OTHER] = "OTHER",
	[HTTP_GET] = "GET",
	[HTTP_HEAD] = "HEAD",
	[HTTP_POST] = "POST",
	[HTTP_PUT] = "PUT",
	[HTTP_DELETE] = "DELETE",
	[HTTP_PATCH] = "PATCH",
	[HTTP_OPTIONS] = "OPTIONS",
	[HTTP_TRACE] = "TRACE",
	[HTTP_CONNECT] = "CONNECT",
};

#define HTTP_NMETHODS \
	(sizeof(http_method_names) / sizeof(http_method_names[0]))

/* Defaults that fit every endpoint we serve with room to spare. */
void
http_limits_default(struct http_limits *l)
{
	l->request_line_max = 8192;
	l->header_block_max = 16384;
	l->headers_max = 100;
	l->body_max = 1048576;
	l->chunk_overhead_max = 16384;
}

/* Start a parser; NULL limits mean the defaults. */
void
http_parser_init(struct http_parser *p, const struct http_limits *limits)
{
	memset(p, 0, sizeof(*p));
	if (limits != NULL)
		p->limits = *limits;
	else
		http_limits_default(&p->limits);
	buf_init(&p->req.head);
	buf_init(&p->req.body);
	p->state = HTTP_STATE_HEAD;
}

/* Forget a request's fields; the header array is kept for the next request (nheaders says what counts). */
static void
http_request_clear(struct http_request *r)
{
	static const struct http_slice	 none;

	buf_reset(&r->head);
	buf_reset(&r->body);
	r->method = HTTP_METHOD_OTHER;
	r->method_name = r->target = r->path = r->query = none;
	r->version = 0;
	r->nheaders = 0;
	r->keep_alive = 0;
	r->chunked = 0;
	r->has_content_length = 0;
	r->content_length = 0;
	r->expect_continue = 0;
}

/*
 * Keep-alive reuses the buffers, so a busy connection stops allocating;
 * fields are cleared one by one because clearing the whole struct (the
 * header array) was a third of a small request's instructions.
 */
void
http_parser_reset(struct http_parser *p)
{
	http_request_clear(&p->req);
	p->state = HTTP_STATE_HEAD;
	p->scan = 0;
	p->remaining = 0;
	p->line_len = 0;
	p->chunk_digits = 0;
	p->want_continue = 0;
	p->error_status = 0;
	p->error_reason = NULL;
	p->empty_lines = 0;
	p->saw_cr = 0;
	p->head_done = 0;
	p->chunk_framing = 0;
}

/* Give the buffers back; the parser may be initialised again afterwards. */
void
http_parser_free(struct http_parser *p)
{
	buf_free(&p->req.head);
	buf_free(&p->req.body);
	free(p->req.headers);
	p->req.headers = NULL;
	p->req.headers_cap = 0;
	p->req.nheaders = 0;
}

/*
 * Room for one more header. The array starts small and doubles: a request
 * in flight holds what its headers need, not 256 slots (8 KiB) each.
 */
static int
http_headers_grow(struct http_request *r, unsigned int max)
{
	struct http_header	*nh;
	unsigned int		 ncap;

	if (r->nheaders < r->headers_cap)
		return (0);
	ncap = r->headers_cap ? r->headers_cap * 2 : 8;
	if (ncap > max)
		ncap = max;
	if ((nh = reallocarray(r->headers, ncap, sizeof(*nh))) == NULL)
		return (-1);
	r->headers = nh;
	r->headers_cap = ncap;
	return (0);
}

/* One place sets the error, so the state and the status never disagree. */
int
http_fail(struct http_parser *p, int status, const char *reason)
{
	p->state = HTTP_STATE_ERROR;
	p->error_status = status;
	p->error_reason = reason;
	p->want_continue = 0;
	return (-1);
}

#define HTTP_CT_TCHAR	0x01	/* RFC 9110 tchar: methods and field names */
#define HTTP_CT_VALUE	0x02	/* may stand in a field value: HTAB, SP, VCHAR, obs-text */

/* One lookup per byte instead of a chain of range tests and a strchr. */
static const unsigned char http_ctype[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 3, 2, 3, 3, 3, 3, 3, 2, 2, 3, 3, 2, 3, 3, 2,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2,
	2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 3, 2, 3, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

#define HTTP_ONES	0x0101010101010101ULL

/* Eight bytes at p, for looking at a head a word at a time. */
static uint64_t
http_word(const unsigned char *p)
{
	uint64_t	 w;

	memcpy(&w, p, sizeof(w));
	return (w);
}

/* Nonzero when a byte of w is below n (n <= 128): the bytes it flags need a closer look. */
static uint64_t
http_word_below(uint64_t w, unsigned int n)
{
	return ((w - HTTP_ONES * n) & ~w & (HTTP_ONES * 0x80));
}

/* RFC 9110 tchar: what a method or a field name may be made of. */
static int
http_is_tchar(unsigned char c)
{
	return (http_ctype[c] & HTTP_CT_TCHAR);
}

/* Against a literal, the length rules out most names before any byte is compared. */
#define HTTP_IS(s, lit)	((s).len == sizeof(lit) - 1 && http_slice_caseeq_n((s), (lit), sizeof(lit) - 1))

/* Methods are case-sensitive (RFC 9110 9.1), so "get" is an unknown token. */
static enum http_method
http_method_lookup(struct http_slice s)
{
	size_t	 i;

	for (i = 1; i < HTTP_NMETHODS; i++)
		if (http_slice_eq(s, http_method_names[i]))
			return ((enum http_method)i);
	return (HTTP_METHOD_OTHER);
}

/*
 * Look at the new head bytes once each: 1 and *end when the blank line is
 * in, 0 for more, -1 on an error that the bytes so far already prove.
 */
static int
http_scan_head(struct http_parser *p, size_t *end)
{
	const unsigned char	*d = (const unsigned char *)p->req.head.data;
	size_t			 i, n = p->req.head.len, max, lim;
	unsigned char		 c, prev;

	max = p->limits.request_line_max;
	for (i = p->scan; i < n; i++) {
		/* A byte above CR, not after a CR, can only make the request line too long. */
		if (i > 0 && d[i - 1] != '\r') {
			lim = p->line_len == 0 && max < n ? max : n;
			while (i + 8 <= lim && !http_word_below(http_word(d + i), '\r' + 1))
				i += 8;
			while (i < lim && d[i] > '\r')
				i++;
			if (i == n)
				break;
		}
		p->scan = i + 1;
		c = d[i];
		prev = i > 0 ? d[i - 1] : 0;
		if (c == '\0')
			return (http_fail(p, 400, "NUL in request head"));
		if (prev == '\r' && c != '\n')
			return (http_fail(p, 400, "bare CR in request head"));
		if (c == '\n') {
			if (prev != '\r')
				return (http_fail(p, 400,
				    "bare LF in request head"));
			if (p->line_len == 0) {
				p->line_len = i;
				continue;
			}
			if (d[i - 2] == '\n') {
				*end = i + 1;
				return (1);
			}
			continue;
		}
		/* The request line is still open: bytes before its CR count. */
		if (p->line_len == 0 && (c == '\r' ? i : i + 1) > max)
			return (http_fail(p, 414, "request line too long (request_line_max)"));
	}
	p->scan = n;
	return (0);
}

/* RFC 9112 2.2: a few empty lines before a request are noise, not errors. */
static int
http_skip_leading(struct http_parser *p, const char *data, size_t len,
    size_t *used)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (p->saw_cr) {
			if (data[i] != '\n') {
				*used = i;
				return (http_fail(p, 400,
				    "bare CR in request head"));
			}
			p->saw_cr = 0;
			continue;
		}
		if (data[i] == '\n') {
			*used = i;
			return (http_fail(p, 400, "bare LF in request head"));
		}
		if (data[i] != '\r')
			break;
		if (++p->empty_lines > HTTP_LEADING_CRLF_MAX) {
			*used = i;
			return (http_fail(p, 400, "too many empty lines"));
		}
		p->saw_cr = 1;
	}
	*used = i;
	return (0);
}

/* "HTTP/1.1" and "HTTP/1.0" only; any other well-formed version is 505. */
static int
http_parse_version(struct http_parser *p, const char *s, size_t len)
{
	if (len == 8 && memcmp(s, "HTTP/1.", 7) == 0 &&
	    (s[7] == '0' || s[7] == '1')) {
		p->req.version = s[7] == '1' ? 11 : 10;
		return (0);
	}
	if (len == 8 && memcmp(s, "HTTP/", 5) == 0 &&
	    s[5] >= '0' && s[5] <= '9' && s[6] == '.' &&
	    s[7] >= '0' && s[7] <= '9')
		return (http_fail(p, 505, "HTTP version not supported"));
	return (http_fail(p, 400, "bad HTTP version"));
}

/* Split at '?'; an empty path (absolute-form "http://h?q") means "/". */
static void
http_split_path(struct http_request *r, const char *s, size_t len)
{
	const char	*q;

	q = memchr(s, '?', len);
	r->path.p = s;
	r->path.len = q != NULL ? (size_t)(q - s) : len;
	r->query.p = q != NULL ? q + 1 : s + len;
	r->query.len = q != NULL ? len - r->path.len - 1 : 0;
	if (r->path.len == 0) {
		r->path.p = "/";
		r->path.len = 1;
	}
}

/* CONNECT takes only host:port (RFC 9112 3.2.3). */
static int
http_parse_authority(struct http_parser *p)
{
	struct http_slice	 t = p->req.target;
	size_t			 i, colon = 0;

	for (i = 0; i < t.len; i++) {
		if (strchr("/?@", t.p[i]) != NULL)
			return (http_fail(p, 400, "bad CONNECT target"));
		if (t.p[i] == ':')
			colon = i;
	}
	if (colon == 0 || colon + 1 == t.len)
		return (http_fail(p, 400, "bad CONNECT target"));
	for (i = colon + 1; i < t.len; i++)
		if (t.p[i] < '0' || t.p[i] > '9')
			return (http_fail(p, 400, "bad CONNECT target"));
	p->req.path = t;
	p->req.query.p = t.p + t.len;
	p->req.query.len = 0;
	return (0);
}

/* Find the path in "http://host/path"; -1 if it is not that form. */
static int
http_absolute_path(struct http_slice t, const char **path, size_t *len)
{
	struct http_slice	 scheme = t;
	size_t			 skip, i;

	scheme.len = t.len < 7 ? t.len : 7;
	if (http_slice_caseeq(scheme, "http://"))
		skip = 7;
	else {
		scheme.len = t.len < 8 ? t.len : 8;
		if (!http_slice_caseeq(scheme, "https://"))
			return (-1);
		skip = 8;
	}
	for (i = skip; i < t.len && t.p[i] != '/' && t.p[i] != '?'; i++)
		;
	if (i == skip)
		return (-1);
	*path = t.p + i;
	*len = t.len - i;
	return (0);
}

/* Tell the target forms apart and fill path and query. */
static int
http_parse_target(struct http_parser *p)
{
	struct http_request	*r = &p->req;
	struct http_slice	 t = r->target;
	const char		*path;
	size_t			 len;

	if (memchr(t.p, '#', t.len) != NULL)
		return (http_fail(p, 400, "fragment in request target"));
	if (r->method == HTTP_CONNECT)
		return (http_parse_authority(p));
	if (t.len == 1 && t.p[0] == '*') {
		if (r->method != HTTP_OPTIONS)
			return (http_fail(p, 400,
			    "'*' target only with OPTIONS"));
		r->path = t;
		r->query.p = t.p + 1;
		r->query.len = 0;
		return (0);
	}
	if (t.p[0] == '/') {
		path = t.p;
		len = t.len;
	} else if (http_absolute_path(t, &path, &len) == -1)
		return (http_fail(p, 400, "bad request target"));
	http_split_path(r, path, len);
	return (0);
}

/* method SP request-target SP HTTP-version, with exactly one SP each. */
static int
http_parse_request_line(struct http_parser *p, const char *s, size_t len)
{
	struct http_request	*r = &p->req;
	size_t			 i = 0, t;
	unsigned char		 c;

	while (i < len && http_is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i == len || s[i] != ' ')
		return (http_fail(p, 400, "bad request method"));
	r->method_name.p = s;
	r->method_name.len = i;
	r->method = http_method_lookup(r->method_name);
	t = ++i;
	for (; i < len; i++) {
		c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f)
			break;
	}
	if (i == t || i == len || s[i] != ' ')
		return (http_fail(p, 400, "bad request target"));
	r->target.p = s + t;
	r->target.len = i - t;
	if (http_parse_version(p, s + i + 1, len - i - 1) == -1)
		return (-1);
	return (http_parse_target(p));
}

/* name ":" OWS value OWS, with no room for the old leniencies. */
static int
http_parse_header_line(struct http_parser *p, const char *s, size_t len)
{
	struct http_request	*r = &p->req;
	struct http_header	*h;
	size_t			 i = 0, vs;
	uint64_t		 w;
	unsigned int		 max;
	unsigned char		 c;

	if (len > 0 && (s[0] == ' ' || s[0] == '\t'))
		return (http_fail(p, 400, "obs-fold not allowed"));
	while (i < len && http_is_tchar((unsigned char)s[i]))
		i++;
	if (i == len || s[i] != ':') {
		if (memchr(s + i, ':', len - i) == NULL)
			return (http_fail(p, 400, "header line without colon"));
		if (s[i] == ' ' || s[i] == '\t')
			return (http_fail(p, 400, "whitespace before colon"));
		return (http_fail(p, 400, "bad header name"));
	}
	if (i == 0)
		return (http_fail(p, 400, "empty header name"));
	/* Words of SP to '~' pass whole; a word with HTAB, a control or DEL goes by bytes. */
	for (vs = i + 1; vs + 8 <= len; vs += 8) {
		w = http_word((const unsigned char *)s + vs);
		if (http_word_below(w, 0x20) || http_word_below(w ^ (HTTP_ONES * 0x7f), 1))
			break;
	}
	for (; vs < len; vs++) {
		c = (unsigned char)s[vs];
		if (!(http_ctype[c] & HTTP_CT_VALUE))
			return (http_fail(p, 400,
			    "control character in header value"));
	}
	max = p->limits.headers_max;
	if (max > HTTP_HEADERS_HARD_MAX)
		max = HTTP_HEADERS_HARD_MAX;
	if (r->nheaders >= max)
		return (http_fail(p, 431, "too many headers (headers_max)"));
	if (http_headers_grow(r, max) == -1)
		return (http_fail(p, 500, "out of memory"));
	h = &r->headers[r->nheaders++];
	h->name.p = s;
	h->name.len = i;
	h->value.p = s + i + 1;
	h->value.len = len - i - 1;
	h->value = http_trim_ows(h->value);
	return (0);
}

/* Note "close" and "keep-alive" in a Connection list. */
static void
http_connection_tokens(struct http_slice v, int *want_close, int *want_keep)
{
	struct http_slice	 tok;
	size_t			 i = 0, e;

	while (i <= v.len) {
		for (e = i; e < v.len && v.p[e] != ','; e++)
			;
		tok.p = v.p + i;
		tok.len = e - i;
		tok = http_trim_ows(tok);
		if (HTTP_IS(tok, "close"))
			*want_close = 1;
		else if (HTTP_IS(tok, "keep-alive"))
			*want_keep = 1;
		i = e + 1;
	}
}

/* 1*DIGIT and nothing else: signs, spaces and lists are smuggling tools. */
static int
http_parse_content_length(struct http_parser *p, struct http_slice v)
{
	uint64_t	 n;

	if (num_parse_u64(v.p, v.len, UINT64_MAX, &n) == -1)
		return (http_fail(p, 400, "bad Content-Length"));
	p->req.has_content_length = 1;
	p->req.content_length = n;
	return (0);
}

/* Decide how the body is framed; the order puts smuggling verdicts first. */
static int
http_check_framing(struct http_parser *p, const struct http_header *cl,
    int ncl, const struct http_header *te, int nte)
{
	struct http_request	*r = &p->req;

	if (nte > 0 && r->version == 10)
		return (http_fail(p, 400, "Transfer-Encoding in HTTP/1.0"));
	if (nte > 0 && ncl > 0)
		return (http_fail(p, 400,
		    "Content-Length with Transfer-Encoding"));
	if (ncl > 1)
		return (http_fail(p, 400, "duplicate Content-Length"));
	if (cl != NULL && http_parse_content_length(p, cl->value) == -1)
		return (-1);
	if (nte > 1 || (te != NULL && !HTTP_IS(te->value, "chunked")))
		return (http_fail(p, 501, "unsupported transfer coding"));
	r->chunked = nte == 1;
	return (0);
}

/* Apply what the fields mean once all of them are known. */
static int
http_check_headers(struct http_parser *p)
{
	struct http_request		*r = &p->req;
	const struct http_header	*h, *cl = NULL, *te = NULL;
	int				 nhost = 0, ncl = 0, nte = 0;
	int				 want_close = 0, want_keep = 0;
	int				 bad_expect = 0;
	unsigned int			 i;

	for (i = 0; i < r->nheaders; i++) {
		h = &r->headers[i];
		if (HTTP_IS(h->name, "Host"))
			nhost++;
		else if (HTTP_IS(h->name, "Content-Length")) {
			ncl++;
			cl = h;
		} else if (HTTP_IS(h->name, "Transfer-Encoding")) {
			nte++;
			te = h;
		} else if (HTTP_IS(h->name, "Connection"))
			http_connection_tokens(h->value, &want_close,
			    &want_keep);
		else if (HTTP_IS(h->name, "Expect")) {
			if (HTTP_IS(h->value, "100-continue"))
				r->expect_continue = r->version == 11;
			else
				bad_expect = 1;
		}
	}
	if (nhost > 1)
		return (http_fail(p, 400, "duplicate Host"));
	if (nhost == 0 && r->version == 11)
		return (http_fail(p, 400, "missing Host"));
	if (http_check_framing(p, cl, ncl, te, nte) == -1)
		return (-1);
	if (bad_expect)
		return (http_fail(p, 417, "unsupported expectation"));
	if (r->content_length > p->limits.body_max)
		return (http_fail(p, 413, "body too large (body_max)"));
	r->keep_alive = r->version == 11 ? !want_close :
	    (want_keep && !want_close);
	return (0);
}

/* Parse the complete head in req.head and pick the body state. */
static int
http_parse_head(struct http_parser *p)
{
	struct http_request	*r = &p->req;
	const char		*d = r->head.data;
	size_t			 pos, eol, end = r->head.len;

	if (http_parse_request_line(p, d, p->line_len - 1) == -1)
		return (-1);
	/* Every CR is followed by LF here: the scan made sure of it. */
	for (pos = p->line_len + 1; pos < end - 2; pos = eol + 2) {
		eol = (size_t)((const char *)memchr(d + pos, '\r',
		    end - pos) - d);
		if (http_parse_header_line(p, d + pos, eol - pos) == -1)
			return (-1);
	}
	if (http_check_headers(p) == -1)
		return (-1);
	p->head_done = 1;
	p->remaining = 0;
	p->line_len = 0;
	p->chunk_digits = 0;
	if (r->chunked)
		p->state = HTTP_STATE_CHUNK_SIZE;
	else if (r->content_length > 0) {
		p->state = HTTP_STATE_BODY_LENGTH;
		p->remaining = r->content_length;
	} else
		p->state = HTTP_STATE_DONE;
	if (r->expect_continue && p->state != HTTP_STATE_DONE)
		p->want_continue = 1;
	return (0);
}

/* Copy head bytes until the blank line, never more than the limit allows. */
static int
http_feed_head(struct http_parser *p, const char *data, size_t len,
    size_t *used)
{
	struct buf	*h = &p->req.head;
	size_t		 skip = 0, old, n, room, end;
	int		 rv;

	if (h->len == 0) {
		rv = http_skip_leading(p, data, len, &skip);
		*used = skip;
		if (rv == -1 || skip == len)
			return (rv);
		/* A TLS record (handshake, 0x16) where a method should be: say so, as nginx does. */
		if ((unsigned char)data[skip] == 0x16)
			return (http_fail(p, 400, "TLS handshake on a plain HTTP port (use https "
			    "on the tls_listen port)"));
	}
	/* One byte past the limit is enough to prove it is exceeded. */
	old = h->len;
	room = p->limits.header_block_max - old;
	n = len - skip;
	if (n > room)
		n = room + 1;
	buf_append(h, data + skip, n);
	if (h->oom)
		return (http_fail(p, 500, "out of memory"));
	*used = skip + n;
	if ((rv = http_scan_head(p, &end)) == -1)
		return (-1);
	if (rv == 0) {
		if (h->len > p->limits.header_block_max)
			return (http_fail(p, 431, "header block too large (header_block_max)"));
		return (0);
	}
	if (end > p->limits.header_block_max)
		return (http_fail(p, 431, "header block too large (header_block_max)"));
	h->len = end;
	h->data[end] = '\0';
	*used = skip + (end - old);
	return (http_parse_head(p));
}

/*
 * Feed bytes; the request ends where its framing says, so the rest of the
 * input is left for the next request. 100 Continue is pointless once the
 * whole body is in, so want_continue is cleared on DONE.
 */
enum http_parse_result
http_parser_feed(struct http_parser *p, const char *data, size_t len,
    size_t *consumed)
{
	size_t	 off = 0, n;
	int	 rv = 0;

	while (rv == 0 && off < len && p->state != HTTP_STATE_DONE &&
	    p->state != HTTP_STATE_ERROR) {
		n = 0;
		if (p->state == HTTP_STATE_HEAD)
			rv = http_feed_head(p, data + off, len - off, &n);
		else if (p->state == HTTP_STATE_BODY_LENGTH)
			rv = http_feed_length(p, data + off, len - off, &n);
		else
			rv = http_feed_chunked(p, data + off, len - off, &n);
		off += n;
	}
	*consumed = off;
	if (p->state == HTTP_STATE_ERROR)
		return (HTTP_PARSE_ERROR);
	if (p->state == HTTP_STATE_DONE) {
		p->want_continue = 0;
		return (HTTP_PARSE_DONE);
	}
	return (HTTP_PARSE_NEED_MORE);
}

/* Lets an executor tell a bad head from a bad body when it logs. */
int
http_parser_head_done(const struct http_parser *p)
{
	return (p->head_done);
}

/* For logs and responses; unknown tokens are in req.method_name. */
const char *
http_method_name(enum http_method m)
{
	if ((size_t)m >= HTTP_NMETHODS)
		return ("OTHER");
	return (http_method_names[m]);
}

