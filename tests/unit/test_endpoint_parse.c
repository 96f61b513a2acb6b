/* test_endpoint_parse: Range, Basic credentials, Cookie, ETag lists and Accept-Encoding, without sockets. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/buf.h"
#include "core/endpoint_more.h"

struct range_case {
	const char		*in;
	unsigned long long	 size;
	int			 rc;
	unsigned long long	 first;
	unsigned long long	 last;
};

static const struct range_case range_cases[] = {
	{ "bytes=0-9", 30, 1, 0, 9 },
	{ " bytes=2-5 ", 30, 1, 2, 5 },
	{ "bytes=10-", 30, 1, 10, 29 },
	{ "bytes=-3", 30, 1, 27, 29 },
	{ "bytes=-100", 30, 1, 0, 29 },
	{ "bytes=0-100", 30, 1, 0, 29 },	/* clamped, RFC 9110 14.1.2 */
	{ "bytes=29-29", 30, 1, 29, 29 },
	{ "bytes=30-", 30, -1, 0, 0 },
	{ "bytes=5-4", 30, -1, 0, 0 },
	{ "bytes=-0", 30, -1, 0, 0 },
	{ "bytes=0-1,4-5", 30, 0, 0, 0 },	/* a list: the whole body */
	{ "items=0-1", 30, 0, 0, 0 },
	{ "bytes=-", 30, 0, 0, 0 },
	{ "bytes=a-b", 30, 0, 0, 0 },
	{ "bytes=1-2x", 30, 0, 0, 0 },
	{ "bytes=99999999999999999999-", 30, 0, 0, 0 },
	{ "", 30, 0, 0, 0 },
};

/* Every Range form httpbin's clients send, and the ones to ignore. */
static void
test_range(void **state)
{
	struct endpoint_range	 r;
	size_t			 i;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]); i++) {
		const struct range_case *c = &range_cases[i];

		r.first = r.last = 12345;
		rc = endpoint_parse_range(c->in, strlen(c->in), c->size, &r);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d", c->in, rc, c->rc);
		if (rc == 1 && (r.first != c->first || r.last != c->last))
			fail_msg("%s: %llu-%llu, want %llu-%llu", c->in, r.first, r.last,
			    c->first, c->last);
	}
}

/* Basic credentials: the scheme in any case, the first ':' splits, bad base64 refused. */
static void
test_basic(void **state)
{
	struct buf	 b;
	size_t		 ulen = 99;

	(void)state;
	buf_init(&b);
	assert_int_equal(endpoint_parse_basic("Basic dXNlcjpwYXNz", 18, &b, &ulen), 0);
	assert_int_equal(ulen, 4);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "user:pass", 9);
	buf_reset(&b);
	/* "u:p:q": the password keeps its colon */
	assert_int_equal(endpoint_parse_basic("basic  dTpwOnE=", 15, &b, &ulen), 0);
	assert_int_equal(ulen, 1);
	assert_memory_equal(b.data, "u:p:q", 5);
	buf_reset(&b);
	assert_int_equal(endpoint_parse_basic("Basic dXNlcg==", 14, &b, &ulen), -1);	/* no ':' */
	buf_reset(&b);
	assert_int_equal(endpoint_parse_basic("Basic d*Nl", 10, &b, &ulen), -1);
	buf_reset(&b);
	assert_int_equal(endpoint_parse_basic("Bearer dXNlcjpwYXNz", 19, &b, &ulen), -1);
	buf_free(&b);
}

/* Pairs split at ';', spaces and quotes trimmed, junk pieces skipped. */
static void
test_cookie(void **state)
{
	const char	*in = " a=1;b = \"two\" ;junk; =x;c=", *n, *v;
	size_t		 pos = 0, nlen, vlen, len = strlen(in);

	(void)state;
	assert_int_equal(endpoint_parse_cookie(in, len, &pos, &n, &nlen, &v, &vlen), 1);
	assert_int_equal(nlen, 1);
	assert_memory_equal(n, "a", 1);
	assert_int_equal(vlen, 1);
	assert_memory_equal(v, "1", 1);
	assert_int_equal(endpoint_parse_cookie(in, len, &pos, &n, &nlen, &v, &vlen), 1);
	assert_int_equal(nlen, 1);
	assert_memory_equal(n, "b", 1);
	assert_int_equal(vlen, 3);
	assert_memory_equal(v, "two", 3);
	assert_int_equal(endpoint_parse_cookie(in, len, &pos, &n, &nlen, &v, &vlen), 1);
	assert_memory_equal(n, "c", 1);
	assert_int_equal(vlen, 0);
	assert_int_equal(endpoint_parse_cookie(in, len, &pos, &n, &nlen, &v, &vlen), 0);
	pos = 0;
	assert_int_equal(endpoint_parse_cookie("", 0, &pos, &n, &nlen, &v, &vlen), 0);
}

/* W/ and quotes do not matter, "*" matches anything, a prefix is not a match. */
static void
test_etag(void **state)
{
	(void)state;
	assert_int_equal(endpoint_parse_etag_match("\"abc\"", 5, "abc", 3), 1);
	assert_int_equal(endpoint_parse_etag_match("x, W/\"abc\"", 10, "abc", 3), 1);
	assert_int_equal(endpoint_parse_etag_match("abc", 3, "abc", 3), 1);
	assert_int_equal(endpoint_parse_etag_match("*", 1, "abc", 3), 1);
	assert_int_equal(endpoint_parse_etag_match("\"ab\", \"abcd\"", 12, "abc", 3), 0);
	assert_int_equal(endpoint_parse_etag_match("", 0, "abc", 3), 0);
}

/* gzip or * without q=0; other codings and x-gzip do not count. */
static void
test_accepts_gzip(void **state)
{
#define AG(s)	endpoint_parse_accepts_gzip(s, strlen(s))
	(void)state;
	assert_int_equal(AG("gzip"), 1);
	assert_int_equal(AG("deflate, GZIP;q=0.5"), 1);
	assert_int_equal(AG("*"), 1);
	assert_int_equal(AG("gzip;q=0"), 0);
	assert_int_equal(AG("gzip; q=0.000"), 0);
	assert_int_equal(AG("gzip;q=0.001"), 1);
	assert_int_equal(AG("x-gzip, br"), 0);
	assert_int_equal(AG("identity"), 0);
	assert_int_equal(AG(""), 0);
#undef AG
}

/* A decoded CR or LF must never reach a response head. */
static void
test_header_safe(void **state)
{
	(void)state;
	assert_int_equal(endpoint_parse_header_safe("http://x/y\tz", 12), 1);
	assert_int_equal(endpoint_parse_header_safe("a\r\nb", 4), 0);
	assert_int_equal(endpoint_parse_header_safe("a\x7f", 2), 0);
	assert_int_equal(endpoint_parse_header_safe("a\0b", 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_etag),
		cmocka_unit_test(test_accepts_gzip),
		cmocka_unit_test(test_header_safe),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
