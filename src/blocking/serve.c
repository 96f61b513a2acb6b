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
#include "common/sock.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/exchange.h"
#include "core/fetch.h"
#include "core/log.h"
#include "core/plan.h"
#include "core/stats.h"

#define SERVE_READ_MAX	16384
#define SERVE_CONTINUE	"HTTP/1.1 100 Continue\r\n\r\n"
#define SERVE_QUEUE_TICK_MS	250	/* how often a queued fetch looks for its client */

/* How waiting for a request ended. */
enum serve_read {
	SERVE_READ_REQUEST = 0,	/* the parser said DONE or ERROR */
	SERVE_READ_HEAD_TIMEOUT,	/* 408 */
	SERVE_READ_BODY_TIMEOUT,	/* 408 */
	SERVE_READ_CLOSE,	/* EOF, error, idle timeout, or draining between requests */
};

/* One connection: the exchange, the client, and bytes read but not yet parsed. */
struct serve_conn {
	struct server		*sc_srv;
	struct control_snap	*sc_snap;	/* this request's configuration */
	const struct config	*sc_cfg;	/* &sc_snap->cs_cfg */
	struct serve_io		 sc_io;
	struct exchange		 sc_ex;
	struct endpoint_ctx	 sc_ctx;
	char			 sc_host[SOCK_ADDRSTR_LEN];
	struct buf		 sc_piece;	/* one stream or fetch piece, reused */
	struct fetch_job	*sc_job;	/* the FETCH step running, if any */
	const char		*sc_fetch_note;	/* why a fetch sink failed */
	unsigned int		 sc_served;	/* requests finished on this connection */
	size_t			 sc_off;	/* unparsed bytes: sc_in[sc_off, sc_off+sc_len) */
	size_t			 sc_len;
	char			 sc_in[SERVE_READ_MAX];
};

/* The fetch queue is process-wide: every thread's transfers share its slots. */
struct serve_fetch {
	struct fetch_queue	 sf_queue;
	pthread_mutex_t		 sf_lock;
	pthread_cond_t		 sf_granted;
};

/* A queued transfer's exec points here once a release hands it a slot. */
static char	 serve_fetch_grant;

/* /stats and /metrics read the one shared struct stats every thread or child adds to. */
static void
serve_stats_snapshot(void *arg, struct stats *out, struct stats_info *info)
{
	struct server	*srv = arg;

	stats_init(out);
	stats_merge(out, srv->srv_stats);
	info->server = "echofetchd-blocking";
	info->model = srv->srv_model;
	info->workers = srv->srv_workers;
	info->started = srv->srv_started;
	info->now = time(NULL);
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
	c->sc_ex.parser.limits = c->sc_cfg->http;
}

/* Set up a connection; NULL if out of memory. */
static struct serve_conn *
serve_conn_new(struct server *srv, int fd, int tls, const struct sockaddr *peer)
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

/* Write response bytes, counting them; on failure say why in *note. */
static int
serve_send(struct serve_conn *c, const char *p, size_t len, const char **note)
{
	size_t	 done;
	int	 rc;

	rc = serve_io_write_all(&c->sc_io, p, len, &done);
	c->sc_ex.bytes_sent += done;	/* exchange_finish adds it to bytes_out */
	if (rc == -1)
		*note = (errno == EAGAIN || errno == EWOULDBLOCK) ?
		    "write-timeout" : "client-gone";
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

	due = exchange_now_us() + (uint64_t)ms * 1000;
	while ((now = exchange_now_us()) < due)
		if (serve_io_gone(&c->sc_io, (unsigned int)((due - now + 999) / 1000)))
			return (-1);
	return (0);
}

/* Send count stream pieces, interval_ms apart. */
static int
serve_stream(struct serve_conn *c, const struct plan_step *st, const char **note)
{
	const struct plan	*pl = &c->sc_ex.plan;
	unsigned int		 i;

	for (i = 0; i < st->count; i++) {
		if (i > 0 && st->interval_ms > 0 && serve_wait(c, st->interval_ms) == -1) {
			*note = "client-gone";
			return (-1);
		}
		buf_reset(&c->sc_piece);
		plan_stream_piece(pl, i, &c->sc_piece);
		if (c->sc_piece.oom) {
			*note = "out-of-memory";
			return (-1);
		}
		if (serve_send(c, c->sc_piece.data, c->sc_piece.len, note) == -1)
			return (-1);
	}
	return (0);
}

