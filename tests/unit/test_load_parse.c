/* test_load_parse: the response parser, in place and on an evbuffer, split at every byte. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "load/client.h"
#include "load/parse.h"

static const char	 chunked[] =
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 200 OK\r\nServer: x\r\nTransfer-Encoding: chunked\r\n"
    "Connection: keep-alive\r\n\r\n"
    "5\r\nhello\r\na;ext=1\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";

/* A client as client_send leaves it, on a run of GET requests. */
static void
test_client(struct load_client *clt, struct load_run *run)
{
	memset(clt, 0, sizeof(*clt));
	clt->clt_run = run;
	clt->clt_resp = RESP_STATUS;
	clt->clt_length = -1;
}

/* The first k bytes in place (what is left kept), the rest through the evbuffer: same result. */
static void
test_split_everywhere(void **state)
{
	struct load_run		*run = calloc(1, sizeof(*run));
	struct load_client	 clt;
	struct evbuffer		*in;
	size_t			 len = strlen(chunked), k, used;
	int			 rc;

	assert_non_null(run);
	for (k = 0; k <= len; k++) {
		test_client(&clt, run);
		in = evbuffer_new();
		assert_non_null(in);
		rc = parse_flat(&clt, chunked, k, &used);
		assert_true(used <= k);
		assert_int_equal(rc, k == len ? 1 : 0);
		evbuffer_add(in, chunked + used, len - used);
		if (rc == 0)
			rc = parse_http(&clt, in);
		assert_int_equal(rc, 1);
		assert_int_equal(clt.clt_status, 200);
		assert_int_equal(evbuffer_get_length(in), 0);
		evbuffer_free(in);
	}
	free(run);
}

/* A Content-Length body ends the response; bytes after it are not consumed. */
static void
test_length_then_extra(void **state)
{
	struct load_run		*run = calloc(1, sizeof(*run));
	struct load_client	 clt;
	const char		*r = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n"
				    "Connection: Keep-Alive\r\n\r\nabcHTTP/1.1";
	size_t			 used;

	assert_non_null(run);
	test_client(&clt, run);
	assert_int_equal(parse_flat(&clt, r, strlen(r), &used), 1);
	assert_int_equal(used, strlen(r) - strlen("HTTP/1.1"));
	assert_int_equal(clt.clt_keep, 1);
	assert_int_equal(clt.clt_minor, 0);
	free(run);
}

/* A header line past the line limit is a bad response, found in place and on the evbuffer. */
static void
test_long_line(void **state)
{
	struct load_run		*run = calloc(1, sizeof(*run));
	struct load_client	 clt;
	struct evbuffer		*in = evbuffer_new();
	char			*big = malloc(20000);
	size_t			 used;

	assert_non_null(run);
	assert_non_null(in);
	assert_non_null(big);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(big + 20, 'a', 20000 - 20);
	test_client(&clt, run);
	assert_int_equal(parse_flat(&clt, big, 20000, &used), -1);
	test_client(&clt, run);
	evbuffer_add(in, big, 20000);
	assert_int_equal(parse_http(&clt, in), -1);
	evbuffer_free(in);
	free(big);
	free(run);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_length_then_extra),
		cmocka_unit_test(test_long_line),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
