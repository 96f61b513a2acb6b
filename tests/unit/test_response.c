/* test_response: reason phrases, the IMF-fixdate, and response heads byte for byte. */
#include "autoconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/buf.h"
#include "core/response.h"

#define T_NOW	((time_t)784111777)	/* RFC 9110's example date */
#define T_DATE	"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
#define T_SERVER "Server: echofetch/" PACKAGE_VERSION "\r\n"

/* Registered codes have their phrase; anything else says Unknown. */
static void
test_status_text(void **state)
{
	assert_string_equal(response_status_text(100), "Continue");
	assert_string_equal(response_status_text(200), "OK");
	assert_string_equal(response_status_text(204), "No Content");
	assert_string_equal(response_status_text(226), "IM Used");
	assert_string_equal(response_status_text(301), "Moved Permanently");
	assert_string_equal(response_status_text(308), "Permanent Redirect");
	assert_string_equal(response_status_text(400), "Bad Request");
	assert_string_equal(response_status_text(404), "Not Found");
	assert_string_equal(response_status_text(405), "Method Not Allowed");
	assert_string_equal(response_status_text(408), "Request Timeout");
	assert_string_equal(response_status_text(413), "Content Too Large");
	assert_string_equal(response_status_text(414), "URI Too Long");
	assert_string_equal(response_status_text(417), "Expectation Failed");
	assert_string_equal(response_status_text(418), "I'm a teapot");
	assert_string_equal(response_status_text(431), "Request Header Fields Too Large");
	assert_string_equal(response_status_text(451), "Unavailable For Legal Reasons");
	assert_string_equal(response_status_text(500), "Internal Server Error");
	assert_string_equal(response_status_text(501), "Not Implemented");
	assert_string_equal(response_status_text(503), "Service Unavailable");
	assert_string_equal(response_status_text(505), "HTTP Version Not Supported");
	assert_string_equal(response_status_text(511), "Network Authentication Required");
	assert_string_equal(response_status_text(299), "Unknown");
	assert_string_equal(response_status_text(499), "Unknown");
	assert_string_equal(response_status_text(599), "Unknown");
	assert_string_equal(response_status_text(0), "Unknown");
	assert_string_equal(response_status_text(-1), "Unknown");
}

/* IMF-fixdate, and the per-second cache gives a new value when the second changes. */
static void
test_date(void **state)
{
	assert_string_equal(response_date(T_NOW), "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_string_equal(response_date(T_NOW), "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_string_equal(response_date(T_NOW + 1), "Sun, 06 Nov 1994 08:49:38 GMT");
	assert_string_equal(response_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
	assert_string_equal(response_date((time_t)1709251199), "Thu, 29 Feb 2024 23:59:59 GMT");
}

/* Write one head and compare every byte. */
static void
check_head(const struct response_head *h, const char *want)
{
	struct buf	 b;

	buf_init(&b);
	response_write_head(&b, h, T_NOW);
	assert_false(b.oom);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

/* A JSON body with a length on a kept-alive HTTP/1.1 connection. */
static void
test_head_length(void **state)
{
	struct response_head	 h = { 200, 11, "application/json", RESPONSE_LENGTH, 42, 1, NULL };

	check_head(&h, "HTTP/1.1 200 OK\r\n" T_SERVER T_DATE
	    "Content-Type: application/json\r\n"
	    "Content-Length: 42\r\n"
	    "Connection: keep-alive\r\n"
	    "\r\n");
}

/* No type, zero length, closing, with extra lines after Connection. */
static void
test_head_extra(void **state)
{
	struct response_head	 h = { 302, 11, NULL, RESPONSE_LENGTH, 0, 0, "Location: /\r\n" };

	check_head(&h, "HTTP/1.1 302 Found\r\n" T_SERVER T_DATE
	    "Content-Length: 0\r\n"
	    "Connection: close\r\n"
	    "Location: /\r\n"
	    "\r\n");
}

/* Chunked: no Content-Length. */
static void
test_head_chunked(void **state)
{
	struct response_head	 h = { 200, 11, "application/json", RESPONSE_CHUNKED, 99, 1, NULL };

	check_head(&h, "HTTP/1.1 200 OK\r\n" T_SERVER T_DATE
	    "Content-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "Connection: keep-alive\r\n"
	    "\r\n");
}

/* HTTP/1.0 until close: no length at all, and always Connection: close. */
static void
test_head_until_close(void **state)
{
	struct response_head	 h = { 200, 10, "application/json", RESPONSE_UNTIL_CLOSE, 0, 1, NULL };

	check_head(&h, "HTTP/1.0 200 OK\r\n" T_SERVER T_DATE
	    "Content-Type: application/json\r\n"
	    "Connection: close\r\n"
	    "\r\n");
}

/* An unregistered code still makes a well-formed status line. */
static void
test_head_unknown_status(void **state)
{
	struct response_head	 h = { 599, 10, NULL, RESPONSE_LENGTH, 0, 1, NULL };

	check_head(&h, "HTTP/1.0 599 Unknown\r\n" T_SERVER T_DATE
	    "Content-Length: 0\r\n"
	    "Connection: keep-alive\r\n"
	    "\r\n");
}

/* Heads in a row: a status, version or second that changes is never served from the last one. */
static void
test_head_prefix_changes(void **state)
{
	struct response_head	 h = { 200, 11, NULL, RESPONSE_LENGTH, 0, 1, NULL };
	struct buf		 b;

	buf_init(&b);
	buf_append_lit(&b, "x");
	response_write_head(&b, &h, T_NOW);
	h.version = 10;
	response_write_head(&b, &h, T_NOW);
	h.status = 404;
	response_write_head(&b, &h, T_NOW);
	h.version = 11;
	response_write_head(&b, &h, T_NOW + 1);
	response_write_head(&b, &h, T_NOW + 1);
	assert_false(b.oom);
#define T_TAIL	"Content-Length: 0\r\nConnection: keep-alive\r\n\r\n"
	assert_string_equal(buf_cstr(&b), "x"
	    "HTTP/1.1 200 OK\r\n" T_SERVER T_DATE T_TAIL
	    "HTTP/1.0 200 OK\r\n" T_SERVER T_DATE T_TAIL
	    "HTTP/1.0 404 Not Found\r\n" T_SERVER T_DATE T_TAIL
	    "HTTP/1.1 404 Not Found\r\n" T_SERVER "Date: Sun, 06 Nov 1994 08:49:38 GMT\r\n" T_TAIL
	    "HTTP/1.1 404 Not Found\r\n" T_SERVER "Date: Sun, 06 Nov 1994 08:49:38 GMT\r\n" T_TAIL);
#undef T_TAIL
	buf_free(&b);
}

/* Every test above; cmocka prints TAP when the harness asks for it. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_head_length),
		cmocka_unit_test(test_head_extra),
		cmocka_unit_test(test_head_chunked),
		cmocka_unit_test(test_head_until_close),
		cmocka_unit_test(test_head_unknown_status),
		cmocka_unit_test(test_head_prefix_changes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
