/* test_http: the strict incremental request parser, split at every byte. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "core/http.h"

/* Render everything a parse produced, so two parses compare as one string. */
static void
test_http_snapshot(struct buf *out, const struct http_parser *p,
    enum http_parse_result res, size_t consumed)
{
	const struct http_request	*r = &p->req;
	unsigned int			 i;

	buf_appendf(out, "res=%d consumed=%zu", (int)res, consumed);
	if (res == HTTP_PARSE_ERROR) {
		buf_appendf(out, " status=%d reason=%s", p->error_status,
		    p->error_reason);
		return;
	}
	buf_appendf(out, " method=%d name=%.*s target=%.*s path=%.*s"
	    " query=%.*s v=%d ka=%d chunked=%d cl=%d/%llu expect=%d",
	    (int)r->method, (int)r->method_name.len, r->method_name.p,
	    (int)r->target.len, r->target.p, (int)r->path.len, r->path.p,
	    (int)r->query.len, r->query.p, r->version, r->keep_alive,
	    r->chunked, r->has_content_length, r->content_length,
	    r->expect_continue);
	for (i = 0; i < r->nheaders; i++)
		buf_appendf(out, " [%.*s|%.*s]", (int)r->headers[i].name.len,
		    r->headers[i].name.p, (int)r->headers[i].value.len,
		    r->headers[i].value.p);
	buf_appendf(out, " body(%zu)=%.*s", r->body.len, (int)r->body.len,
	    r->body.len ? r->body.data : "");
}

/*
 * Parse one request fed in pieces that end at cuts[] (ascending), then the
 * rest. Returns the snapshot as a malloc'd string.
 */
static char *
test_http_parse_cuts(const char *s, size_t len, const size_t *cuts,
    size_t ncuts, const struct http_limits *lim)
{
	struct http_parser		 p;
	struct buf			 out;
	enum http_parse_result		 res = HTTP_PARSE_NEED_MORE;
	size_t				 k, from = 0, to, used, total = 0;

	http_parser_init(&p, lim);
	buf_init(&out);
	for (k = 0; k <= ncuts && res == HTTP_PARSE_NEED_MORE; k++) {
		to = k < ncuts ? cuts[k] : len;
		res = http_parser_feed(&p, s + from, to - from, &used);
		total += used;
		if (res == HTTP_PARSE_NEED_MORE)
			assert_int_equal(used, to - from);
		from = to;
	}
	test_http_snapshot(&out, &p, res, res == HTTP_PARSE_ERROR ? 0 : total);
	http_parser_free(&p);
	return (buf_cstr(&out));
}

/* The whole input in one feed. */
static char *
test_http_parse_whole(const char *s, size_t len, const struct http_limits *lim)
{
	return (test_http_parse_cuts(s, len, NULL, 0, lim));
}

/* Whole, every two-way split, and one byte at a time must agree exactly. */
static void
test_http_all_splits(const char *s, size_t len, const char *expect,
    const struct http_limits *lim)
{
	char	*whole, *got;
	size_t	 cut, *cuts;

	whole = test_http_parse_whole(s, len, lim);
	if (expect != NULL)
		assert_string_equal(whole, expect);
	for (cut = 0; cut <= len; cut++) {
		got = test_http_parse_cuts(s, len, &cut, 1, lim);
		assert_string_equal(got, whole);
		free(got);
	}
	cuts = calloc(len + 1, sizeof(*cuts));
	assert_non_null(cuts);
	for (cut = 1; cut < len; cut++)
		cuts[cut - 1] = cut;
	got = test_http_parse_cuts(s, len, cuts, len > 0 ? len - 1 : 0, lim);
	assert_string_equal(got, whole);
	free(got);
	free(cuts);
	free(whole);
}

/*
 * Feed S in one piece to a new parser P, which must refuse it with STATUS
 * and REASON (0 and NULL: any); the bytes taken. The caller frees P.
 */
static size_t
test_http_refuse(struct http_parser *p, const char *s, size_t len, int status,
    const char *reason, const struct http_limits *lim)
{
	size_t	 used;

	http_parser_init(p, lim);
	assert_int_equal(http_parser_feed(p, s, len, &used), HTTP_PARSE_ERROR);
	if (status != 0)
		assert_int_equal(p->error_status, status);
	if (reason != NULL)
		assert_string_equal(p->error_reason, reason);
	return (used);
}

/* A rejection must be the same status at every split, with this reason. */
static void
test_http_reject_lim(const char *s, size_t len, int status, const char *reason,
    const struct http_limits *lim)
{
	struct http_parser	 p;
	size_t			 used;

	test_http_all_splits(s, len, NULL, lim);
	(void)test_http_refuse(&p, s, len, status, reason, lim);
	/* Sticky: nothing more is taken. */
	assert_int_equal(http_parser_feed(&p, "GET", 3, &used),
	    HTTP_PARSE_ERROR);
	assert_int_equal(used, 0);
	assert_int_equal(p.state, HTTP_STATE_ERROR);
	http_parser_free(&p);
}

#define REJECT(s, status, reason) \
	test_http_reject_lim((s), sizeof(s) - 1, (status), (reason), NULL)
#define SPLITS(s, expect) \
	test_http_all_splits((s), sizeof(s) - 1, (expect), NULL)

/* Parse a request that must be accepted whole; the caller frees. */
static void
test_http_accept(struct http_parser *p, const char *s, size_t len)
{
	size_t	 used;

	http_parser_init(p, NULL);
	assert_int_equal(http_parser_feed(p, s, len, &used), HTTP_PARSE_DONE);
	assert_int_equal(used, len);
}

#define ACCEPT(p, s) test_http_accept((p), (s), sizeof(s) - 1)

/* The documented defaults; config and man page quote them. */
static void
test_limits_default(void **state)
{
	struct http_limits	 l;

	http_limits_default(&l);
	assert_int_equal(l.request_line_max, 8192);
	assert_int_equal(l.header_block_max, 16384);
	assert_int_equal(l.headers_max, 100);
	assert_int_equal(l.body_max, 1048576);
	assert_int_equal(l.chunk_overhead_max, 16384);
}

