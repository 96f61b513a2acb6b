/* plan: what a response is and when its pieces are due; run by an executor. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/plan.h"
#include "util/time.h"

#define PLAN_ID_MARK		"@ID@"
#define PLAN_ID_MARK_LEN	4

/* Start with no steps and no memory. */
void
plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->data);
	buf_init(&p->stream.line);
	endpoint_scratch_init(&p->scratch);
	p->stream.piece_bytes = PLAN_PIECE_BYTES;
}

/* Let a producer's state go with the stream it made. */
static void
plan_stream_release(struct plan *p)
{
	if (p->stream.produce_free != NULL && p->stream.produce_arg != NULL)
		p->stream.produce_free(p->stream.produce_arg);
	p->stream.produce = NULL;
	p->stream.produce_free = NULL;
	p->stream.produce_arg = NULL;
}

/* Make the plan empty again for the next request, keeping its buffers. */
void
plan_reset(struct plan *p)
{
	p->nsteps = 0;
	buf_reset(&p->data);
	p->stream.kind = PLAN_STREAM_NONE;
	p->stream.chunked = 0;
	p->stream.total_bytes = 0;
	p->stream.pieces = 0;
	p->stream.seed = 0;
	p->stream.piece_bytes = PLAN_PIECE_BYTES;
	buf_reset(&p->stream.line);
	plan_stream_release(p);
	p->endpoint = 0;
	p->status = 0;
	p->keep_alive = 0;
	p->body_bytes = 0;
	p->failed = 0;
	p->fetch.nurls = 0;
}

/* Give back the buffers; the plan is empty and usable afterwards. */
void
plan_free(struct plan *p)
{
	buf_free(&p->data);
	buf_free(&p->stream.line);
	plan_stream_release(p);
	endpoint_scratch_free(&p->scratch);
	free(p->fetch.url_off);
	plan_init(p);
}

/* The next free step, or NULL (and failed set) when the plan is full. */
static struct plan_step *
plan_add_step(struct plan *p, enum plan_step_kind kind)
{
	struct plan_step	*s;

	if (p->nsteps >= PLAN_MAX_STEPS) {
		p->failed = 1;
		return (NULL);
	}
	s = &p->steps[p->nsteps++];
	/* plan_head fills every field of a head itself */
	memset(s, 0, kind == PLAN_HEAD ? offsetof(struct plan_step, head) : sizeof(*s));
	s->kind = kind;
	return (s);
}

/* Cover data[from, data.len) with a step, growing the WRITE or HEAD body that ends at from. */
void
plan_commit(struct plan *p, size_t from)
{
	struct plan_step	*s;
	size_t			 len;

	if (p->data.oom) {
		p->failed = 1;
		return;
	}
	if (from >= p->data.len)
		return;
	len = p->data.len - from;
	p->body_bytes += len;
	if (p->nsteps > 0) {
		s = &p->steps[p->nsteps - 1];
		if ((s->kind == PLAN_WRITE || s->kind == PLAN_HEAD) &&
		    s->off + s->len == from) {
			s->len += len;
			return;
		}
	}
	if ((s = plan_add_step(p, PLAN_WRITE)) == NULL)
		return;
	s->off = from;
	s->len = len;
}

/* Keep bytes to send in the plan's own buffer so the request can go away. */
void
plan_write(struct plan *p, const void *data, size_t len)
{
	size_t	 from = p->data.len;

	if (len == 0)
		return;
	buf_append(&p->data, data, len);
	plan_commit(p, from);
}

/* A pause; a timer in one executor, a sleep in the other. */
void
plan_wait(struct plan *p, unsigned int ms)
{
	struct plan_step	*s;

	if ((s = plan_add_step(p, PLAN_WAIT)) != NULL)
		s->ms = ms;
}

/* CPU work on the serving thread, to show what blocking does. */
void
plan_burn(struct plan *p, unsigned int ms)
{
	struct plan_step	*s;

	if ((s = plan_add_step(p, PLAN_BURN)) != NULL)
		s->ms = ms;
}

