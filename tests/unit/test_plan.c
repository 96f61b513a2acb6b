/* test_plan: steps, merging, stream pieces (drip, bytes, lines), chunk framing, burning. */
#include "autoconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/buf.h"
#include "core/plan.h"

/* Piece i of a plan as a C string in out. */
static const char *
piece(const struct plan *p, unsigned int i, struct buf *out)
{
	buf_reset(out);
	plan_stream_piece(p, i, out);
	return (buf_cstr(out));
}

/* Consecutive writes share one step; a write after another step starts a new one. */
static void
test_write_merge(void **state)
{
	struct plan	 p;

	plan_init(&p);
	plan_write(&p, "ab", 2);
	plan_write(&p, "cd", 2);
	plan_write(&p, "", 0);
	assert_int_equal(p.nsteps, 1);
	assert_int_equal(p.steps[0].kind, PLAN_WRITE);
	assert_int_equal(p.steps[0].off, 0);
	assert_int_equal(p.steps[0].len, 4);
	plan_wait(&p, 250);
	plan_write(&p, "ef", 2);
	plan_burn(&p, 7);
	plan_stream_drip(&p, 3, 3, 40, 0);
	plan_close(&p);
	assert_int_equal(p.nsteps, 6);
	assert_int_equal(p.steps[1].kind, PLAN_WAIT);
	assert_int_equal(p.steps[1].ms, 250);
	assert_int_equal(p.steps[2].kind, PLAN_WRITE);
	assert_int_equal(p.steps[2].off, 4);
	assert_int_equal(p.steps[2].len, 2);
	assert_int_equal(p.steps[3].kind, PLAN_BURN);
	assert_int_equal(p.steps[3].ms, 7);
	assert_int_equal(p.steps[4].kind, PLAN_STREAM);
	assert_int_equal(p.steps[4].count, 3);
	assert_int_equal(p.steps[4].interval_ms, 40);
	assert_int_equal(p.steps[5].kind, PLAN_CLOSE);
	assert_memory_equal(p.data.data, "abcdef", 6);
	assert_false(plan_failed(&p));
	plan_free(&p);
}

/* Bytes appended directly to data become a step through plan_commit. */
static void
test_commit(void **state)
{
	struct plan	 p;

	plan_init(&p);
	plan_write(&p, "head", 4);
	buf_append_str(&p.data, "body");
	plan_commit(&p, 4);
	plan_commit(&p, p.data.len);	/* nothing new: no step */
	assert_int_equal(p.nsteps, 1);
	assert_int_equal(p.steps[0].len, 8);
	plan_free(&p);
}

/* Running out of steps is reported, never overflowed. */
static void
test_too_many_steps(void **state)
{
	struct plan	 p;
	int		 i;

	plan_init(&p);
	for (i = 0; i < PLAN_MAX_STEPS; i++)
		plan_wait(&p, 1);
	assert_false(plan_failed(&p));
	plan_close(&p);
	assert_true(plan_failed(&p));
	assert_int_equal(p.nsteps, PLAN_MAX_STEPS);
	plan_free(&p);
}

/* Reset forgets everything but keeps the memory for the next request. */
static void
test_reset_keeps_memory(void **state)
{
	struct plan	 p;
	char		*data;

	plan_init(&p);
	plan_write(&p, "hello", 5);
	buf_append_str(&p.stream.line, "line");
	p.stream.kind = PLAN_STREAM_LINES;
	p.status = 200;
	p.keep_alive = 1;
	p.failed = 1;
	data = p.data.data;
	plan_reset(&p);
	assert_int_equal(p.nsteps, 0);
	assert_int_equal(p.data.len, 0);
	assert_int_equal(p.stream.line.len, 0);
	assert_int_equal(p.stream.kind, PLAN_STREAM_NONE);
	assert_int_equal(p.status, 0);
	assert_int_equal(p.keep_alive, 0);
	assert_false(plan_failed(&p));
	assert_ptr_equal(p.data.data, data);
	plan_free(&p);
	assert_null(p.data.data);
	assert_null(p.stream.line.data);
}