/* Every field of a plain GET, read back through the public helpers. */
static void
test_get_fields(void **state)
{
	struct http_parser		 p;
	const struct http_header	*h;

	ACCEPT(&p, "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com\r\n"
	    "User-Agent: t\r\nAccept: \t */* \t\r\nX-Empty:\r\n\r\n");
	assert_int_equal(p.req.method, HTTP_GET);
	assert_true(http_slice_eq(p.req.method_name, "GET"));
	assert_true(http_slice_eq(p.req.target, "/a/b?x=1&y=%20"));
	assert_true(http_slice_eq(p.req.path, "/a/b"));
	assert_true(http_slice_eq(p.req.query, "x=1&y=%20"));
	assert_int_equal(p.req.version, 11);
	assert_int_equal(p.req.keep_alive, 1);
	assert_int_equal(p.req.nheaders, 4);
	assert_true(http_parser_head_done(&p));
	h = http_header_find(&p.req, "accept");
	assert_non_null(h);
	assert_true(http_slice_eq(h->value, "*/*"));
	h = http_header_find(&p.req, "X-EMPTY");
	assert_non_null(h);
	assert_int_equal(h->value.len, 0);
	assert_null(http_header_find(&p.req, "Cookie"));
	assert_int_equal(p.req.body.len, 0);
	assert_int_equal(p.want_continue, 0);
	assert_memory_equal(p.req.head.data, "GET /a/b", 8);
	http_parser_free(&p);
}

/* A GET parses the same however the bytes arrive. */
static void
test_split_get(void **state)
{
	SPLITS("GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n"
	    "Accept:  */*  \r\n\r\n",
	    "res=1 consumed=60 method=1 name=GET target=/a/b?x=1 path=/a/b"
	    " query=x=1 v=11 ka=1 chunked=0 cl=0/0 expect=0"
	    " [Host|example.com] [Accept|*/*] body(0)=");
}

/* A Content-Length body ends exactly at its length. */
static void
test_split_post_length(void **state)
{
	SPLITS("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n"
	    "Content-Type: text/plain\r\n\r\nhello world",
	    "res=1 consumed=89 method=3 name=POST target=/echo path=/echo"
	    " query= v=11 ka=1 chunked=0 cl=1/11 expect=0 [Host|h]"
	    " [Content-Length|11] [Content-Type|text/plain]"
	    " body(11)=hello world");
}

/* Chunk extensions and trailers are skipped, data is kept. */
static void
test_split_chunked(void **state)
{
	SPLITS("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5;name=val\r\nhello\r\n6;a;b=\"q\"\r\n world\r\nA\r\n"
	    "0123456789\r\n0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n",
	    "res=1 consumed=144 method=3 name=POST target=/up path=/up"
	    " query= v=11 ka=1 chunked=1 cl=0/0 expect=0 [Host|h]"
	    " [Transfer-Encoding|chunked] body(21)=hello world0123456789");
}

/* HTTP/1.0 needs no Host and closes unless asked to keep alive. */
static void
test_split_http10(void **state)
{
	SPLITS("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	    "res=1 consumed=45 method=1 name=GET target=/old path=/old"
	    " query= v=10 ka=1 chunked=0 cl=0/0 expect=0"
	    " [Connection|keep-alive] body(0)=");
	SPLITS("HEAD /x HTTP/1.0\r\n\r\n",
	    "res=1 consumed=20 method=2 name=HEAD target=/x path=/x"
	    " query= v=10 ka=0 chunked=0 cl=0/0 expect=0 body(0)=");
}

/* absolute-form yields the path after the authority. */
static void
test_split_absolute(void **state)
{
	SPLITS("GET http://example.com:8080/p/q?z=9 HTTP/1.1\r\n"
	    "Host: example.com:8080\r\nConnection: close\r\n\r\n",
	    "res=1 consumed=91 method=1 name=GET"
	    " target=http://example.com:8080/p/q?z=9 path=/p/q query=z=9"
	    " v=11 ka=0 chunked=0 cl=0/0 expect=0 [Host|example.com:8080]"
	    " [Connection|close] body(0)=");
}

/* Stray CRLFs before a request are consumed but not kept. */
static void
test_split_leading_crlf(void **state)
{
	SPLITS("\r\n\r\nDELETE /r HTTP/1.1\r\nHost: h\r\n\r\n",
	    "res=1 consumed=35 method=5 name=DELETE target=/r path=/r"
	    " query= v=11 ka=1 chunked=0 cl=0/0 expect=0 [Host|h] body(0)=");
}

/* Three requests in one read come out one by one. */
static void
test_pipelining(void **state)
{
	static const char	 in[] =
	    "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
	    "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
	    "PUT /three HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n2\r\nxy\r\n0\r\n\r\n";
	static const size_t	 want[] = { 30, 53, 72 };
	static const char *const paths[] = { "/one", "/two", "/three" };
	static const char *const bodies[] = { "", "abc", "xy" };
	struct http_parser	 p;
	size_t			 off = 0, used;
	char			*data0;
	int			 i;

	http_parser_init(&p, NULL);
	for (i = 0; i < 3; i++) {
		assert_int_equal(http_parser_feed(&p, in + off,
		    sizeof(in) - 1 - off, &used), HTTP_PARSE_DONE);
		assert_int_equal(used, want[i]);
		assert_true(http_slice_eq(p.req.path, paths[i]));
		assert_int_equal(p.req.body.len, strlen(bodies[i]));
		assert_memory_equal(buf_cstr(&p.req.body), bodies[i],
		    strlen(bodies[i]));
		off += used;
		data0 = p.req.head.data;
		http_parser_reset(&p);
		/* The buffer memory is kept for the next request. */
		assert_ptr_equal(p.req.head.data, data0);
		assert_int_equal(p.req.head.len, 0);
		assert_int_equal(p.state, HTTP_STATE_HEAD);
	}
	assert_int_equal(off, sizeof(in) - 1);
	http_parser_free(&p);
}

/* Bytes after a finished request wait for the reset. */
static void
test_done_takes_nothing_more(void **state)
{
	struct http_parser	 p;
	size_t			 used;

	http_parser_init(&p, NULL);
	assert_int_equal(http_parser_feed(&p,
	    "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET", 30, &used),
	    HTTP_PARSE_DONE);
	assert_int_equal(used, 27);
	assert_int_equal(http_parser_feed(&p, "GET", 3, &used),
	    HTTP_PARSE_DONE);
	assert_int_equal(used, 0);
	http_parser_free(&p);
}