/* Pieces made on demand by plan_stream_piece, so big bodies are never held whole. */
static void
plan_add_stream(struct plan *p, enum plan_stream_kind kind, unsigned int pieces,
    unsigned int interval_ms, int chunked)
{
	struct plan_step	*s;

	p->stream.kind = kind;
	p->stream.chunked = chunked;
	p->stream.pieces = pieces;
	if ((s = plan_add_step(p, PLAN_STREAM)) != NULL) {
		s->count = pieces;
		s->interval_ms = interval_ms;
	}
	p->body_bytes += plan_stream_total(p);
	/* the last chunk, which plan_write counts as body too */
	if (chunked)
		plan_write(p, "0\r\n\r\n", 5);
}

/* total '*' bytes spread over pieces: a slow server, made to order. */
void
plan_stream_drip(struct plan *p, unsigned long long total, unsigned int pieces,
    unsigned int interval_ms, int chunked)
{
	if (total == 0 || pieces == 0)
		return;
	p->stream.total_bytes = total;
	plan_add_stream(p, PLAN_STREAM_DRIP, pieces, interval_ms, chunked);
}

/* total reproducible bytes from seed, one PLAN_PIECE_BYTES piece at a time. */
void
plan_stream_bytes(struct plan *p, unsigned long long total, uint64_t seed, int chunked)
{
	plan_stream_bytes_sized(p, total, seed, chunked, PLAN_PIECE_BYTES);
}

/* The same bytes as plan_stream_bytes, cut into pieces of `piece` (1..PLAN_PIECE_BYTES). */
void
plan_stream_bytes_sized(struct plan *p, unsigned long long total, uint64_t seed,
    int chunked, unsigned int piece)
{
	if (total == 0)
		return;
	if (piece == 0 || piece > PLAN_PIECE_BYTES)
		piece = PLAN_PIECE_BYTES;
	p->stream.total_bytes = total;
	p->stream.seed = seed;
	p->stream.piece_bytes = piece;
	plan_add_stream(p, PLAN_STREAM_BYTES,
	    (unsigned int)((total + piece - 1) / piece), 0, chunked);
}

/* count numbered copies of a line; the plan keeps its own copy of the template. */
void
plan_stream_lines(struct plan *p, const char *line, size_t len, unsigned int count,
    unsigned int interval_ms, int chunked)
{
	buf_reset(&p->stream.line);
	buf_append(&p->stream.line, line, len);
	plan_add_stream(p, PLAN_STREAM_LINES, count, interval_ms, chunked);
}

/* Pieces nobody knows ahead: the producer makes each one as it falls due. */
void
plan_stream_produced(struct plan *p, unsigned int count, unsigned int interval_ms,
    int chunked, void (*produce)(void *, unsigned int, struct buf *),
    void (*produce_free)(void *), void *arg)
{
	plan_stream_release(p);
	p->stream.produce = produce;
	p->stream.produce_free = produce_free;
	p->stream.produce_arg = arg;
	plan_add_stream(p, PLAN_STREAM_PRODUCED, count, interval_ms, chunked);
}

/* End the connection once everything before it is written. */
void
plan_close(struct plan *p)
{
	plan_add_step(p, PLAN_CLOSE);
}

/* The endpoint's id, for the stats the executor counts. */
void
plan_set_endpoint(struct plan *p, int endpoint)
{
	p->endpoint = endpoint;
}

/* Copy a header value into data with its NUL, for a head rendered later. */
static void
plan_head_text(struct plan *p, const char *text, size_t *off, size_t *len)
{
	*off = p->data.len;
	*len = 0;
	if (text == NULL || text[0] == '\0')
		return;
	*len = strlen(text);
	buf_append(&p->data, text, *len + 1);
}

