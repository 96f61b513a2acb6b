/* fetch: one libcurl setup for every upstream transfer, and the responses fetches make. */
#ifndef EF_FETCH_H
#define EF_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "util/buf.h"
#include "core/config.h"
#include "core/fetch_policy.h"
#include "core/fetch_pool.h"
#include "core/fetch_queue.h"
#include "core/plan.h"
#include "core/response.h"

struct endpoint_call;

/*
 * Transfers (one upstream request each, redirects followed here) and jobs
 * (the transfers of one FETCH step). core/fetch_driver.h runs a job over
 * the I/O an executor supplies; executors call only the driver.
 */

#define FETCH_SINK_PAUSE	1		/* on_body: not consumed, pause me */
#define FETCH_REASON_MAX	FETCH_POLICY_REASON_MAX
#define FETCH_CTYPE_MAX		256
#define FETCH_USER_AGENT	"echofetch/" PACKAGE_VERSION
#define FETCH_VIA		"1.1 echofetchd"	/* one Via member per fetch */

#define FETCH_READ_SIZE		65536L		/* curl's receive buffer */
#define FETCH_PIECE_FIRST	2048		/* a job's piece buffer to begin with */

/* Everything a transfer needs from the config, parsed once; read-only, shareable. */
struct fetch_settings {
	struct fetch_policy policy;
	unsigned int	 redirects;
	unsigned int	 connect_timeout_ms;
	unsigned int	 timeout_ms;
	unsigned long long body_max;
	unsigned int	 header_max;
	char		 ca_file[CONFIG_PATH_MAX];	/* "" = system store */
	unsigned long	 gen;		/* new for each fetch_settings_init, never 0 */
};

enum fetch_transfer_state {
	FETCH_T_IDLE = 0,	/* not asked for yet */
	FETCH_T_QUEUED,		/* handed out by fetch_job_next, waiting for a slot */
	FETCH_T_GRANTED,	/* holds a slot, its job starts it next */
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
	struct fetch_pool *pool;	/* where easy comes from and goes back, or NULL */
	CURLU		*cu;		/* the parsed URL curl fetches */
	enum fetch_transfer_state state;
	int		 head_only;	/* upstream HEAD */
	unsigned int	 hops;		/* Via members the request came with (queue level) */
	struct curl_slist *via;		/* RUNNING only: &via_node, or NULL */
	struct curl_slist via_node;	/* our Via, one member more, in via_text */
	char		 via_text[16 + (PLAN_FETCH_HOPS_MAX + 2) * sizeof(FETCH_VIA ", ")];
	unsigned long	 easy_gen;	/* settings easy's options are set for; 0: not all */
	char		*location;	/* the latest head's first Location, or NULL */
	unsigned int	 redirected;	/* redirects followed so far */
	int		 redirecting;	/* stopped at a redirect head, to follow it */

	uint64_t	 start_ms;	/* setup (after any queue wait) */
	uint64_t	 head_ms;	/* final upstream head complete */
	uint64_t	 end_ms;
	int		 upstream_status;	/* of the latest head seen */
	char		 content_type[FETCH_CTYPE_MAX];	/* "" if none or unsafe */
	long long	 content_length;	/* of the latest head; -1: none, chunked or unsure */
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

	/* set by the driver for streaming; NULL: discard the body */
	int		(*on_head)(void *arg, struct fetch_transfer *);
	int		(*on_body)(void *arg, const char *, size_t);
	void		*sink_arg;
};

struct fetch_driver;
struct stats;

/* The transfers of one FETCH step, and what its response needs of the request. */
struct fetch_job {
	const struct fetch_settings *settings;
	struct fetch_driver *driver;	/* runs it */
	struct stats	*stats;		/* the queue counts here */
	void		*conn;		/* the executor's connection */
	enum plan_fetch_mode mode;
	int		 version;	/* the request's: 10 or 11 */
	int		 head_only;	/* HEAD request: no body to the client */
	int		 keep_alive;	/* 0: the response says close */
	unsigned int	 n;		/* transfers (= URLs) */
	unsigned int	 next;		/* handed out so far */
	unsigned int	 done;		/* finished so far */
	int		 gone;		/* a write to the client failed */
	uint64_t	 began_ms;
	struct buf	 piece;		/* one streamed piece on its way out */
	int		 held;		/* piece is a head not written yet (ops->gather) */
	struct fetch_transfer *t;	/* n of them */
};

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
/*
 * The status (502, or 504 for a timeout) and why for a curl result that
 * is the upstream's fault; curl_error is CURLOPT_ERRORBUFFER's text or "".
 */
int	fetch_error_map(CURLcode, CURL *, const struct fetch_settings *,
	    const char *curl_error, char *why, size_t);
/* Let curl continue after FETCH_SINK_PAUSE; no-op when not paused. */
void	fetch_transfer_resume(struct fetch_transfer *);
/* Free the easy handle and URL; the results stay readable. */
void	fetch_transfer_cleanup(struct fetch_transfer *);

/* Jobs: the bookkeeping fetch_driver.c runs; executors go through the driver. */

/* The job for the URLs of plan->fetch (copied). NULL: out of memory or no URLs. */
struct fetch_job *fetch_job_new(const struct fetch_settings *, const struct plan *);
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
/* 1 when every transfer has its result. */
int	fetch_job_complete(const struct fetch_job *);
/* Free the job and every transfer; none may be with curl any more. */
void	fetch_job_free(struct fetch_job *);

/* Content-Length: 0 for statuses without a body, else chunked (HTTP/1.1) or until close. */
enum response_framing fetch_response_framing(const struct fetch_job *,
	    const struct fetch_transfer *);
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

/* endpoint_fetch.c: the routes, and the responses above */
void	endpoint_fetch(struct endpoint_call *);
void	endpoint_gather(struct endpoint_call *);
void	endpoint_chain(struct endpoint_call *);

#endif
