/* conn: one HTTP connection: read, parse, run the plan, write, repeat. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include <openssl/ssl.h>
#include <event2/event.h>

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

static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_write_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);
static void	conn_timer_cb(evutil_socket_t, short, void *);
static void	conn_read_requests(struct conn *);
static int	conn_start_plan(struct conn *);
static int	conn_run_plan(struct conn *);
static void	conn_refuse(struct conn *);
static void	conn_quiet_reads(struct conn *);
static void	conn_loud_reads(struct conn *);
static void	conn_flushed(struct conn *);
static int	conn_park(struct conn *, unsigned int);
static void	conn_unpark_cb(evutil_socket_t, short, void *);

/* What running a plan left us with. */
#define CONN_PLAN_WAITING	0	/* a timer or the write callback resumes it */
#define CONN_PLAN_NEXT		1	/* done; read the next request */
#define CONN_PLAN_ENDED		-1	/* done; closing (the conn may be freed) */

/* Set the bufferevent's idle read timeout (0 = none) and the write timeout, if they change. */
static void
conn_set_timeouts(struct conn *c, unsigned int read_ms)
{
	struct timeval	 rtv, wtv;
	unsigned int	 write_ms = c->conn_srv->srv_cfg->write_timeout_ms;

	c->conn_park_armed = 0;
	/* Re-setting them re-adds events; keep-alive traffic would do it twice a request. */
	if (c->conn_timeouts_set && c->conn_read_ms == read_ms && c->conn_write_ms == write_ms)
		return;
	c->conn_timeouts_set = 1;
	c->conn_read_ms = read_ms;
	c->conn_write_ms = write_ms;

	rtv = time_ms_to_timeval(read_ms);
	wtv = time_ms_to_timeval(write_ms);
	bufferevent_set_timeouts(c->conn_bev, read_ms ? &rtv : NULL, write_ms ? &wtv : NULL);
}

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

/* Cancel the connection's timer. */
static void
conn_timer_stop(struct conn *c)
{
	c->conn_timer_due_us = 0;
	evtimer_del(c->conn_timer);
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

/* A bufferevent for a socket: plain, or TLS that starts by accepting a handshake. */
struct bufferevent *
conn_bufferevent(struct server *srv, evutil_socket_t fd, SSL_CTX *tls)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if (tls == NULL)
		return (bufferevent_socket_new(srv->srv_base, fd, BEV_OPT_CLOSE_ON_FREE));
	if ((ssl = SSL_new(tls)) == NULL)
		return (NULL);
	bev = bufferevent_openssl_socket_new(srv->srv_base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return (NULL);
	}
	/* Our framing is explicit: a missing close_notify is just an EOF. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return (bev);
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

/* Give the connection's (new) bufferevent our callbacks and a read timeout; enable `events`. */
static void
conn_bev_start(struct conn *c, unsigned int read_ms, short events)
{
	bufferevent_setcb(c->conn_bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	c->conn_timeouts_set = 0;
	conn_set_timeouts(c, read_ms);
	bufferevent_enable(c->conn_bev, events);
}

/*
 * Queue bytes on the bufferevent. One revived from parking reads only
 * until it has something to write: enabling writes arms a write event,
 * and on an empty output that costs a wakeup and two epoll_ctl calls.
 */
static void
conn_queue(struct conn *c, const void *p, size_t len)
{
	bufferevent_write(c->conn_bev, p, len);
	if (!(bufferevent_get_enabled(c->conn_bev) & EV_WRITE))
		bufferevent_enable(c->conn_bev, EV_WRITE);
}

/* Take an accepted socket and start reading a request. */
void
conn_accept(struct server *srv, evutil_socket_t fd, const struct sockaddr *sa, int socklen,
    SSL_CTX *tls)
{
	const struct config	*cfg = srv->srv_cfg;
	struct conn		*c;
	char			 err[SOCK_ERR_LEN];

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("conn_accept");
		goto fail;
	}
	c->conn_srv = srv;
	c->conn_fd = fd;
	/* A plain socket is ours to close: parking frees the bufferevent, not the socket. */
	c->conn_bev = tls != NULL ? conn_bufferevent(srv, fd, tls) :
	    bufferevent_socket_new(srv->srv_base, fd, 0);
	c->conn_timer = evtimer_new(srv->srv_base, conn_timer_cb, c);
	if (c->conn_bev == NULL || c->conn_timer == NULL) {
		log_warnx("conn_accept: cannot create events");
		goto fail;
	}
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

	conn_bev_start(c, cfg->header_timeout_ms, EV_READ | EV_WRITE);
	if (tls != NULL) {
		/* The read timeout is idle time; a trickled hello must not stretch the handshake. */
		c->conn_deadline_armed = 1;
		conn_timer_arm(c, cfg->header_timeout_ms);
	}
	return;
fail:
	if (c != NULL) {
		if (c->conn_timer != NULL)
			event_free(c->conn_timer);
		if (c->conn_bev != NULL)
			bufferevent_free(c->conn_bev);
		if (c->conn_bev == NULL || tls == NULL)
			evutil_closesocket(fd);
		free(c);
	} else
		evutil_closesocket(fd);
	server_conn_release(srv);
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
	event_free(c->conn_timer);
	if (c->conn_bev != NULL)
		bufferevent_free(c->conn_bev);
	if (!c->conn_ctx.tls)
		evutil_closesocket(c->conn_fd);
	conn_exchange_put(c);
	stats_sub(&srv->srv_stats.conns_open, 1);
	server_conn_release(srv);
	free(c);
}

/* Bytes arrived: parse them unless a plan is running (then they wait, bounded). */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	if (c->conn_state == CONN_READING)
		conn_read_requests(c);
	else if (c->conn_state == CONN_LINGERING)
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
}