/* Drip pieces: the first total%pieces get one extra byte; they sum to the total. */
static void
test_drip_spread(void **state)
{
	struct plan		 p;
	struct buf		 out;
	unsigned long long	 sum = 0;
	unsigned int		 i;

	plan_init(&p);
	buf_init(&out);
	p.stream.kind = PLAN_STREAM_DRIP;
	p.stream.total_bytes = 10;
	p.stream.pieces = 3;
	assert_string_equal(piece(&p, 0, &out), "****");
	assert_string_equal(piece(&p, 1, &out), "***");
	assert_string_equal(piece(&p, 2, &out), "***");
	assert_string_equal(piece(&p, 3, &out), "");	/* past the end */
	assert_int_equal(plan_stream_total(&p), 10);

	p.stream.total_bytes = 1000003;
	p.stream.pieces = 1000;
	for (i = 0; i < 1000; i++) {
		piece(&p, i, &out);
		assert_int_equal(out.len, i < 3 ? 1001 : 1000);
		assert_null(memchr(out.data, 'x', out.len));
		sum += out.len;
	}
	assert_int_equal(sum, 1000003);
	assert_int_equal(plan_stream_total(&p), 1000003);
	buf_free(&out);
	plan_free(&p);
}

/* Chunk framing is "<hex>\r\n<data>\r\n" per piece, exactly. */
static void
test_drip_chunked(void **state)
{
	struct plan	 p;
	struct buf	 out;
	char		 want[64];

	plan_init(&p);
	buf_init(&out);
	p.stream.kind = PLAN_STREAM_DRIP;
	p.stream.chunked = 1;
	p.stream.total_bytes = 5;
	p.stream.pieces = 2;
	assert_string_equal(piece(&p, 0, &out), "3\r\n***\r\n");
	assert_string_equal(piece(&p, 1, &out), "2\r\n**\r\n");
	assert_int_equal(plan_stream_total(&p), 8 + 7);

	p.stream.total_bytes = 26;
	p.stream.pieces = 1;
	snprintf(want, sizeof(want), "1a\r\n%s\r\n", "**************************");
	assert_string_equal(piece(&p, 0, &out), want);
	assert_int_equal(plan_stream_total(&p), 4 + 26 + 2);
	buf_free(&out);
	plan_free(&p);
}

/* The byte stream is splitmix64, little-endian: a published test vector pins it down. */
static void
test_bytes_known_vector(void **state)
{
	static const unsigned char want[] = {
		0xaf, 0xcd, 0x1d, 0x7b, 0x39, 0xa8, 0x20, 0xe2,	/* 0xe220a8397b1dcdaf */
		0xf4, 0x65, 0xb9, 0xa1, 0x6a, 0x9e, 0x78, 0x6e,	/* 0x6e789e6aa1b965f4 */
		0x4f, 0x45, 0x09, 0x80, 0x18, 0x5d, 0xc4, 0x06,	/* 0x06c45d188009454f */
	};
	struct plan	 p;
	struct buf	 out;

	plan_init(&p);
	buf_init(&out);
	p.stream.kind = PLAN_STREAM_BYTES;
	p.stream.total_bytes = sizeof(want);
	p.stream.pieces = 1;
	p.stream.seed = 0;
	piece(&p, 0, &out);
	assert_int_equal(out.len, sizeof(want));
	assert_memory_equal(out.data, want, sizeof(want));
	buf_free(&out);
	plan_free(&p);
}

/* Pieces of any size, even odd ones, cut the same byte stream. */
static void
test_bytes_sized(void **state)
{
	struct plan	 a, b;
	struct buf	 whole, cut;
	unsigned int	 i;

	(void)state;
	plan_init(&a);
	plan_init(&b);
	buf_init(&whole);
	buf_init(&cut);
	plan_stream_bytes(&a, 100, 7, 0);
	plan_stream_bytes_sized(&b, 100, 7, 0, 7);
	assert_int_equal(b.stream.pieces, 15);
	for (i = 0; i < a.stream.pieces; i++)
		plan_stream_piece(&a, i, &whole);
	for (i = 0; i < b.stream.pieces; i++)
		plan_stream_piece(&b, i, &cut);
	assert_int_equal(cut.len, 100);
	assert_memory_equal(cut.data, whole.data, 100);
	buf_free(&whole);
	buf_free(&cut);
	plan_free(&a);
	plan_free(&b);
}