/* Methods are case-sensitive; unknown tokens still parse. */
static void
test_methods(void **state)
{
	static const struct {
		const char		*line;
		enum http_method	 m;
	} t[] = {
		{ "GET / HTTP/1.0\r\n\r\n", HTTP_GET },
		{ "HEAD / HTTP/1.0\r\n\r\n", HTTP_HEAD },
		{ "POST / HTTP/1.0\r\n\r\n", HTTP_POST },
		{ "PUT / HTTP/1.0\r\n\r\n", HTTP_PUT },
		{ "DELETE / HTTP/1.0\r\n\r\n", HTTP_DELETE },
		{ "PATCH / HTTP/1.0\r\n\r\n", HTTP_PATCH },
		{ "OPTIONS / HTTP/1.0\r\n\r\n", HTTP_OPTIONS },
		{ "TRACE / HTTP/1.0\r\n\r\n", HTTP_TRACE },
		{ "get / HTTP/1.0\r\n\r\n", HTTP_METHOD_OTHER },
		{ "PURGE / HTTP/1.0\r\n\r\n", HTTP_METHOD_OTHER },
		{ "GETS / HTTP/1.0\r\n\r\n", HTTP_METHOD_OTHER },
	};
	struct http_parser	 p;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		test_http_accept(&p, t[i].line, strlen(t[i].line));
		assert_int_equal(p.req.method, t[i].m);
		http_parser_free(&p);
	}
	assert_string_equal(http_method_name(HTTP_PATCH), "PATCH");
	assert_string_equal(http_method_name(HTTP_CONNECT), "CONNECT");
	assert_string_equal(http_method_name(HTTP_METHOD_OTHER), "OTHER");
	REJECT("GE@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad request method");
	REJECT(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad request method");
}

/* Connection is a case-insensitive token list, combined across fields. */
static void
test_keep_alive(void **state)
{
	static const struct {
		const char	*req;
		int		 ka;
	} t[] = {
		{ "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\r\nHost: h\r\n"
		    "Connection: keep-alive, Close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
		    "connection: ,  close ,\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: h\r\n"
		    "Connection: closed\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\nConnection: foo,keep-alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\n"
		    "Connection: keep-alive, close\r\n\r\n", 0 },
	};
	struct http_parser	 p;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		test_http_accept(&p, t[i].req, strlen(t[i].req));
		assert_int_equal(p.req.keep_alive, t[i].ka);
		http_parser_free(&p);
	}
}

/* The three non-origin forms, each where it is allowed. */
static void
test_target_forms(void **state)
{
	struct http_parser	 p;

	ACCEPT(&p, "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_true(http_slice_eq(p.req.path, "*"));
	assert_int_equal(p.req.query.len, 0);
	http_parser_free(&p);
	ACCEPT(&p, "CONNECT example.com:443 HTTP/1.1\r\n"
	    "Host: example.com:443\r\n\r\n");
	assert_int_equal(p.req.method, HTTP_CONNECT);
	assert_true(http_slice_eq(p.req.path, "example.com:443"));
	http_parser_free(&p);
	ACCEPT(&p, "GET HTTP://h?a=b HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_true(http_slice_eq(p.req.path, "/"));
	assert_true(http_slice_eq(p.req.query, "a=b"));
	http_parser_free(&p);
	ACCEPT(&p, "GET https://h/x/? HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_true(http_slice_eq(p.req.path, "/x/"));
	assert_int_equal(p.req.query.len, 0);
	http_parser_free(&p);
}

/* Target forms outside their methods, and raw non-ASCII. */
static void
test_reject_target_forms(void **state)
{
	REJECT("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "'*' target only with OPTIONS");
	REJECT("GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "bad request target");
	REJECT("CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "bad CONNECT target");
	REJECT("CONNECT h: HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "bad CONNECT target");
	REJECT("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "bad request target");
	REJECT("GET http:/// HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "bad request target");
	REJECT("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "bad request target");
}

/* A fragment never belongs in a request-target. */
static void
test_reject_fragment(void **state)
{
	REJECT("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "fragment in request target");
	REJECT("GET /a?b=1#x HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "fragment in request target");
}

/* Exactly one SP between the three request-line parts. */
static void
test_reject_request_line_spacing(void **state)
{
	REJECT("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad request target");
	REJECT("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400, "bad HTTP version");
	REJECT("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad HTTP version");
	REJECT("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad request method");
	REJECT("GET /\tx HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "bad request target");
	REJECT("GET /\r\nHost: h\r\n\r\n", 400, "bad request target");
}

/* Well-formed foreign versions are 505, junk is 400. */
static void
test_reject_version(void **state)
{
	REJECT("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505,
	    "HTTP version not supported");
	REJECT("GET / HTTP/0.9\r\n\r\n", 505, "HTTP version not supported");
	REJECT("GET / HTTP/1.1x\r\nHost: h\r\n\r\n", 400, "bad HTTP version");
	REJECT("GET / http/1.1\r\nHost: h\r\n\r\n", 400, "bad HTTP version");
	REJECT("GET / HTTP/1.\r\nHost: h\r\n\r\n", 400, "bad HTTP version");
	REJECT("GET / HTTP/10.1\r\nHost: h\r\n\r\n", 400, "bad HTTP version");
}

/* CL with TE is the classic smuggling pair, in either order. */
static void
test_reject_cl_with_te(void **state)
{
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
	    "Content-Length with Transfer-Encoding");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 0\r\n\r\n", 400,
	    "Content-Length with Transfer-Encoding");
}

/* Two Content-Length fields are refused even when equal. */
static void
test_reject_duplicate_cl(void **state)
{
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "content-length: 5\r\n\r\nhello", 400, "duplicate Content-Length");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\nhello!", 400, "duplicate Content-Length");
}

/* A Content-Length list is refused even when its values agree. */
static void
test_reject_cl_list(void **state)
{
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n"
	    "hello", 400, "bad Content-Length");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5,5\r\n\r\n"
	    "hello", 400, "bad Content-Length");
}

/* Only plain digits that fit in 64 bits make a length. */
static void
test_reject_cl_syntax(void **state)
{
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello",
	    400, "bad Content-Length");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
	    400, "bad Content-Length");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 5\r\n\r\n",
	    400, "bad Content-Length");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\t5\r\n\r\n",
	    400, "bad Content-Length");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\n",
	    400, "bad Content-Length");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n",
	    400, "bad Content-Length");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 18446744073709551616\r\n\r\n",
	    400, "bad Content-Length");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 99999999999999999999999\r\n\r\n",
	    400, "bad Content-Length");
}

/* OWS around the value is legal, and a zero length means no body. */
static void
test_cl_ows_and_zero(void **state)
{
	struct http_parser	 p;

	ACCEPT(&p, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \t 3 \r\n"
	    "\r\nabc");
	assert_int_equal(p.req.content_length, 3);
	assert_memory_equal(p.req.body.data, "abc", 3);
	http_parser_free(&p);
	ACCEPT(&p, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 000\r\n\r\n");
	assert_int_equal(p.req.has_content_length, 1);
	assert_int_equal(p.req.content_length, 0);
	assert_int_equal(p.req.body.len, 0);
	http_parser_free(&p);
}

/* Only the lone "chunked" coding is implemented. */
static void
test_reject_te_codings(void **state)
{
	REJECT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked, identity\r\n\r\n", 501,
	    "unsupported transfer coding");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: xchunked\r\n\r\n", 501,
	    "unsupported transfer coding");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", 501,
	    "unsupported transfer coding");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked, chunked\r\n\r\n", 501,
	    "unsupported transfer coding");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: identity\r\n\r\n", 501,
	    "unsupported transfer coding");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n",
	    501, "unsupported transfer coding");
}

