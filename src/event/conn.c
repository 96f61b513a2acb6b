/* conn: one HTTP connection: read, parse, run the plan, write, repeat. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <openssl/ssl.h>

#include "common/sock.h"
#include "common/startup.h"
#include "core/config.h"
#include "util/log.h"
#include "core/plan.h"
#include "core/stats.h"
#include "event/conn.h"
#include "event/evfetch.h"
#include "event/server.h"
#include "util/time.h"

/* While a plan runs, buffer at most this much of the next (pipelined) request. */
#define CONN_PIPELINE_MAX	(64 * 1024)
/*
 * Unsent output past which no further pipelined request is parsed (nginx
 * serves one at a time): a client that sends without reading then holds
 * its current request plus this window, not every answer it asked for.
 */
#define CONN_OUTPUT_WINDOW	(64 * 1024)

static void	conn_read_cb(void *);
static void	conn_write_cb(void *);
static void	conn_event_cb(void *, int);
static void	conn_timer_cb(evutil_socket_t, short, void *);
static void	conn_read_requests(struct conn *);
static int	conn_start_plan(struct conn *);
static int	conn_run_plan(struct conn *);
static void	conn_refuse(struct conn *);
static void	conn_quiet_reads(struct conn *);
static void	conn_loud_reads(struct conn *);
static void	conn_flushed(struct conn *);

static const struct conn_io_ops conn_io_ops = {
	.read = conn_read_cb,
	.write = conn_write_cb,
	.event = conn_event_cb,
};

/* What running a plan left us with. */
#define CONN_PLAN_WAITING	0	/* a timer or the write callback resumes it */
#define CONN_PLAN_NEXT		1	/* done; read the next request */
#define CONN_PLAN_ENDED		-1	/* done; closing (the conn may be freed) */

/* Run the connection's timer `us` microseconds from now. */
static void
conn_timer_add(struct conn *c, uint64_t us)
{
	struct timeval	 tv;

	tv = time_us_to_timeval(us);
	/*
	 * libevent times a timer from the loop's cached "now", taken when it
	 * woke; after a busy batch that is already in the past. Refresh it.
	 */
	event_base_update_cache_time(c->conn_srv->srv_base);
	if (c->conn_timer == NULL &&
	    (c->conn_timer = evtimer_new(c->conn_srv->srv_base, conn_timer_cb, c)) == NULL) {
		log_warnx("conn_timer_add: out of memory");
		return;
	}
	evtimer_add(c->conn_timer, &tv);
}

/*
 * Arm the connection's timer for `ms` from now. The due time is kept on
 * the clock the access log measures with (CLOCK_MONOTONIC): libevent's
 * own clock may be a coarse one, a tick behind, and a timer it fires
 * early is re-armed for the rest, so a WAIT never ends before its time.
 */
static void
conn_timer_arm(struct conn *c, unsigned int ms)
{
	c->conn_timer_due_us = time_now_us() + (uint64_t)ms * 1000;
	conn_timer_add(c, (uint64_t)ms * 1000);
}

/* Cancel the connection's timer and free it: an idle connection holds none. */
static void
conn_timer_stop(struct conn *c)
{
	c->conn_timer_due_us = 0;
	if (c->conn_timer != NULL)
		event_free(c->conn_timer);
	c->conn_timer = NULL;
}

/* 1 while the connection's timer is armed. */
static int
conn_timer_pending(const struct conn *c)
{
	return (c->conn_timer != NULL && evtimer_pending(c->conn_timer, NULL));
}

/* 1 if the timer fired before its due time (it is then re-armed for the rest). */
static int
conn_timer_early(struct conn *c)
{
	uint64_t	 now;

	if (c->conn_timer_due_us == 0)
		return (0);	/* not armed by conn_timer_arm */
	if ((now = time_now_us()) < c->conn_timer_due_us) {
		conn_timer_add(c, c->conn_timer_due_us - now);
		return (1);
	}
	c->conn_timer_due_us = 0;
	return (0);
}

/*
 * Request state for a connection that has bytes to parse. An idle
 * keep-alive connection holds none (the parser and plan are ~10 KiB);
 * a few spares per worker spare busy connections the malloc.
 */
