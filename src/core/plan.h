/* plan: what a response is and when its pieces are due; run by an executor. */
#ifndef EF_PLAN_H
#define EF_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define PLAN_MAX_STEPS	8

/*
 * An endpoint never does I/O; it fills a plan. The executors (src/event with
 * timers, src/blocking with nanosleep) walk the steps in order:
 *
 *	WRITE	send data[off, off+len)
 *	WAIT	let ms pass (a timer, or a sleep)
 *	BURN	spin the CPU for ms (plan_burn_cpu), on purpose
 *	STREAM	count pieces, one every interval_ms (first one at once);
 *		plan_stream_piece() makes piece i
 *	CLOSE	close the connection after what was written
 *	FETCH	fetch the URLs in plan->fetch upstream (core/fetch_driver.h);
 *		the last step but a CLOSE: when it is over, the driver turns the
 *		plan into the rest of the response (plan_continue), run from 0
 */
enum plan_step_kind {
	PLAN_WRITE = 1,
	PLAN_WAIT,
	PLAN_BURN,
	PLAN_STREAM,
	PLAN_CLOSE,
	PLAN_FETCH,
};

struct plan_step {
	enum plan_step_kind kind;
	size_t		 off;		/* WRITE */
	size_t		 len;		/* WRITE */
	unsigned int	 ms;		/* WAIT, BURN */
	unsigned int	 count;		/* STREAM */
	unsigned int	 interval_ms;	/* STREAM */
};

enum plan_stream_kind {
	PLAN_STREAM_NONE = 0,
	PLAN_STREAM_DRIP,	/* `piece_bytes` '*' per piece */
	PLAN_STREAM_LINES,	/* /stream/n: one JSON line per piece, with "id" */
	PLAN_STREAM_BYTES,	/* /bytes/n: pseudo-random bytes from seed */
};

struct plan_stream {
	enum plan_stream_kind kind;
	int		 chunked;	/* wrap each piece in chunk framing */
	unsigned long long total_bytes;	/* DRIP/BYTES: bytes over all pieces */
	unsigned int	 pieces;
	uint64_t	 seed;		/* BYTES */
	struct buf	 line;		/* LINES: the JSON line with an "@ID@" placeholder */
};

#define PLAN_FETCH_URLS_MAX	64	/* hard cap on fetch_urls_max */
#define PLAN_FETCH_HOPS_MAX	8	/* hard cap on fetch_max_hops */

enum plan_fetch_mode {
	PLAN_FETCH_NONE = 0,
	PLAN_FETCH_ONE,		/* /fetch: stream one upstream response through */
	PLAN_FETCH_GATHER,	/* /gather: all at once, then a JSON summary */
	PLAN_FETCH_CHAIN,	/* /chain: one after another, then a JSON summary */
};

/*
 * What a FETCH step fetches. Valid only while the plan has a FETCH step
 * (plan_reset does not clear it; the fetch endpoints set every field).
 */
struct plan_fetch {
	enum plan_fetch_mode mode;
	unsigned int	 nurls;
	size_t		 url_off[PLAN_FETCH_URLS_MAX];	/* NUL-terminated URLs in data */
	int		 version;	/* request's HTTP version: 10 or 11 */
	int		 head_only;	/* HEAD request: upstream HEAD, no body */
	unsigned int	 hops;		/* Via entries the request arrived with */
};

struct plan {
	struct plan_step steps[PLAN_MAX_STEPS];
	unsigned int	 nsteps;
	struct buf	 data;		/* bytes for WRITE steps */
	struct plan_stream stream;
	int		 endpoint;	/* enum endpoint_id, for stats */
	int		 status;	/* response status, for the access log */
	int		 keep_alive;	/* 0: close after the last step */
	unsigned long long body_bytes;	/* body bytes the plan will send */
	int		 failed;	/* too many steps */
	struct plan_fetch fetch;	/* FETCH */
	struct buf	 scratch[4];	/* endpoint_plan's working buffers, kept between requests */
};

void	plan_init(struct plan *);
/* Forget the steps, keep the memory. */
void	plan_reset(struct plan *);
void	plan_free(struct plan *);
/* Append bytes to data and a WRITE step for them (merging with a WRITE just before). */
void	plan_write(struct plan *, const void *, size_t);
/* Add a WRITE step for data[from, data.len) the caller appended to data directly. */
void	plan_commit(struct plan *, size_t from);
void	plan_wait(struct plan *, unsigned int ms);
void	plan_burn(struct plan *, unsigned int ms);
void	plan_stream(struct plan *, unsigned int count, unsigned int interval_ms);
void	plan_close(struct plan *);
/* Make the unsent head (steps from `from` on) say Connection: close; 1 if one was changed. */
int	plan_force_close(struct plan *, unsigned int from);
/* 1 if building the plan ran out of memory or steps; the executor then answers 500. */
int	plan_failed(const struct plan *);
/* Append stream piece `i` (0-based), with chunk framing if the stream is chunked. */
void	plan_stream_piece(const struct plan *, unsigned int i, struct buf *);
/* Bytes of all stream pieces together, chunk framing included. */
unsigned long long plan_stream_total(const struct plan *);
/* Spin on the CPU for `ms` milliseconds of wall time. */
void	plan_burn_cpu(unsigned int ms);
/* Keep a URL for the FETCH step to come; its stored copy, or NULL (failed set). */
const char *plan_fetch_url(struct plan *, const char *url, size_t len);
/* The FETCH step for the URLs kept so far. */
void	plan_fetch(struct plan *, enum plan_fetch_mode, int version, int head_only,
	    unsigned int hops);
/* Make the plan empty for the rest a finished last step produces; status and keep_alive stay. */
void	plan_continue(struct plan *);

#endif
