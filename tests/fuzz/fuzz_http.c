/* fuzz: the HTTP parser and the endpoints behind it, for libFuzzer and the corpus replay. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/http.h"
#include "core/plan.h"
#include "core/stats.h"
#include "fuzz.h"

/*
 * Input: one control byte, then the bytes a client would send.
 *
 *	bit 7		small parser limits, so 413/414/431 are reachable
 *			with inputs of a few hundred bytes
 *	bit 6		pseudo-random piece sizes (seeded by the byte) in
 *			1..(bits 0-5)+1; clear: every piece is (bits 0-5)+1
 *
 * The stream is parsed twice, once fed whole and once in pieces, and both
 * must see the same requests. Every finished request goes through the
 * router; every refused one through the error plan; each plan is checked.
 * A broken invariant calls abort(), which libFuzzer and replay report.
 * An input that starts with FUZZ_WS_PREFIX goes to fuzz_ws instead.
 */

#define FUZZ_REQUESTS_MAX	64		/* pipelined requests per input */
#define FUZZ_PIECES_MAX		8		/* stream pieces rendered per plan */
#define FUZZ_NOW		1700000000	/* fixed, so Date never varies */


/* What one request came to; compared between the two feeds. */
struct fuzz_result {
	int		 result;	/* HTTP_PARSE_DONE or HTTP_PARSE_ERROR */
	int		 status;	/* error_status for ERROR */
	int		 method;
	int		 version;
	int		 keep_alive;
	int		 chunked;
	unsigned int	 nheaders;
	size_t		 consumed;	/* input bytes the request took (DONE only) */
	size_t		 target_len;
	uint64_t	 target_hash;
	size_t		 body_len;
	uint64_t	 body_hash;
};

/* Every request of one feed, and where the parser stood at the end. */
struct fuzz_run {
	struct fuzz_result res[FUZZ_REQUESTS_MAX];
	unsigned int	 n;
	int		 end_state;	/* parser state after the last byte */
	int		 end_head_done;
	size_t		 tail;		/* bytes taken by the unfinished request */
};

/* Shared by the walk, so one input allocates each buffer once. */
struct fuzz_state {
	struct config	 cfg;
	struct endpoint_ctx ctx;
	struct plan	 plan;
	struct buf	 piece;
};

