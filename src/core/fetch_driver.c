/*
 * fetch_driver: one loop runs every FETCH step, in both executors.
 *
 * The executor supplies struct fetch_ops (fetch_driver.h) and calls:
 *
 *	fetch_driver_init	once per queue (event: per worker; blocking:
 *				one for the process, ops->lock a mutex)
 *	fetch_driver_begin	at a FETCH step: a job for the plan's URLs
 *	fetch_driver_run	then, and on every wake-up: admits transfers
 *				to the queue, starts those with a slot
 *				(ops->start), waits if it can (ops->wait)
 *	fetch_driver_ended	when curl finished a transfer's easy handle
 *	fetch_driver_resume	when the client drained (after ops->behind)
 *	fetch_driver_continue	once run says DONE: the plan becomes the rest
 *				of the response, run from step 0
 *	fetch_driver_end	always, last: cancels what is still queued or
 *				running (ops->cancel), frees the job
 *
 * The driver calls back: start and cancel (curl), write and behind (the
 * streamed /fetch), wake (a job moved: a transfer ended, or a release
 * handed a slot to a transfer of any connection; the owner starts it on
 * its next run), closing (a drain began: say close).
 *
 * Transfer states: IDLE -> QUEUED (admitted, waiting) -> GRANTED (holds a
 * slot) -> RUNNING (with curl) -> DONE. Slot accounting happens under
 * ops->lock; only the job's own connection moves its transfers past
 * GRANTED. A redirect keeps its slot: the driver starts the next hop.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "core/endpoint_impl.h"
#include "core/fetch.h"
#include "core/fetch_driver.h"
#include "util/json.h"
#include "core/plan.h"
#include "core/response.h"
#include "util/time.h"

/* Make a driver with an empty queue. */
void
fetch_driver_init(struct fetch_driver *d, const struct fetch_ops *ops, void *ctx,
    unsigned int concurrency, unsigned int queue_len)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->ctx = ctx;
	fetch_queue_init(&d->queue, concurrency, queue_len);
}

/* Take the queue where threads share it. */
static void
fetch_driver_lock(struct fetch_driver *d)
{
	if (d->ops->lock != NULL)
		d->ops->lock(d->ctx);
}

/* Give the queue back. */
static void
fetch_driver_unlock(struct fetch_driver *d)
{
	if (d->ops->unlock != NULL)
		d->ops->unlock(d->ctx);
}

/* The queue's two numbers change under its lock only. */
void
fetch_driver_limits(struct fetch_driver *d, unsigned int concurrency,
    unsigned int queue_len)
{
	fetch_driver_lock(d);
	d->queue.concurrency = concurrency;
	d->queue.limit = queue_len;
	fetch_driver_unlock(d);
}

/* Free the queue; every job is gone by now. */
void
fetch_driver_free(struct fetch_driver *d)
{
	fetch_queue_free(&d->queue);
	fetch_pool_free(&d->pool);
}

/* The job for the plan's FETCH step, owned by conn. */
struct fetch_job *
fetch_driver_begin(struct fetch_driver *d, const struct fetch_settings *s,
    const struct plan *plan, struct stats *st, void *conn)
{
	struct fetch_job	*job;

	if ((job = fetch_job_new(s, plan)) == NULL)
		return (NULL);
	job->driver = d;
	job->stats = st;
	job->conn = conn;
	return (job);
}

/* Send one rendered piece; a failed write ends the job's client side. */
static int
fetch_driver_write(struct fetch_job *job)
{
	job->held = 0;
	if (job->piece.oom ||
	    job->driver->ops->write(job->conn, job->piece.data, job->piece.len) == -1) {
		job->gone = 1;
		return (-1);
	}
	return (0);
}

/* on_head: the upstream head is in, ours goes out now. */
static int
fetch_driver_sink_head(void *arg, struct fetch_transfer *t)
{
	struct fetch_job	*job = arg;
	const struct fetch_ops	*ops = job->driver->ops;

	if (ops->closing != NULL && ops->closing(job->conn))
		job->keep_alive = 0;
	buf_reset(&job->piece);
	fetch_response_head(job, t, time(NULL), &job->piece);
	if (!ops->gather)
		return (fetch_driver_write(job));
	/* the body piece curl has next joins it, or the woken step sends it alone */
	job->held = 1;
	ops->wake(job->driver->ctx, job->conn);
	return (0);
}