static struct exchange *
conn_exchange_get(struct conn *c)
{
	struct server	*srv = c->conn_srv;
	struct exchange	*ex;

	if (c->conn_ex != NULL)
		return (c->conn_ex);
	if (srv->srv_ex_pooled > 0)
		ex = srv->srv_ex_pool[--srv->srv_ex_pooled];
	else if ((ex = malloc(sizeof(*ex))) != NULL)
		exchange_init(ex, &srv->srv_cfg->http);
	else
		return (NULL);
	ex->parser.limits = srv->srv_cfg->http;	/* a reload may have changed them */
	c->conn_ex = ex;
	return (ex);
}

/* The connection went idle (or away): give its request state back. */
static void
conn_exchange_put(struct conn *c)
{
	struct server	*srv = c->conn_srv;
	struct exchange	*ex = c->conn_ex;

	if (ex == NULL)
		return;
	c->conn_ex = NULL;
	if (ex->active)
		exchange_finish(ex, &srv->srv_stats, &c->conn_ctx, EXCHANGE_CLOSED);
	if (srv->srv_ex_pooled < sizeof(srv->srv_ex_pool) / sizeof(srv->srv_ex_pool[0])) {
		exchange_reset(ex);
		srv->srv_ex_pool[srv->srv_ex_pooled++] = ex;
		return;
	}
	exchange_free(ex);
	free(ex);
}

/* Free a worker's spare request states. */
void
conn_exchange_pool_free(struct server *srv)
{
	while (srv->srv_ex_pooled > 0) {
		exchange_free(srv->srv_ex_pool[--srv->srv_ex_pooled]);
		free(srv->srv_ex_pool[srv->srv_ex_pooled]);
	}
}

/*
 * 1 if any byte of a request has arrived on the connection: parsed, or
 * waiting in the input while the client catches up with our output.
 */
int
conn_request_started(const struct conn *c)
{
	return (c->conn_output_wait ||
	    (c->conn_ex != NULL && exchange_started(c->conn_ex)));
}

/* Take an accepted socket and start reading a request. */
void
conn_accept(struct server *srv, evutil_socket_t fd, const struct sockaddr *sa, int socklen,
    SSL_CTX *tls)
{
	const struct config	*cfg = srv->srv_cfg;
	struct conn		*c;
	SSL			*ssl = NULL;
	char			 err[SOCK_ERR_LEN];

	/* The read event lives right after the struct (its size is a multiple of 8). */
	if ((c = calloc(1, sizeof(*c) + conn_io_event_size())) == NULL ||
	    (tls != NULL && (ssl = SSL_new(tls)) == NULL) ||
	    conn_io_init(&c->conn_io, srv, fd, ssl, &conn_io_ops, c,
	    cfg->header_timeout_ms, c + 1) == -1) {
		log_warnx("conn_accept: out of memory");
		if (ssl != NULL)
			SSL_free(ssl);
		free(c);
		evutil_closesocket(fd);
		server_conn_release(srv);
		return;
	}
	c->conn_srv = srv;
	if (sock_tune_client(fd, cfg->tcp_notsent_lowat, err, sizeof(err)) == -1)
		log_debug("%s", err);
	sock_addr_host(sa, c->conn_ip, sizeof(c->conn_ip), &c->conn_ctx.client_port);
	c->conn_ctx.cfg = cfg;
	c->conn_ctx.fetch_policy = &srv->srv_fetch_settings.policy;
	c->conn_ctx.client_ip = c->conn_ip;
	c->conn_ctx.tls = (tls != NULL);
	c->conn_ctx.stats_snapshot = server_stats_snapshot;
	c->conn_ctx.stats_arg = srv;
	c->conn_ctx.events_inline = 1;
	TAILQ_INSERT_TAIL(&srv->srv_conns, c, conn_entry);
	stats_add(&srv->srv_stats.conns_open, 1);
	stats_add(&srv->srv_stats.conns_total, 1);
	if (tls != NULL) {
		/* The read timeout is idle time; a trickled hello must not stretch the handshake. */
		c->conn_deadline_armed = 1;
		conn_timer_arm(c, cfg->header_timeout_ms);
	}
}

