/* evfetch: the event build's fetch I/O: curl multi on a worker's event base. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "util/log.h"
#include "core/stats.h"
#include "event/conn.h"
#include "event/evfetch.h"
#include "event/server.h"
#include "util/time.h"

/* The driver's start: hand the easy handle to the worker's multi. */
static int
evfetch_start(void *ctx, struct fetch_transfer *t)
{
	struct evfetch	*ef = ctx;
	CURLMcode	 mc;

	if ((mc = curl_multi_add_handle(ef->ef_multi, t->easy)) == CURLM_OK)
		return (0);
	log_warnx("curl_multi_add_handle: %s", curl_multi_strerror(mc));
	return (-1);
}

/* The driver's cancel: curl forgets the handle; the driver frees it. */
static void
evfetch_cancel(void *ctx, struct fetch_transfer *t)
{
	struct evfetch	*ef = ctx;

	curl_multi_remove_handle(ef->ef_multi, t->easy);
}

/*
 * The driver's wake: the conn's step looks again from its own event,
 * never from inside curl.
 */
static void
evfetch_wake(void *ctx, void *arg)
{
	struct conn	*c = arg;

	if (c->conn_job != NULL && c->conn_fetch_wake != NULL)
		event_active(c->conn_fetch_wake, EV_TIMEOUT, 0);
}

/* The conn's job moved: run its FETCH step again. */
static void
evfetch_conn_woken(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	if (c->conn_job != NULL && c->conn_state == CONN_RUNNING)
		conn_resume_plan(c);
}

/* The driver's write: queue streamed bytes for the client. */
static int
evfetch_write(void *arg, const void *p, size_t len)
{
	conn_write(arg, p, len);
	return (0);
}

/* The driver's behind: over the stream mark, curl pauses until the write callback. */
static int
evfetch_behind(void *arg)
{
	struct conn	*c = arg;

	if (conn_io_output_len(&c->conn_io) < CONN_STREAM_QUEUE)
		return (0);
	conn_io_set_write_low(&c->conn_io, CONN_STREAM_QUEUE / 2);
	return (1);
}

/* The driver's closing: a drain makes every head say close. */
static int
evfetch_closing(void *arg)
{
	struct conn	*c = arg;

	return (c->conn_srv->srv_draining);
}

static const struct fetch_ops evfetch_ops = {
	.start = evfetch_start,
	.cancel = evfetch_cancel,
	.wake = evfetch_wake,
	.write = evfetch_write,
	.behind = evfetch_behind,
	.closing = evfetch_closing,
	.gather = 1,
};

/* Collect finished transfers after curl did some work. */
static void
evfetch_collect(struct evfetch *ef)
{
	struct fetch_transfer	*t;
	CURLMsg			*msg;
	int			 left;
	char			*priv;

	while ((msg = curl_multi_info_read(ef->ef_multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv) != CURLE_OK)
			continue;
		t = (struct fetch_transfer *)(void *)priv;
		curl_multi_remove_handle(ef->ef_multi, t->easy);
		fetch_driver_ended(t, msg->data.result);
	}
}

/* A socket curl watches is ready. */
static void
evfetch_socket_ready(evutil_socket_t fd, short what, void *arg)
{
	struct evfetch		*ef = arg;
	int			 flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(ef->ef_multi, fd, flags, &running);
	/* curl keeps its own timer through evfetch_timer_cb; never second-guess it here. */
	evfetch_collect(ef);
}

/* curl's timeout is due. */
static void
evfetch_timer_due(evutil_socket_t fd, short what, void *arg)
{
	struct evfetch		*ef = arg;
	int			 running;

	curl_multi_socket_action(ef->ef_multi, CURL_SOCKET_TIMEOUT, 0, &running);
	evfetch_collect(ef);
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called back after ms (-1: never). */
static int
evfetch_timer_cb(CURLM *multi, long ms, void *arg)
{
	struct evfetch		*ef = arg;
	struct timeval		 tv;

	evtimer_del(ef->ef_timer);
	if (ms < 0)
		return (0);
	if (ms == 0) {
		/* due now: run in this loop pass, without arming a timer first */
		event_active(ef->ef_timer, EV_TIMEOUT, 0);
		return (0);
	}
	tv = time_ms_to_timeval((uint64_t)ms);
	evtimer_add(ef->ef_timer, &tv);
	return (0);
}

/* CURLMOPT_SOCKETFUNCTION: watch, re-watch or forget one of curl's sockets. */
static int
evfetch_socket_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct evfetch		*ef = arg;
	struct event		*ev = sockp;
	short			 flags = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(ef->ef_multi, s, NULL);
		return (0);
	}
	if (what & CURL_POLL_IN)
		flags |= EV_READ;
	if (what & CURL_POLL_OUT)
		flags |= EV_WRITE;
	if (ev != NULL) {
		event_del(ev);
		event_assign(ev, ef->ef_srv->srv_base, s, flags, evfetch_socket_ready, ef);
	} else {
		ev = event_new(ef->ef_srv->srv_base, s, flags, evfetch_socket_ready, ef);
		if (ev == NULL)
			return (-1);
		curl_multi_assign(ef->ef_multi, s, ev);
	}
	return (event_add(ev, NULL));
}

