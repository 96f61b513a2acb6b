/* serve: one HTTP connection on a blocking socket, request after request. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "blocking/control.h"
#include "blocking/serve.h"
#include "common/admin.h"
#include "common/sock.h"
#include "util/buf.h"
#include "common/startup.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/exchange.h"
#include "core/fetch.h"
#include "core/fetch_driver.h"
#include "util/log.h"
#include "core/plan.h"
#include "core/stats.h"
#include "util/time.h"

#define SERVE_READ_MAX	16384
#define SERVE_QUEUE_TICK_MS	250	/* how often a queued fetch looks for its client */

/* How waiting for a request ended. */
enum serve_read {
	SERVE_READ_REQUEST = 0,	/* the parser said DONE or ERROR */
	SERVE_READ_TIMEOUT,	/* 408 */
	SERVE_READ_CLOSE,	/* EOF, error, idle timeout, or draining between requests */
};

/* One connection: the exchange, the client, and bytes read but not yet parsed. */
struct serve_conn {
	struct blocking_server	*sc_srv;
	struct control_snap	*sc_snap;	/* this request's configuration */
	const struct config	*sc_cfg;	/* &sc_snap->cs_cfg */
	struct serve_io		 sc_io;
	struct exchange		 sc_ex;
	struct endpoint_ctx	 sc_ctx;
	char			 sc_host[SOCK_ADDRSTR_LEN];
	struct buf		 sc_piece;	/* one stream or fetch piece, reused */
	enum exchange_end	 sc_fetch_end;	/* why a fetch lost its client */
	int			 sc_fetch_woken;	/* the fetch driver woke us (under sf_lock) */
	int			 sc_upgraded;	/* a 101 went out: serve_ws takes over */
	unsigned int		 sc_served;	/* requests finished on this connection */
	size_t			 sc_off;	/* unparsed bytes: sc_in[sc_off, sc_off+sc_len) */
	size_t			 sc_len;
	char			 sc_in[SERVE_READ_MAX];
};

/* The fetch driver is process-wide: every thread's transfers share its queue. */
struct serve_fetch {
	struct fetch_driver	 sf_driver;
	pthread_mutex_t		 sf_lock;
	pthread_cond_t		 sf_woken;	/* some conn's sc_fetch_woken was set */
};

/* /stats and /metrics read the one shared struct stats every thread or child adds to. */
void
serve_stats_snapshot(void *arg, struct stats *out, struct stats_info *info)
{
	struct blocking_server	*srv = arg;

	stats_init(out);
	stats_merge(out, srv->bsrv_stats);
	info->server = "echofetchd-blocking";
	info->model = srv->bsrv_model;
	info->workers = srv->bsrv_workers;
	info->started = srv->bsrv_started;
	info->now = time(NULL);
	info->queued = admin_accept_queue(srv->bsrv_http_fd);
	info->rss_bytes = admin_rss_bytes();
}

/*
 * Between requests: take the configuration in force now (a SIGHUP may have
 * replaced it), limits included, and let go of the old one.
 */
static void
serve_conn_refresh(struct serve_conn *c)
{
	struct control_snap	*cs;

	cs = control_snap_get();
	if (cs == c->sc_snap) {
		control_snap_put(cs);
		return;
	}
	control_snap_put(c->sc_snap);
	c->sc_snap = cs;
	c->sc_cfg = &cs->cs_cfg;
	c->sc_ctx.cfg = c->sc_cfg;
	c->sc_ctx.fetch_policy = &cs->cs_fetch.policy;
	c->sc_ex.parser.limits = c->sc_cfg->http;
}

/* Set up a connection; NULL if out of memory. */
static struct serve_conn *
serve_conn_new(struct blocking_server *srv, int fd, int tls, const struct sockaddr *peer)
{
	struct serve_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->sc_srv = srv;
	c->sc_snap = control_snap_get();
	c->sc_cfg = &c->sc_snap->cs_cfg;
	c->sc_io.io_fd = fd;	/* plain until serve_io_start says otherwise */
	exchange_init(&c->sc_ex, &c->sc_cfg->http);
	buf_init(&c->sc_piece);
	sock_addr_host(peer, c->sc_host, sizeof(c->sc_host), &c->sc_ctx.client_port);
	c->sc_ctx.cfg = c->sc_cfg;
	c->sc_ctx.fetch_policy = &c->sc_snap->cs_fetch.policy;
	c->sc_ctx.client_ip = c->sc_host;
	c->sc_ctx.tls = tls;
	c->sc_ctx.now = time(NULL);
	c->sc_ctx.stats_snapshot = serve_stats_snapshot;
	c->sc_ctx.stats_arg = srv;
	return (c);
}