/* The one way out: log why, finish a request in progress, free everything. */
void
conn_close(struct conn *c, enum exchange_end why)
{
	struct server	*srv = c->conn_srv;

	log_debug("%s:%u: closing: %s", c->conn_ip, c->conn_ctx.client_port,
	    exchange_end_name(why));
	evfetch_conn_abort(c);
	if (c->conn_ws != NULL)
		evws_free(c);
	if (c->conn_ex != NULL && c->conn_ex->active)
		exchange_finish(c->conn_ex, &srv->srv_stats, &c->conn_ctx, why);
	TAILQ_REMOVE(&srv->srv_conns, c, conn_entry);
	conn_timer_stop(c);
	conn_io_free(&c->conn_io);
	conn_exchange_put(c);
	stats_sub(&srv->srv_stats.conns_open, 1);
	server_conn_release(srv);
	free(c);
}

/*
 * Bytes arrived: parse them unless a plan is running (then they wait,
 * bounded). Once the last answer is decided, they are dropped.
 */
static void
conn_read_cb(void *arg)
{
	struct conn	*c = arg;

	if (c->conn_state == CONN_READING)
		conn_read_requests(c);
	else if (c->conn_state == CONN_LINGERING || c->conn_state == CONN_FLUSHING)
		conn_io_drain(&c->conn_io, conn_io_input(&c->conn_io, NULL));
}

/* Feed the buffered input to the parser. */
static enum http_parse_result
conn_feed(struct conn *c)
{
	enum http_parse_result	 r;
	const char		*in, *cont;
	size_t			 len, used, n;

	len = conn_io_input(&c->conn_io, &in);
	r = exchange_feed(c->conn_ex, in, len, &used);
	conn_io_drain(&c->conn_io, used);
	stats_add(&c->conn_srv->srv_stats.bytes_in, used);
	if ((n = exchange_continue_bytes(c->conn_ex, r, &cont)) > 0)
		conn_io_write(&c->conn_io, cont, n);
	return (r);
}

/* A request is under way: the head has a deadline of its own, the body an idle timeout. */
static void
conn_arm_request_timers(struct conn *c)
{
	struct http_parser	*p = &c->conn_ex->parser;

	if (!c->conn_deadline_armed && !http_parser_head_done(p)) {
		c->conn_deadline_armed = 1;
		conn_timer_arm(c, c->conn_srv->srv_cfg->header_timeout_ms);
	}
	if (http_parser_head_done(p)) {
		conn_timer_stop(c);
		conn_io_set_read_timeout(&c->conn_io, c->conn_srv->srv_cfg->body_timeout_ms);
	}
}

/*
 * Before parsing another request: if the client has not taken our earlier
 * answers, wait for it (1) with reads bounded and no read timeout (the
 * write timeout still runs); the write callback resumes at half the window.
 */
static int
conn_output_backlog(struct conn *c)
{
	if (c->conn_output_wait)
		return (1);
	if (conn_request_started(c) || conn_io_output_len(&c->conn_io) <= CONN_OUTPUT_WINDOW)
		return (0);
	conn_exchange_put(c);
	c->conn_output_wait = 1;
	conn_quiet_reads(c);
	conn_io_set_write_low(&c->conn_io, CONN_OUTPUT_WINDOW / 2);
	return (1);
}

/* The client caught up with our output: parse what it pipelined meanwhile. */
static void
conn_output_drained(struct conn *c)
{
	c->conn_output_wait = 0;
	conn_io_set_write_low(&c->conn_io, 0);
	conn_loud_reads(c);
	conn_read_requests(c);
}

