/* plan: what a response is and when its pieces are due; run by an executor. */
#ifndef EF_PLAN_H
#define EF_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/buf.h"
#include "core/endpoint.h"
#include "core/response.h"

#define PLAN_MAX_STEPS	8
#define PLAN_PIECE_BYTES	16384	/* a BYTES stream piece; a body up to this leaves with its head */

/*
 * An endpoint never does I/O; it fills a plan. The executors (src/event with
 * timers, src/blocking with nanosleep) walk the steps in order:
 *
 *	HEAD	render the response head from its fields (plan_render_head),
 *		then send its body, data[off, off+len)
 *	WRITE	send data[off, off+len)
 *	WAIT	let ms pass (a timer, or a sleep)
 *	BURN	spin the CPU for ms (plan_burn_cpu), on purpose
 *	STREAM	count pieces, one every interval_ms (first one at once);
 *		plan_stream_piece() makes piece i
 *	CLOSE	close the connection after what was written
 *	FETCH	fetch the URLs in plan->fetch upstream (core/fetch_driver.h);
 *		the last step but a CLOSE: when it is over, the driver turns the
 *		plan into the rest of the response (plan_continue), run from 0
 *	UPGRADE	the 101 is out: the connection now speaks WebSocket
 *		(core/ws.h); the executor's loop for it takes over
 */
enum plan_step_kind {
	PLAN_WRITE = 1,
	PLAN_WAIT,
	PLAN_BURN,
	PLAN_STREAM,
	PLAN_CLOSE,
	PLAN_FETCH,
	PLAN_HEAD,
	PLAN_UPGRADE,
};

/*
 * A response head kept as fields until it is sent, so a drain that starts
 * in between turns keep-alive into close by clearing keep_alive. Content-Type
 * and extra header lines sit NUL-terminated in the plan's data.
 */
struct plan_head {
	int		 status;
	int		 version;	/* 10 or 11 */
	enum response_framing framing;
	int		 keep_alive;
	unsigned long long content_length;
	time_t		 date;
	size_t		 type_off;	/* Content-Type in data */
	size_t		 type_len;	/* 0: no Content-Type */
	size_t		 extra_off;	/* extra header lines in data */
	size_t		 extra_len;	/* 0: none */
};

struct plan_step {
	enum plan_step_kind kind;
	size_t		 off;		/* WRITE, HEAD's body */
	size_t		 len;		/* WRITE, HEAD's body */
	unsigned int	 ms;		/* WAIT, BURN */
	unsigned int	 count;		/* STREAM */
	unsigned int	 interval_ms;	/* STREAM */
	struct plan_head head;		/* HEAD */
};

enum plan_stream_kind {
	PLAN_STREAM_NONE = 0,
	PLAN_STREAM_DRIP,	/* `piece_bytes` '*' per piece */
	PLAN_STREAM_LINES,	/* /stream/n: one JSON line per piece, with "id" */
	PLAN_STREAM_BYTES,	/* /bytes/n: pseudo-random bytes from seed */
	PLAN_STREAM_PRODUCED,	/* /events: a producer makes each piece when it is due */
};

struct plan_stream {
	enum plan_stream_kind kind;
	int		 chunked;	/* wrap each piece in chunk framing */
	unsigned long long total_bytes;	/* DRIP/BYTES: bytes over all pieces */
	unsigned int	 pieces;
	uint64_t	 seed;		/* BYTES */
	unsigned int	 piece_bytes;	/* BYTES: bytes per piece */
	struct buf	 line;		/* LINES: the JSON line with an "@ID@" placeholder */
	/* PRODUCED: append piece i to out; produce_free lets arg go with the plan */
	void		(*produce)(void *arg, unsigned int i, struct buf *out);
	void		(*produce_free)(void *arg);
	void		*produce_arg;
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
	size_t		*url_off;	/* NUL-terminated URLs in data; made on first use */
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
	struct endpoint_scratch scratch;	/* endpoint_plan's, kept between requests */
};

/*
 * Endpoints build plans only through the functions below; executors read
 * steps, render heads and make stream pieces, and change nothing but
 * keep_alive (through plan_force_close or a CLOSE step).
 */

void	plan_init(struct plan *);
/* Forget the steps, keep the memory. */
void	plan_reset(struct plan *);
void	plan_free(struct plan *);
/* Which endpoint the plan answers, for stats. */
void	plan_set_endpoint(struct plan *, int endpoint);
/* A HEAD step: the head as fields, dated now; the status becomes the plan's. */
void	plan_head(struct plan *, const struct response_head *, time_t now);
/*
 * Append bytes to data and a step for them: they become the body of a HEAD
 * (or grow a WRITE) just before, else a new WRITE. Counted as body bytes.
 */
void	plan_write(struct plan *, const void *, size_t);
/* Add a WRITE step for data[from, data.len) the caller appended to data directly. */
void	plan_commit(struct plan *, size_t from);
void	plan_wait(struct plan *, unsigned int ms);
void	plan_burn(struct plan *, unsigned int ms);
/* /drip: total '*' bytes in `pieces` pieces, interval_ms apart. */
void	plan_stream_drip(struct plan *, unsigned long long total, unsigned int pieces,
	    unsigned int interval_ms, int chunked);
/* /bytes: total pseudo-random bytes from seed, in PLAN_PIECE_BYTES pieces. */
void	plan_stream_bytes(struct plan *, unsigned long long total, uint64_t seed, int chunked);
/* /stream-bytes: the same, in pieces of `piece` bytes (1..PLAN_PIECE_BYTES). */
void	plan_stream_bytes_sized(struct plan *, unsigned long long total, uint64_t seed,
	    int chunked, unsigned int piece);
/* /stream: count copies of a line, "@ID@" in it replaced by the piece number. */
void	plan_stream_lines(struct plan *, const char *line, size_t len, unsigned int count,
	    unsigned int interval_ms, int chunked);
/*
 * count pieces, interval_ms apart, each made by produce when it is due (its
 * length unknown until then); the plan frees arg with produce_free.
 */
void	plan_stream_produced(struct plan *, unsigned int count, unsigned int interval_ms,
	    int chunked, void (*produce)(void *, unsigned int, struct buf *),
	    void (*produce_free)(void *), void *arg);
void	plan_close(struct plan *);
/* After a 101: the connection leaves HTTP for WebSocket. */
void	plan_upgrade(struct plan *);
/* The last step: keep the connection, or close it after everything (a CLOSE step). */
void	plan_finish(struct plan *, int keep_alive);
/* Building failed for want of memory; the executor answers 500. */
void	plan_fail(struct plan *);
/* A drain began: unsent heads (from step `from`) and the plan say close; 1 if one changed. */
int	plan_force_close(struct plan *, unsigned int from);
/*
 * Render a HEAD step into out, saying keep-alive only if both the head and
 * the executor (keep_alive) still allow it; a body up to PLAN_PIECE_BYTES
 * follows it, so a small response leaves in one write. Returns the body
 * bytes appended; the executor sends data[off + that, off + len) itself.
 */
size_t	plan_render_head(const struct plan *, const struct plan_step *, int keep_alive,
	    struct buf *out);
/* Everything the HEAD and WRITE steps send, in order (for answers sent whole). */
void	plan_render(const struct plan *, int keep_alive, struct buf *out);
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