/* Free what serve_conn_new made. */
static void
serve_conn_free(struct serve_conn *c)
{
	exchange_free(&c->sc_ex);
	buf_free(&c->sc_piece);
	control_snap_put(c->sc_snap);
	free(c);
}

/* Write response bytes, counting them; on failure say why in *end. */
static int
serve_send(struct serve_conn *c, const char *p, size_t len, enum exchange_end *end)
{
	size_t	 done;
	int	 rc;

	rc = serve_io_write_all(&c->sc_io, p, len, &done);
	c->sc_ex.bytes_sent += done;	/* exchange_finish adds it to bytes_out */
	if (rc == -1)
		*end = (errno == EAGAIN || errno == EWOULDBLOCK) ?
		    EXCHANGE_WRITE_TIMEOUT : EXCHANGE_CLIENT_GONE;
	return (rc);
}

/*
 * Block this thread for ms, as sync.py's time.sleep does, but in poll() on the
 * socket so a client that hangs up is noticed. -1 if it left. The due time is
 * in microseconds on the access log's clock (whole ms would let a wait begun
 * late in a millisecond end up to 1 ms early); a poll cut short by a signal
 * just waits again for what is left.
 */
static int
serve_wait(struct serve_conn *c, unsigned int ms)
{
	uint64_t	 now, due;

	due = time_now_us() + (uint64_t)ms * 1000;
	while ((now = time_now_us()) < due)
		if (serve_io_gone(&c->sc_io, (unsigned int)((due - now + 999) / 1000)))
			return (-1);
	return (0);
}

/* Send count stream pieces, interval_ms apart. */
static int
serve_stream(struct serve_conn *c, const struct plan_step *st, enum exchange_end *end)
{
	const struct plan	*pl = &c->sc_ex.plan;
	unsigned int		 i;

	for (i = 0; i < st->count; i++) {
		if (i > 0 && st->interval_ms > 0 && serve_wait(c, st->interval_ms) == -1) {
			*end = EXCHANGE_CLIENT_GONE;
			return (-1);
		}
		buf_reset(&c->sc_piece);
		plan_stream_piece(pl, i, &c->sc_piece);
		if (c->sc_piece.oom) {
			*end = EXCHANGE_OOM;
			return (-1);
		}
		if (serve_send(c, c->sc_piece.data, c->sc_piece.len, end) == -1)
			return (-1);
	}
	return (0);
}

/* The driver's start: this thread performs the transfer, then reports its end. */
static int
serve_fetch_start(void *ctx, struct fetch_transfer *t)
{
	fetch_driver_ended(t, curl_easy_perform(t->easy));
	return (0);
}

/*
 * The driver's wait: sleep until a transfer of ours ends or gets its queue
 * slot, looking every tick whether the client is still there.
 */
static int
serve_fetch_wait(void *ctx, void *arg)
{
	struct serve_fetch	*sf = ctx;
	struct serve_conn	*c = arg;
	struct timespec		 until;
	int			 rc = 0;

	pthread_mutex_lock(&sf->sf_lock);
	while (!c->sc_fetch_woken && rc == 0) {
		until = time_deadline_ms(SERVE_QUEUE_TICK_MS);
		pthread_cond_timedwait(&sf->sf_woken, &sf->sf_lock, &until);
		if (!c->sc_fetch_woken && serve_io_gone(&c->sc_io, 0)) {
			c->sc_fetch_end = EXCHANGE_CLIENT_GONE;
			rc = -1;
		}
	}
	c->sc_fetch_woken = 0;
	pthread_mutex_unlock(&sf->sf_lock);
	return (rc);
}

/* The driver's wake, with sf_lock held: the conn's thread looks again. */
static void
serve_fetch_wake(void *ctx, void *arg)
{
	struct serve_fetch	*sf = ctx;
	struct serve_conn	*c = arg;

	c->sc_fetch_woken = 1;
	pthread_cond_broadcast(&sf->sf_woken);
}

/* The driver's write: each streamed piece goes out before curl reads more. */
static int
serve_fetch_write(void *arg, const void *p, size_t len)
{
	struct serve_conn	*c = arg;

	return (serve_send(c, p, len, &c->sc_fetch_end));
}