/* Feed buffered input to the parser; start a plan for each whole request. */
static void
conn_read_requests(struct conn *c)
{
	while (c->conn_state == CONN_READING && conn_io_input(&c->conn_io, NULL) > 0) {
		if (conn_output_backlog(c))
			return;
		if (conn_exchange_get(c) == NULL) {
			conn_close(c, EXCHANGE_OOM);
			return;
		}
		if (conn_feed(c) == HTTP_PARSE_NEED_MORE)
			continue;
		/* Pipelined requests loop here rather than recursing. */
		if (conn_start_plan(c) != CONN_PLAN_NEXT)
			return;
	}
	if (c->conn_state != CONN_READING)
		return;
	if (conn_request_started(c))
		conn_arm_request_timers(c);
	else {
		/* Idle: no request state, no spent timer, no buffers once the answers are out. */
		conn_exchange_put(c);
		if (!conn_timer_pending(c))
			conn_timer_stop(c);
		conn_io_idle(&c->conn_io);
	}
	if (!c->conn_read_eof)
		return;
	if (conn_io_output_len(&c->conn_io) > 0) {
		/* Answers already made still go out (a slow reader's); then close. */
		conn_timer_stop(c);
		c->conn_state = CONN_FLUSHING;
		return;
	}
	conn_close(c, conn_request_started(c) ?
	    EXCHANGE_CLIENT_CLOSED_MID : EXCHANGE_CLIENT_CLOSED);
}

/* A whole request (or a refusal) is in: make its plan and run it. */
static int
conn_start_plan(struct conn *c)
{
	struct server	*srv = c->conn_srv;

	conn_timer_stop(c);
	c->conn_deadline_armed = 0;
	c->conn_ctx.now = time(NULL);
	c->conn_ctx.draining = srv->srv_draining || startup_health_failing();
	exchange_plan(c->conn_ex, &c->conn_ctx, &srv->srv_stats);
	if (plan_failed(&c->conn_ex->plan))
		exchange_plan_error(c->conn_ex, 500, "out of memory", EXCHANGE_OOM,
		    &c->conn_ctx, &srv->srv_stats);
	c->conn_state = CONN_RUNNING;
	c->conn_step = 0;
	c->conn_piece = 0;
	return (conn_run_plan(c));
}

/*
 * The plan has to wait (a timer, a slow reader, an upstream): no read
 * timeout while we are the slow side (EOF still tells us the client left),
 * and buffer at most a bounded amount of what it pipelines meanwhile.
 */
static void
conn_quiet_reads(struct conn *c)
{
	if (c->conn_quiet)
		return;
	c->conn_quiet = 1;
	conn_io_set_read_timeout(&c->conn_io, 0);
	conn_io_set_read_max(&c->conn_io, CONN_PIPELINE_MAX);
	/* A long wait (a /delay) holds no empty buffers. */
	conn_io_idle(&c->conn_io);
}

/* Between requests again: read without a bound, idle up to the keep-alive timeout. */
static void
conn_loud_reads(struct conn *c)
{
	if (c->conn_quiet) {
		c->conn_quiet = 0;
		conn_io_set_read_max(&c->conn_io, 0);
	}
	conn_io_set_read_timeout(&c->conn_io, c->conn_srv->srv_cfg->keepalive_timeout_ms);
}

/*
 * Send bytes to the client, counted. Most answers fit the socket buffer:
 * they go out at once and arm no write event.
 */
void
conn_write(struct conn *c, const void *p, size_t len)
{
	c->conn_ex->bytes_sent += len;	/* exchange_finish counts it into bytes_out */
	conn_io_write(&c->conn_io, p, len);
}

/*
 * Send stream pieces: with an interval, one now and a timer for the next;
 * without, as many as fit the queue, resuming from the write callback.
 * Returns 1 when the stream is done, 0 to wait.
 */
static int
conn_run_stream(struct conn *c, const struct plan_step *st)
{
	const struct plan *plan = &c->conn_ex->plan;

	while (c->conn_piece < st->count) {
		if (st->interval_ms == 0 &&
		    conn_io_output_len(&c->conn_io) >= CONN_STREAM_QUEUE) {
			conn_io_set_write_low(&c->conn_io, CONN_STREAM_QUEUE / 2);
			return (0);
		}
		buf_reset(&c->conn_srv->srv_piece);
		plan_stream_piece(plan, c->conn_piece, &c->conn_srv->srv_piece);
		conn_write(c, c->conn_srv->srv_piece.data, c->conn_srv->srv_piece.len);
		c->conn_piece++;
		if (st->interval_ms > 0 && c->conn_piece < st->count) {
			conn_timer_arm(c, st->interval_ms);
			return (0);
		}
	}
	conn_io_set_write_low(&c->conn_io, 0);
	return (1);
}