/* Same seed, same bytes; pieces are 16 KiB, the last shorter; each stands alone. */
static void
test_bytes_deterministic(void **state)
{
	struct plan	 a, b;
	struct buf	 whole, one, other;
	unsigned int	 i;

	plan_init(&a);
	plan_init(&b);
	buf_init(&whole);
	buf_init(&one);
	buf_init(&other);
	a.stream.kind = PLAN_STREAM_BYTES;
	a.stream.total_bytes = 40000;
	a.stream.pieces = 3;
	a.stream.seed = 42;
	for (i = 0; i < 3; i++)
		plan_stream_piece(&a, i, &whole);
	assert_int_equal(whole.len, 40000);
	assert_int_equal(plan_stream_total(&a), 40000);
	/* piece 2 alone, made first, equals the tail of the whole */
	piece(&a, 2, &one);
	assert_int_equal(one.len, 40000 - 2 * 16384);
	assert_memory_equal(one.data, whole.data + 2 * 16384, one.len);
	piece(&a, 1, &one);
	assert_int_equal(one.len, 16384);
	assert_memory_equal(one.data, whole.data + 16384, 16384);
	/* a shorter body with the same seed is a prefix of the longer one */
	b.stream = a.stream;
	buf_init(&b.stream.line);
	b.stream.total_bytes = 100;
	b.stream.pieces = 1;
	piece(&b, 0, &other);
	assert_int_equal(other.len, 100);
	assert_memory_equal(other.data, whole.data, 100);
	/* another seed, other bytes */
	b.stream.seed = 43;
	piece(&b, 0, &other);
	assert_memory_not_equal(other.data, whole.data, 100);
	/* chunked framing around a bytes piece */
	b.stream.chunked = 1;
	piece(&b, 0, &other);
	assert_int_equal(other.len, 4 + 100 + 2);
	assert_memory_equal(other.data, "64\r\n", 4);
	assert_memory_equal(other.data + 104, "\r\n", 2);
	buf_free(&whole);
	buf_free(&one);
	buf_free(&other);
	plan_free(&a);
	plan_free(&b);
}

/* Lines get their number where "@ID@" stands; chunks are sized to fit. */
static void
test_lines(void **state)
{
	struct plan	 p;
	struct buf	 out;

	plan_init(&p);
	buf_init(&out);
	p.stream.kind = PLAN_STREAM_LINES;
	p.stream.pieces = 12;
	buf_append_str(&p.stream.line, "{\"id\":@ID@,\"x\":\"@ID@\"}\n");
	assert_string_equal(piece(&p, 0, &out), "{\"id\":0,\"x\":\"@ID@\"}\n");
	assert_string_equal(piece(&p, 11, &out), "{\"id\":11,\"x\":\"@ID@\"}\n");
	assert_string_equal(piece(&p, 12, &out), "");
	p.stream.chunked = 1;
	assert_string_equal(piece(&p, 3, &out), "14\r\n{\"id\":3,\"x\":\"@ID@\"}\n\r\n");
	assert_string_equal(piece(&p, 10, &out), "15\r\n{\"id\":10,\"x\":\"@ID@\"}\n\r\n");
	/* 10 lines of 20 bytes + 2 of 21, each with 6 bytes of framing */
	assert_int_equal(plan_stream_total(&p), 10 * 26 + 2 * 27);
	buf_free(&out);
	plan_free(&p);
}

/* Burning takes at least the time asked for. */
static void
test_burn(void **state)
{
	struct timespec	 a, b;
	double		 ms;

	clock_gettime(CLOCK_MONOTONIC, &a);
	plan_burn_cpu(30);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1000.0 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	assert_true(ms >= 30.0);
	plan_burn_cpu(0);
}

/* Every test above; cmocka prints TAP when the harness asks for it. */
/* A JSON head as endpoints make it, keep-alive, with a Date that never changes. */
static void
head_ok(struct plan *p, const char *ctype, size_t length, const char *extra)
{
	struct response_head	 h;

	memset(&h, 0, sizeof(h));
	h.status = 200;
	h.version = 11;
	h.content_type = ctype;
	h.framing = RESPONSE_LENGTH;
	h.content_length = length;
	h.keep_alive = 1;
	h.extra = extra;
	plan_head(p, &h, 0);
}