/* Two TE fields make a list, which is refused like one. */
static void
test_reject_te_repeated(void **state)
{
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501,
	    "unsupported transfer coding");
}

/* HTTP/1.0 has no chunked framing to trust. */
static void
test_reject_te_http10(void **state)
{
	REJECT("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n\r\n", 400, "Transfer-Encoding in HTTP/1.0");
}

/* Coding names compare case-insensitively. */
static void
test_te_case_insensitive(void **state)
{
	struct http_parser	 p;

	ACCEPT(&p, "POST / HTTP/1.1\r\nHost: h\r\n"
	    "transfer-encoding:  ChUnKeD \r\n\r\n3\r\nabc\r\n0\r\n\r\n");
	assert_int_equal(p.req.chunked, 1);
	assert_int_equal(p.req.body.len, 3);
	http_parser_free(&p);
}

/* Line folding is obsolete and a smuggling tool. */
static void
test_reject_obs_fold(void **state)
{
	REJECT("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n", 400,
	    "obs-fold not allowed");
	REJECT("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\t2\r\n\r\n", 400,
	    "obs-fold not allowed");
	REJECT("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400,
	    "obs-fold not allowed");
}

/* Whitespace before the colon hides a field name. */
static void
test_reject_space_before_colon(void **state)
{
	REJECT("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400,
	    "whitespace before colon");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length\t: 1\r\n\r\nx",
	    400, "whitespace before colon");
}

/* A field line needs a non-empty token and a colon. */
static void
test_reject_bad_header_name(void **state)
{
	REJECT("GET / HTTP/1.1\r\nHost: h\r\n: value\r\n\r\n", 400,
	    "empty header name");
	REJECT("GET / HTTP/1.1\r\nHost: h\r\nno colon here\r\n\r\n", 400,
	    "header line without colon");
	REJECT("GET / HTTP/1.1\r\nHost: h\r\nX(y): 1\r\n\r\n", 400,
	    "bad header name");
}

/* NUL bytes are refused wherever they appear in the head. */
static void
test_reject_nul(void **state)
{
	REJECT("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n", 400,
	    "NUL in request head");
	REJECT("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "NUL in request head");
}

/* Lines end in CRLF only. */
static void
test_reject_bare_lf(void **state)
{
	REJECT("GET / HTTP/1.1\nHost: h\r\n\r\n", 400,
	    "bare LF in request head");
	REJECT("GET / HTTP/1.1\r\nHost: h\n\r\n", 400,
	    "bare LF in request head");
	REJECT("GET / HTTP/1.1\r\nHost: h\r\n\n", 400,
	    "bare LF in request head");
	REJECT("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "bare LF in request head");
}

/* A CR must be followed by LF. */
static void
test_reject_bare_cr(void **state)
{
	REJECT("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400,
	    "bare CR in request head");
	REJECT("\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "bare CR in request head");
}

/* Controls and DEL are refused in values; HTAB and obs-text are not. */
static void
test_reject_control_chars(void **state)
{
	struct http_parser		 p;
	const struct http_header	*h;

	REJECT("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01z\r\n\r\n", 400,
	    "control character in header value");
	REJECT("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fz\r\n\r\n", 400,
	    "control character in header value");
	REJECT("GET / HTTP/1.1\r\nHost: h\r\nX-A: \x1b[0m\r\n\r\n", 400,
	    "control character in header value");
	/* HTAB and obs-text are fine in a value. */
	ACCEPT(&p, "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tb\xe9\r\n\r\n");
	h = http_header_find(&p.req, "x-a");
	assert_non_null(h);
	assert_true(http_slice_eq(h->value, "a\tb\xe9"));
	http_parser_free(&p);
}

/* A few empty lines are tolerated, a flood is not. */
static void
test_leading_crlf_limit(void **state)
{
	struct http_parser	 p;

	ACCEPT(&p, "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_true(http_slice_eq(p.req.path, "/"));
	assert_memory_equal(p.req.head.data, "GET / ", 6);
	http_parser_free(&p);
	REJECT("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400,
	    "too many empty lines");
}

/* Chunk sizes are bare hex followed by CRLF or an extension. */
static void
test_reject_chunk_size_syntax(void **state)
{
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0x5\r\nhello\r\n0\r\n\r\n", 400, "bad chunk size");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n-1\r\nx\r\n0\r\n\r\n", 400, "bad chunk size");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n 5\r\nhello\r\n0\r\n\r\n", 400, "bad chunk size");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5 \r\nhello\r\n0\r\n\r\n", 400, "bad chunk size");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n\r\n", 400, "bad chunk size");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\nhello\r\n0\r\n\r\n", 400, "bad chunk size");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\rhello\r\n0\r\n\r\n", 400, "bad chunk size");
}

/* Sizes too long to hold are 400, sizes over the limit 413. */
static void
test_reject_chunk_size_huge(void **state)
{
	/* 17 digits: refused before any arithmetic can overflow. */
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n10000000000000000\r\n", 400, "bad chunk size");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n00000000000000005\r\nhello\r\n0\r\n\r\n", 400,
	    "bad chunk size");
	/* 16 digits fit, but are far beyond the body limit. */
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\nFFFFFFFFFFFFFFFF\r\n", 413, "body too large (body_max)");
}

