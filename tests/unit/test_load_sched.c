/* test_load_sched: the --rate schedule and the coordinated-omission correction. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "load/hist.h"
#include "load/sched.h"

/* Request i is due at t0 + i / rate, whatever the clock says. */
static void
test_start(void **state)
{
	assert_int_equal(sched_start(1000, 100, 0), 1000);
	assert_int_equal(sched_start(1000, 100, 1), 11000);
	assert_int_equal(sched_start(1000, 100, 250), 1000 + 2500000);
	assert_int_equal(sched_start(0, 3, 1), 333333);
	assert_int_equal(sched_start(0, 1e6, 7), 7);
}

/* Due counts: one at t0, one more per period, none before t0, capped. */
static void
test_due(void **state)
{
	assert_int_equal(sched_due(5000, 100, 0, 4999), 0);
	assert_int_equal(sched_due(5000, 100, 0, 5000), 1);
	assert_int_equal(sched_due(5000, 100, 0, 14999), 1);
	assert_int_equal(sched_due(5000, 100, 0, 15000), 2);
	assert_int_equal(sched_due(5000, 100, 0, 5000 + 1000000), 101);
	assert_int_equal(sched_due(5000, 100, 25, 5000 + 1000000), 25);
}

/*
 * One connection that takes 50 ms per request, asked for 100 requests/s: the
 * requests queue behind each other. Measured from the send, every latency is
 * 50 ms and the tail is invisible (coordinated omission); from the intended
 * start, request i waits i * 40 ms more, as a real user arriving then would.
 */
static void
test_coordinated_omission(void **state)
{
	static struct hist	corrected, naive;
	uint64_t		t0 = 1000000, free_at = t0, start, sent, done;
	unsigned long long	i;

	hist_init(&corrected);
	hist_init(&naive);
	for (i = 0; i < 20; i++) {
		start = sched_start(t0, 100, i);
		sent = start > free_at ? start : free_at;
		done = sent + 50000;
		free_at = done;
		hist_record(&corrected, sched_latency(start, done));
		hist_record(&naive, done - sent);
	}
	assert_int_equal(hist_max(&naive), 50000);
	assert_int_equal(hist_min(&corrected), 50000);
	assert_int_equal(hist_max(&corrected), 50000 + 19 * 40000);
	assert_true(hist_percentile(&corrected, 50) > 400000);
	assert_int_equal(sched_latency(10, 5), 0);
}

/* Each test stands alone. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_coordinated_omission),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