/* Feed one contiguous piece of input to the parser. */
static enum http_parse_result
conn_feed(struct conn *c, struct evbuffer *in)
{
	struct evbuffer_iovec	 v;
	enum http_parse_result	 r;
	const char		*cont;
	size_t			 used, n;

	if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
		return (HTTP_PARSE_NEED_MORE);
	r = exchange_feed(c->conn_ex, v.iov_base, v.iov_len, &used);
	evbuffer_drain(in, used);
	stats_add(&c->conn_srv->srv_stats.bytes_in, used);
	if ((n = exchange_continue_bytes(c->conn_ex, r, &cont)) > 0)
		conn_queue(c, cont, n);
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
		/* A head in pieces may pause longer than the park delay. */
		if (c->conn_park_armed)
			conn_set_timeouts(c, c->conn_srv->srv_cfg->keepalive_timeout_ms);
	}
	if (http_parser_head_done(p)) {
		conn_timer_stop(c);
		conn_set_timeouts(c, c->conn_srv->srv_cfg->body_timeout_ms);
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
	struct evbuffer	*out = bufferevent_get_output(c->conn_bev);

	if (c->conn_output_wait)
		return (1);
	if (conn_request_started(c) || evbuffer_get_length(out) <= CONN_OUTPUT_WINDOW)
		return (0);
	conn_exchange_put(c);
	c->conn_output_wait = 1;
	conn_quiet_reads(c);
	bufferevent_setwatermark(c->conn_bev, EV_WRITE, CONN_OUTPUT_WINDOW / 2, 0);
	return (1);
}

/* The client caught up with our output: parse what it pipelined meanwhile. */
static void
conn_output_drained(struct conn *c)
{
	c->conn_output_wait = 0;
	bufferevent_setwatermark(c->conn_bev, EV_WRITE, 0, 0);
	conn_loud_reads(c);
	conn_read_requests(c);
}

/* Feed buffered input to the parser; start a plan for each whole request. */
static void
conn_read_requests(struct conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->conn_bev);

	while (c->conn_state == CONN_READING && evbuffer_get_length(in) > 0) {
		if (conn_output_backlog(c))
			return;
		if (conn_exchange_get(c) == NULL) {
			conn_close(c, EXCHANGE_OOM);
			return;
		}
		if (conn_feed(c, in) == HTTP_PARSE_NEED_MORE)
			continue;
		/* Pipelined requests loop here rather than recursing. */
		if (conn_start_plan(c) != CONN_PLAN_NEXT)
			return;
	}
	if (c->conn_state != CONN_READING)
		return;
	if (conn_request_started(c))
		conn_arm_request_timers(c);
	else
		conn_exchange_put(c);	/* idle: hold no request state */
	if (!c->conn_read_eof)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->conn_bev)) > 0) {
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
	conn_set_timeouts(c, 0);
	bufferevent_setwatermark(c->conn_bev, EV_READ, 0, CONN_PIPELINE_MAX);
}

/*
 * How long an idle connection waits awake for its next request: a plain one
 * parks after CONN_PARK_AFTER_MS (busy keep-alive clients never pay for it),
 * a TLS one waits out the whole keep-alive timeout.
 */
static unsigned int
conn_idle_read_ms(const struct conn *c)
{
	unsigned int	 ms = c->conn_srv->srv_cfg->keepalive_timeout_ms;

	if (c->conn_ctx.tls || (ms != 0 && ms <= CONN_PARK_AFTER_MS))
		return (ms);
	return (CONN_PARK_AFTER_MS);
}