/* Leading zeros are fine up to 16 digits. */
static void
test_chunk_size_16_digits(void **state)
{
	struct http_parser	 p;

	ACCEPT(&p, "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n000000000000000a\r\n"
	    "0123456789\r\n0000\r\n\r\n");
	assert_int_equal(p.req.body.len, 10);
	http_parser_free(&p);
}

/* Chunk data must be followed by exactly CRLF. */
static void
test_reject_chunk_missing_crlf(void **state)
{
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\r\nhelloX\r\n0\r\n\r\n", 400,
	    "missing CRLF after chunk data");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\r\nhello\rX0\r\n\r\n", 400,
	    "missing CRLF after chunk data");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\r\nhello\n0\r\n\r\n", 400,
	    "missing CRLF after chunk data");
}

/* Extensions are skipped but bounded and free of controls. */
static void
test_chunk_extensions(void **state)
{
	struct buf	 req;
	size_t		 i;
	char		*got;

	SPLITS("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n3;a=\"b c\";d\t=e\r\nabc\r\n0;last\r\n\r\n", NULL);
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n3;a\x01\r\nabc\r\n0\r\n\r\n", 400, "bad chunk extension");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n3;a\nabc\r\n0\r\n\r\n", 400, "bad chunk extension");
	/* 4096 bytes after ';' are skipped, 4097 are refused. */
	buf_init(&req);
	for (i = 4096; i <= 4097; i++) {
		buf_reset(&req);
		buf_append_str(&req, "POST / HTTP/1.1\r\nHost: h\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n1;");
		while (req.len < 58 + i)
			buf_append_char(&req, 'e');
		buf_append_str(&req, "\r\nz\r\n0\r\n\r\n");
		got = test_http_parse_whole(req.data, req.len, NULL);
		if (i == 4096)
			assert_non_null(strstr(got, " body(1)=z"));
		else
			assert_non_null(strstr(got,
			    "status=400 reason=chunk extension too long"));
		free(got);
	}
	buf_free(&req);
}

#define TEST_HTTP_OVERHEAD_REASON \
	"chunk framing (sizes, extensions, trailers) exceeds the data by more " \
	"than chunk_overhead_max"

/* Framing may exceed the data by chunk_overhead_max, not a byte more. */
static void
test_chunk_overhead_limit(void **state)
{
	struct http_limits	 lim;
	/* Framing 6 + 2 + 3 + 2 = 13 bytes around 1 byte of data. */
	static const char	 one[] = "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n1;ab\r\nz\r\n0\r\n\r\n";
	/* Framing 3 + 2 + 3 + 8 + 2 = 18 around 1 byte: the trailer counts too. */
	static const char	 trailer[] = "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nX-T: 1\r\n\r\n";

	http_limits_default(&lim);
	lim.chunk_overhead_max = 12;
	test_http_all_splits(one, sizeof(one) - 1, NULL, &lim);
	lim.chunk_overhead_max = 11;
	test_http_reject_lim(one, sizeof(one) - 1, 400,
	    TEST_HTTP_OVERHEAD_REASON, &lim);
	lim.chunk_overhead_max = 17;
	test_http_all_splits(trailer, sizeof(trailer) - 1, NULL, &lim);
	lim.chunk_overhead_max = 16;
	test_http_reject_lim(trailer, sizeof(trailer) - 1, 400,
	    TEST_HTTP_OVERHEAD_REASON, &lim);
}

/* Append n chunks of `size` bytes of data, each with an extension of ext bytes. */
static void
test_http_chunks(struct buf *b, size_t n, size_t size, size_t ext)
{
	size_t	 i, j;

	buf_append_str(b, "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < n; i++) {
		buf_appendf(b, "%zx", size);
		if (ext > 0)
			buf_append_char(b, ';');
		for (j = 1; j < ext; j++)
			buf_append_char(b, 'e');
		buf_append_str(b, "\r\n");
		for (j = 0; j < size; j++)
			buf_append_char(b, 'd');
		buf_append_str(b, "\r\n");
	}
	buf_append_str(b, "0\r\n\r\n");
}

/*
 * 2,000 one-byte chunks with 4,000-byte extensions (8 MB of framing) are
 * refused a few chunks in; 64 KiB in 1 KiB chunks with extensions pass.
 */
static void
test_chunk_overhead_default(void **state)
{
	struct http_parser	 p;
	struct buf		 req;
	size_t			 used;

	buf_init(&req);
	test_http_chunks(&req, 2000, 1, 4000);
	assert_false(req.oom);
	used = test_http_refuse(&p, req.data, req.len, 400,
	    TEST_HTTP_OVERHEAD_REASON, NULL);
	assert_true(used < 16384 + 5 * 4010);
	http_parser_free(&p);

	buf_reset(&req);
	test_http_chunks(&req, 64, 1024, 40);
	http_parser_init(&p, NULL);
	assert_int_equal(http_parser_feed(&p, req.data, req.len, &used),
	    HTTP_PARSE_DONE);
	assert_int_equal(used, req.len);
	assert_int_equal(p.req.body.len, 64 * 1024);
	http_parser_free(&p);

	/* 1-byte chunks without extensions: 5 bytes of framing per byte, bounded too. */
	buf_reset(&req);
	test_http_chunks(&req, 8000, 1, 0);
	(void)test_http_refuse(&p, req.data, req.len, 0,
	    TEST_HTTP_OVERHEAD_REASON, NULL);
	http_parser_free(&p);
	buf_free(&req);
}