/* Keep the head as fields: it is rendered when sent, so close can still be decided. */
void
plan_head(struct plan *p, const struct response_head *h, time_t now)
{
	struct plan_step	*s;
	struct plan_head	*ph;

	p->status = h->status;
	if ((s = plan_add_step(p, PLAN_HEAD)) == NULL)
		return;
	ph = &s->head;
	ph->status = h->status;
	ph->version = h->version == 10 ? 10 : 11;
	ph->framing = h->framing;
	ph->keep_alive = h->keep_alive;
	ph->content_length = h->content_length;
	ph->date = now;
	plan_head_text(p, h->content_type, &ph->type_off, &ph->type_len);
	plan_head_text(p, h->extra, &ph->extra_off, &ph->extra_len);
	if (p->data.oom)
		p->failed = 1;
	s->off = p->data.len;
}

/* The executor switches the connection to WebSocket here. */
void
plan_upgrade(struct plan *p)
{
	(void)plan_add_step(p, PLAN_UPGRADE);
}

/* Close after the last step unless the connection may stay. */
void
plan_finish(struct plan *p, int keep_alive)
{
	p->keep_alive = keep_alive;
	if (!keep_alive)
		plan_close(p);
}

/* Out of memory while building: the executor answers 500 instead. */
void
plan_fail(struct plan *p)
{
	p->failed = 1;
}

/*
 * A drain began while the plan ran: the heads it has not sent yet (steps
 * from `from` on) say close, and so does everything a FETCH adds later.
 * Only fields change; no byte already rendered is touched.
 */
int
plan_force_close(struct plan *p, unsigned int from)
{
	unsigned int	 i;
	int		 changed = 0;

	p->keep_alive = 0;
	for (i = from; i < p->nsteps; i++) {
		if (p->steps[i].kind != PLAN_HEAD || !p->steps[i].head.keep_alive)
			continue;
		p->steps[i].head.keep_alive = 0;
		changed = 1;
	}
	return (changed);
}

/* A head's bytes come from the same writer whichever executor sends it. */
static void
plan_render_fields(const struct plan *p, const struct plan_step *st, int keep_alive,
    struct buf *out)
{
	const struct plan_head	*ph = &st->head;
	struct response_head	 h;

	h.status = ph->status;
	h.version = ph->version;
	h.content_type = ph->type_len > 0 ? p->data.data + ph->type_off : NULL;
	h.framing = ph->framing;
	h.content_length = ph->content_length;
	h.keep_alive = ph->keep_alive && keep_alive;
	h.extra = ph->extra_len > 0 ? p->data.data + ph->extra_off : NULL;
	response_write_head(out, &h, ph->date);
}

/* Render the head as it is sent, with a small body in the same buffer. */
size_t
plan_render_head(const struct plan *p, const struct plan_step *st, int keep_alive,
    struct buf *out)
{
	plan_render_fields(p, st, keep_alive, out);
	if (st->len == 0 || st->len > PLAN_PIECE_BYTES)
		return (0);
	buf_append(out, p->data.data + st->off, st->len);
	return (st->len);
}

/* A plan that only writes, as the bytes it sends. */
void
plan_render(const struct plan *p, int keep_alive, struct buf *out)
{
	const struct plan_step	*st;
	unsigned int		 i;

	for (i = 0; i < p->nsteps; i++) {
		st = &p->steps[i];
		if (st->kind == PLAN_HEAD)
			plan_render_fields(p, st, keep_alive, out);
		if ((st->kind == PLAN_HEAD || st->kind == PLAN_WRITE) && st->len > 0)
			buf_append(out, p->data.data + st->off, st->len);
	}
}

/* One check after building instead of one per append. */
int
plan_failed(const struct plan *p)
{
	return (p->failed || p->data.oom || p->stream.line.oom);
}

/* Where the id placeholder sits in a LINES template, or -1. */
static long
plan_line_mark(const struct plan *p)
{
	const struct buf	*l = &p->stream.line;
	size_t			 i;

	for (i = 0; i + PLAN_ID_MARK_LEN <= l->len; i++)
		if (memcmp(l->data + i, PLAN_ID_MARK, PLAN_ID_MARK_LEN) == 0)
			return ((long)i);
	return (-1);
}

/* Digits of v in base: a piece number (10) or a chunk size (16), sized before writing. */
static size_t
plan_digits(unsigned long long v, unsigned int base)
{
	size_t	 n = 1;

	while (v >= base) {
		v /= base;
		n++;
	}
	return (n);
}