/* Between requests again: read without a bound, idle up to the keep-alive timeout. */
static void
conn_loud_reads(struct conn *c)
{
	unsigned int	 ms = conn_idle_read_ms(c);

	if (c->conn_quiet) {
		c->conn_quiet = 0;
		bufferevent_setwatermark(c->conn_bev, EV_READ, 0, 0);
	}
	conn_set_timeouts(c, ms);
	c->conn_park_armed = ms != c->conn_srv->srv_cfg->keepalive_timeout_ms;
}

/*
 * Send bytes to the client, counted. Most answers fit the socket buffer,
 * so a plain socket with nothing queued gets them at once with send(2):
 * the bufferevent then never arms a write event for them, which saves two
 * epoll_ctl calls per request. Whatever does not fit (or any TLS) goes
 * through the bufferevent, which keeps the order and the write timeout.
 */
void
conn_write(struct conn *c, const void *p, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->conn_bev);
	ssize_t		 n = 0;

	if (len == 0)
		return;
	c->conn_ex->bytes_sent += len;	/* exchange_finish counts it into bytes_out */
	if (!c->conn_ctx.tls && evbuffer_get_length(out) == 0) {
		n = send(bufferevent_getfd(c->conn_bev), p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			n = 0;	/* EAGAIN queues it; a real error shows on the bufferevent's write */
		if ((size_t)n == len)
			return;
	}
	conn_queue(c, (const char *)p + n, len - (size_t)n);
}

/*
 * Send stream pieces: with an interval, one now and a timer for the next;
 * without, as many as fit the queue, resuming from the write callback.
 * Returns 1 when the stream is done, 0 to wait.
 */