/* Bytes the client sent that nobody read: buffered here, or still in the kernel. */
static size_t
conn_unread(struct conn *c)
{
	int	 queued = 0;

	if (ioctl(c->conn_io.io_fd, FIONREAD, &queued) == -1 || queued < 0)
		queued = 0;
	return (conn_io_input(&c->conn_io, NULL) + (size_t)queued);
}

/*
 * The last answer is out. A plain client still sending gets a lingering
 * close (shut for writing, its bytes read and dropped for CONN_LINGER_MS),
 * as nginx's lingering_close; anyone else is closed now.
 */
static void
conn_flushed(struct conn *c)
{
	if (c->conn_ctx.tls || c->conn_read_eof || conn_unread(c) == 0 ||
	    shutdown(c->conn_io.io_fd, SHUT_WR) == -1) {
		conn_close(c, EXCHANGE_DONE);
		return;
	}
	c->conn_state = CONN_LINGERING;
	conn_io_drain(&c->conn_io, conn_io_input(&c->conn_io, NULL));
	conn_io_set_read_max(&c->conn_io, 0);
	conn_io_set_read_timeout(&c->conn_io, CONN_LINGER_MS);
	conn_timer_arm(c, CONN_LINGER_MS);	/* a trickling client cannot stretch it */
}

/* The plan is done: log it, then get ready for the next request or close. */
static int
conn_plan_done(struct conn *c)
{
	struct server	*srv = c->conn_srv;
	int		 keep;

	/* After an EOF, requests it pipelined before still get their answers. */
	keep = c->conn_ex->plan.keep_alive && !srv->srv_draining &&
	    (!c->conn_read_eof || conn_io_input(&c->conn_io, NULL) > 0);

	exchange_finish(c->conn_ex, &srv->srv_stats, &c->conn_ctx, EXCHANGE_DONE);
	if (!keep) {
		c->conn_state = CONN_FLUSHING;
		if (conn_io_output_len(&c->conn_io) == 0)
			conn_flushed(c);
		return (CONN_PLAN_ENDED);
	}
	c->conn_state = CONN_READING;
	conn_loud_reads(c);
	return (CONN_PLAN_NEXT);
}

/* Walk the steps from where we stopped until one has to wait. */
static int
conn_run_plan(struct conn *c)
{
	const struct plan	*plan = &c->conn_ex->plan;
	const struct plan_step	*st;
	size_t			 n;

	while (c->conn_step < plan->nsteps) {
		st = &plan->steps[c->conn_step];
		exchange_step(c->conn_ex, &c->conn_srv->srv_stats, st->kind);
		switch (st->kind) {
		case PLAN_HEAD:
			buf_reset(&c->conn_srv->srv_piece);
			n = plan_render_head(plan, st, !c->conn_srv->srv_draining,
			    &c->conn_srv->srv_piece);
			if (c->conn_srv->srv_piece.oom) {
				conn_close(c, EXCHANGE_OOM);
				return (CONN_PLAN_ENDED);
			}
			conn_write(c, c->conn_srv->srv_piece.data, c->conn_srv->srv_piece.len);
			if (n < st->len)
				conn_write(c, plan->data.data + st->off + n, st->len - n);
			break;
		case PLAN_WRITE:
			conn_write(c, plan->data.data + st->off, st->len);
			break;
		case PLAN_WAIT:
			c->conn_step++;
			conn_timer_arm(c, st->ms);
			goto wait;
		case PLAN_BURN:
			plan_burn_cpu(st->ms);
			break;
		case PLAN_STREAM:
			if (!conn_run_stream(c, st))
				goto wait;
			break;
		case PLAN_CLOSE:
			c->conn_ex->plan.keep_alive = 0;
			break;
		case PLAN_FETCH:
			switch (evfetch_conn_step(c)) {
			case 0:
				goto wait;
			case -1:
				conn_close(c, EXCHANGE_OOM);
				return (CONN_PLAN_ENDED);
			}
			/* The plan is now the rest of the response. */
			c->conn_step = 0;
			continue;
		case PLAN_UPGRADE:
			/* The 101 is queued: HTTP ends here, the exchange with it. */
			conn_timer_stop(c);
			exchange_finish(c->conn_ex, &c->conn_srv->srv_stats, &c->conn_ctx,
			    EXCHANGE_DONE);
			conn_exchange_put(c);
			evws_start(c);
			return (CONN_PLAN_ENDED);
		}
		c->conn_step++;
	}
	return (conn_plan_done(c));
wait:
	conn_quiet_reads(c);
	return (CONN_PLAN_WAITING);
}