/* A head rendered now, so a drain that began since planning makes it say close. */
static int
serve_head(struct serve_conn *c, const struct plan_step *st, int keep_alive,
    const char **note)
{
	const struct plan	*pl = &c->sc_ex.plan;
	size_t			 n;

	buf_reset(&c->sc_piece);
	n = plan_render_head(pl, st, keep_alive, &c->sc_piece);
	if (c->sc_piece.oom) {
		*note = "out-of-memory";
		return (-1);
	}
	if (serve_send(c, c->sc_piece.data, c->sc_piece.len, note) == -1)
		return (-1);
	if (n == st->len)
		return (0);
	return (serve_send(c, pl->data.data + st->off + n, st->len - n, note));
}

/* Everything fetches need, made before any thread can race for it. */
struct serve_fetch *
serve_fetch_new(const struct config *cfg, char *err, size_t errlen)
{
	struct serve_fetch	*sf;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return (NULL);
	}
	if ((sf = calloc(1, sizeof(*sf))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	fetch_queue_init(&sf->sf_queue, cfg->fetch_concurrency, cfg->fetch_queue);
	pthread_mutex_init(&sf->sf_lock, NULL);
	pthread_cond_init(&sf->sf_granted, NULL);
	return (sf);
}

/*
 * The queue's two numbers are read under its lock only, so they change there;
 * a raised concurrency hands out its new slots as transfers end.
 */
void
serve_fetch_reload(struct serve_fetch *sf, const struct config *cfg)
{
	pthread_mutex_lock(&sf->sf_lock);
	sf->sf_queue.concurrency = cfg->fetch_concurrency;
	sf->sf_queue.limit = cfg->fetch_queue;
	pthread_mutex_unlock(&sf->sf_lock);
}

/* /fetch streams through: the upstream head becomes ours at once, from inside curl. */
static int
serve_fetch_on_head(void *arg, struct fetch_transfer *t)
{
	struct serve_conn	*c = arg;

	if (control_draining())
		c->sc_ex.plan.keep_alive = 0;	/* the head is made now: say close */
	buf_reset(&c->sc_piece);
	fetch_response_head(c->sc_job, t, time(NULL), &c->sc_piece);
	if (c->sc_piece.oom)
		return (-1);
	return (serve_send(c, c->sc_piece.data, c->sc_piece.len, &c->sc_fetch_note));
}

/* Each upstream body piece is written before curl reads more: no buffer, no pause. */
static int
serve_fetch_on_body(void *arg, const char *p, size_t len)
{
	struct serve_conn	*c = arg;

	buf_reset(&c->sc_piece);
	fetch_response_chunk(c->sc_job, p, len, &c->sc_piece);
	if (c->sc_piece.oom)
		return (-1);
	return (serve_send(c, c->sc_piece.data, c->sc_piece.len, &c->sc_fetch_note));
}

/*
 * The job's next transfer with a queue slot, waiting for one if the queue
 * says so. NULL when there is none, or when the client left while queued.
 */
static struct fetch_transfer *
serve_fetch_admit(struct serve_conn *c, struct fetch_job *job)
{
	struct serve_fetch	*sf = c->sc_srv->srv_fetch;
	struct stats		*st = c->sc_srv->srv_stats;
	struct fetch_transfer	*t;
	struct timespec		 until;

	pthread_mutex_lock(&sf->sf_lock);
	while ((t = fetch_job_next(job)) != NULL) {
		switch (fetch_queue_admit(&sf->sf_queue, st, fetch_now_ms(), t->hops, t)) {
		case FETCH_QUEUE_FULL:
			fetch_job_reject(job, t, 503, "fetch queue full");
			continue;
		case FETCH_QUEUE_RUN:
			break;
		case FETCH_QUEUE_WAIT:
			while (t != NULL && t->exec != &serve_fetch_grant) {
				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_nsec += SERVE_QUEUE_TICK_MS * 1000000L;
				until.tv_sec += until.tv_nsec / 1000000000L;
				until.tv_nsec %= 1000000000L;
				pthread_cond_timedwait(&sf->sf_granted, &sf->sf_lock, &until);
				if (t->exec != &serve_fetch_grant && serve_io_gone(&c->sc_io, 0)) {
					(void)fetch_queue_cancel(&sf->sf_queue, st, t);
					c->sc_fetch_note = "client-gone";
					t = NULL;
				}
			}
			break;
		}
		break;
	}
	pthread_mutex_unlock(&sf->sf_lock);
	return (t);
}

/* Run one transfer on this thread with curl_easy_perform, then pass its slot on. */
static void
serve_fetch_perform(struct serve_conn *c, struct fetch_job *job, struct fetch_transfer *t)
{
	struct serve_fetch	*sf = c->sc_srv->srv_fetch;
	struct fetch_transfer	*next;
	void			*arg;

	if (fetch_job_streams(job)) {
		t->on_head = serve_fetch_on_head;
		t->on_body = serve_fetch_on_body;
		t->sink_arg = c;
	}
	/* fetch_job_done says 1 while there is a redirect hop to run */
	if (fetch_job_start(job, t) == 0)
		while (fetch_job_done(job, t, curl_easy_perform(t->easy)) == 1)
			continue;
	pthread_mutex_lock(&sf->sf_lock);
	if (fetch_queue_release(&sf->sf_queue, c->sc_srv->srv_stats, fetch_now_ms(),
	    t->hops, &arg)) {
		next = arg;
		next->exec = &serve_fetch_grant;
		pthread_cond_broadcast(&sf->sf_granted);
	}
	pthread_mutex_unlock(&sf->sf_lock);
}

/*
 * PLAN_FETCH at step i: the transfers run one after another on this thread
 * (a /gather too: blocking I/O does one thing at a time), then the core
 * inserts the rest of the response after step i.
 */
static int
serve_fetch_step(struct serve_conn *c, unsigned int i, const char **note)
{
	struct fetch_transfer	*t;

	c->sc_fetch_note = NULL;
	c->sc_job = fetch_job_new(&c->sc_snap->cs_fetch, &c->sc_ex.plan, i);
	if (c->sc_job == NULL) {
		*note = "out-of-memory";
		return (-1);
	}
	while (!fetch_job_complete(c->sc_job) &&
	    (t = serve_fetch_admit(c, c->sc_job)) != NULL)
		serve_fetch_perform(c, c->sc_job, t);
	if (c->sc_fetch_note == NULL)
		fetch_job_respond(c->sc_job, time(NULL));
	fetch_job_free(c->sc_job);
	c->sc_job = NULL;
	if (c->sc_fetch_note != NULL) {
		*note = c->sc_fetch_note;
		return (-1);
	}
	return (0);
}

/*
 * Walk the plan's steps in order (a FETCH step inserts more after itself).
 * 1 to keep the connection, 0 to close it.
 */
static int
serve_run_plan(struct serve_conn *c, const char **note)
{
	const struct plan	*pl = &c->sc_ex.plan;
	const struct plan_step	*st;
	struct plan		*mpl = &c->sc_ex.plan;
	unsigned int		 i;
	int			 closing = 0, forced = c->sc_ctx.draining;

	for (i = 0; i < pl->nsteps; i++) {
		if (!forced && control_draining()) {
			/* Planned before the drain: what is not sent yet says close. */
			(void)plan_force_close(mpl, i);
			forced = 1;
		}
		st = &pl->steps[i];
		switch (st->kind) {
		case PLAN_HEAD:
			if (serve_head(c, st, !forced, note) == -1)
				return (0);
			break;
		case PLAN_WRITE:
			if (serve_send(c, pl->data.data + st->off, st->len, note) == -1)
				return (0);
			break;
		case PLAN_WAIT:
			if (serve_wait(c, st->ms) == -1) {
				*note = "client-gone";
				return (0);
			}
			break;
		case PLAN_BURN:
			plan_burn_cpu(st->ms);
			break;
		case PLAN_STREAM:
			if (serve_stream(c, st, note) == -1)
				return (0);
			break;
		case PLAN_CLOSE:
			closing = 1;
			break;
		case PLAN_FETCH:
			if (serve_fetch_step(c, i, note) == -1)
				return (0);
			break;
		}
	}
	return (!closing && pl->keep_alive);
}

/* Feed buffered bytes to the parser; answers 100-continue when asked. */
static enum http_parse_result
serve_feed(struct serve_conn *c)
{
	enum http_parse_result	 r;
	size_t			 consumed = 0, done;

	r = exchange_feed(&c->sc_ex, c->sc_in + c->sc_off, c->sc_len, &consumed);
	c->sc_off += consumed;
	c->sc_len -= consumed;
	stats_add(&c->sc_srv->srv_stats->bytes_in, consumed);
	if (c->sc_ex.parser.want_continue) {
		c->sc_ex.parser.want_continue = 0;
		if (r == HTTP_PARSE_NEED_MORE)
			(void)serve_io_write_all(&c->sc_io, SERVE_CONTINUE,
			    sizeof(SERVE_CONTINUE) - 1, &done);
	}
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
	now = exchange_now_ms();
	return (now >= deadline ? -1 : (long long)(deadline - now));
}

/* Name the timeout that just expired: quiet close before a request, else a 408. */
static enum serve_read
serve_timed_out(const struct serve_conn *c)
{
	if (!exchange_started(&c->sc_ex))
		return (SERVE_READ_CLOSE);
	if (!http_parser_head_done(&c->sc_ex.parser))
		return (SERVE_READ_HEAD_TIMEOUT);
	return (SERVE_READ_BODY_TIMEOUT);
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
	struct stats	*st = c->sc_srv->srv_stats;
	const char	*note = NULL;
	int		 keep;

	c->sc_ctx.now = time(NULL);
	c->sc_ctx.draining = control_draining();	/* planned from now on: close */
	if (why == SERVE_READ_HEAD_TIMEOUT)
		exchange_plan_error(&c->sc_ex, 408, "request header timeout", &c->sc_ctx, st);
	else if (why == SERVE_READ_BODY_TIMEOUT)
		exchange_plan_error(&c->sc_ex, 408, "request body timeout", &c->sc_ctx, st);
	else
		exchange_plan(&c->sc_ex, &c->sc_ctx, st);
	if (plan_failed(&c->sc_ex.plan))
		exchange_plan_error(&c->sc_ex, 500, "out of memory", &c->sc_ctx, st);
	keep = serve_run_plan(c, &note);
	exchange_finish(&c->sc_ex, st, &c->sc_ctx, note);
	c->sc_served++;
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
serve_http(struct server *srv, int fd, SSL_CTX *tls, const struct sockaddr *peer)
{
	struct serve_conn	*c;
	enum serve_read		 why;
	char			 err[512];

	if ((c = serve_conn_new(srv, fd, tls != NULL, peer)) == NULL) {
		log_warnx("connection from a client dropped: out of memory");
		return;
	}
	stats_add(&srv->srv_stats->conns_open, 1);
	stats_add(&srv->srv_stats->conns_total, 1);
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
	stats_sub(&srv->srv_stats->conns_open, 1);
	serve_conn_free(c);
}

/* Over a connection cap: still a JSON status, never a silent close (plain HTTP only). */
void
serve_reject(struct server *srv, int fd, const struct sockaddr *peer, const char *why)
{
	struct serve_conn	*c;
	const char		*note = NULL;

	if ((c = serve_conn_new(srv, fd, 0, peer)) == NULL)
		return;
	if (sock_set_timeouts(fd, 0, c->sc_cfg->write_timeout_ms, NULL, 0) == 0) {
		exchange_plan_error(&c->sc_ex, 503, why, &c->sc_ctx,
		    srv->srv_stats);
		(void)serve_run_plan(c, &note);
		exchange_finish(&c->sc_ex, srv->srv_stats, &c->sc_ctx, note);
	}
	serve_linger(fd);
	serve_conn_free(c);
}
