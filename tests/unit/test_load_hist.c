/* test_load_hist: the latency histogram against exact expectations. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load/hist.h"

/* The histogram is 21 KB: keep it off the test's stack. */
static struct hist	*h1, *h2, *h3;

/* A fresh, zeroed histogram for each test. */
static int
test_setup(void **state)
{
	h1 = calloc(1, sizeof(*h1));
	h2 = calloc(1, sizeof(*h2));
	h3 = calloc(1, sizeof(*h3));
	if (h1 == NULL || h2 == NULL || h3 == NULL)
		return (-1);
	hist_init(h1);
	hist_init(h2);
	hist_init(h3);
	return (0);
}

/* Free what test_setup allocated. */
static int
test_teardown(void **state)
{
	free(h1);
	free(h2);
	free(h3);
	return (0);
}

/* true when got is in [want, want * (1 + 1/HIST_SUB)]: the documented bound. */
static void
assert_within(uint64_t got, uint64_t want)
{
	assert_true(got >= want);
	assert_true((double)got <= (double)want * (1.0 + 1.0 / HIST_SUB));
}

/* Nothing recorded: every statistic is 0. */
static void
test_empty(void **state)
{
	assert_int_equal(hist_count(h1), 0);
	assert_int_equal(hist_min(h1), 0);
	assert_int_equal(hist_max(h1), 0);
	assert_true(hist_mean(h1) == 0);
	assert_int_equal(hist_percentile(h1, 50), 0);
	assert_int_equal(hist_percentile(h1, 100), 0);
}

/* Below 2*HIST_SUB every value has its own bucket, so percentiles are exact. */
static void
test_small_exact(void **state)
{
	uint64_t	v;

	for (v = 1; v <= 100; v++)
		hist_record(h1, v);
	assert_int_equal(hist_count(h1), 100);
	assert_int_equal(hist_min(h1), 1);
	assert_int_equal(hist_max(h1), 100);
	assert_true(hist_mean(h1) == 50.5);
	assert_int_equal(hist_percentile(h1, 50), 50);
	assert_int_equal(hist_percentile(h1, 90), 90);
	assert_int_equal(hist_percentile(h1, 99), 99);
	assert_int_equal(hist_percentile(h1, 99.5), 100);
	assert_int_equal(hist_percentile(h1, 100), 100);
	assert_int_equal(hist_percentile(h1, 0), 1);
}

/* Every value maps to a bucket that holds it, no wider than the precision bound. */
static void
test_buckets(void **state)
{
	static const uint64_t	vals[] = { 0, 1, 255, 256, 257, 511, 512, 1000, 12345,
	    999999, 1000000, 100000000, HIST_MAX_US };
	size_t			i;
	unsigned int		idx;
	uint64_t		v;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		idx = hist_index(vals[i]);
		assert_true(idx < HIST_BUCKETS);
		assert_true(hist_bucket_low(idx) <= vals[i]);
		assert_true(hist_bucket_high(idx) >= vals[i]);
		if (vals[i] >= 2 * HIST_SUB)
			assert_true((double)(hist_bucket_high(idx) - hist_bucket_low(idx)) <
			    (double)hist_bucket_low(idx) / HIST_SUB);
	}
	assert_int_equal(hist_index(255), 255);
	assert_int_equal(hist_index(256), 256);
	assert_int_equal(hist_index(257), 256);
	assert_int_equal(hist_index(258), 257);
	assert_int_equal(hist_index(HIST_MAX_US), HIST_BUCKETS - 1);
	assert_int_equal(hist_index(HIST_MAX_US * 4), HIST_BUCKETS - 1);
	/* Buckets tile the range: each starts right after the last ends. */
	for (idx = 1; idx < HIST_BUCKETS; idx++)
		assert_int_equal(hist_bucket_low(idx), hist_bucket_high(idx - 1) + 1);
	assert_int_equal(hist_bucket_high(HIST_BUCKETS - 1), HIST_MAX_US);
	for (v = 0; v < 70000; v += 7)
		assert_int_equal(hist_index(v) >= hist_index(v > 0 ? v - 1 : 0), 1);
}

/* 1..100000 µs once each: percentiles within 1/HIST_SUB above the true value. */
static void
test_uniform(void **state)
{
	uint64_t	v;

	for (v = 1; v <= 100000; v++)
		hist_record(h1, v);
	assert_int_equal(hist_count(h1), 100000);
	assert_within(hist_percentile(h1, 50), 50000);
	assert_within(hist_percentile(h1, 90), 90000);
	assert_within(hist_percentile(h1, 99), 99000);
	assert_within(hist_percentile(h1, 99.9), 99900);
	assert_int_equal(hist_max(h1), 100000);
	assert_int_equal(hist_percentile(h1, 100), 100000);
	assert_true(hist_mean(h1) == 50000.5);
}

