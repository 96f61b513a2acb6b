/* Unit tests for core/fetch_driver.c: slots handed between jobs, aborts, continuations. */
#include "autoconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "util/buf.h"
#include "core/config.h"
#include "core/fetch.h"
#include "core/fetch_driver.h"
#include "core/plan.h"

#define T_NOW	((time_t)784111777)

/* A connection of the fake executor: what the driver asked of it. */
struct fake_conn {
	unsigned int	 wakes;
	int		 closing;
	struct buf	 out;
};

/* The fake executor: transfers are only recorded, the test ends them. */
struct fake_exec {
	struct fetch_transfer *started[8];
	unsigned int	 nstarted;
	unsigned int	 ncancelled;
};

/* start: remember it, as a curl multi would hold it. */
static int
fake_start(void *ctx, struct fetch_transfer *t)
{
	struct fake_exec	*x = ctx;

	assert_true(x->nstarted < 8);
	x->started[x->nstarted++] = t;
	return (0);
}

/* cancel: curl lets go. */
static void
fake_cancel(void *ctx, struct fetch_transfer *t)
{
	struct fake_exec	*x = ctx;

	x->ncancelled++;
}

/* wake: counted per connection. */
static void
fake_wake(void *ctx, void *conn)
{
	struct fake_conn	*c = conn;

	c->wakes++;
}

/* write: the client's bytes. */
static int
fake_write(void *conn, const void *p, size_t len)
{
	struct fake_conn	*c = conn;

	buf_append(&c->out, p, len);
	return (0);
}

/* closing: as the test says. */
static int
fake_closing(void *conn)
{
	struct fake_conn	*c = conn;

	return (c->closing);
}

static const struct fetch_ops fake_ops = {
	.start = fake_start,
	.cancel = fake_cancel,
	.wake = fake_wake,
	.write = fake_write,
	.closing = fake_closing,
};

/* A FETCH plan of n URLs on port 1 of loopback (never connected to here). */
static void
fetch_plan(struct plan *p, enum plan_fetch_mode mode, unsigned int n)
{
	static const char	*urls[] = { "http://127.0.0.1:1/a", "http://127.0.0.1:1/b",
				    "http://127.0.0.1:1/c" };
	unsigned int		 i;

	plan_reset(p);
	p->keep_alive = 1;
	for (i = 0; i < n; i++)
		assert_non_null(plan_fetch_url(p, urls[i], strlen(urls[i])));
	plan_fetch(p, mode, 11, 0, 0);
	assert_false(plan_failed(p));
}

/* The settings every test uses: loopback allowed. */
static void
settings(struct fetch_settings *s)
{
	struct config	 cfg;
	char		 why[FETCH_REASON_MAX];

	config_defaults(&cfg);
	snprintf(cfg.fetch_allow, sizeof(cfg.fetch_allow), "127.0.0.0/8");
	assert_int_equal(fetch_settings_init(s, &cfg, why, sizeof(why)), 0);
}

/* The bytes of every WRITE step; 1 if the plan ends with a CLOSE. */
static int
plan_text(const struct plan *p, struct buf *out)
{
	unsigned int	 i;

	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == PLAN_WRITE)
			buf_append(out, p->data.data + p->steps[i].off, p->steps[i].len);
	buf_append_char(out, '\0');
	return (p->nsteps > 0 && p->steps[p->nsteps - 1].kind == PLAN_CLOSE);
}

/*
 * A client that leaves gives back its running and its granted slots, and
 * the waiter of another connection gets one and is woken, not started.
 */
static void
test_abort_hands_slots_on(void **state)
{
	struct fetch_settings	 s;
	struct fetch_driver	 d;
	struct fake_exec	 x;
	struct fake_conn	 ca, cb;
	struct fetch_job	*a, *b;
	struct plan		 pa, pb;
	struct buf		 text;

	settings(&s);
	memset(&x, 0, sizeof(x));
	memset(&ca, 0, sizeof(ca));
	memset(&cb, 0, sizeof(cb));
	buf_init(&cb.out);
	buf_init(&text);
	plan_init(&pa);
	plan_init(&pb);
	fetch_driver_init(&d, &fake_ops, &x, 1, 4);
	fetch_plan(&pa, PLAN_FETCH_GATHER, 2);
	fetch_plan(&pb, PLAN_FETCH_ONE, 1);

	assert_non_null(a = fetch_driver_begin(&d, &s, &pa, NULL, &ca));
	assert_non_null(b = fetch_driver_begin(&d, &s, &pb, NULL, &cb));
	assert_int_equal(fetch_driver_run(a), FETCH_DRIVER_WAIT);
	assert_int_equal(fetch_driver_run(b), FETCH_DRIVER_WAIT);
	assert_int_equal(x.nstarted, 1);
	assert_ptr_equal(x.started[0], &a->t[0]);
	assert_int_equal(a->t[1].state, FETCH_T_QUEUED);
	assert_int_equal(b->t[0].state, FETCH_T_QUEUED);

	/* a's running transfer passes its slot to a's own waiter, that one to b */
	fetch_driver_end(a);
	assert_int_equal(x.ncancelled, 1);
	assert_int_equal(cb.wakes, 1);
	assert_int_equal(b->t[0].state, FETCH_T_GRANTED);
	assert_int_equal(x.nstarted, 1);
	assert_int_equal(d.queue.active, 1);
	assert_int_equal(d.queue.queued, 0);

	/* b starts on its own run, ends, and its plan becomes a closing 502 */
	assert_int_equal(fetch_driver_run(b), FETCH_DRIVER_WAIT);
	assert_int_equal(x.nstarted, 2);
	assert_ptr_equal(x.started[1], &b->t[0]);
	fetch_driver_ended(&b->t[0], CURLE_GOT_NOTHING);
	assert_int_equal(d.queue.active, 0);
	assert_int_equal(cb.wakes, 2);
	assert_int_equal(fetch_driver_run(b), FETCH_DRIVER_DONE);
	cb.closing = 1;
	assert_int_equal(fetch_driver_continue(b, &pb, T_NOW), 0);
	fetch_driver_end(b);
	assert_int_equal(plan_text(&pb, &text), 1);
	assert_non_null(strstr(text.data, "HTTP/1.1 502 Bad Gateway\r\n"));
	assert_non_null(strstr(text.data, "Connection: close\r\n"));
	assert_non_null(strstr(text.data, "\"status\":502}"));
	assert_int_equal(pb.status, 502);
	assert_int_equal(pb.keep_alive, 0);
	assert_int_equal(cb.out.len, 0);

	fetch_driver_free(&d);
	plan_free(&pa);
	plan_free(&pb);
	buf_free(&text);
	buf_free(&cb.out);
}