/* on_body: pass a piece on, or leave it with curl while the client is behind. */
static int
fetch_driver_sink_body(void *arg, const char *data, size_t len)
{
	struct fetch_job	*job = arg;
	const struct fetch_ops	*ops = job->driver->ops;

	if (ops->behind != NULL && ops->behind(job->conn))
		return (FETCH_SINK_PAUSE);
	if (!job->held)
		buf_reset(&job->piece);
	fetch_response_chunk(job, data, len, &job->piece);
	return (fetch_driver_write(job));
}

/* Under the lock: give t's slot back; the next waiter of its level gets it. */
static void
fetch_driver_release(struct fetch_job *job, const struct fetch_transfer *t)
{
	struct fetch_driver	*d = job->driver;
	struct fetch_transfer	*next;
	void			*arg;

	if (fetch_queue_release(&d->queue, job->stats, time_now_ms(), t->hops,
	    &arg) == 0)
		return;
	next = arg;
	next->state = FETCH_T_GRANTED;
	d->ops->wake(d->ctx, next->job->conn);
}

/* t is DONE: tell its connection and pass the slot on. */
static void
fetch_driver_finished(struct fetch_transfer *t)
{
	struct fetch_job	*job = t->job;
	struct fetch_driver	*d = job->driver;

	fetch_driver_lock(d);
	d->ops->wake(d->ctx, job->conn);
	fetch_driver_release(job, t);
	fetch_driver_unlock(d);
}

/* Set up a transfer that holds a slot and hand it to curl. */
static void
fetch_driver_launch(struct fetch_job *job, struct fetch_transfer *t)
{
	if (fetch_job_streams(job)) {
		t->on_head = fetch_driver_sink_head;
		t->on_body = fetch_driver_sink_body;
		t->sink_arg = job;
	}
	if (job->driver->ops->lock == NULL)
		t->pool = &job->driver->pool;
	if (fetch_job_start(job, t) == -1) {
		fetch_driver_finished(t);
		return;
	}
	if (job->driver->ops->start(job->driver->ctx, t) == -1) {
		fetch_job_done(job, t, CURLE_FAILED_INIT);
		fetch_driver_finished(t);
	}
}

/* curl is done with t->easy: follow a redirect on the same slot, or finish. */
void
fetch_driver_ended(struct fetch_transfer *t, CURLcode rc)
{
	struct fetch_job	*job = t->job;

	if (fetch_job_done(job, t, rc) == 1) {
		if (job->driver->ops->start(job->driver->ctx, t) == 0)
			return;
		fetch_job_reject(job, t, 502, "curl could not follow the redirect");
	}
	fetch_driver_finished(t);
}

/*
 * Under the lock: hand out what the job may ask for now (a chain, or any
 * job of a serial executor, one at a time), then pick one transfer that holds a slot, marked RUNNING so no
 * second run takes it. NULL: none.
 */
static struct fetch_transfer *
fetch_driver_admit(struct fetch_job *job)
{
	struct fetch_driver	*d = job->driver;
	struct fetch_transfer	*t;
	unsigned int		 i;

	while ((!d->ops->serial || job->done == job->next) &&
	    (t = fetch_job_next(job)) != NULL) {
		switch (fetch_queue_admit(&d->queue, job->stats, time_now_ms(),
		    t->hops, t)) {
		case FETCH_QUEUE_RUN:
			t->state = FETCH_T_GRANTED;
			break;
		case FETCH_QUEUE_WAIT:
			break;
		case FETCH_QUEUE_FULL:
			fetch_job_reject(job, t, 503, "fetch queue full (fetch_concurrency, fetch_queue)");
			break;
		}
	}
	for (i = 0; i < job->n; i++)
		if (job->t[i].state == FETCH_T_GRANTED) {
			job->t[i].state = FETCH_T_RUNNING;
			return (&job->t[i]);
		}
	return (NULL);
}

/* The one fetch loop: admit, start, and wait where the executor can block. */
enum fetch_driver_state
fetch_driver_run(struct fetch_job *job)
{
	struct fetch_driver	*d = job->driver;
	struct fetch_transfer	*t;
	int			 complete;

	for (;;) {
		if (job->held && fetch_driver_write(job) == -1)
			return (FETCH_DRIVER_GONE);
		if (job->gone)
			return (FETCH_DRIVER_GONE);
		fetch_driver_lock(d);
		t = fetch_driver_admit(job);
		complete = fetch_job_complete(job);
		fetch_driver_unlock(d);
		if (t != NULL) {
			fetch_driver_launch(job, t);
			continue;
		}
		if (complete)
			return (FETCH_DRIVER_DONE);
		if (d->ops->wait == NULL)
			return (FETCH_DRIVER_WAIT);
		if (d->ops->wait(d->ctx, job->conn) == -1) {
			job->gone = 1;
			return (FETCH_DRIVER_GONE);
		}
	}
}

