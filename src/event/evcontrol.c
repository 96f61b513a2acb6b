/* evcontrol: signals, the graceful drain, and reloading the configuration. */
#include "autoconfig.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "common/daemon.h"
#include "common/startup.h"
#include "core/config.h"
#include "core/exchange.h"
#include "util/log.h"
#include "core/plan.h"
#include "core/reload.h"
#include "event/conn.h"
#include "event/echo.h"
#include "event/server.h"
#include "util/time.h"

static void	evcontrol_signal(evutil_socket_t, short, void *);
static void	evcontrol_drain(evutil_socket_t, short, void *);
static void	evcontrol_drain_all(evutil_socket_t, short, void *);
static void	evcontrol_deadline(evutil_socket_t, short, void *);
static void	evcontrol_reload_worker(evutil_socket_t, short, void *);

/* The drain and reload events of a worker, and the signal events of worker 0. */
int
evcontrol_events_init(struct server *srv, char *err, size_t errlen)
{
	static const int	 sigs[SERVER_NSIGNALS] = {
		SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2,
	};
	size_t			 i;

	srv->srv_drain_ev = event_new(srv->srv_base, -1, 0, evcontrol_drain, srv);
	srv->srv_reload_ev = event_new(srv->srv_base, -1, 0, evcontrol_reload_worker, srv);
	srv->srv_deadline_ev = evtimer_new(srv->srv_base, evcontrol_deadline, srv);
	if (srv->srv_drain_ev == NULL || srv->srv_reload_ev == NULL ||
	    srv->srv_deadline_ev == NULL)
		goto fail;
	for (i = 0; i < SERVER_NSIGNALS && srv->srv_id == 0; i++) {
		srv->srv_signal_ev[i] = evsignal_new(srv->srv_base, sigs[i], evcontrol_signal, srv);
		if (srv->srv_signal_ev[i] == NULL || event_add(srv->srv_signal_ev[i], NULL) == -1)
			goto fail;
	}
	return (0);
fail:
	snprintf(err, errlen, "cannot create control events");
	return (-1);
}

/* Free what evcontrol_events_init made. */
void
evcontrol_events_free(struct server *srv)
{
	struct event	**evs[3] = { &srv->srv_drain_ev, &srv->srv_reload_ev,
			    &srv->srv_deadline_ev };
	size_t		 i;

	for (i = 0; i < 3; i++) {
		if (*evs[i] != NULL)
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
	for (i = 0; i < SERVER_NSIGNALS; i++) {
		if (srv->srv_signal_ev[i] != NULL)
			event_free(srv->srv_signal_ev[i]);
		srv->srv_signal_ev[i] = NULL;
	}
}

/* Read the configuration again; if it is good, hand it to every worker. */
static void
evcontrol_reload(struct server_group *grp)
{
	struct config	 next;
	unsigned int	 i;

	daemon_notify("RELOADING=1");
	if (reload_read(&next, grp->grp_argc, grp->grp_argv, grp->grp_prog) == -1) {
		daemon_notify("READY=1");
		return;
	}
	pthread_mutex_lock(&grp->grp_lock);
	grp->grp_next = next;
	pthread_mutex_unlock(&grp->grp_lock);
	for (i = 0; i < grp->grp_n; i++)
		event_active(grp->grp_servers[i].srv_reload_ev, EV_READ, 0);
	daemon_notify("READY=1");
}

/* In each worker's own thread: take the new settings that can change live. */
static void
evcontrol_reload_worker(evutil_socket_t fd, short what, void *arg)
{
	struct server		*srv = arg;
	struct server_group	*grp = srv->srv_group;
	struct config		 next;
	char			 restart[RELOAD_RESTART_LEN];

	pthread_mutex_lock(&grp->grp_lock);
	next = grp->grp_next;
	pthread_mutex_unlock(&grp->grp_lock);
	reload_apply(&srv->srv_config, &srv->srv_fetch_settings, &next, restart,
	    sizeof(restart));
	srv->srv_max_conns = (srv->srv_config.max_connections + grp->grp_n - 1) / grp->grp_n;
	evfetch_reload(&srv->srv_fetch, &srv->srv_config);
	if (srv->srv_id == 0)
		reload_done(restart, &next);
}

/*
 * Worker 0 learns of a signal through its loop, never in a handler. The
 * workers are threads of this one process and share the access log's
 * descriptor, so one reopen here serves them all.
 */
static void
evcontrol_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server		*srv = arg;
	struct server_group	*grp = srv->srv_group;
	struct timeval		 tv;

	switch (sig) {
	case SIGHUP:
		evcontrol_reload(grp);
		return;
	case SIGUSR1:
		startup_reopen_logs((int)sig);
		return;
	case SIGUSR2:
		log_info("signal %d (SIGUSR2): ignored; SIGUSR1 reopens the logs, "
		    "SIGHUP reloads", (int)sig);
		return;
	}
	if (grp->grp_draining) {
		log_info("signal %d again: stopping now", (int)sig);
		server_group_stop(grp);
		return;
	}
	grp->grp_draining = 1;
	daemon_notify("STOPPING=1");
	tv = time_ms_to_timeval(srv->srv_cfg->drain_delay_ms);
	if (srv->srv_cfg->drain_delay_ms > 0) {
		startup_health_fail((int)sig, srv->srv_cfg->drain_delay_ms);
		if (event_base_once(srv->srv_base, -1, EV_TIMEOUT, evcontrol_drain_all,
		    grp, &tv) == 0)
			return;
		log_warnx("cannot wait drain_delay_ms: draining now");
	}
	evcontrol_drain_all(-1, 0, grp);
}