/* Make the worker's multi handle, its timer and its driver. */
int
evfetch_init(struct evfetch *ef, struct server *srv, const struct fetch_settings *fs,
    char *err, size_t errlen)
{
	const struct config	*cfg = srv->srv_cfg;

	memset(ef, 0, sizeof(*ef));
	ef->ef_srv = srv;
	ef->ef_settings = fs;
	fetch_driver_init(&ef->ef_driver, &evfetch_ops, ef, cfg->fetch_concurrency,
	    cfg->fetch_queue);
	ef->ef_multi = curl_multi_init();
	ef->ef_timer = evtimer_new(srv->srv_base, evfetch_timer_due, ef);
	if (ef->ef_multi == NULL || ef->ef_timer == NULL) {
		snprintf(err, errlen, "cannot set up curl multi");
		return (-1);
	}
	curl_multi_setopt(ef->ef_multi, CURLMOPT_SOCKETFUNCTION, evfetch_socket_cb);
	curl_multi_setopt(ef->ef_multi, CURLMOPT_SOCKETDATA, ef);
	curl_multi_setopt(ef->ef_multi, CURLMOPT_TIMERFUNCTION, evfetch_timer_cb);
	curl_multi_setopt(ef->ef_multi, CURLMOPT_TIMERDATA, ef);
	evfetch_reload(ef, cfg);
	return (0);
}

/* A reload's queue numbers; the worker's own thread runs this. */
void
evfetch_reload(struct evfetch *ef, const struct config *cfg)
{
	fetch_driver_limits(&ef->ef_driver, cfg->fetch_concurrency, cfg->fetch_queue);
	/*
	 * curl caps its idle upstream connections at four per transfer it
	 * holds at the moment, so it closed and reopened them as the load
	 * swung: keep as many as may run at once.
	 */
	curl_multi_setopt(ef->ef_multi, CURLMOPT_MAXCONNECTS,
	    (long)cfg->fetch_concurrency);
}

/* Free the multi handle (every connection, and so every job, is gone by now). */
void
evfetch_free(struct evfetch *ef)
{
	if (ef->ef_multi != NULL)
		curl_multi_cleanup(ef->ef_multi);
	if (ef->ef_timer != NULL)
		event_free(ef->ef_timer);
	fetch_driver_free(&ef->ef_driver);
	memset(ef, 0, sizeof(*ef));
}

/* Run the connection's PLAN_FETCH step; 1 when the plan is its continuation. */
int
evfetch_conn_step(struct conn *c)
{
	struct evfetch	*ef = &c->conn_srv->srv_fetch;
	int		 rc;

	if (c->conn_fetch_wake == NULL && (c->conn_fetch_wake = event_new(
	    ef->ef_srv->srv_base, -1, 0, evfetch_conn_woken, c)) == NULL)
		return (-1);
	if (c->conn_job == NULL) {
		c->conn_job = fetch_driver_begin(&ef->ef_driver, ef->ef_settings,
		    &c->conn_ex->plan, &ef->ef_srv->srv_stats, c);
		if (c->conn_job == NULL)
			return (-1);
	}
	if (fetch_driver_run(c->conn_job) == FETCH_DRIVER_WAIT)
		return (0);
	/* Done at once (refused, say): drop any wake-up it queued. */
	event_del(c->conn_fetch_wake);
	rc = fetch_driver_continue(c->conn_job, &c->conn_ex->plan, time(NULL));
	fetch_driver_end(c->conn_job);
	c->conn_job = NULL;
	return (rc == -1 ? -1 : 1);
}

/* The client caught up: a paused /fetch may go on. */
void
evfetch_conn_drained(struct conn *c)
{
	if (c->conn_job != NULL)
		fetch_driver_resume(c->conn_job);
}

/* The connection closes: its transfers leave the queue and curl. */
void
evfetch_conn_abort(struct conn *c)
{
	struct fetch_job	*job = c->conn_job;

	c->conn_job = NULL;
	fetch_driver_end(job);
	if (c->conn_fetch_wake != NULL)
		event_free(c->conn_fetch_wake);
	c->conn_fetch_wake = NULL;
}