static int
conn_run_stream(struct conn *c, const struct plan_step *st)
{
	struct evbuffer	*out = bufferevent_get_output(c->conn_bev);
	const struct plan *plan = &c->conn_ex->plan;

	while (c->conn_piece < st->count) {
		if (st->interval_ms == 0 && evbuffer_get_length(out) >= CONN_STREAM_QUEUE) {
			bufferevent_setwatermark(c->conn_bev, EV_WRITE, CONN_STREAM_QUEUE / 2, 0);
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
	bufferevent_setwatermark(c->conn_bev, EV_WRITE, 0, 0);
	return (1);
}

/* Bytes the client sent that nobody read: buffered here, or still in the kernel. */
static size_t
conn_unread(struct conn *c)
{
	int	 queued = 0;

	if (ioctl(bufferevent_getfd(c->conn_bev), FIONREAD, &queued) == -1 || queued < 0)
		queued = 0;
	return (evbuffer_get_length(bufferevent_get_input(c->conn_bev)) + (size_t)queued);
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
	    shutdown(bufferevent_getfd(c->conn_bev), SHUT_WR) == -1) {
		conn_close(c, EXCHANGE_DONE);
		return;
	}
	c->conn_state = CONN_LINGERING;
	evbuffer_drain(bufferevent_get_input(c->conn_bev),
	    evbuffer_get_length(bufferevent_get_input(c->conn_bev)));
	bufferevent_setwatermark(c->conn_bev, EV_READ, 0, 0);
	conn_set_timeouts(c, CONN_LINGER_MS);
	conn_timer_arm(c, CONN_LINGER_MS);	/* a trickling client cannot stretch it */
	bufferevent_enable(c->conn_bev, EV_READ);
}

/* The plan is done: log it, then get ready for the next request or close. */
static int
conn_plan_done(struct conn *c)
{
	struct server	*srv = c->conn_srv;
	struct evbuffer	*in = bufferevent_get_input(c->conn_bev);
	int		 keep;

	/* After an EOF, requests it pipelined before still get their answers. */
	keep = c->conn_ex->plan.keep_alive && !srv->srv_draining &&
	    (!c->conn_read_eof || evbuffer_get_length(in) > 0);

	exchange_finish(c->conn_ex, &srv->srv_stats, &c->conn_ctx, EXCHANGE_DONE);
	if (!keep) {
		c->conn_state = CONN_FLUSHING;
		if (evbuffer_get_length(bufferevent_get_output(c->conn_bev)) == 0)
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
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	if (c->conn_state == CONN_FLUSHING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
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
	if (c->conn_state == CONN_RUNNING && !evtimer_pending(c->conn_timer, NULL) &&
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
	conn_set_timeouts(c, 0);
	(void)conn_run_plan(c);
}

/* 1 unless the connection is TLS with its handshake still under way. */
static int
conn_tls_ready(struct conn *c)
{
	SSL	*ssl;

	if (!c->conn_ctx.tls)
		return (1);
	ssl = bufferevent_openssl_get_ssl(c->conn_bev);
	return (ssl != NULL && SSL_is_init_finished(ssl));
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
	else if (c->conn_state == CONN_READING && !conn_tls_ready(c))
		conn_close(c, EXCHANGE_TIMEOUT_HANDSHAKE);	/* no channel to answer on */
	else if (c->conn_state == CONN_READING)
		conn_refuse(c);
}

/*
 * Read timeout: answer 408 mid-request; an idle keep-alive connection that
 * has waited its whole timeout closes quietly, one that has only waited
 * the park delay parks for the rest (or, with bytes still queued, waits
 * the rest awake).
 */
static void
conn_read_timeout(struct conn *c)
{
	unsigned int	 keepalive = c->conn_srv->srv_cfg->keepalive_timeout_ms;
	unsigned int	 rest;

	if (conn_request_started(c)) {
		conn_refuse(c);
		return;
	}
	if (!c->conn_park_armed) {
		conn_close(c, EXCHANGE_KEEPALIVE_TIMEOUT);
		return;
	}
	rest = keepalive != 0 ? keepalive - c->conn_read_ms : 0;
	if (conn_park(c, rest) == 0)
		return;
	conn_set_timeouts(c, rest);
	bufferevent_enable(c->conn_bev, EV_READ);
}

/* EOF, errors and timeouts from the bufferevent. */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	if (c->conn_state == CONN_LINGERING) {
		conn_close(c, EXCHANGE_DONE);	/* EOF, reset or quiet: the linger is over */
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		conn_close(c, c->conn_state == CONN_RUNNING ? EXCHANGE_CLIENT_GONE :
		    EXCHANGE_SOCKET_ERROR);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (what & BEV_EVENT_WRITING)
			conn_close(c, EXCHANGE_WRITE_TIMEOUT);
		else if (c->conn_state == CONN_READING)
			conn_read_timeout(c);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		c->conn_read_eof = 1;
		if (c->conn_state == CONN_READING)
			conn_read_requests(c);
		else if (c->conn_state == CONN_RUNNING)
			conn_close(c, EXCHANGE_CLIENT_GONE);	/* nginx's 499: the client left mid-plan */
	}
}

/*
 * Between requests, a plain connection with nothing buffered either way
 * gives its bufferevent back and waits on conn_timer for readability or
 * the keep-alive timeout: an idle connection then costs its struct conn
 * and one event. TLS keeps its bufferevent (the SSL state lives there).
 */
static int
conn_park(struct conn *c, unsigned int ms)
{
	struct server	*srv = c->conn_srv;
	struct timeval	 tv;

	if (c->conn_ctx.tls || c->conn_bev == NULL || c->conn_state != CONN_READING ||
	    c->conn_read_eof || c->conn_quiet || c->conn_ex != NULL ||
	    conn_request_started(c) || c->conn_job != NULL ||
	    evtimer_pending(c->conn_timer, NULL) ||
	    evbuffer_get_length(bufferevent_get_input(c->conn_bev)) > 0 ||
	    evbuffer_get_length(bufferevent_get_output(c->conn_bev)) > 0)
		return (-1);
	/* Freed from its own callback, libevent keeps it until that returns. */
	bufferevent_free(c->conn_bev);
	c->conn_bev = NULL;
	event_del(c->conn_timer);
	c->conn_timer_due_us = 0;
	tv = time_ms_to_timeval(ms);
	if (event_assign(c->conn_timer, srv->srv_base, c->conn_fd, EV_READ,
	    conn_unpark_cb, c) == -1 || event_add(c->conn_timer, ms ? &tv : NULL) == -1)
		conn_close(c, EXCHANGE_OOM);
	return (0);
}

/*
 * A parked connection woke: on the keep-alive timeout close it; on bytes
 * (or EOF) take a bufferevent again and read them now, as its read
 * callback would have on the next loop pass.
 */
static void
conn_unpark_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	struct server	*srv = c->conn_srv;
	struct evbuffer	*in;
	int		 n;

	if (what & EV_TIMEOUT) {
		conn_close(c, EXCHANGE_KEEPALIVE_TIMEOUT);
		return;
	}
	if (evtimer_assign(c->conn_timer, srv->srv_base, conn_timer_cb, c) == -1 ||
	    (c->conn_bev = bufferevent_socket_new(srv->srv_base, fd, 0)) == NULL) {
		conn_close(c, EXCHANGE_OOM);
		return;
	}
	conn_bev_start(c, srv->srv_cfg->keepalive_timeout_ms, EV_READ);
	/* The input takes bytes only from its bufferevent unless unfrozen. */
	in = bufferevent_get_input(c->conn_bev);
	evbuffer_unfreeze(in, 0);
	n = evbuffer_read(in, fd, -1);
	evbuffer_freeze(in, 0);
	if (n > 0)
		conn_read_requests(c);
	else if (n == 0)
		conn_event_cb(c->conn_bev, BEV_EVENT_READING | BEV_EVENT_EOF, c);
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		conn_event_cb(c->conn_bev, BEV_EVENT_READING | BEV_EVENT_ERROR, c);
}
