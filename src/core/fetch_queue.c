/* fetch_queue: at most N upstream transfers at once, a bounded FIFO for the rest. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/fetch_queue.h"
#include "core/stats.h"

#define FETCH_QUEUE_RING_MIN	16

/* The ring grows on demand, so a large fetch_queue costs nothing until used. */
void
fetch_queue_init(struct fetch_queue *q, unsigned int concurrency, unsigned int limit)
{
	memset(q, 0, sizeof(*q));
	q->concurrency = concurrency > 0 ? concurrency : 1;
	q->limit = limit;
}

/* Drop the rings; waiters are the caller's to finish. */
void
fetch_queue_free(struct fetch_queue *q)
{
	unsigned int	 i;

	for (i = 0; i < FETCH_QUEUE_LEVELS; i++) {
		free(q->lv[i].ring);
		q->lv[i].ring = NULL;
		q->lv[i].cap = q->lv[i].head = q->lv[i].count = 0;
		q->lv[i].queued = 0;
	}
	q->queued = 0;
}

/* A hop count past the last level shares the last level. */
static struct fetch_queue_level *
fetch_queue_level(struct fetch_queue *q, unsigned int level)
{
	if (level >= FETCH_QUEUE_LEVELS)
		level = FETCH_QUEUE_LEVELS - 1;
	return (&q->lv[level]);
}

/* Gauges and counters go through stats_add so a shared mapping stays consistent. */
static void
fetch_queue_count(struct stats *st, uint64_t *field, uint64_t n)
{
	if (st != NULL)
		stats_add(field, n);
}

/* Make room for one more entry: copy the live ones in order into a ring big enough. */
static int
fetch_queue_grow(struct fetch_queue_level *q)
{
	struct fetch_queue_entry	*ring;
	size_t				 cap = q->cap, i, n = 0;

	if (cap < FETCH_QUEUE_RING_MIN)
		cap = FETCH_QUEUE_RING_MIN;
	while (cap < (size_t)q->queued + 1)
		cap *= 2;
	if (q->queued + 1 > q->cap / 2 && cap == q->cap)
		cap *= 2;
	if ((ring = calloc(cap, sizeof(*ring))) == NULL)
		return (-1);
	for (i = 0; i < q->count; i++) {
		const struct fetch_queue_entry *e = &q->ring[(q->head + i) % q->cap];

		if (e->arg != NULL)
			ring[n++] = *e;
	}
	free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
	q->count = n;
	return (0);
}

/* A free slot runs at once; otherwise wait in line if the line has room. */
enum fetch_queue_verdict
fetch_queue_admit(struct fetch_queue *q, struct stats *st, uint64_t now_ms,
    unsigned int level, void *arg)
{
	struct fetch_queue_level	*lv = fetch_queue_level(q, level);
	struct fetch_queue_entry	*e;

	if (lv->active < q->concurrency) {
		lv->active++;
		q->active++;
		if (st != NULL) {
			fetch_queue_count(st, &st->fetch_active, 1);
			fetch_queue_count(st, &st->fetch_total, 1);
		}
		return (FETCH_QUEUE_RUN);
	}
	if (arg == NULL || lv->queued >= q->limit ||
	    (lv->count == lv->cap && fetch_queue_grow(lv) == -1)) {
		if (st != NULL)
			fetch_queue_count(st, &st->fetch_rejected, 1);
		return (FETCH_QUEUE_FULL);
	}
	e = &lv->ring[(lv->head + lv->count) % lv->cap];
	e->arg = arg;
	e->since_ms = now_ms;
	lv->count++;
	lv->queued++;
	q->queued++;
	if (st != NULL)
		fetch_queue_count(st, &st->fetch_queued, 1);
	return (FETCH_QUEUE_WAIT);
}

/* The finished transfer's slot goes straight to the oldest waiter of its level. */
int
fetch_queue_release(struct fetch_queue *q, struct stats *st, uint64_t now_ms,
    unsigned int level, void **next)
{
	struct fetch_queue_level	*lv = fetch_queue_level(q, level);
	struct fetch_queue_entry	 e;

	*next = NULL;
	while (lv->count > 0) {
		e = lv->ring[lv->head];
		lv->head = (lv->head + 1) % lv->cap;
		lv->count--;
		if (e.arg == NULL)
			continue;
		lv->queued--;
		q->queued--;
		*next = e.arg;
		if (st != NULL) {
			stats_sub(&st->fetch_queued, 1);
			fetch_queue_count(st, &st->fetch_total, 1);
			fetch_queue_count(st, &st->fetch_wait_ms_total,
			    now_ms > e.since_ms ? now_ms - e.since_ms : 0);
		}
		return (1);
	}
	if (lv->active > 0) {
		lv->active--;
		q->active--;
		if (st != NULL)
			stats_sub(&st->fetch_active, 1);
	}
	return (0);
}

/* Leave a tombstone; release skips it, so the order of the others holds. */
int
fetch_queue_cancel(struct fetch_queue *q, struct stats *st, void *arg)
{
	struct fetch_queue_level	*lv;
	unsigned int			 l;
	size_t				 i;

	if (arg == NULL)
		return (-1);
	for (l = 0; l < FETCH_QUEUE_LEVELS; l++) {
		lv = &q->lv[l];
		for (i = 0; i < lv->count; i++) {
			struct fetch_queue_entry *e = &lv->ring[(lv->head + i) % lv->cap];

			if (e->arg != arg)
				continue;
			e->arg = NULL;
			lv->queued--;
			q->queued--;
			if (st != NULL)
				stats_sub(&st->fetch_queued, 1);
			return (0);
		}
	}
	return (-1);
}