/* Trailer lines are framed strictly and bounded by the head limit. */
static void
test_chunk_trailers(void **state)
{
	struct http_limits	 lim;
	static const char	 big[] = "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\r\n\r\n";

	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\nX-T: 1\r\n folded\r\n\r\n", 400, "obs-fold not allowed");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\nX-T: 1\n\r\n", 400, "bare LF in trailer");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\nX-T: 1\rX\r\n\r\n", 400, "bare CR in trailer");
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\nX-T: \x02\r\n\r\n", 400, "control character in trailer");
	/* The trailer section has the head's budget: 80 bytes here. */
	http_limits_default(&lim);
	lim.header_block_max = 80;
	test_http_reject_lim(big, sizeof(big) - 1, 431,
	    "trailer section too large (header_block_max)", &lim);
	lim.header_block_max = 81;
	test_http_all_splits(big, sizeof(big) - 1, NULL, &lim);
}

/* An over-long request line is refused before its end arrives. */
static void
test_reject_414(void **state)
{
	struct http_parser	 p;
	struct buf		 line;

	buf_init(&line);
	buf_append_str(&line, "GET /");
	while (line.len < 8193)
		buf_append_char(&line, 'a');
	/* No CRLF yet, and already too long: refused at once. */
	(void)test_http_refuse(&p, line.data, line.len, 414,
	    "request line too long (request_line_max)", NULL);
	http_parser_free(&p);
	buf_append_str(&line, " HTTP/1.1\r\nHost: h\r\n\r\n");
	test_http_reject_lim(line.data, line.len, 414,
	    "request line too long (request_line_max)", NULL);
	buf_free(&line);
}

/* A line of exactly the limit passes, one more byte does not. */
static void
test_request_line_limit_exact(void **state)
{
	struct http_limits	 lim;
	char			*got;
	static const char	 ok[] = "GET /abcd HTTP/1.1\r\nHost: h\r\n\r\n";
	static const char	 bad[] =
	    "GET /abcde HTTP/1.1\r\nHost: h\r\n\r\n";

	http_limits_default(&lim);
	lim.request_line_max = 18;	/* "GET /abcd HTTP/1.1" */
	test_http_all_splits(ok, sizeof(ok) - 1, NULL, &lim);
	got = test_http_parse_whole(ok, sizeof(ok) - 1, &lim);
	assert_non_null(strstr(got, "res=1 "));
	free(got);
	test_http_reject_lim(bad, sizeof(bad) - 1, 414,
	    "request line too long (request_line_max)", &lim);
	/* Too long is known before the line ends. */
	test_http_reject_lim(bad, 19, 414, "request line too long (request_line_max)", &lim);
}