/* FNV-1a: enough to notice two feeds disagreeing about bytes. */
static uint64_t
fuzz_hash(const char *p, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

/* /stats and /metrics need counters; a few non-zero ones exercise the renderers. */
static void
fuzz_stats_snapshot(void *arg, struct stats *out, struct stats_info *info)
{
	out->conns_open = 1;
	out->conns_total = 7;
	out->requests_total = 3;
	stats_count_request(out, EP_IP, 200);
	stats_count_request(out, EP_NOT_FOUND, 404);
	stats_count_request(out, EP_BAD_REQUEST, 400);
	info->server = "echofetchd";
	info->model = "event";
	info->workers = 1;
}

/* Parser limits: the server's, or tiny ones that small inputs can exceed. */
static void
fuzz_limits(struct http_limits *l, unsigned char ctl)
{
	http_limits_default(l);
	if (ctl & 0x80) {
		l->request_line_max = 64;
		l->header_block_max = 256;
		l->headers_max = 8;
		l->body_max = 128;
	}
}

/* Size of the next piece; an xorshift state keeps the sequence reproducible. */
static size_t
fuzz_next_piece(unsigned char ctl, uint32_t *rng)
{
	size_t	 max = (size_t)(ctl & 0x3f) + 1;

	if ((ctl & 0x40) == 0)
		return (max);
	*rng ^= *rng << 13;
	*rng ^= *rng >> 17;
	*rng ^= *rng << 5;
	return (1 + *rng % max);
}

/* Invariants every request the parser finished must meet. */
static void
fuzz_check_done(const struct http_parser *p)
{
	const struct http_request *r = &p->req;

	if (!http_parser_head_done(p))
		abort();
	if (p->want_continue)
		abort();
	if (r->version != 10 && r->version != 11)
		abort();
	if (r->method_name.len == 0 || r->target.len == 0 || r->path.len == 0)
		abort();
	if (r->nheaders > HTTP_HEADERS_HARD_MAX || r->nheaders > p->limits.headers_max)
		abort();
	if (r->chunked && r->has_content_length)
		abort();
	if (!r->chunked && r->body.len != (r->has_content_length ?
	    r->content_length : 0))
		abort();
	if (r->body.len > p->limits.body_max || r->head.len > p->limits.header_block_max)
		abort();
}

/* Invariants of a refusal: a documented status and a reason to log. */
static void
fuzz_check_error(const struct http_parser *p)
{
	static const int	 ok[] = { 400, 413, 414, 417, 431, 500, 501, 505 };
	size_t			 i;

	if (p->error_reason == NULL || p->want_continue)
		abort();
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (p->error_status == ok[i])
			return;
	abort();
}

/* Note one finished or refused request of a feed. */
static void
fuzz_record(struct fuzz_run *run, const struct http_parser *p, int result,
    size_t consumed)
{
	struct fuzz_result	*res = &run->res[run->n++];
	const struct http_request *r = &p->req;

	memset(res, 0, sizeof(*res));
	res->result = result;
	if (result == HTTP_PARSE_ERROR) {
		/*
		 * consumed is not compared here: on a head error it counts
		 * the bytes copied, which depends on the split, and the
		 * connection closes anyway.
		 */
		fuzz_check_error(p);
		res->status = p->error_status;
		return;
	}
	fuzz_check_done(p);
	res->consumed = consumed;
	res->method = (int)r->method;
	res->version = r->version;
	res->keep_alive = r->keep_alive;
	res->chunked = r->chunked;
	res->nheaders = r->nheaders;
	res->target_len = r->target.len;
	res->target_hash = fuzz_hash(r->target.p, r->target.len);
	res->body_len = r->body.len;
	res->body_hash = fuzz_hash(r->body.data, r->body.len);
}

/* The plan's head and bodies rendered: "HTTP/1.x NNN " first, matching the plan. */
static size_t
fuzz_check_head(struct fuzz_state *fs, int version, size_t *written)
{
	const struct plan	*plan = &fs->plan;
	const struct buf	*d = &fs->piece;
	const char		*end;
	size_t			 head = 0;
	int			 st;

	buf_reset(&fs->piece);
	plan_render(plan, plan->keep_alive, &fs->piece);
	*written = d->len;
	if (d->oom || d->len < 17 || memcmp(d->data, "HTTP/1.", 7) != 0 ||
	    d->data[7] != (version == 10 ? '0' : '1') || d->data[8] != ' ')
		abort();
	st = (d->data[9] - '0') * 100 + (d->data[10] - '0') * 10 + (d->data[11] - '0');
	if (st != plan->status || d->data[12] != ' ')
		abort();
	end = memmem(d->data, d->len, "\r\n\r\n", 4);
	if (end == NULL)
		abort();
	head = (size_t)(end - d->data) + 4;
	if (head > *written)
		abort();
	/* the head says what the plan does; a 101 says Upgrade instead */
	if ((memmem(d->data, head, "Connection: keep-alive\r\n", 24) != NULL) !=
	    (plan->keep_alive && st != 101) ||
	    (memmem(d->data, head, "Connection: Upgrade\r\n", 21) != NULL) != (st == 101))
		abort();
	return (head);
}

/* A HEAD step's texts and body lie inside the plan's data. */
static void
fuzz_walk_head(const struct plan *plan, const struct plan_step *s)
{
	const struct plan_head	*h = &s->head;
	size_t			 len = plan->data.len;

	if (s->off > len || s->len > len - s->off ||
	    (h->type_len > 0 && (h->type_off > len || h->type_len >= len - h->type_off ||
	    plan->data.data[h->type_off + h->type_len] != '\0')) ||
	    (h->extra_len > 0 && (h->extra_off > len || h->extra_len >= len - h->extra_off ||
	    plan->data.data[h->extra_off + h->extra_len] != '\0')) ||
	    h->status != plan->status)
		abort();
}

/* Make the first stream pieces, as an executor would, and check their sizes. */
static void
fuzz_walk_stream(struct fuzz_state *fs, const struct plan_step *s,
    unsigned long long *total)
{
	const struct plan	*plan = &fs->plan;
	unsigned int		 i, n;

	if (s->count != plan->stream.pieces || plan->stream.kind == PLAN_STREAM_NONE)
		abort();
	*total = plan_stream_total(plan);
	n = s->count < FUZZ_PIECES_MAX ? s->count : FUZZ_PIECES_MAX;
	buf_reset(&fs->piece);
	for (i = 0; i < n; i++)
		plan_stream_piece(plan, i, &fs->piece);
	if (fs->piece.oom || fs->piece.len > *total)
		abort();
	if (n == s->count && fs->piece.len != *total)
		abort();
	/* Past the last piece there is nothing. */
	n = (unsigned int)fs->piece.len;
	plan_stream_piece(plan, s->count, &fs->piece);
	if (fs->piece.len != n)
		abort();
}

/* The URLs a FETCH step will fetch are whole C strings inside the plan. */
static void
fuzz_walk_fetch(const struct plan *plan, const struct plan_step *s)
{
	unsigned int	 i;
	size_t		 off;

	if (plan->fetch.nurls == 0 || plan->fetch.nurls > PLAN_FETCH_URLS_MAX ||
	    s->count != plan->fetch.nurls)
		abort();
	if (plan->fetch.mode == PLAN_FETCH_ONE && plan->fetch.nurls != 1)
		abort();
	for (i = 0; i < plan->fetch.nurls; i++) {
		off = plan->fetch.url_off[i];
		if (off >= plan->data.len ||
		    memchr(plan->data.data + off, '\0', plan->data.len - off) == NULL)
			abort();
	}
}

/* Walk every step as an executor would, checking bounds and the body size. */
static void
fuzz_walk_plan(struct fuzz_state *fs, int version, int head_only)
{
	const struct plan	*plan = &fs->plan;
	const struct plan_step	*s;
	unsigned long long	 stream = 0;
	size_t			 written, head;
	unsigned int		 i;
	int			 fetch = 0, heads = 0;

	if (plan_failed(plan) || plan->nsteps == 0 || plan->nsteps > PLAN_MAX_STEPS)
		abort();
	for (i = 0; i < plan->nsteps; i++) {
		s = &plan->steps[i];
		switch (s->kind) {
		case PLAN_HEAD:
			if (heads++ > 0)
				abort();
			fuzz_walk_head(plan, s);
			break;
		case PLAN_WRITE:
			if (s->len == 0 || s->off > plan->data.len ||
			    s->len > plan->data.len - s->off)
				abort();
			break;
		case PLAN_WAIT:
		case PLAN_BURN:
			if (s->ms > 10000)
				abort();
			break;
		case PLAN_STREAM:
			if (head_only)
				abort();
			fuzz_walk_stream(fs, s, &stream);
			break;
		case PLAN_CLOSE:
			if (i != plan->nsteps - 1 || plan->keep_alive)
				abort();
			break;
		case PLAN_FETCH:
			fuzz_walk_fetch(plan, s);
			fetch = 1;
			break;
		case PLAN_UPGRADE:
			if (heads != 1 || plan->status != 101 ||
			    (i != plan->nsteps - 1 && plan->steps[i + 1].kind != PLAN_CLOSE))
				abort();
			break;
		default:
			abort();
		}
	}
	if (!plan->keep_alive && plan->steps[plan->nsteps - 1].kind != PLAN_CLOSE)
		abort();
	if (fetch)
		return;
	head = fuzz_check_head(fs, version, &written);
	if (plan->body_bytes != (written - head) + stream)
		abort();
	if (head_only && plan->body_bytes != 0)
		abort();
}

/* Route a finished request and check the plan it makes. */
static void
fuzz_plan_request(struct fuzz_state *fs, const struct http_request *r)
{
	endpoint_plan(r, &fs->ctx, &fs->plan);
	if (fs->plan.status < 100 || fs->plan.status > 599)
		abort();
	if ((int)fs->plan.endpoint < 0 || fs->plan.endpoint >= ENDPOINT_COUNT)
		abort();
	fuzz_walk_plan(fs, r->version, r->method == HTTP_HEAD);
}

/* The error plan an executor sends for a refused request. */
static void
fuzz_plan_error(struct fuzz_state *fs, const struct http_parser *p)
{
	int	 version = p->req.version == 10 ? 10 : 11;

	endpoint_plan_error(&fs->plan, version, p->error_status,
	    p->error_reason, 0, FUZZ_NOW);
	if (fs->plan.status != p->error_status || fs->plan.keep_alive)
		abort();
	fuzz_walk_plan(fs, version, 0);
}

/* Feed everything at once; fs != NULL also plans each request. */
static void
fuzz_feed_whole(const char *data, size_t len, const struct http_limits *lim,
    struct fuzz_run *run, struct fuzz_state *fs)
{
	struct http_parser	 p;
	enum http_parse_result	 rv;
	size_t			 off = 0, used;

	http_parser_init(&p, lim);
	while (off < len && run->n < FUZZ_REQUESTS_MAX) {
		used = len + 1;
		rv = http_parser_feed(&p, data + off, len - off, &used);
		if (used > len - off)
			abort();
		off += used;
		if (rv == HTTP_PARSE_NEED_MORE) {
			if (off != len)
				abort();
			run->tail = used;
			break;
		}
		fuzz_record(run, &p, (int)rv, used);
		if (rv == HTTP_PARSE_ERROR) {
			if (fs != NULL)
				fuzz_plan_error(fs, &p);
			break;
		}
		if (fs != NULL)
			fuzz_plan_request(fs, &p.req);
		http_parser_reset(&p);
	}
	run->end_state = (int)p.state;
	run->end_head_done = p.head_done;
	http_parser_free(&p);
}

/* Feed in pieces; a piece may end one request and start the next. */
static void
fuzz_feed_pieces(const char *data, size_t len, const struct http_limits *lim,
    unsigned char ctl, struct fuzz_run *run)
{
	struct http_parser	 p;
	enum http_parse_result	 rv = HTTP_PARSE_NEED_MORE;
	size_t			 pos = 0, n, off, used, taken = 0;
	uint32_t		 rng = 0x9e3779b9U ^ ctl;

	http_parser_init(&p, lim);
	while (pos < len && rv != HTTP_PARSE_ERROR && run->n < FUZZ_REQUESTS_MAX) {
		n = fuzz_next_piece(ctl, &rng);
		if (n > len - pos)
			n = len - pos;
		for (off = 0; off < n && run->n < FUZZ_REQUESTS_MAX; ) {
			used = n + 1;
			rv = http_parser_feed(&p, data + pos + off, n - off, &used);
			if (used > n - off)
				abort();
			off += used;
			taken += used;
			if (rv == HTTP_PARSE_NEED_MORE) {
				if (off != n)
					abort();
				break;
			}
			fuzz_record(run, &p, (int)rv, taken);
			taken = 0;
			if (rv == HTTP_PARSE_ERROR)
				break;
			http_parser_reset(&p);
		}
		pos += n;
	}
	run->tail = taken;
	run->end_state = (int)p.state;
	run->end_head_done = p.head_done;
	http_parser_free(&p);
}

/* Both feeds must agree on every request, byte for byte. */
static void
fuzz_compare(const struct fuzz_run *a, const struct fuzz_run *b)
{
	unsigned int	 i;

	if (a->n != b->n)
		abort();
	for (i = 0; i < a->n; i++)
		if (memcmp(&a->res[i], &b->res[i], sizeof(a->res[i])) != 0)
			abort();
	/* A run cut at FUZZ_REQUESTS_MAX stops at different bytes; fine. */
	if (a->n == FUZZ_REQUESTS_MAX)
		return;
	if (a->end_state != b->end_state || a->end_head_done != b->end_head_done ||
	    a->tail != b->tail)
		abort();
}

/* One libFuzzer input: the control byte, then the client's bytes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_run	 whole, pieces;
	struct fuzz_state	 fs;
	struct http_limits	 lim;
	unsigned char		 ctl;

	if (size < 2)
		return (0);
	if (memcmp(data, FUZZ_WS_PREFIX, 2) == 0) {
		fuzz_ws(data + 2, size - 2);
		return (0);
	}
	ctl = data[0];
	fuzz_limits(&lim, ctl);
	memset(&fs, 0, sizeof(fs));
	config_defaults(&fs.cfg);
	fs.ctx.cfg = &fs.cfg;
	fs.ctx.client_ip = "127.0.0.1";
	fs.ctx.client_port = 40000;
	fs.ctx.now = FUZZ_NOW;
	fs.ctx.stats_snapshot = fuzz_stats_snapshot;
	plan_init(&fs.plan);
	buf_init(&fs.piece);
	memset(&whole, 0, sizeof(whole));
	memset(&pieces, 0, sizeof(pieces));

	fuzz_feed_whole((const char *)data + 1, size - 1, &lim, &whole, &fs);
	fuzz_feed_pieces((const char *)data + 1, size - 1, &lim, ctl, &pieces);
	fuzz_compare(&whole, &pieces);

	plan_free(&fs.plan);
	buf_free(&fs.piece);
	return (0);
}