/* The driver's closing: a drain makes the heads still to come say close. */
static int
serve_fetch_closing(void *arg)
{
	return (control_draining());
}

/* The driver's lock around the shared queue. */
static void
serve_fetch_lock(void *ctx)
{
	struct serve_fetch	*sf = ctx;

	pthread_mutex_lock(&sf->sf_lock);
}

/* And its unlock. */
static void
serve_fetch_unlock(void *ctx)
{
	struct serve_fetch	*sf = ctx;

	pthread_mutex_unlock(&sf->sf_lock);
}

static const struct fetch_ops serve_fetch_ops = {
	.start = serve_fetch_start,
	.wait = serve_fetch_wait,
	.wake = serve_fetch_wake,
	.write = serve_fetch_write,
	.closing = serve_fetch_closing,
	.lock = serve_fetch_lock,
	.unlock = serve_fetch_unlock,
	.serial = 1,
};

/* A head rendered now, so a drain that began since planning makes it say close. */
static int
serve_head(struct serve_conn *c, const struct plan_step *st, int keep_alive,
    enum exchange_end *end)
{
	const struct plan	*pl = &c->sc_ex.plan;
	size_t			 n;

	buf_reset(&c->sc_piece);
	n = plan_render_head(pl, st, keep_alive, &c->sc_piece);
	if (c->sc_piece.oom) {
		*end = EXCHANGE_OOM;
		return (-1);
	}
	if (serve_send(c, c->sc_piece.data, c->sc_piece.len, end) == -1)
		return (-1);
	if (n == st->len)
		return (0);
	return (serve_send(c, pl->data.data + st->off + n, st->len - n, end));
}

