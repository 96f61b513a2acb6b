/* fetch (event): curl multi driven by a worker's event base, and PLAN_FETCH steps. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "core/log.h"
#include "core/stats.h"
#include "event/conn.h"
#include "event/fetch.h"
#include "event/server.h"

static void	fetch_loop_start(struct fetch_loop *, struct fetch_transfer *);

/* The conn a transfer belongs to. */
static struct conn *
fetch_transfer_conn(const struct fetch_transfer *t)
{
	return (t->exec);
}

/*
 * A transfer of the conn's job ended: let its step look again (the job may
 * be done, or a chain may start its next link). It resumes from its own
 * timer, never from inside curl.
 */
static void
fetch_conn_wake(struct conn *c)
{
	if (c->conn_job != NULL)
		event_active(c->conn_timer, EV_TIMEOUT, 0);
}

/* A transfer gave back its slot: start the oldest waiter of its level, whoever's it is. */
static void
fetch_loop_release(struct fetch_loop *fl, unsigned int level)
{
	void	*next;

	if (fetch_queue_release(&fl->fl_queue, &fl->fl_srv->srv_stats, fetch_now_ms(),
	    level, &next))
		fetch_loop_start(fl, next);
}

/* Finish a transfer curl is done with (or that never got going); a redirect runs on. */
static void
fetch_loop_end(struct fetch_loop *fl, struct fetch_transfer *t, CURLcode rc, int ran)
{
	struct conn	*c = fetch_transfer_conn(t);
	CURLMcode	 mc;

	if (ran) {
		curl_multi_remove_handle(fl->fl_multi, t->easy);
		if (fetch_job_done(t->job, t, rc) == 1) {
			if ((mc = curl_multi_add_handle(fl->fl_multi, t->easy)) == CURLM_OK)
				return;
			log_warnx("curl_multi_add_handle: %s", curl_multi_strerror(mc));
			fetch_job_reject(t->job, t, 502, "curl could not follow the redirect");
		}
	}
	fetch_conn_wake(c);
	fetch_loop_release(fl, t->hops);
}

/* The final upstream head is in: send the client ours. */
static int
fetch_sink_head(void *arg, struct fetch_transfer *t)
{
	struct conn	*c = arg;

	buf_reset(&c->conn_piecebuf);
	fetch_response_head(t->job, t, time(NULL), &c->conn_piecebuf);
	conn_write(c, c->conn_piecebuf.data, c->conn_piecebuf.len);
	return (0);
}

/* Upstream bytes: pass them on, or pause curl while the client is behind. */
static int
fetch_sink_body(void *arg, const char *p, size_t len)
{
	struct conn	*c = arg;
	struct evbuffer	*out = bufferevent_get_output(c->conn_bev);

	if (evbuffer_get_length(out) >= CONN_STREAM_QUEUE) {
		bufferevent_setwatermark(c->conn_bev, EV_WRITE, CONN_STREAM_QUEUE / 2, 0);
		return (FETCH_SINK_PAUSE);
	}
	buf_reset(&c->conn_piecebuf);
	fetch_response_chunk(c->conn_job, p, len, &c->conn_piecebuf);
	conn_write(c, c->conn_piecebuf.data, c->conn_piecebuf.len);
	return (0);
}

/* A transfer holds a slot: set it up and hand it to curl. */
static void
fetch_loop_start(struct fetch_loop *fl, struct fetch_transfer *t)
{
	struct conn	*c = fetch_transfer_conn(t);
	CURLMcode	 mc;

	if (fetch_job_streams(t->job)) {
		t->on_head = fetch_sink_head;
		t->on_body = fetch_sink_body;
		t->sink_arg = c;
	}
	if (fetch_job_start(t->job, t) == -1) {
		fetch_loop_end(fl, t, CURLE_OK, 0);
		return;
	}
	if ((mc = curl_multi_add_handle(fl->fl_multi, t->easy)) != CURLM_OK) {
		log_warnx("curl_multi_add_handle: %s", curl_multi_strerror(mc));
		fetch_job_done(t->job, t, CURLE_FAILED_INIT);
		fetch_loop_end(fl, t, CURLE_OK, 0);
	}
}

/* Collect finished transfers after curl did some work. */
static void
fetch_loop_collect(struct fetch_loop *fl)
{
	struct fetch_transfer	*t;
	CURLMsg			*msg;
	int			 left;
	char			*priv;

	while ((msg = curl_multi_info_read(fl->fl_multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv) != CURLE_OK)
			continue;
		t = (struct fetch_transfer *)(void *)priv;
		fetch_loop_end(fl, t, msg->data.result, 1);
	}
}

/* A socket curl watches is ready. */
static void
fetch_loop_socket_ready(evutil_socket_t fd, short what, void *arg)
{
	struct fetch_loop	*fl = arg;
	int			 flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(fl->fl_multi, fd, flags, &running);
	/* curl keeps its own timer through fetch_loop_timer_cb; never second-guess it here. */
	fetch_loop_collect(fl);
}

