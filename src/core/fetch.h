/* fetch: one libcurl setup for every upstream transfer, and the responses fetches make. */
#ifndef EF_FETCH_H
#define EF_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/fetch_policy.h"
#include "core/fetch_queue.h"
#include "core/plan.h"

struct endpoint_call;

/*
 * How an executor runs a PLAN_FETCH step. Both builds follow the same
 * sequence; only "start" and "wait for the end" differ.
 *
 * Once per process, before any thread starts:
 *	curl_global_init(CURL_GLOBAL_DEFAULT);
 *	fetch_settings_init(&fs, cfg, err, sizeof(err));	-1: fatal
 *	fetch_queue_init(&q, cfg->fetch_concurrency, cfg->fetch_queue);
 *		(event: one queue and one CURLM per worker; blocking: one queue
 *		shared under a mutex, waiters on a condition variable)
 *
 * At a PLAN_FETCH step, index i of plan p:
 *	job = fetch_job_new(&fs, p, i);		NULL: out of memory, answer 500
 *	for (;;) {
 *		while ((t = fetch_job_next(job)) != NULL) {
 *			switch (fetch_queue_admit(&q, st, fetch_now_ms(),
 *			    t->hops, t)) {
 *			case FETCH_QUEUE_RUN:	START(t); break;
 *			case FETCH_QUEUE_WAIT:	break;	(a release hands t out later)
 *			case FETCH_QUEUE_FULL:
 *				fetch_job_reject(job, t, 503, "fetch queue full");
 *			}
 *		}
 *		if (fetch_job_complete(job))
 *			break;
 *		wait until a transfer ENDs (event: return to the loop)
 *	}
 *	fetch_job_respond(job, now);	inserts the rest of the response
 *	fetch_job_free(job);		after step i; sets p->status, keep_alive
 *	go on with step i + 1
 *
 * START(t):
 *	only for PLAN_FETCH_ONE (fetch_job_streams): set t->on_head,
 *	t->on_body and t->sink_arg (see below); gather/chain leave them NULL
 *	if (fetch_job_start(job, t) == -1)
 *		END(t) without a CURLcode: it is already finished (502);
 *		release its slot as below and go on
 *	event:    curl_multi_add_handle(multi, t->easy)
 *	blocking: rc = curl_easy_perform(t->easy); END(t, rc)
 *
 * END(t, rc), on CURLMSG_DONE (t from CURLINFO_PRIVATE) or after perform:
 *	event: curl_multi_remove_handle(multi, t->easy) first
 *	if (fetch_job_done(job, t, rc) == 1)	a redirect to follow:
 *		run t->easy again, as START	 (event: add it to the multi)
 *	else (maps rc, frees the easy handle)
 *	if (fetch_queue_release(&q, st, fetch_now_ms(), t->hops, &next))
 *		START(next)			(a transfer of any job, maybe another
 *						 connection's; blocking: signal it)
 *
 * Streaming (/fetch) sinks, called from inside curl:
 *	on_head(arg, t): the final upstream head is in; append
 *	    fetch_response_head(job, t, now, buf) to the client. 0, or -1 to
 *	    abort the transfer (client gone).
 *	on_body(arg, data, len): append fetch_response_chunk(job, data, len,
 *	    buf) to the client and return 0; -1 aborts. The event build returns
 *	    FETCH_SINK_PAUSE *without consuming the data* when the client's
 *	    output is over its high watermark; curl keeps the data and
 *	    t->paused is set. When the output drains (bufferevent write
 *	    callback below the low watermark) call fetch_transfer_resume(t):
 *	    curl hands the same data back, maybe from inside that call.
 *	    The blocking build writes synchronously and never pauses.
 *
 * Client gone mid-job: for each t of the job (job->t[0 .. job->n)):
 *	t->state == FETCH_T_QUEUED:  fetch_queue_cancel(&q, st, t)
 *	t->state == FETCH_T_RUNNING: curl_multi_remove_handle, then
 *	    fetch_queue_release and START the next as above;
 *	then fetch_job_free(job) (cleans every easy handle).
 *
 * Time is fetch_now_ms() (CLOCK_MONOTONIC) throughout.
 */

#define FETCH_SINK_PAUSE	1		/* on_body: not consumed, pause me */
#define FETCH_REASON_MAX	FETCH_POLICY_REASON_MAX
#define FETCH_CTYPE_MAX		256
#define FETCH_USER_AGENT	"echofetch/" PACKAGE_VERSION
#define FETCH_VIA		"1.1 echofetchd"	/* one Via member per fetch */

/* Everything a transfer needs from the config, parsed once; read-only, shareable. */
struct fetch_settings {
	struct fetch_policy policy;
	unsigned int	 redirects;
	unsigned int	 connect_timeout_ms;
	unsigned int	 timeout_ms;
	unsigned long long body_max;
	unsigned int	 header_max;
	char		 ca_file[CONFIG_PATH_MAX];	/* "" = system store */
};

enum fetch_transfer_state {
	FETCH_T_IDLE = 0,	/* not asked for yet */
	FETCH_T_QUEUED,		/* handed out by fetch_job_next, waiting for a slot */
	FETCH_T_RUNNING,	/* has an easy handle, curl is on it */
	FETCH_T_DONE,		/* status and reason are final */
};

struct fetch_job;

/* One upstream request. */
struct fetch_transfer {
	const struct fetch_settings *settings;
	struct fetch_job *job;		/* owner, or NULL when used alone */
	char		*url;		/* own copy */
	CURL		*easy;		/* RUNNING only; CURLOPT_PRIVATE is this transfer */
	CURLU		*cu;		/* the parsed URL curl fetches */
	enum fetch_transfer_state state;
	int		 head_only;	/* upstream HEAD */
	unsigned int	 hops;		/* Via members the request came with (queue level) */
	struct curl_slist *via;		/* RUNNING only: our Via, one member more */
	char		*location;	/* the latest head's first Location, or NULL */
	unsigned int	 redirected;	/* redirects followed so far */
	int		 redirecting;	/* stopped at a redirect head, to follow it */

