/* fetch_queue: at most N upstream transfers at once, a bounded FIFO for the rest. */
#ifndef EF_FETCH_QUEUE_H
#define EF_FETCH_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct stats;

enum fetch_queue_verdict {
	FETCH_QUEUE_RUN = 0,	/* start it now; it holds a slot */
	FETCH_QUEUE_WAIT,	/* queued; a later fetch_queue_release hands it out */
	FETCH_QUEUE_FULL,	/* refuse: 503 "fetch queue full" */
};

struct fetch_queue_entry {
	void		*arg;		/* NULL: cancelled, skipped when popped */
	uint64_t	 since_ms;
};

/*
 * Levels are fetch hops: a transfer made for a request that arrived
 * through h fetches (h Via entries) is at level h. A level-h transfer may
 * wait for level h+1 transfers (a /gather of our own /gather), never the
 * other way round, so with slots of its own per level the deepest level
 * always moves and waiting parents cannot starve their children.
 */
#define FETCH_QUEUE_LEVELS	9	/* fetch_max_hops 0..8, plus level 0 */

/* One level's slots in use and its FIFO of waiters. */
struct fetch_queue_level {
	unsigned int	 active;
	unsigned int	 queued;
	struct fetch_queue_entry *ring;
	size_t		 cap, head, count;	/* count includes cancelled entries */
};

/*
 * Pure accounting: no threads, no I/O, no clock (callers pass now_ms).
 * One per event worker; the blocking build shares one under its own mutex.
 * Every call also keeps the stats gauges and counters, if `st` is not NULL:
 * fetch_active, fetch_queued (gauges), fetch_total (started transfers),
 * fetch_rejected (FULL), fetch_wait_ms_total (time spent queued).
 */
struct fetch_queue {
	unsigned int	 concurrency;	/* slots, per level */
	unsigned int	 limit;		/* most waiting, per level */
	unsigned int	 active;	/* slots in use, all levels */
	unsigned int	 queued;	/* waiting, all levels; cancelled ones not counted */
	struct fetch_queue_level lv[FETCH_QUEUE_LEVELS];
};

void	fetch_queue_init(struct fetch_queue *, unsigned int concurrency, unsigned int limit);
void	fetch_queue_free(struct fetch_queue *);
/*
 * Ask for a slot of `level` (past the last: the last) for `arg` (the
 * executor's transfer); FULL also when out of memory.
 */
enum fetch_queue_verdict fetch_queue_admit(struct fetch_queue *, struct stats *,
	    uint64_t now_ms, unsigned int level, void *arg);
/*
 * Give a slot of `level` back. 1 and *next set: the oldest waiter of that
 * level now holds the slot and must be started; 0: nobody waits there.
 */
int	fetch_queue_release(struct fetch_queue *, struct stats *, uint64_t now_ms,
	    unsigned int level, void **next);
/* Forget a waiting `arg` (its client went away). 0, or -1 if it is not waiting. */
int	fetch_queue_cancel(struct fetch_queue *, struct stats *, void *arg);

#endif