/* A HEAD step keeps fields; its body follows it; rendering makes the bytes. */
static void
test_head_render(void **state)
{
	struct plan	 p;
	struct buf	 out;
	const char	*want = "HTTP/1.1 200 OK\r\nServer: " RESPONSE_SERVER "\r\n"
			    "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
			    "Content-Type: text/plain\r\nContent-Length: 2\r\n"
			    "Connection: keep-alive\r\nX-A: b\r\n\r\nok";

	plan_init(&p);
	buf_init(&out);
	head_ok(&p, "text/plain", 2, "X-A: b\r\n");
	plan_write(&p, "ok", 2);
	plan_finish(&p, 1);
	assert_false(plan_failed(&p));
	assert_int_equal(p.nsteps, 1);
	assert_int_equal(p.steps[0].kind, PLAN_HEAD);
	assert_int_equal(p.steps[0].len, 2);
	assert_int_equal(p.status, 200);
	assert_int_equal(p.body_bytes, 2);
	assert_int_equal(plan_render_head(&p, &p.steps[0], 1, &out), 2);
	assert_string_equal(buf_cstr(&out), want);
	buf_reset(&out);
	plan_render(&p, 1, &out);
	assert_string_equal(buf_cstr(&out), want);
	/* the executor's say wins: a drain renders close */
	buf_reset(&out);
	plan_render_head(&p, &p.steps[0], 0, &out);
	assert_non_null(strstr(buf_cstr(&out), "\r\nConnection: close\r\nX-A"));
	buf_free(&out);
	plan_free(&p);
}

/* A big body is left for the executor to send from the plan, not copied. */
static void
test_head_big_body(void **state)
{
	struct plan	 p;
	struct buf	 out;
	static char	 body[PLAN_PIECE_BYTES + 1];

	plan_init(&p);
	buf_init(&out);
	memset(body, 'x', sizeof(body));
	head_ok(&p, NULL, sizeof(body), NULL);
	plan_write(&p, body, sizeof(body));
	assert_int_equal(plan_render_head(&p, &p.steps[0], 1, &out), 0);
	assert_null(strstr(buf_cstr(&out), "Content-Type"));
	assert_int_equal(out.data[out.len - 1], '\n');
	assert_int_equal(p.steps[0].len, sizeof(body));
	assert_memory_equal(p.data.data + p.steps[0].off, body, sizeof(body));
	buf_free(&out);
	plan_free(&p);
}

/*
 * A drain after planning: the unsent head says close, by a field. A body that
 * happens to hold "Connection: keep-alive" goes out untouched, and so does a
 * head already sent.
 */
static void
test_force_close(void **state)
{
	struct plan	 p;
	struct buf	 out;
	const char	*body = "\r\nConnection: keep-alive\r\n";
	size_t		 blen = strlen(body);

	plan_init(&p);
	buf_init(&out);
	plan_wait(&p, 100);
	head_ok(&p, "text/plain", blen, NULL);
	plan_write(&p, body, blen);
	plan_burn(&p, 1);
	plan_write(&p, body, blen);
	plan_finish(&p, 1);
	assert_int_equal(plan_force_close(&p, 1), 1);
	assert_int_equal(p.keep_alive, 0);
	assert_int_equal(p.steps[1].len, blen);
	assert_memory_equal(p.data.data + p.steps[1].off, body, blen);
	assert_memory_equal(p.data.data + p.steps[3].off, body, blen);
	plan_render(&p, 1, &out);
	assert_non_null(strstr(buf_cstr(&out), "Content-Length: 26\r\n"
	    "Connection: close\r\n\r\n\r\nConnection: keep-alive\r\n"));
	assert_int_equal(out.len - (size_t)(strstr(out.data, "\r\n\r\n") - out.data) - 4,
	    2 * blen);
	/* Nothing left to change: already close, or the head was sent. */
	assert_int_equal(plan_force_close(&p, 1), 0);
	assert_int_equal(plan_force_close(&p, 2), 0);
	assert_memory_equal(p.data.data + p.steps[1].off, body, blen);
	assert_memory_equal(p.data.data + p.steps[3].off, body, blen);
	plan_free(&p);
	plan_init(&p);
	head_ok(&p, NULL, blen, NULL);
	plan_write(&p, body, blen);
	plan_finish(&p, 1);
	assert_int_equal(plan_force_close(&p, 1), 0);
	assert_int_equal(p.steps[0].head.keep_alive, 1);
	assert_int_equal(p.keep_alive, 0);
	buf_free(&out);
	plan_free(&p);
}