/* A fast majority and a slow tail: the tail shows only above its share. */
static void
test_skewed(void **state)
{
	int	i;

	for (i = 0; i < 990; i++)
		hist_record(h1, 1000);
	for (i = 0; i < 10; i++)
		hist_record(h1, 2000000);
	assert_within(hist_percentile(h1, 50), 1000);
	assert_within(hist_percentile(h1, 90), 1000);
	assert_within(hist_percentile(h1, 99), 1000);
	assert_int_equal(hist_percentile(h1, 99.1), 2000000);
	assert_int_equal(hist_max(h1), 2000000);
	assert_int_equal(hist_min(h1), 1000);
	assert_true(hist_mean(h1) == (990.0 * 1000 + 10.0 * 2000000) / 1000);
}

/* Percentiles never leave [min, max] even though buckets are wider. */
static void
test_clamped(void **state)
{
	hist_record(h1, 1000001);
	assert_int_equal(hist_percentile(h1, 50), 1000001);
	assert_int_equal(hist_percentile(h1, 1), 1000001);
	hist_record(h1, 300000000);	/* past HIST_MAX_US: max stays exact */
	assert_int_equal(hist_max(h1), 300000000);
	assert_int_equal(hist_percentile(h1, 100), 300000000);
	/* The top bucket's bound stands in for what it holds past HIST_MAX_US. */
	assert_int_equal(hist_percentile(h1, 99), HIST_MAX_US);
}

/* Merging two halves gives the same histogram as recording everything in one. */
static void
test_merge(void **state)
{
	uint64_t	v;

	for (v = 1; v <= 5000; v++) {
		hist_record(v % 2 ? h1 : h2, v * 37);
		hist_record(h3, v * 37);
	}
	hist_merge(h1, h2);
	assert_int_equal(hist_count(h1), 5000);
	assert_int_equal(hist_min(h1), 37);
	assert_int_equal(hist_max(h1), 5000 * 37);
	assert_true(hist_mean(h1) == hist_mean(h3));
	assert_memory_equal(h1->h_counts, h3->h_counts, sizeof(h1->h_counts));
	assert_int_equal(hist_percentile(h1, 50), hist_percentile(h3, 50));
	assert_int_equal(hist_percentile(h1, 99), hist_percentile(h3, 99));
	/* Merging an empty one changes nothing; merging into an empty one copies. */
	hist_init(h2);
	hist_merge(h1, h2);
	assert_int_equal(hist_count(h1), 5000);
	hist_merge(h2, h1);
	assert_int_equal(hist_min(h2), 37);
	assert_int_equal(hist_percentile(h2, 90), hist_percentile(h3, 90));
}


/* The standard deviation matches the exact population formula, and merges keep it. */
static void
test_stdev(void **state)
{
	uint64_t	i;

	assert_true(hist_stdev(h1) == 0);
	hist_record(h1, 100);
	assert_true(hist_stdev(h1) == 0);
	/* 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population stdev 2. */
	hist_init(h1);
	hist_record(h1, 2);
	hist_record(h1, 4);
	hist_record(h1, 4);
	hist_record(h1, 4);
	hist_record(h2, 5);
	hist_record(h2, 5);
	hist_record(h2, 7);
	hist_record(h2, 9);
	hist_merge(h1, h2);
	assert_true(hist_mean(h1) == 5);
	assert_true(fabs(hist_stdev(h1) - 2.0) < 1e-9);
	/* A constant stream has no spread, however large. */
	for (i = 0; i < 1000; i++)
		hist_record(h3, 123456);
	assert_true(hist_stdev(h3) < 1e-6);
}

/* The tail percentiles the --latency table prints: p99.9 and p99.99 pick out rare outliers. */
static void
test_tail_percentiles(void **state)
{
	uint64_t	i;

	/* 100,000 values: all 100 us but 10 at 50 ms (0.01%) and 90 at 5 ms (0.09%). */
	for (i = 0; i < 99900; i++)
		hist_record(h1, 100);
	for (i = 0; i < 90; i++)
		hist_record(h1, 5000);
	for (i = 0; i < 10; i++)
		hist_record(h1, 50000);
	assert_int_equal(hist_percentile(h1, 50), 100);
	assert_int_equal(hist_percentile(h1, 75), 100);
	assert_int_equal(hist_percentile(h1, 99), 100);
	assert_in_range(hist_percentile(h1, 99.9), 5000, 5000 + 5000 / HIST_SUB);
	assert_in_range(hist_percentile(h1, 99.95), 5000, 5000 + 5000 / HIST_SUB);
	assert_in_range(hist_percentile(h1, 99.99), 5000, 5000 + 5000 / HIST_SUB);
	assert_in_range(hist_percentile(h1, 99.995), 50000, 50000 + 50000 / HIST_SUB);
	assert_in_range(hist_percentile(h1, 100), 50000, 50000 + 50000 / HIST_SUB);
}

/* Every test gets fresh histograms from test_setup. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_small_exact, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_buckets, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_uniform, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_skewed, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_clamped, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_merge, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_stdev, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_tail_percentiles, test_setup, test_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