/* Worker 0, at the stop signal or drain_delay_ms after it: every worker drains. */
static void
evcontrol_drain_all(evutil_socket_t fd, short what, void *arg)
{
	struct server_group	*grp = arg;
	unsigned int		 i;

	log_info("draining (at most %u ms); signal again to stop now",
	    grp->grp_cfg->shutdown_timeout_ms);
	for (i = 0; i < grp->grp_n; i++)
		event_active(grp->grp_servers[i].srv_drain_ev, EV_READ, 0);
}

/* Stop the worker's loop once nothing is left to finish. */
static void
evcontrol_maybe_done(struct server *srv)
{
	if (TAILQ_EMPTY(&srv->srv_conns) && TAILQ_EMPTY(&srv->srv_echo_conns))
		event_base_loopbreak(srv->srv_base);
}

/* In each worker: stop accepting, close idle connections, let the rest finish. */
static void
evcontrol_drain(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;
	struct conn	*c, *next;
	struct timeval	 tv;
	unsigned int	 ms = srv->srv_cfg->shutdown_timeout_ms;

	srv->srv_draining = 1;
	server_listeners_close(srv);
	for (c = TAILQ_FIRST(&srv->srv_conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, conn_entry);
		if ((c->conn_state == CONN_READING && !conn_request_started(c)) ||
		    c->conn_state == CONN_LINGERING)
			conn_close(c, EXCHANGE_DRAIN_IDLE);
		else if (c->conn_state == CONN_RUNNING &&
		    c->conn_ex->plan.stream.kind == PLAN_STREAM_PRODUCED)
			/* A watcher's /events has no end worth waiting for. */
			conn_close(c, EXCHANGE_DRAIN_IDLE);
		else if (c->conn_state == CONN_RUNNING)
			/* Planned before the signal: its head, if unsent, must say close. */
			(void)plan_force_close(&c->conn_ex->plan, c->conn_step);
		else if (c->conn_state == CONN_WEBSOCKET)
			evws_drain(c);
	}
	/* An echo stream has no end we could wait for. */
	while (!TAILQ_EMPTY(&srv->srv_echo_conns))
		echo_close(TAILQ_FIRST(&srv->srv_echo_conns), "draining");
	tv = time_ms_to_timeval(ms);
	evtimer_add(srv->srv_deadline_ev, &tv);
	evcontrol_maybe_done(srv);
}

/* The drain took too long: close what is left (logged as cut short) and stop. */
static void
evcontrol_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;

	log_warnx("drain deadline passed: closing %u connection%s", srv->srv_nconns,
	    srv->srv_nconns == 1 ? "" : "s");
	while (!TAILQ_EMPTY(&srv->srv_conns))
		conn_close(TAILQ_FIRST(&srv->srv_conns), EXCHANGE_DRAIN_DEADLINE);
	event_base_loopbreak(srv->srv_base);
}

/* A connection closed while draining. */
void
evcontrol_conn_gone(struct server *srv)
{
	evcontrol_maybe_done(srv);
}