/* Continue a plan from a callback; if it finishes, serve what is buffered next. */
void
conn_resume_plan(struct conn *c)
{
	if (conn_run_plan(c) == CONN_PLAN_NEXT)
		conn_read_requests(c);
}

/* Output drained below the low watermark: refill a stream, or finish closing. */
static void
conn_write_cb(void *arg)
{
	struct conn	*c = arg;

	if (c->conn_state == CONN_FLUSHING) {
		if (conn_io_output_len(&c->conn_io) == 0)
			conn_flushed(c);
		return;
	}
	if (c->conn_state == CONN_READING) {
		if (c->conn_output_wait)
			conn_output_drained(c);
		return;
	}
	if (c->conn_state == CONN_RUNNING && c->conn_job != NULL) {
		evfetch_conn_drained(c);
		return;
	}
	if (c->conn_state == CONN_RUNNING && !conn_timer_pending(c) &&
	    c->conn_step < c->conn_ex->plan.nsteps &&
	    c->conn_ex->plan.steps[c->conn_step].kind == PLAN_STREAM)
		conn_resume_plan(c);
}

/* A request timed out mid-way: answer its 408, then close. */
static void
conn_refuse(struct conn *c)
{
	conn_timer_stop(c);
	if (conn_exchange_get(c) == NULL) {
		conn_close(c, EXCHANGE_OOM);
		return;
	}
	c->conn_ctx.now = time(NULL);
	exchange_plan_timeout(c->conn_ex, &c->conn_ctx, &c->conn_srv->srv_stats);
	c->conn_state = CONN_RUNNING;
	c->conn_step = 0;
	conn_io_set_read_timeout(&c->conn_io, 0);
	(void)conn_run_plan(c);
}

/* The timer: a WAIT or stream tick is over, or the header deadline passed. */
static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	if (conn_timer_early(c))
		return;
	if (c->conn_state == CONN_LINGERING)
		conn_close(c, EXCHANGE_DONE);
	else if (c->conn_state == CONN_RUNNING)
		conn_resume_plan(c);
	else if (c->conn_state == CONN_READING && !conn_io_ready(&c->conn_io))
		conn_close(c, EXCHANGE_TIMEOUT_HANDSHAKE);	/* no channel to answer on */
	else if (c->conn_state == CONN_READING)
		conn_refuse(c);
}

/* Read timeout: answer 408 mid-request; an idle keep-alive connection closes quietly. */
static void
conn_read_timeout(struct conn *c)
{
	if (!conn_io_ready(&c->conn_io))
		conn_close(c, EXCHANGE_TIMEOUT_HANDSHAKE);
	else if (conn_request_started(c))
		conn_refuse(c);
	else
		conn_close(c, EXCHANGE_KEEPALIVE_TIMEOUT);
}

/* EOF, errors and timeouts from the connection's I/O. */
static void
conn_event_cb(void *arg, int what)
{
	struct conn	*c = arg;

	if (c->conn_state == CONN_LINGERING) {
		conn_close(c, EXCHANGE_DONE);	/* EOF, reset or quiet: the linger is over */
		return;
	}
	if (what & CONN_IO_ERROR)
		conn_close(c, c->conn_state == CONN_RUNNING ? EXCHANGE_CLIENT_GONE :
		    EXCHANGE_SOCKET_ERROR);
	else if (what & CONN_IO_WRITE_TIMEOUT)
		conn_close(c, EXCHANGE_WRITE_TIMEOUT);
	else if (what & CONN_IO_READ_TIMEOUT) {
		if (c->conn_state == CONN_READING)
			conn_read_timeout(c);
	} else if (what & CONN_IO_EOF) {
		c->conn_read_eof = 1;
		if (c->conn_state == CONN_READING)
			conn_read_requests(c);
		else if (c->conn_state == CONN_RUNNING)
			conn_close(c, EXCHANGE_CLIENT_GONE);	/* nginx's 499: the client left mid-plan */
	}
}
