/* test_fetch_queue: slots, the bounded FIFO, cancellation and the stats it keeps. */
#include "autoconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/fetch_queue.h"
#include "core/stats.h"

static int	 items[4000];

/* Slots first, then the line, then FULL; stats follow every step. */
static void
test_admit_order(void **state)
{
	struct fetch_queue	 q;
	struct stats		 st;
	void			*next;

	stats_init(&st);
	fetch_queue_init(&q, 2, 2);
	assert_int_equal(fetch_queue_admit(&q, &st, 100, 0, &items[0]), FETCH_QUEUE_RUN);
	assert_int_equal(fetch_queue_admit(&q, &st, 100, 0, &items[1]), FETCH_QUEUE_RUN);
	assert_int_equal(fetch_queue_admit(&q, &st, 110, 0, &items[2]), FETCH_QUEUE_WAIT);
	assert_int_equal(fetch_queue_admit(&q, &st, 120, 0, &items[3]), FETCH_QUEUE_WAIT);
	assert_int_equal(fetch_queue_admit(&q, &st, 130, 0, &items[4]), FETCH_QUEUE_FULL);
	assert_int_equal(q.active, 2);
	assert_int_equal(q.queued, 2);
	assert_int_equal(st.fetch_active, 2);
	assert_int_equal(st.fetch_queued, 2);
	assert_int_equal(st.fetch_total, 2);
	assert_int_equal(st.fetch_rejected, 1);

	/* first in, first out; the slot passes straight on */
	assert_int_equal(fetch_queue_release(&q, &st, 150, 0, &next), 1);
	assert_ptr_equal(next, &items[2]);
	assert_int_equal(st.fetch_wait_ms_total, 40);
	assert_int_equal(fetch_queue_release(&q, &st, 170, 0, &next), 1);
	assert_ptr_equal(next, &items[3]);
	assert_int_equal(st.fetch_wait_ms_total, 40 + 50);
	assert_int_equal(q.active, 2);
	assert_int_equal(q.queued, 0);
	assert_int_equal(st.fetch_active, 2);
	assert_int_equal(st.fetch_queued, 0);
	assert_int_equal(st.fetch_total, 4);

	/* nobody waits: slots free up */
	assert_int_equal(fetch_queue_release(&q, &st, 200, 0, &next), 0);
	assert_null(next);
	assert_int_equal(fetch_queue_release(&q, &st, 200, 0, &next), 0);
	assert_int_equal(q.active, 0);
	assert_int_equal(st.fetch_active, 0);
	/* an extra release does not underflow */
	assert_int_equal(fetch_queue_release(&q, &st, 200, 0, &next), 0);
	assert_int_equal(q.active, 0);
	assert_int_equal(st.fetch_active, 0);
	assert_int_equal(fetch_queue_admit(&q, &st, 300, 0, &items[5]), FETCH_QUEUE_RUN);
	fetch_queue_free(&q);
}

/* fetch_queue = 0: beyond the slots, everyone is turned away. */
static void
test_no_queue(void **state)
{
	struct fetch_queue	 q;

	fetch_queue_init(&q, 1, 0);
	assert_int_equal(fetch_queue_admit(&q, NULL, 0, 0, &items[0]), FETCH_QUEUE_RUN);
	assert_int_equal(fetch_queue_admit(&q, NULL, 0, 0, &items[1]), FETCH_QUEUE_FULL);
	assert_int_equal(q.queued, 0);
	fetch_queue_free(&q);
}

/* A cancelled waiter is skipped and its place in the line freed. */
static void
test_cancel(void **state)
{
	struct fetch_queue	 q;
	struct stats		 st;
	void			*next;

	stats_init(&st);
	fetch_queue_init(&q, 1, 3);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 0, &items[0]), FETCH_QUEUE_RUN);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 0, &items[1]), FETCH_QUEUE_WAIT);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 0, &items[2]), FETCH_QUEUE_WAIT);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 0, &items[3]), FETCH_QUEUE_WAIT);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 0, &items[4]), FETCH_QUEUE_FULL);
	assert_int_equal(fetch_queue_cancel(&q, &st, &items[2]), 0);
	assert_int_equal(fetch_queue_cancel(&q, &st, &items[2]), -1);
	assert_int_equal(fetch_queue_cancel(&q, &st, &items[0]), -1);
	assert_int_equal(q.queued, 2);
	assert_int_equal(st.fetch_queued, 2);
	/* the freed place can be taken again */
	assert_int_equal(fetch_queue_admit(&q, &st, 5, 0, &items[4]), FETCH_QUEUE_WAIT);
	assert_int_equal(fetch_queue_release(&q, &st, 10, 0, &next), 1);
	assert_ptr_equal(next, &items[1]);
	assert_int_equal(fetch_queue_release(&q, &st, 10, 0, &next), 1);
	assert_ptr_equal(next, &items[3]);
	assert_int_equal(fetch_queue_release(&q, &st, 10, 0, &next), 1);
	assert_ptr_equal(next, &items[4]);
	assert_int_equal(st.fetch_wait_ms_total, 10 + 10 + 5);
	assert_int_equal(fetch_queue_release(&q, &st, 10, 0, &next), 0);
	assert_int_equal(q.active, 0);
	assert_int_equal(st.fetch_queued, 0);
	assert_int_equal(st.fetch_active, 0);
	assert_int_equal(st.fetch_total, 4);
	assert_int_equal(st.fetch_rejected, 1);
	assert_int_equal(fetch_queue_cancel(&q, &st, NULL), -1);
	fetch_queue_free(&q);
}

