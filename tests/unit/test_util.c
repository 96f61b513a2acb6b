/* test_util: the strict decimal parser and the monotonic clock helpers. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "util/err.h"
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
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
