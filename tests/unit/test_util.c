/* test_util: the strict decimal parser, the monotonic clock helpers and access lines. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/num.h"
#include "util/time.h"

/* Parse a C string whole; the value, or -1 refused. */
static int
parse(const char *s, uint64_t max, uint64_t *v)
{
	return (num_parse_u64(s, strlen(s), max, v));
}

/* Digits only, up to max, and every uint64_t is reachable. */
static void
test_num_accepts(void **state)
{
	uint64_t	 v;

	(void)state;
	assert_int_equal(parse("0", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse("00042", UINT64_MAX, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse("100", 100, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(parse("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	/* Only the given span counts, not what follows it. */
	assert_int_equal(num_parse_u64("12ms", 2, UINT64_MAX, &v), 0);
	assert_int_equal(v, 12);
}

/* Signs, spaces, other bytes, nothing, and anything past max are refused. */
static void
test_num_refuses(void **state)
{
	const char	*bad[] = { "", "+5", "-5", " 5", "5 ", "5x", "0x10", "1.5",
	    "18446744073709551616", "99999999999999999999999" };
	uint64_t	 v = 7;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], UINT64_MAX, &v), -1);
		assert_int_equal(v, 7);
	}
	assert_int_equal(parse("101", 100, &v), -1);
	assert_int_equal(parse("1000", 100, &v), -1);
	assert_int_equal(parse("1", 0, &v), -1);
	assert_int_equal(parse("0", 0, &v), 0);
	assert_int_equal(num_parse_u64(NULL, 0, UINT64_MAX, &v), -1);
}

/* The three clocks are one clock in different units, and never go back. */
static void
test_time_now(void **state)
{
	uint64_t	 ms, us, ns, ms2;

	(void)state;
	ms = time_now_ms();
	us = time_now_us();
	ns = time_now_ns();
	ms2 = time_now_ms();
	assert_true(ms > 0);
	assert_true(us / 1000 >= ms);
	assert_true(ns / 1000 >= us);
	assert_true(ms2 >= ms && ms2 <= ns / 1000000 + 1);
}

/* Spans become timevals with the remainder in microseconds. */
static void
test_time_timeval(void **state)
{
	struct timeval	 tv;

	(void)state;
	tv = time_ms_to_timeval(0);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 0);
	tv = time_ms_to_timeval(2500);
	assert_int_equal(tv.tv_sec, 2);
	assert_int_equal(tv.tv_usec, 500000);
	tv = time_us_to_timeval(1000001);
	assert_int_equal(tv.tv_sec, 1);
	assert_int_equal(tv.tv_usec, 1);
	tv = time_seconds_to_timeval(1.25);
	assert_int_equal(tv.tv_sec, 1);
	assert_int_equal(tv.tv_usec, 250000);
	tv = time_seconds_to_timeval(-3);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 0);
}

/* A deadline lies ms ahead on the monotonic clock, normalised. */
static void
test_time_deadline(void **state)
{
	struct timespec	 ts;
	uint64_t	 before, at;

	(void)state;
	before = time_now_ns();
	ts = time_deadline_ms(1500);
	at = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
	assert_true(at >= before + 1500000000ULL);
	assert_true(at <= time_now_ns() + 1500000000ULL);
}

/* One default-format access line for e, without its time: what follows "...Z ". */
static void
access_line(const struct access_entry *e, char *out, size_t len)
{
	char	 path[] = "/tmp/test_util.XXXXXX", line[512], *sp;
	FILE	*f;
	int	 fd;

	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_int_equal(log_access_open(path, line, sizeof(line)), 0);
	log_access_set_format(LOG_ACCESS_DEFAULT);
	log_access(e);
	log_access_close();
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(path);
	/* 2026-01-02T03:04:05.678Z */
	assert_true(strlen(line) > 25);
	assert_true(line[4] == '-' && line[10] == 'T' && line[19] == '.' && line[23] == 'Z');
	assert_non_null(sp = strchr(line, ' '));
	assert_int_equal(sp - line, 24);
	snprintf(out, len, "%s", sp + 1);
}

/* Numbers written without printf read as printf's would; odd bytes are escaped. */
static void
test_access_default(void **state)
{
	struct access_entry	 e;
	char			 got[512];

	(void)state;
	memset(&e, 0, sizeof(e));
	e.client = "127.0.0.1:5";
	e.method = "GET";
	e.target = "/a b\"c\\d\x01";
	e.status = 200;
	e.bytes = 1234567890123ULL;
	e.duration_ms = (double)38843 / 1000.0;
	access_line(&e, got, sizeof(got));
	assert_string_equal(got, "127.0.0.1:5 \"GET /a b\\x22c\\x5Cd\\x01\" 200 1234567890123 38.843ms\n");
	e.status = -3;
	e.bytes = 0;
	e.duration_ms = 0.0005;		/* no whole microsecond: printf rounds */
	e.note = "client-gone";
	access_line(&e, got, sizeof(got));
	assert_string_equal(got, "127.0.0.1:5 \"GET /a b\\x22c\\x5Cd\\x01\" -3 0 0.001ms client-gone\n");
	e.status = 404;
	e.duration_ms = (double)604 / 1000.0;
	e.note = NULL;
	access_line(&e, got, sizeof(got));
	assert_string_equal(got, "127.0.0.1:5 \"GET /a b\\x22c\\x5Cd\\x01\" 404 0 0.604ms\n");
	e.duration_ms = 0.0;
	access_line(&e, got, sizeof(got));
	assert_string_equal(got, "127.0.0.1:5 \"GET /a b\\x22c\\x5Cd\\x01\" 404 0 0.000ms\n");
	e.duration_ms = (double)1000001 / 1000.0;
	access_line(&e, got, sizeof(got));
	assert_string_equal(got, "127.0.0.1:5 \"GET /a b\\x22c\\x5Cd\\x01\" 404 0 1000.001ms\n");
}

/* Helpers fail in one line: the buffer gets the words, the caller gets -1. */
static void
test_err_set(void **state)
{
	char	 err[32];

	assert_int_equal(err_set(err, sizeof(err), "bad %s %d", "port", 70000), -1);
	assert_string_equal(err, "bad port 70000");
	assert_int_equal(err_set(NULL, 0, "nowhere %d", 1), -1);
	assert_int_equal(err_set(err, 8, "%s", "truncated text"), -1);
	assert_string_equal(err, "truncat");
	assert_int_equal(err_set_errno(err, sizeof(err), "open", ENOENT), -1);
	assert_string_equal(err, "open: No such file or directory");
	assert_int_equal(err_set_errno(err, sizeof(err), "just this", 0), -1);
	assert_string_equal(err, "just this");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_set),
		cmocka_unit_test(test_num_accepts),
		cmocka_unit_test(test_num_refuses),
		cmocka_unit_test(test_time_now),
		cmocka_unit_test(test_time_timeval),
		cmocka_unit_test(test_time_deadline),
		cmocka_unit_test(test_access_default),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