/* The ring grows and wraps across many admits and releases, keeping FIFO order. */
static void
test_ring_wraps(void **state)
{
	struct fetch_queue	 q;
	void			*next;
	unsigned int		 i, want = 1, round;

	fetch_queue_init(&q, 1, 3000);
	assert_int_equal(fetch_queue_admit(&q, NULL, 0, 0, &items[0]), FETCH_QUEUE_RUN);
	for (i = 1; i <= 3000; i++)
		assert_int_equal(fetch_queue_admit(&q, NULL, 0, 0, &items[i]),
		    FETCH_QUEUE_WAIT);
	assert_int_equal(fetch_queue_admit(&q, NULL, 0, 0, &items[3001]),
	    FETCH_QUEUE_FULL);
	/* interleave: release one, admit one (the tail wraps), cancel now and then */
	for (round = 0; round < 500; round++) {
		assert_int_equal(fetch_queue_release(&q, NULL, 0, 0, &next), 1);
		assert_ptr_equal(next, &items[want]);
		want++;
		assert_int_equal(fetch_queue_admit(&q, NULL, 0, 0, &items[3001 + round]),
		    FETCH_QUEUE_WAIT);
		if (round % 7 == 0) {
			assert_int_equal(fetch_queue_cancel(&q, NULL, &items[want]), 0);
			want++;
		}
	}
	while (fetch_queue_release(&q, NULL, 0, 0, &next) == 1) {
		assert_ptr_equal(next, &items[want]);
		want++;
	}
	assert_int_equal(want, 3501);
	assert_int_equal(q.queued, 0);
	assert_int_equal(q.active, 0);
	fetch_queue_free(&q);
}

/* Each hop level has its own slots: parents filling level 0 leave level 1 free. */
static void
test_levels(void **state)
{
	struct fetch_queue	 q;
	struct stats		 st;
	void			*next;

	stats_init(&st);
	fetch_queue_init(&q, 1, 1);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 0, &items[0]), FETCH_QUEUE_RUN);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 0, &items[1]), FETCH_QUEUE_WAIT);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 1, &items[2]), FETCH_QUEUE_RUN);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 1, &items[3]), FETCH_QUEUE_WAIT);
	assert_int_equal(fetch_queue_admit(&q, &st, 0, 99, &items[4]), FETCH_QUEUE_RUN);
	assert_int_equal(q.active, 3);
	assert_int_equal(q.queued, 2);
	assert_int_equal(st.fetch_active, 3);
	/* a level-1 release goes to the level-1 waiter, not the older level-0 one */
	assert_int_equal(fetch_queue_release(&q, &st, 5, 1, &next), 1);
	assert_ptr_equal(next, &items[3]);
	assert_int_equal(fetch_queue_cancel(&q, &st, &items[1]), 0);
	assert_int_equal(fetch_queue_release(&q, &st, 5, 0, &next), 0);
	assert_int_equal(fetch_queue_release(&q, &st, 5, 1, &next), 0);
	assert_int_equal(fetch_queue_release(&q, &st, 5, FETCH_QUEUE_LEVELS - 1, &next), 0);
	assert_int_equal(q.active, 0);
	assert_int_equal(q.queued, 0);
	assert_int_equal(st.fetch_active, 0);
	assert_int_equal(st.fetch_queued, 0);
	fetch_queue_free(&q);
}

/* Run every fetch_queue test; cmocka prints TAP under make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admit_order),
		cmocka_unit_test(test_no_queue),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_levels),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