	uint64_t	 start_ms;	/* setup (after any queue wait) */
	uint64_t	 head_ms;	/* final upstream head complete */
	uint64_t	 end_ms;
	int		 upstream_status;	/* of the latest head seen */
	char		 content_type[FETCH_CTYPE_MAX];	/* "" if none or unsafe */
	size_t		 header_bytes;	/* of the latest head */
	unsigned long long body_bytes;	/* consumed by the sink */
	int		 head_done;	/* final head seen and on_head called */
	int		 paused;	/* on_body asked for a pause; resume pending */

	int		 status;	/* result: upstream status, or 403/502/503/504 */
	int		 failed;	/* status is ours, reason says why */
	char		 reason[FETCH_REASON_MAX];	/* "" on success */

	int		 denied;	/* the policy refused a connect address */
	int		 capped;	/* a header or body cap stopped it */
	int		 sink_failed;	/* on_head/on_body returned -1 */
	char		 curl_error[CURL_ERROR_SIZE];

	/* set by the executor for streaming; NULL: discard the body */
	int		(*on_head)(void *arg, struct fetch_transfer *);
	int		(*on_body)(void *arg, const char *, size_t);
	void		*sink_arg;
	void		*exec;		/* the executor's own pointer */
};

/* The transfers of one FETCH step. */
struct fetch_job {
	const struct fetch_settings *settings;
	struct plan	*plan;
	unsigned int	 step;		/* index of the FETCH step */
	enum plan_fetch_mode mode;
	unsigned int	 n;		/* transfers (= URLs) */
	unsigned int	 next;		/* handed out so far */
	unsigned int	 done;		/* finished so far */
	uint64_t	 began_ms;
	struct fetch_transfer *t;	/* n of them */
};

/* Monotonic milliseconds, the clock every fetch time uses. */
uint64_t fetch_now_ms(void);
/* Copy the fetch_* settings (cfg NULL: the defaults). -1 with why on a bad fetch_allow. */
int	fetch_settings_init(struct fetch_settings *, const struct config *, char *why, size_t);

/*
 * Make the easy handle for url with every option set (the one place both
 * builds configure curl). 0, or -1 with the transfer finished: 403 if the
 * URL breaks the policy, 502 if curl could not be set up; why is the reason.
 */
int	fetch_transfer_setup(struct fetch_transfer *, const struct fetch_settings *,
	    const char *url, int head_only, char *why, size_t);
/*
 * A hop ended with rc. 1: it stopped at a redirect that passed every
 * check of a first URL, and t->easy now fetches the next hop: run it
 * again. 0: status and reason are final (DONE).
 */
int	fetch_transfer_finish(struct fetch_transfer *, CURLcode);
/* Let curl continue after FETCH_SINK_PAUSE; no-op when not paused. */
void	fetch_transfer_resume(struct fetch_transfer *);
/* Free the easy handle and URL; the results stay readable. */
void	fetch_transfer_cleanup(struct fetch_transfer *);

struct fetch_job *fetch_job_new(const struct fetch_settings *, struct plan *,
	    unsigned int step);
/* 1 if the job's one transfer streams through on_head/on_body (/fetch). */
int	fetch_job_streams(const struct fetch_job *);
/* The next transfer that may be admitted now (marked QUEUED), or NULL. */
struct fetch_transfer *fetch_job_next(struct fetch_job *);
/* Set up a transfer that got its slot (RUNNING). -1: finished already (see setup). */
int	fetch_job_start(struct fetch_job *, struct fetch_transfer *);
/*
 * A transfer ended with rc. 0: it is DONE, its easy handle freed. 1: it
 * stopped at a redirect that passed every check of a first URL; t->easy
 * now fetches the next hop and must be run again (slot kept).
 */
int	fetch_job_done(struct fetch_job *, struct fetch_transfer *, CURLcode rc);
/* A transfer that will never run (queue full). */
void	fetch_job_reject(struct fetch_job *, struct fetch_transfer *, int status,
	    const char *reason);
int	fetch_job_complete(const struct fetch_job *);
/*
 * Insert the rest of the response after the FETCH step: the chunked
 * trailer, a CLOSE after a cut-off body, a JSON error if /fetch failed
 * before its head, or the /gather and /chain summary. Sets plan->status,
 * keep_alive and body_bytes; plan->failed on no room.
 */
void	fetch_job_respond(struct fetch_job *, time_t now);
void	fetch_job_free(struct fetch_job *);

/*
 * The /fetch head: upstream status and Content-Type, X-Upstream-Time (ms
 * to the upstream head), chunked on HTTP/1.1, until close on HTTP/1.0.
 */
void	fetch_response_head(const struct fetch_job *, const struct fetch_transfer *,
	    time_t now, struct buf *);
/* One body piece as the client gets it: a chunk, raw bytes, or nothing for HEAD. */
void	fetch_response_chunk(const struct fetch_job *, const char *, size_t, struct buf *);
/* The /gather or /chain summary body (pretty JSON, newline at the end). */
void	fetch_render_summary(const struct fetch_job *, uint64_t total_ms, struct buf *);

/* endpoint_fetch.c: the routes (the lead adds them to endpoint.c), and the responses above */
void	endpoint_fetch(struct endpoint_call *);
void	endpoint_gather(struct endpoint_call *);
void	endpoint_chain(struct endpoint_call *);

#endif