/* Everything fetches need, made before any thread can race for it. */
struct serve_fetch *
serve_fetch_new(const struct config *cfg, char *err, size_t errlen)
{
	struct serve_fetch	*sf;
	pthread_condattr_t	 ca;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return (NULL);
	}
	if ((sf = calloc(1, sizeof(*sf))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	fetch_driver_init(&sf->sf_driver, &serve_fetch_ops, sf, cfg->fetch_concurrency,
	    cfg->fetch_queue);
	pthread_mutex_init(&sf->sf_lock, NULL);
	/* Queue ticks are intervals: a clock step must not stretch or skip them. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sf->sf_woken, &ca);
	pthread_condattr_destroy(&ca);
	return (sf);
}

/* SIGHUP: the queue's numbers; a raised concurrency hands out new slots as transfers end. */
void
serve_fetch_reload(struct serve_fetch *sf, const struct config *cfg)
{
	fetch_driver_limits(&sf->sf_driver, cfg->fetch_concurrency, cfg->fetch_queue);
}

/*
 * PLAN_FETCH, the plan's last step: the driver runs the transfers on this
 * thread (a /gather too: blocking I/O does one thing at a time), then
 * turns the plan into the rest of the response.
 */
static int
serve_fetch_step(struct serve_conn *c, enum exchange_end *end)
{
	struct serve_fetch	*sf = c->sc_srv->bsrv_fetch;
	struct fetch_job	*job;
	int			 rc = -1;

	c->sc_fetch_end = EXCHANGE_DONE;
	c->sc_fetch_woken = 0;
	job = fetch_driver_begin(&sf->sf_driver, &c->sc_snap->cs_fetch, &c->sc_ex.plan,
	    c->sc_srv->bsrv_stats, c);
	if (job == NULL) {
		*end = EXCHANGE_OOM;
		return (-1);
	}
	if (fetch_driver_run(job) == FETCH_DRIVER_DONE) {
		if (fetch_driver_continue(job, &c->sc_ex.plan, time(NULL)) == 0)
			rc = 0;
		else
			c->sc_fetch_end = EXCHANGE_OOM;
	}
	fetch_driver_end(job);
	if (rc == -1)
		*end = c->sc_fetch_end != EXCHANGE_DONE ? c->sc_fetch_end : EXCHANGE_CLIENT_GONE;
	return (rc);
}

/*
 * Walk the plan's steps in order (a FETCH step ends by making the plan the rest
 * of the response, walked from its start).
 * 1 to keep the connection, 0 to close it.
 */
static int
serve_run_plan(struct serve_conn *c, enum exchange_end *end)
{
	const struct plan	*pl = &c->sc_ex.plan;
	const struct plan_step	*st;
	struct plan		*mpl = &c->sc_ex.plan;
	unsigned int		 i;
	int			 closing = 0, forced = c->sc_ctx.draining;

	for (i = 0; i < pl->nsteps; ) {
		if (!forced && control_draining()) {
			/* Planned before the drain: what is not sent yet says close. */
			(void)plan_force_close(mpl, i);
			forced = 1;
		}
		st = &pl->steps[i];
		exchange_step(&c->sc_ex, c->sc_srv->bsrv_stats, st->kind);
		switch (st->kind) {
		case PLAN_HEAD:
			if (serve_head(c, st, !forced, end) == -1)
				return (0);
			break;
		case PLAN_WRITE:
			if (serve_send(c, pl->data.data + st->off, st->len, end) == -1)
				return (0);
			break;
		case PLAN_WAIT:
			if (serve_wait(c, st->ms) == -1) {
				*end = EXCHANGE_CLIENT_GONE;
				return (0);
			}
			break;
		case PLAN_BURN:
			plan_burn_cpu(st->ms);
			break;
		case PLAN_STREAM:
			if (serve_stream(c, st, end) == -1)
				return (0);
			break;
		case PLAN_CLOSE:
			closing = 1;
			break;
		case PLAN_FETCH:
			if (serve_fetch_step(c, end) == -1)
				return (0);
			/* The plan is now the rest of the response: from its start. */
			i = 0;
			continue;
		case PLAN_UPGRADE:
			c->sc_upgraded = 1;
			return (0);
		}
		i++;
	}
	return (!closing && pl->keep_alive);
}

/* Feed buffered bytes to the parser; answers 100-continue when asked. */
static enum http_parse_result
serve_feed(struct serve_conn *c)
{
	enum http_parse_result	 r;
	const char		*cont;
	size_t			 consumed = 0, done, n;

	r = exchange_feed(&c->sc_ex, c->sc_in + c->sc_off, c->sc_len, &consumed);
	c->sc_off += consumed;
	c->sc_len -= consumed;
	stats_add(&c->sc_srv->bsrv_stats->bytes_in, consumed);
	if ((n = exchange_continue_bytes(&c->sc_ex, r, &cont)) > 0)
		(void)serve_io_write_all(&c->sc_io, cont, n, &done);
	return (r);
}

/*
 * How long the next read may block: idle (keep-alive, or header timeout on a
 * new connection), what is left of the head deadline, or the body gap.
 * 0 means no limit; -1 means the head deadline has passed.
 */
static long long
serve_read_timeout(const struct serve_conn *c)
{
	const struct config	*cfg = c->sc_cfg;
	uint64_t		 deadline, now;

	if (!exchange_started(&c->sc_ex))
		return (c->sc_served == 0 ? cfg->header_timeout_ms : cfg->keepalive_timeout_ms);
	if (http_parser_head_done(&c->sc_ex.parser))
		return (cfg->body_timeout_ms);
	if (cfg->header_timeout_ms == 0)
		return (0);
	deadline = c->sc_ex.started_ms + cfg->header_timeout_ms;
	now = time_now_ms();
	return (now >= deadline ? -1 : (long long)(deadline - now));
}

/* Name the timeout that just expired: quiet close before a request, else a 408. */
static enum serve_read
serve_timed_out(const struct serve_conn *c)
{
	if (!exchange_started(&c->sc_ex))
		return (SERVE_READ_CLOSE);
	return (SERVE_READ_TIMEOUT);
}

/* Read until one request is parsed (pipelined leftovers first), or say why not. */
static enum serve_read
serve_read_request(struct serve_conn *c)
{
	const struct config	*cfg = c->sc_cfg;
	long long		 tmo;
	ssize_t			 n;

	for (;;) {
		if (c->sc_len > 0 && serve_feed(c) != HTTP_PARSE_NEED_MORE)
			return (SERVE_READ_REQUEST);
		if ((tmo = serve_read_timeout(c)) == -1)
			return (serve_timed_out(c));
		/*
		 * Idle between requests, a drain ends the wait (a request already
		 * on the wire is still served); a started request is finished.
		 */
		if (!exchange_started(&c->sc_ex)) {
			switch (serve_io_wait(&c->sc_io, control_drain_fd(), (unsigned int)tmo)) {
			case -1:
				return (SERVE_READ_CLOSE);
			case 0:
				return (serve_timed_out(c));
			default:
				break;
			}
		}
		if (sock_set_timeouts(c->sc_io.io_fd, (unsigned int)tmo, cfg->write_timeout_ms,
		    NULL, 0) == -1)
			return (SERVE_READ_CLOSE);
		n = serve_io_read(&c->sc_io, c->sc_in, sizeof(c->sc_in));
		if (n > 0) {
			c->sc_off = 0;
			c->sc_len = (size_t)n;
			continue;
		}
		if (n == 0)
			return (SERVE_READ_CLOSE);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (serve_timed_out(c));
		return (SERVE_READ_CLOSE);
	}
}

/* Plan, run and log one exchange. 1 if the connection may carry another request. */
static int
serve_exchange(struct serve_conn *c, enum serve_read why)
{
	struct stats	*st = c->sc_srv->bsrv_stats;
	enum exchange_end end = EXCHANGE_DONE;
	int		 keep;

	c->sc_ctx.now = time(NULL);
	/* planned from now on: close */
	c->sc_ctx.draining = control_draining() || startup_health_failing();
	if (why == SERVE_READ_TIMEOUT)
		exchange_plan_timeout(&c->sc_ex, &c->sc_ctx, st);
	else
		exchange_plan(&c->sc_ex, &c->sc_ctx, st);
	if (plan_failed(&c->sc_ex.plan))
		exchange_plan_error(&c->sc_ex, 500, "out of memory", EXCHANGE_OOM,
		    &c->sc_ctx, st);
	keep = serve_run_plan(c, &end);
	exchange_finish(&c->sc_ex, st, &c->sc_ctx, end);
	c->sc_served++;
	if (c->sc_upgraded) {
		/* This thread (process, worker) is the WebSocket's until it closes. */
		serve_ws(c->sc_srv, &c->sc_io, c->sc_cfg, c->sc_in + c->sc_off, c->sc_len);
		return (0);
	}
	return (keep && why == SERVE_READ_REQUEST && !control_draining());
}

/* Half-close and drop what the client already sent, so close() does not reset the reply. */
static void
serve_linger(int fd)
{
	char	 junk[4096];
	int	 i;

	(void)shutdown(fd, SHUT_WR);
	for (i = 0; i < 16; i++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
}

/* The blocking executor's whole life of an HTTP connection; the handshake counts as head time. */
void
serve_http(struct blocking_server *srv, int fd, SSL_CTX *tls, const struct sockaddr *peer)
{
	struct serve_conn	*c;
	enum serve_read		 why;
	char			 err[512];

	if ((c = serve_conn_new(srv, fd, tls != NULL, peer)) == NULL) {
		log_warnx("connection from a client dropped: out of memory");
		return;
	}
	stats_add(&srv->bsrv_stats->conns_open, 1);
	stats_add(&srv->bsrv_stats->conns_total, 1);
	if (serve_io_start(&c->sc_io, fd, tls, c->sc_cfg->header_timeout_ms, err,
	    sizeof(err)) == -1)
		log_debug("%s: %s", c->sc_host, err);
	else {
		for (;;) {
			if (c->sc_served > 0)
				serve_conn_refresh(c);
			why = serve_read_request(c);
			if (why == SERVE_READ_CLOSE)
				break;
			if (!serve_exchange(c, why))
				break;
		}
	}
	serve_io_end(&c->sc_io);
	serve_linger(fd);
	stats_sub(&srv->bsrv_stats->conns_open, 1);
	serve_conn_free(c);
}

/* The refusal's bytes, under the write timeout; how many went out, -1 if none. */
static long
serve_reject_send(void *arg, const char *p, size_t len)
{
	struct serve_conn	*c = arg;
	size_t			 done;

	if (serve_io_write_all(&c->sc_io, p, len, &done) == -1 && done == 0)
		return (-1);
	return ((long)done);
}

/* Over a connection cap: still a JSON status, never a silent close (plain HTTP only). */
void
serve_reject(struct blocking_server *srv, int fd, const struct sockaddr *peer, const char *why)
{
	struct serve_conn	*c;

	if ((c = serve_conn_new(srv, fd, 0, peer)) == NULL)
		return;
	if (sock_set_timeouts(fd, 0, c->sc_cfg->write_timeout_ms, NULL, 0) == 0)
		exchange_reject(&c->sc_ex, why, &c->sc_ctx, srv->bsrv_stats,
		    serve_reject_send, c);
	serve_linger(fd);
	serve_conn_free(c);
}