/* A chain asks for its next link only when the one before has ended. */
static void
test_chain_one_at_a_time(void **state)
{
	struct fetch_settings	 s;
	struct fetch_driver	 d;
	struct fake_exec	 x;
	struct fake_conn	 c;
	struct fetch_job	*job;
	struct plan		 p;
	struct buf		 text;

	settings(&s);
	memset(&x, 0, sizeof(x));
	memset(&c, 0, sizeof(c));
	buf_init(&text);
	plan_init(&p);
	fetch_driver_init(&d, &fake_ops, &x, 4, 4);
	fetch_plan(&p, PLAN_FETCH_CHAIN, 3);
	assert_non_null(job = fetch_driver_begin(&d, &s, &p, NULL, &c));
	assert_int_equal(fetch_driver_run(job), FETCH_DRIVER_WAIT);
	assert_int_equal(x.nstarted, 1);
	fetch_driver_ended(x.started[0], CURLE_COULDNT_RESOLVE_HOST);
	assert_int_equal(fetch_driver_run(job), FETCH_DRIVER_WAIT);
	assert_int_equal(x.nstarted, 2);
	assert_ptr_equal(x.started[1], &job->t[1]);
	fetch_driver_ended(x.started[1], CURLE_COULDNT_RESOLVE_HOST);
	assert_int_equal(fetch_driver_run(job), FETCH_DRIVER_WAIT);
	fetch_driver_ended(x.started[2], CURLE_COULDNT_RESOLVE_HOST);
	assert_int_equal(fetch_driver_run(job), FETCH_DRIVER_DONE);
	assert_int_equal(fetch_driver_continue(job, &p, T_NOW), 0);
	fetch_driver_end(job);
	assert_int_equal(plan_text(&p, &text), 0);
	assert_non_null(strstr(text.data, "\"mode\": \"chain\""));
	assert_non_null(strstr(text.data, "Connection: keep-alive\r\n"));
	assert_int_equal(p.status, 200);
	assert_int_equal(p.keep_alive, 1);
	assert_int_equal(d.queue.active, 0);
	fetch_driver_free(&d);
	plan_free(&p);
	buf_free(&text);
}

/* An executor that runs one transfer at a time asks for one slot at a time. */
static void
test_serial_one_slot(void **state)
{
	struct fetch_ops	 ops = fake_ops;
	struct fetch_settings	 s;
	struct fetch_driver	 d;
	struct fake_exec	 x;
	struct fake_conn	 c;
	struct fetch_job	*job;
	struct plan		 p;
	struct buf		 text;

	settings(&s);
	memset(&x, 0, sizeof(x));
	memset(&c, 0, sizeof(c));
	buf_init(&text);
	plan_init(&p);
	ops.serial = 1;
	/* one slot, no queue: a second slot asked for at once would be refused */
	fetch_driver_init(&d, &ops, &x, 1, 0);
	fetch_plan(&p, PLAN_FETCH_GATHER, 2);
	assert_non_null(job = fetch_driver_begin(&d, &s, &p, NULL, &c));
	assert_int_equal(fetch_driver_run(job), FETCH_DRIVER_WAIT);
	assert_int_equal(x.nstarted, 1);
	assert_int_equal(job->t[1].state, FETCH_T_IDLE);
	fetch_driver_ended(x.started[0], CURLE_COULDNT_RESOLVE_HOST);
	assert_int_equal(fetch_driver_run(job), FETCH_DRIVER_WAIT);
	assert_int_equal(x.nstarted, 2);
	fetch_driver_ended(x.started[1], CURLE_COULDNT_RESOLVE_HOST);
	assert_int_equal(fetch_driver_run(job), FETCH_DRIVER_DONE);
	assert_int_equal(fetch_driver_continue(job, &p, T_NOW), 0);
	fetch_driver_end(job);
	plan_text(&p, &text);
	assert_null(strstr(text.data, "fetch queue full"));
	fetch_driver_free(&d);
	plan_free(&p);
	buf_free(&text);
}

/* Run every driver test; cmocka prints TAP under make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abort_hands_slots_on),
		cmocka_unit_test(test_chain_one_at_a_time),
		cmocka_unit_test(test_serial_one_slot),
	};
	int	 rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return (rc);
}
