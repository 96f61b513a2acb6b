/* fetch_driver: runs a plan's FETCH step over the I/O an executor supplies. */
#ifndef EF_FETCH_DRIVER_H
#define EF_FETCH_DRIVER_H

#include <time.h>

#include <curl/curl.h>

#include "core/fetch.h"
#include "core/fetch_queue.h"

struct plan;
struct stats;

/*
 * The I/O an executor supplies; the driver decides everything else (which
 * transfer may start, the queue, redirects, the client's bytes, the rest
 * of the response). `ctx` is the executor's (a worker, the process), `conn`
 * the connection whose FETCH step a job runs.
 */
struct fetch_ops {
	/*
	 * Run t->easy. 0: curl has it; its end comes back through
	 * fetch_driver_ended() (event: later, from the loop; blocking: from
	 * inside this call). -1: it could not be handed to curl.
	 */
	int	(*start)(void *ctx, struct fetch_transfer *);
	/* Take a running transfer away from curl (its client left). */
	void	(*cancel)(void *ctx, struct fetch_transfer *);
	/*
	 * Block until conn is woken; -1 if its client left meanwhile. NULL:
	 * fetch_driver_run returns FETCH_DRIVER_WAIT instead, and the
	 * executor calls it again once woken.
	 */
	int	(*wait)(void *ctx, void *conn);
	/*
	 * conn's job moved (a transfer ended or got its queue slot, or a
	 * gathered head waits): run its step again soon. Called with the
	 * queue locked, maybe from inside curl: only note it, never run the
	 * step from here.
	 */
	void	(*wake)(void *ctx, void *conn);
	/* Send a streamed /fetch's bytes to conn's client. 0, or -1: gone. */
	int	(*write)(void *conn, const void *, size_t);
	/* 1 if conn's client is too far behind: curl pauses until fetch_driver_resume. NULL: never. */
	int	(*behind)(void *conn);
	/* 1 if conn's response must say Connection: close (a drain began). NULL: never. */
	int	(*closing)(void *conn);
	/* Guard the queue where threads share it; NULL where one thread owns it. */
	void	(*lock)(void *ctx);
	void	(*unlock)(void *ctx);
	/*
	 * 1 if start returns only once the transfer ended (blocking I/O): a
	 * job then holds one queue slot at a time, not one per transfer it
	 * could not run anyway.
	 */
	int	 serial;
	/*
	 * 1 if wake runs the job's step soon after curl returns (an event
	 * loop): the /fetch head then waits there for the first body piece,
	 * so the two leave in one write.
	 */
	int	 gather;
};

/* One per queue: an event worker's, or the blocking process's. */
struct fetch_driver {
	const struct fetch_ops *ops;
	void		*ctx;
	struct fetch_queue queue;
	struct fetch_pool pool;		/* used where one thread owns the driver */
};

enum fetch_driver_state {
	FETCH_DRIVER_WAIT = 0,	/* transfers pending; call fetch_driver_run again when woken */
	FETCH_DRIVER_DONE,	/* every transfer has its result: fetch_driver_continue */
	FETCH_DRIVER_GONE,	/* the client left; only fetch_driver_end is left to do */
};

void	fetch_driver_init(struct fetch_driver *, const struct fetch_ops *, void *ctx,
	    unsigned int concurrency, unsigned int queue_len);
/* A reload's fetch_concurrency and fetch_queue; new slots are handed out as transfers end. */
void	fetch_driver_limits(struct fetch_driver *, unsigned int concurrency,
	    unsigned int queue_len);
void	fetch_driver_free(struct fetch_driver *);

/* A job for the plan's FETCH step, run for conn. NULL: out of memory. */
struct fetch_job *fetch_driver_begin(struct fetch_driver *, const struct fetch_settings *,
	    const struct plan *, struct stats *, void *conn);
/* Start what may start now, and wait where the executor can (ops->wait). */
enum fetch_driver_state fetch_driver_run(struct fetch_job *);
/* The executor's report: curl finished t->easy with rc. */
void	fetch_driver_ended(struct fetch_transfer *, CURLcode rc);
/* The client drained its output: a paused /fetch goes on. */
void	fetch_driver_resume(struct fetch_job *);
/*
 * The job is DONE: replace the plan, whose last step was the FETCH, by
 * the rest of the response (a trailer, a CLOSE after a cut-off body, a
 * JSON error, or the /gather and /chain summary), made with plan.c's
 * constructors; run it from its first step. -1: out of memory.
 */
int	fetch_driver_continue(struct fetch_job *, struct plan *, time_t now);
/* Free the job; transfers still queued or running are cancelled first. */
void	fetch_driver_end(struct fetch_job *);

#endif