/* An over-large head is refused before its end arrives. */
static void
test_reject_431_size(void **state)
{
	struct http_parser	 p;
	struct buf		 req;

	buf_init(&req);
	buf_append_str(&req, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ");
	while (req.len < 16385)
		buf_append_char(&req, 'b');
	/* Refused without waiting for the end of the head. */
	(void)test_http_refuse(&p, req.data, req.len, 431,
	    "header block too large (header_block_max)", NULL);
	http_parser_free(&p);
	buf_append_str(&req, "\r\n\r\n");
	test_http_reject_lim(req.data, req.len, 431, "header block too large (header_block_max)",
	    NULL);
	buf_free(&req);
}

/* The head limit counts the final CRLF too. */
static void
test_header_block_limit_exact(void **state)
{
	struct http_limits	 lim;
	static const char	 req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	char			*got;

	http_limits_default(&lim);
	lim.header_block_max = sizeof(req) - 1;
	got = test_http_parse_whole(req, sizeof(req) - 1, &lim);
	assert_non_null(strstr(got, "res=1 consumed=27 "));
	free(got);
	lim.header_block_max--;
	test_http_reject_lim(req, sizeof(req) - 1, 431,
	    "header block too large (header_block_max)", &lim);
}

/* 100 fields pass by default, 101 do not. */
static void
test_reject_431_count(void **state)
{
	struct buf	 req;
	char		*got;
	int		 i;

	buf_init(&req);
	buf_append_str(&req, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (i = 1; i < 100; i++)
		buf_appendf(&req, "X-%d: %d\r\n", i, i);
	buf_append_str(&req, "\r\n");
	got = test_http_parse_whole(req.data, req.len, NULL);
	assert_non_null(strstr(got, "res=1 "));
	assert_non_null(strstr(got, " [X-99|99] body(0)="));
	free(got);
	req.len -= 2;
	buf_append_str(&req, "X-100: 100\r\n\r\n");
	test_http_reject_lim(req.data, req.len, 431, "too many headers (headers_max)", NULL);
	buf_free(&req);
}

/* Limits come from the caller, not from constants. */
static void
test_custom_limits(void **state)
{
	struct http_limits	 lim;
	static const char	 three[] =
	    "POST / HTTP/1.1\r\nHost: h\r\nA: 1\r\n"
	    "Content-Length: 4\r\n\r\nabcd";

	http_limits_default(&lim);
	lim.headers_max = 2;
	test_http_reject_lim(three, sizeof(three) - 1, 431, "too many headers (headers_max)",
	    &lim);
	lim.headers_max = 3;
	lim.body_max = 3;
	test_http_reject_lim(three, sizeof(three) - 1, 413, "body too large (body_max)",
	    &lim);
	lim.body_max = 4;
	test_http_all_splits(three, sizeof(three) - 1,
	    "res=1 consumed=57 method=3 name=POST target=/ path=/ query="
	    " v=11 ka=1 chunked=0 cl=1/4 expect=0 [Host|h] [A|1]"
	    " [Content-Length|4] body(4)=abcd", &lim);
}

/* A too-large Content-Length is refused from the head alone. */
static void
test_reject_413_length(void **state)
{
	struct http_parser	 p;
	static const char	 head[] = "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 1048577\r\n\r\n";
	size_t			 used;

	/* Decided from the header, before a byte of the body arrives. */
	(void)test_http_refuse(&p, head, sizeof(head) - 1, 413,
	    "body too large (body_max)", NULL);
	http_parser_free(&p);
	/* Exactly the limit is fine. */
	http_parser_init(&p, NULL);
	assert_int_equal(http_parser_feed(&p, "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 1048576\r\n\r\n", 53, &used),
	    HTTP_PARSE_NEED_MORE);
	assert_int_equal(p.state, HTTP_STATE_BODY_LENGTH);
	assert_int_equal(p.remaining, 1048576);
	http_parser_free(&p);
}

/* The decoded chunked total is held to body_max. */
static void
test_reject_413_chunked(void **state)
{
	struct http_limits	 lim;
	static const char	 req[] = "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n4\r\nefgh\r\n"
	    "3\r\nijk\r\n0\r\n\r\n";

	http_limits_default(&lim);
	lim.body_max = 11;
	test_http_all_splits(req, sizeof(req) - 1, NULL, &lim);
	lim.body_max = 10;
	test_http_reject_lim(req, sizeof(req) - 1, 413, "body too large (body_max)",
	    &lim);
}

/* Only 100-continue is an expectation we can meet. */
static void
test_reject_417(void **state)
{
	REJECT("POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n"
	    "Content-Length: 1\r\n\r\nx", 417, "unsupported expectation");
	REJECT("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, x\r\n\r\n",
	    417, "unsupported expectation");
}

/* want_continue is raised once, when the head is in and the body is not. */
static void
test_expect_continue(void **state)
{
	struct http_parser	 p;
	static const char	 head[] = "PUT /u HTTP/1.1\r\nHost: h\r\n"
	    "Expect: 100-Continue\r\nContent-Length: 5\r\n\r\n";
	size_t			 used;

	http_parser_init(&p, NULL);
	assert_int_equal(http_parser_feed(&p, head, sizeof(head) - 1, &used),
	    HTTP_PARSE_NEED_MORE);
	assert_int_equal(used, sizeof(head) - 1);
	assert_int_equal(p.want_continue, 1);
	assert_int_equal(p.req.expect_continue, 1);
	assert_true(http_parser_head_done(&p));
	p.want_continue = 0;	/* the executor sent "100 Continue" */
	assert_int_equal(http_parser_feed(&p, "he", 2, &used),
	    HTTP_PARSE_NEED_MORE);
	assert_int_equal(p.want_continue, 0);
	assert_int_equal(http_parser_feed(&p, "llo", 3, &used),
	    HTTP_PARSE_DONE);
	assert_int_equal(p.want_continue, 0);
	assert_memory_equal(p.req.body.data, "hello", 5);
	http_parser_free(&p);
}

/* No 100 Continue without a body still to come, nor for HTTP/1.0. */
static void
test_expect_continue_not_due(void **state)
{
	struct http_parser	 p;
	static const char	 head10[] = "POST / HTTP/1.0\r\n"
	    "Expect: 100-continue\r\nContent-Length: 1\r\n\r\n";
	size_t			 used;

	/* No body due: nothing to continue. */
	ACCEPT(&p, "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n");
	assert_int_equal(p.want_continue, 0);
	http_parser_free(&p);
	/* Whole body already here. */
	ACCEPT(&p, "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
	    "Content-Length: 1\r\n\r\nx");
	assert_int_equal(p.want_continue, 0);
	http_parser_free(&p);
	/* HTTP/1.0 clients must be ignored here (RFC 9110 10.1.1). */
	http_parser_init(&p, NULL);
	assert_int_equal(http_parser_feed(&p, head10, sizeof(head10) - 1,
	    &used), HTTP_PARSE_NEED_MORE);
	assert_int_equal(used, sizeof(head10) - 1);
	assert_int_equal(p.want_continue, 0);
	assert_int_equal(p.req.expect_continue, 0);
	http_parser_free(&p);
}

/* A too-large body is refused before any 100 Continue. */
static void
test_expect_continue_413(void **state)
{
	struct http_parser	 p;
	static const char	 head[] = "PUT /u HTTP/1.1\r\nHost: h\r\n"
	    "Expect: 100-continue\r\nContent-Length: 2000000\r\n\r\n";

	(void)test_http_refuse(&p, head, sizeof(head) - 1, 413, NULL, NULL);
	assert_int_equal(p.want_continue, 0);
	http_parser_free(&p);
}

/* HTTP/1.1 needs exactly one Host; any version refuses two. */
static void
test_reject_host(void **state)
{
	struct http_parser	 p;

	REJECT("GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n", 400, "missing Host");
	REJECT("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400,
	    "duplicate Host");
	REJECT("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400,
	    "duplicate Host");
	REJECT("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400,
	    "duplicate Host");
	REJECT("GET http://a/ HTTP/1.1\r\n\r\n", 400, "missing Host");
	ACCEPT(&p, "GET / HTTP/1.0\r\n\r\n");
	http_parser_free(&p);
}

/* Reset clears an error and the previous request for the next one. */
static void
test_reset_and_reuse(void **state)
{
	struct http_parser	 p;
	size_t			 used;

	http_parser_init(&p, NULL);
	assert_int_equal(http_parser_feed(&p, "GET / HTTP/1.1\r\n\r\n", 18,
	    &used), HTTP_PARSE_ERROR);
	http_parser_reset(&p);
	assert_int_equal(p.state, HTTP_STATE_HEAD);
	assert_int_equal(p.error_status, 0);
	assert_null(p.error_reason);
	assert_false(http_parser_head_done(&p));
	assert_int_equal(p.limits.body_max, 1048576);
	assert_int_equal(http_parser_feed(&p,
	    "POST /p?q HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok", 52,
	    &used), HTTP_PARSE_DONE);
	assert_int_equal(used, 52);
	assert_true(http_slice_eq(p.req.query, "q"));
	assert_int_equal(p.req.nheaders, 2);
	http_parser_reset(&p);
	assert_int_equal(p.req.body.len, 0);
	assert_int_equal(p.req.nheaders, 0);
	assert_int_equal(p.req.has_content_length, 0);
	http_parser_free(&p);
}

/* Partial input is all taken, and empty feeds are harmless. */
static void
test_need_more_then_empty_feed(void **state)
{
	struct http_parser	 p;
	size_t			 used = 99;

	http_parser_init(&p, NULL);
	assert_int_equal(http_parser_feed(&p, "", 0, &used),
	    HTTP_PARSE_NEED_MORE);
	assert_int_equal(used, 0);
	assert_int_equal(http_parser_feed(&p, "GET / HT", 8, &used),
	    HTTP_PARSE_NEED_MORE);
	assert_int_equal(used, 8);
	assert_false(http_parser_head_done(&p));
	http_parser_free(&p);
}

/* Exact and case-insensitive slice comparison, lengths included. */
static void
test_slices(void **state)
{
	struct http_slice	 s = { "Content-Type", 12 };
	struct http_slice	 e = { "", 0 };

	assert_true(http_slice_eq(s, "Content-Type"));
	assert_false(http_slice_eq(s, "content-type"));
	assert_false(http_slice_eq(s, "Content-Typ"));
	assert_true(http_slice_caseeq(s, "cONTENT-tYPE"));
	assert_false(http_slice_caseeq(s, "Content-Types"));
	assert_true(http_slice_eq(e, ""));
	assert_true(http_slice_caseeq(e, ""));
}

/* The first of repeated fields is the one found. */
static void
test_header_find_first(void **state)
{
	struct http_parser		 p;
	const struct http_header	*h;

	ACCEPT(&p, "GET / HTTP/1.1\r\nHost: h\r\nX-Dup: first\r\n"
	    "x-dup: second\r\n\r\n");
	h = http_header_find(&p.req, "X-DUP");
	assert_non_null(h);
	assert_true(http_slice_eq(h->value, "first"));
	assert_true(http_slice_eq(h->name, "X-Dup"));
	http_parser_free(&p);
}

/* Both hex cases, form mode, and bad escapes that leave out untouched. */
static void
test_percent_decode(void **state)
{
	struct buf	 b;

	buf_init(&b);
	assert_int_equal(http_percent_decode(&b, "a%20b%2fc%2F+d", 14, 0), 0);
	assert_string_equal(buf_cstr(&b), "a b/c/+d");
	buf_reset(&b);
	assert_int_equal(http_percent_decode(&b, "a+b%2Bc", 7, 1), 0);
	assert_string_equal(buf_cstr(&b), "a b+c");
	buf_reset(&b);
	assert_int_equal(http_percent_decode(&b, "%00%ff", 6, 0), 0);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.data, "\0\xff", 2);
	buf_reset(&b);
	assert_int_equal(http_percent_decode(&b, "", 0, 1), 0);
	assert_int_equal(b.len, 0);
	/* Appends, and leaves out untouched on failure. */
	buf_reset(&b);
	buf_append_str(&b, "keep");
	assert_int_equal(http_percent_decode(&b, "x%G1", 4, 0), -1);
	assert_string_equal(buf_cstr(&b), "keep");
	assert_int_equal(http_percent_decode(&b, "ab%4", 4, 0), -1);
	assert_int_equal(http_percent_decode(&b, "ab%", 3, 0), -1);
	assert_int_equal(http_percent_decode(&b, "%%41", 4, 0), -1);
	assert_string_equal(buf_cstr(&b), "keep");
	assert_int_equal(http_percent_decode(&b, "%41%62", 6, 0), 0);
	assert_string_equal(buf_cstr(&b), "keepAb");
	buf_free(&b);
}

/* Run every parser test; cmocka reports per test. */
/* A TLS ClientHello on the plain port gets a 400 that says what happened. */
static void
test_tls_on_plain_port(void **state)
{
	REJECT("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400,
	    "TLS handshake on a plain HTTP port (use https on the tls_listen port)");
	/* after a leading CRLF it is still caught */
	REJECT("\r\n\x16\x03\x01\x00\x05", 400,
	    "TLS handshake on a plain HTTP port (use https on the tls_listen port)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_default),
		cmocka_unit_test(test_tls_on_plain_port),
		cmocka_unit_test(test_get_fields),
		cmocka_unit_test(test_split_get),
		cmocka_unit_test(test_split_post_length),
		cmocka_unit_test(test_split_chunked),
		cmocka_unit_test(test_split_http10),
		cmocka_unit_test(test_split_absolute),
		cmocka_unit_test(test_split_leading_crlf),
		cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_done_takes_nothing_more),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_target_forms),
		cmocka_unit_test(test_reject_target_forms),
		cmocka_unit_test(test_reject_fragment),
		cmocka_unit_test(test_reject_request_line_spacing),
		cmocka_unit_test(test_reject_version),
		cmocka_unit_test(test_reject_cl_with_te),
		cmocka_unit_test(test_reject_duplicate_cl),
		cmocka_unit_test(test_reject_cl_list),
		cmocka_unit_test(test_reject_cl_syntax),
		cmocka_unit_test(test_cl_ows_and_zero),
		cmocka_unit_test(test_reject_te_codings),
		cmocka_unit_test(test_reject_te_repeated),
		cmocka_unit_test(test_reject_te_http10),
		cmocka_unit_test(test_te_case_insensitive),
		cmocka_unit_test(test_reject_obs_fold),
		cmocka_unit_test(test_reject_space_before_colon),
		cmocka_unit_test(test_reject_bad_header_name),
		cmocka_unit_test(test_reject_nul),
		cmocka_unit_test(test_reject_bare_lf),
		cmocka_unit_test(test_reject_bare_cr),
		cmocka_unit_test(test_reject_control_chars),
		cmocka_unit_test(test_leading_crlf_limit),
		cmocka_unit_test(test_reject_chunk_size_syntax),
		cmocka_unit_test(test_reject_chunk_size_huge),
		cmocka_unit_test(test_chunk_size_16_digits),
		cmocka_unit_test(test_reject_chunk_missing_crlf),
		cmocka_unit_test(test_chunk_extensions),
		cmocka_unit_test(test_chunk_trailers),
		cmocka_unit_test(test_chunk_overhead_limit),
		cmocka_unit_test(test_chunk_overhead_default),
		cmocka_unit_test(test_reject_414),
		cmocka_unit_test(test_request_line_limit_exact),
		cmocka_unit_test(test_reject_431_size),
		cmocka_unit_test(test_header_block_limit_exact),
		cmocka_unit_test(test_reject_431_count),
		cmocka_unit_test(test_custom_limits),
		cmocka_unit_test(test_reject_413_length),
		cmocka_unit_test(test_reject_413_chunked),
		cmocka_unit_test(test_reject_417),
		cmocka_unit_test(test_expect_continue),
		cmocka_unit_test(test_expect_continue_not_due),
		cmocka_unit_test(test_expect_continue_413),
		cmocka_unit_test(test_reject_host),
		cmocka_unit_test(test_reset_and_reuse),
		cmocka_unit_test(test_need_more_then_empty_feed),
		cmocka_unit_test(test_slices),
		cmocka_unit_test(test_header_find_first),
		cmocka_unit_test(test_percent_decode),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