/* Stream constructors: pieces, body accounting, and the last chunk when chunked. */
static void
test_stream_constructors(void **state)
{
	struct plan	 p;

	plan_init(&p);
	plan_stream_bytes(&p, 2 * PLAN_PIECE_BYTES + 1, 7, 0);
	assert_int_equal(p.nsteps, 1);
	assert_int_equal(p.steps[0].kind, PLAN_STREAM);
	assert_int_equal(p.steps[0].count, 3);
	assert_int_equal(p.steps[0].interval_ms, 0);
	assert_int_equal(p.body_bytes, 2 * PLAN_PIECE_BYTES + 1);
	plan_reset(&p);
	plan_stream_lines(&p, "{\"id\":@ID@}\n", 12, 11, 5, 1);
	assert_int_equal(p.nsteps, 2);
	assert_int_equal(p.steps[0].count, 11);
	assert_int_equal(p.steps[0].interval_ms, 5);
	assert_int_equal(p.steps[1].kind, PLAN_WRITE);
	assert_memory_equal(p.data.data + p.steps[1].off, "0\r\n\r\n", 5);
	/* 10 lines of 9 bytes and one of 10, each with 5 bytes of framing, and the last chunk */
	assert_int_equal(p.body_bytes, 10 * 14 + 15 + 5);
	assert_int_equal(plan_stream_total(&p) + 5, p.body_bytes);
	plan_reset(&p);
	plan_stream_drip(&p, 0, 0, 10, 0);
	assert_int_equal(p.nsteps, 0);
	plan_free(&p);
}

static int	plan_test_freed;

/* Piece i is i+1 letters; an empty piece for i == 2. */
static void
plan_test_produce(void *arg, unsigned int i, struct buf *out)
{
	unsigned int	 n;

	(void)arg;
	for (n = 0; i != 2 && n <= i; n++)
		buf_append_char(out, 'a');
}

/* The plan frees the producer's state once. */
static void
plan_test_free(void *arg)
{
	(void)arg;
	plan_test_freed++;
}

/* A produced stream: made when due, fixed-width chunk sizes, freed with the plan. */
static void
test_stream_produced(void **state)
{
	struct plan	 p;
	struct buf	 out;

	(void)state;
	plan_init(&p);
	buf_init(&out);
	plan_stream_produced(&p, 100, 250, 1, plan_test_produce, plan_test_free, &p);
	assert_int_equal(p.steps[0].kind, PLAN_STREAM);
	assert_int_equal(p.steps[0].count, 100);
	assert_int_equal(p.steps[0].interval_ms, 250);
	assert_int_equal(plan_stream_total(&p), 0);
	plan_stream_piece(&p, 1, &out);
	assert_string_equal(out.data, "00000002\r\naa\r\n");
	buf_reset(&out);
	plan_stream_piece(&p, 2, &out);
	assert_int_equal(out.len, 0);	/* never a "0" chunk mid-stream */
	plan_reset(&p);
	assert_int_equal(plan_test_freed, 1);
	plan_stream_produced(&p, 3, 0, 0, plan_test_produce, plan_test_free, &p);
	plan_stream_piece(&p, 0, &out);
	assert_string_equal(out.data, "a");
	plan_free(&p);
	assert_int_equal(plan_test_freed, 2);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_merge),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_too_many_steps),
		cmocka_unit_test(test_reset_keeps_memory),
		cmocka_unit_test(test_drip_spread),
		cmocka_unit_test(test_drip_chunked),
		cmocka_unit_test(test_bytes_known_vector),
		cmocka_unit_test(test_bytes_deterministic),
		cmocka_unit_test(test_bytes_sized),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_burn),
		cmocka_unit_test(test_head_render),
		cmocka_unit_test(test_head_big_body),
		cmocka_unit_test(test_force_close),
		cmocka_unit_test(test_stream_constructors),
		cmocka_unit_test(test_stream_produced),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