/* curl's timeout is due. */
static void
fetch_loop_timer_due(evutil_socket_t fd, short what, void *arg)
{
	struct fetch_loop	*fl = arg;
	int			 running;

	curl_multi_socket_action(fl->fl_multi, CURL_SOCKET_TIMEOUT, 0, &running);
	fetch_loop_collect(fl);
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called back after ms (-1: never). */
static int
fetch_loop_timer_cb(CURLM *multi, long ms, void *arg)
{
	struct fetch_loop	*fl = arg;
	struct timeval		 tv;

	if (ms < 0) {
		evtimer_del(fl->fl_timer);
		return (0);
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(fl->fl_timer, &tv);
	return (0);
}

/* CURLMOPT_SOCKETFUNCTION: watch, re-watch or forget one of curl's sockets. */
static int
fetch_loop_socket_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct fetch_loop	*fl = arg;
	struct event		*ev = sockp;
	short			 flags = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(fl->fl_multi, s, NULL);
		return (0);
	}
	if (what & CURL_POLL_IN)
		flags |= EV_READ;
	if (what & CURL_POLL_OUT)
		flags |= EV_WRITE;
	if (ev != NULL) {
		event_del(ev);
		event_assign(ev, fl->fl_srv->srv_base, s, flags, fetch_loop_socket_ready, fl);
	} else {
		ev = event_new(fl->fl_srv->srv_base, s, flags, fetch_loop_socket_ready, fl);
		if (ev == NULL)
			return (-1);
		curl_multi_assign(fl->fl_multi, s, ev);
	}
	return (event_add(ev, NULL));
}

/* Make the worker's multi handle and its timer. */
int
fetch_loop_init(struct fetch_loop *fl, struct server *srv, const struct fetch_settings *fs,
    char *err, size_t errlen)
{
	const struct config	*cfg = srv->srv_cfg;

	memset(fl, 0, sizeof(*fl));
	fl->fl_srv = srv;
	fl->fl_settings = fs;
	fetch_queue_init(&fl->fl_queue, cfg->fetch_concurrency, cfg->fetch_queue);
	fl->fl_multi = curl_multi_init();
	fl->fl_timer = evtimer_new(srv->srv_base, fetch_loop_timer_due, fl);
	if (fl->fl_multi == NULL || fl->fl_timer == NULL) {
		snprintf(err, errlen, "cannot set up curl multi");
		return (-1);
	}
	curl_multi_setopt(fl->fl_multi, CURLMOPT_SOCKETFUNCTION, fetch_loop_socket_cb);
	curl_multi_setopt(fl->fl_multi, CURLMOPT_SOCKETDATA, fl);
	curl_multi_setopt(fl->fl_multi, CURLMOPT_TIMERFUNCTION, fetch_loop_timer_cb);
	curl_multi_setopt(fl->fl_multi, CURLMOPT_TIMERDATA, fl);
	return (0);
}

/* Free the multi handle (every connection, and so every job, is gone by now). */
void
fetch_loop_free(struct fetch_loop *fl)
{
	if (fl->fl_multi != NULL)
		curl_multi_cleanup(fl->fl_multi);
	if (fl->fl_timer != NULL)
		event_free(fl->fl_timer);
	fetch_queue_free(&fl->fl_queue);
	memset(fl, 0, sizeof(*fl));
}

/* Hand out every transfer the job may start now; the queue says run, wait or refuse. */
static void
fetch_conn_admit(struct conn *c, struct fetch_loop *fl)
{
	struct fetch_transfer	*t;

	while (c->conn_job != NULL && (t = fetch_job_next(c->conn_job)) != NULL) {
		t->exec = c;
		switch (fetch_queue_admit(&fl->fl_queue, &fl->fl_srv->srv_stats,
		    fetch_now_ms(), t->hops, t)) {
		case FETCH_QUEUE_RUN:
			fetch_loop_start(fl, t);
			break;
		case FETCH_QUEUE_WAIT:
			break;
		case FETCH_QUEUE_FULL:
			fetch_job_reject(c->conn_job, t, 503, "fetch queue full");
			break;
		}
	}
}

/* Run the connection's PLAN_FETCH step; 1 when it is over. */
int
fetch_conn_step(struct conn *c)
{
	struct fetch_loop	*fl = &c->conn_srv->srv_fetch;

	if (c->conn_job == NULL) {
		c->conn_job = fetch_job_new(fl->fl_settings, &c->conn_ex->plan, c->conn_step);
		if (c->conn_job == NULL)
			return (-1);
	}
	/* Chains hand out one transfer at a time, so ask again on every wake-up. */
	fetch_conn_admit(c, fl);
	if (c->conn_job == NULL || !fetch_job_complete(c->conn_job))
		return (0);
	fetch_job_respond(c->conn_job, time(NULL));
	fetch_job_free(c->conn_job);
	c->conn_job = NULL;
	return (1);
}

/* The client caught up: a paused /fetch may go on. */
void
fetch_conn_drained(struct conn *c)
{
	unsigned int	 i;

	if (c->conn_job == NULL)
		return;
	for (i = 0; i < c->conn_job->n; i++)
		if (c->conn_job->t[i].paused)
			fetch_transfer_resume(&c->conn_job->t[i]);
}

/* The client left: take its transfers out of the queue and out of curl. */
void
fetch_conn_abort(struct conn *c)
{
	struct fetch_loop	*fl = &c->conn_srv->srv_fetch;
	struct fetch_job	*job = c->conn_job;
	struct fetch_transfer	*t;
	unsigned int		 i, freed = 0, level = 0;

	if (job == NULL)
		return;
	c->conn_job = NULL;
	for (i = 0; i < job->n; i++) {
		t = &job->t[i];
		level = t->hops;	/* one job, one level */
		if (t->state == FETCH_T_QUEUED)
			fetch_queue_cancel(&fl->fl_queue, &fl->fl_srv->srv_stats, t);
		else if (t->state == FETCH_T_RUNNING) {
			curl_multi_remove_handle(fl->fl_multi, t->easy);
			freed++;
		}
	}
	fetch_job_free(job);
	while (freed-- > 0)
		fetch_loop_release(fl, level);
}