/* Payload bytes of piece i, without chunk framing. */
static unsigned long long
plan_piece_payload(const struct plan *p, unsigned int i, long mark)
{
	const struct plan_stream *st = &p->stream;
	unsigned long long	 off;

	if (i >= st->pieces)
		return (0);
	switch (st->kind) {
	case PLAN_STREAM_DRIP:
		return (st->total_bytes / st->pieces +
		    (i < st->total_bytes % st->pieces ? 1 : 0));
	case PLAN_STREAM_BYTES:
		off = (unsigned long long)i * st->piece_bytes;
		if (off >= st->total_bytes)
			return (0);
		if (st->total_bytes - off < st->piece_bytes)
			return (st->total_bytes - off);
		return (st->piece_bytes);
	case PLAN_STREAM_LINES:
		if (mark < 0)
			return (st->line.len);
		return (st->line.len - PLAN_ID_MARK_LEN + plan_digits(i, 10));
	default:
		return (0);
	}
}

/* Word w of the byte stream for a seed: splitmix64 at step w+1, so any word stands alone. */
static uint64_t
plan_random_word(uint64_t seed, uint64_t w)
{
	uint64_t	 z;

	z = seed + (w + 1) * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* Append n pseudo-random bytes starting at byte offset off. */
static void
plan_random_bytes(struct buf *out, uint64_t seed, unsigned long long off, size_t n)
{
	unsigned char	*dst;
	uint64_t	 v, w;
	size_t		 i, j;

	if (buf_reserve(out, n) == -1)
		return;
	dst = (unsigned char *)out->data + out->len;
	w = off / 8;
	for (i = 0, j = off % 8; i < n; w++, j = 0) {
		v = plan_random_word(seed, w);
		for (; j < 8 && i < n; j++, i++)
			dst[i] = (unsigned char)(v >> (8 * j));
	}
	out->len += n;
	out->data[out->len] = '\0';
}

/* Append n copies of '*' without a byte-at-a-time loop over buf_append. */
static void
plan_stars(struct buf *out, size_t n)
{
	if (n == 0 || buf_reserve(out, n) == -1)
		return;
	memset(out->data + out->len, '*', n);
	out->len += n;
	out->data[out->len] = '\0';
}

/* Append the payload of piece i (no framing). */
static void
plan_piece_body(const struct plan *p, unsigned int i, long mark, size_t n, struct buf *out)
{
	const struct plan_stream *st = &p->stream;

	switch (st->kind) {
	case PLAN_STREAM_DRIP:
		plan_stars(out, n);
		break;
	case PLAN_STREAM_BYTES:
		plan_random_bytes(out, st->seed, (unsigned long long)i * st->piece_bytes, n);
		break;
	case PLAN_STREAM_LINES:
		if (mark < 0) {
			buf_append(out, st->line.data, st->line.len);
			break;
		}
		buf_append(out, st->line.data, (size_t)mark);
		buf_append_uint(out, i);
		buf_append(out, st->line.data + mark + PLAN_ID_MARK_LEN,
		    st->line.len - (size_t)mark - PLAN_ID_MARK_LEN);
		break;
	default:
		break;
	}
}

/*
 * A produced piece's length is known only once made, so its chunk size goes
 * first as eight hex digits (leading zeros are allowed) and is filled in after.
 */
static void
plan_produced_piece(const struct plan *p, unsigned int i, struct buf *out)
{
	size_t	 start = out->len, n;
	char	 size[16];

	if (p->stream.produce == NULL)
		return;
	if (p->stream.chunked)
		buf_append(out, "00000000\r\n", 10);
	p->stream.produce(p->stream.produce_arg, i, out);
	if (!p->stream.chunked || out->oom)
		return;
	n = out->len - start - 10;
	if (n == 0 || n > 0xffffffffUL) {
		out->len = start;
		out->data[start] = '\0';
		return;
	}
	snprintf(size, sizeof(size), "%08zx", n);
	memcpy(out->data + start, size, 8);
	buf_append(out, "\r\n", 2);
}

/* Make piece i on demand, so the executor never holds the whole body. */
void
plan_stream_piece(const struct plan *p, unsigned int i, struct buf *out)
{
	unsigned long long	 n;
	long			 mark;

	if (p->stream.kind == PLAN_STREAM_PRODUCED) {
		plan_produced_piece(p, i, out);
		return;
	}
	mark = p->stream.kind == PLAN_STREAM_LINES ? plan_line_mark(p) : -1;
	n = plan_piece_payload(p, i, mark);
	if (n == 0)
		return;
	if (p->stream.chunked)
		buf_appendf(out, "%llx\r\n", n);
	plan_piece_body(p, i, mark, (size_t)n, out);
	if (p->stream.chunked)
		buf_append(out, "\r\n", 2);
}

/* Bytes of all pieces together, framing included, for Content-Length and accounting. */
unsigned long long
plan_stream_total(const struct plan *p)
{
	unsigned long long	 n, total = 0;
	unsigned int		 i;
	long			 mark;

	if (p->stream.kind == PLAN_STREAM_PRODUCED)
		return (0);	/* unknown until made */
	mark = p->stream.kind == PLAN_STREAM_LINES ? plan_line_mark(p) : -1;
	if (!p->stream.chunked && p->stream.kind != PLAN_STREAM_LINES)
		return (p->stream.kind == PLAN_STREAM_NONE ? 0 : p->stream.total_bytes);
	for (i = 0; i < p->stream.pieces; i++) {
		n = plan_piece_payload(p, i, mark);
		if (n == 0)
			continue;
		total += n;
		if (p->stream.chunked)
			total += plan_digits(n, 16) + 4;	/* "<hex>\r\n" ... "\r\n" */
	}
	return (total);
}

/* Spin on real arithmetic so /cpu really occupies the thread it runs on. */
void
plan_burn_cpu(unsigned int ms)
{
	uint64_t		 start = time_now_ns(), span = (uint64_t)ms * 1000000;
	volatile uint64_t	 sink = 0;
	uint64_t		 x = 0x2545f4914f6cdd1dULL;
	int			 k;

	if (start == 0)
		return;
	do {
		for (k = 0; k < 4096; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sink += x;
	} while (time_now_ns() - start < span);
	(void)sink;
}

/* Keep a URL for the FETCH step to come; its stored copy, or NULL (failed set). */
const char *
plan_fetch_url(struct plan *p, const char *url, size_t len)
{
	size_t	 off = p->data.len;

	if (p->fetch.nurls >= PLAN_FETCH_URLS_MAX) {
		p->failed = 1;
		return (NULL);
	}
	/* Only plans that fetch pay for the offsets: a waiting request holds less. */
	if (p->fetch.url_off == NULL &&
	    (p->fetch.url_off = calloc(PLAN_FETCH_URLS_MAX, sizeof(*p->fetch.url_off))) == NULL) {
		p->failed = 1;
		return (NULL);
	}
	buf_append(&p->data, url, len);
	buf_append_char(&p->data, '\0');
	if (p->data.oom) {
		p->failed = 1;
		return (NULL);
	}
	p->fetch.url_off[p->fetch.nurls++] = off;
	return (p->data.data + off);
}

/* The FETCH step for the URLs kept so far; it ends the plan (see plan_continue). */
void
plan_fetch(struct plan *p, enum plan_fetch_mode mode, int version, int head_only,
    unsigned int hops)
{
	struct plan_step	*s;

	if ((s = plan_add_step(p, PLAN_FETCH)) == NULL)
		return;
	s->count = p->fetch.nurls;
	p->fetch.mode = mode;
	p->fetch.version = version == 10 ? 10 : 11;
	p->fetch.head_only = head_only;
	p->fetch.hops = hops;
	p->status = 200;	/* until the driver knows better */
}

/*
 * The plan's last step produced the rest of the response: start that as
 * a plan of its own, run from step 0. Status, keep_alive, endpoint and
 * the body count stay for the access log.
 */
void
plan_continue(struct plan *p)
{
	p->nsteps = 0;
	buf_reset(&p->data);
	p->fetch.nurls = 0;
}