/* Let curl hand back what it held while the client was behind. */
void
fetch_driver_resume(struct fetch_job *job)
{
	unsigned int	 i;

	for (i = 0; i < job->n; i++)
		if (job->t[i].paused)
			fetch_transfer_resume(&job->t[i]);
}

/* Cancel what is still queued, granted or running, then free the job. */
void
fetch_driver_end(struct fetch_job *job)
{
	struct fetch_driver	*d;
	struct fetch_transfer	*t;
	unsigned int		 i;

	if (job == NULL)
		return;
	d = job->driver;
	fetch_driver_lock(d);
	for (i = 0; i < job->n; i++) {
		t = &job->t[i];
		if (t->state == FETCH_T_QUEUED)
			(void)fetch_queue_cancel(&d->queue, job->stats, t);
		else if (t->state == FETCH_T_RUNNING && t->easy != NULL) {
			if (d->ops->cancel != NULL)
				d->ops->cancel(d->ctx, t);
			fetch_driver_release(job, t);
		} else if (t->state == FETCH_T_GRANTED)
			fetch_driver_release(job, t);
	}
	fetch_driver_unlock(d);
	fetch_job_free(job);
}

/* A whole response with Content-Length, for errors and summaries. */
static void
fetch_driver_respond(struct fetch_job *job, struct plan *p, int status,
    const struct buf *body, time_t now)
{
	struct response_head	 h;

	memset(&h, 0, sizeof(h));
	h.status = status;
	h.version = job->version;
	h.content_type = ENDPOINT_JSON;
	h.framing = RESPONSE_LENGTH;
	h.content_length = body->len;
	h.keep_alive = job->keep_alive;
	buf_reset(&job->piece);
	response_write_head(&job->piece, &h, now);
	if (!job->head_only && body->len > 0) {
		buf_append(&job->piece, body->data, body->len);
		p->body_bytes = body->len;
	}
	plan_write(p, job->piece.data, job->piece.len);
	p->status = status;
}

/* /fetch's ending: trailer, a cut-off, or the whole answer if nothing was sent yet. */
static void
fetch_driver_continue_one(struct fetch_job *job, struct plan *p, time_t now)
{
	struct fetch_transfer	*t = &job->t[0];
	struct buf		 body;

	if (t->head_done || !t->failed) {
		p->status = t->upstream_status;
		p->body_bytes = t->body_bytes;
		if (!t->head_done) {
			/* nobody streamed the head: send it now, without the body */
			buf_reset(&job->piece);
			fetch_response_head(job, t, now, &job->piece);
			plan_write(p, job->piece.data, job->piece.len);
		}
		if (t->failed)
			/* the status went out already; a cut-off body is all we can say */
			job->keep_alive = 0;
		else if (!job->head_only &&
		    fetch_response_framing(job, t) == RESPONSE_CHUNKED) {
			plan_write(p, "0\r\n\r\n", 5);
			p->body_bytes += 5;
		}
		return;
	}
	buf_init(&body);
	buf_appendf(&body, "{\"error\":\"");
	json_escape(&body, t->reason, strlen(t->reason));
	buf_appendf(&body, "\",\"status\":%d}\n", t->status);
	if (body.oom)
		p->failed = 1;
	else
		fetch_driver_respond(job, p, t->status, &body, now);
	buf_free(&body);
}

/* The plan ended with the FETCH: it becomes the rest of the response. */
int
fetch_driver_continue(struct fetch_job *job, struct plan *p, time_t now)
{
	const struct fetch_ops	*ops = job->driver->ops;
	struct buf		 body;

	if (ops->closing != NULL && ops->closing(job->conn))
		job->keep_alive = 0;
	plan_continue(p);
	if (job->mode == PLAN_FETCH_ONE)
		fetch_driver_continue_one(job, p, now);
	else {
		buf_init(&body);
		fetch_render_summary(job, time_now_ms() - job->began_ms, &body);
		if (body.oom)
			p->failed = 1;
		else
			fetch_driver_respond(job, p, 200, &body, now);
		buf_free(&body);
	}
	p->keep_alive = job->keep_alive;
	if (!p->keep_alive)
		plan_close(p);
	return (plan_failed(p) || job->piece.oom ? -1 : 0);
}
