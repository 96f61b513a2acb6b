/* server: one event base with its listeners, connections, signals and stats. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "common/sock.h"
#include "common/startup.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/log.h"
#include "core/plan.h"
#include "event/conn.h"
#include "event/echo.h"
#include "event/server.h"

static void	server_http_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	server_echo_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	server_accept_error(struct evconnlistener *, void *);
static void	server_accept_resume(evutil_socket_t, short, void *);
static void	server_signal(evutil_socket_t, short, void *);

/* Accept HTTP clients, unless we are full: then 503 and close. */
static void
server_http_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct server	*srv = arg;
	struct plan	 plan;

	if (server_conn_admit(srv)) {
		conn_accept(srv, fd, sa, socklen);
		return;
	}
	/* One small write on a fresh socket fits the send buffer; never wait for it. */
	plan_init(&plan);
	endpoint_plan_error(&plan, 11, 503, "too many connections", 0, time(NULL));
	if (!plan_failed(&plan) && plan.nsteps > 0)
		(void)send(fd, plan.data.data, plan.data.len, MSG_DONTWAIT | MSG_NOSIGNAL);
	plan_free(&plan);
	stats_add(&srv->srv_stats.conns_rejected, 1);
	evutil_closesocket(fd);
}

/* Accept echo clients; over the cap they are closed at once. */
static void
server_echo_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct server	*srv = arg;

	if (!server_conn_admit(srv)) {
		stats_add(&srv->srv_stats.conns_rejected, 1);
		evutil_closesocket(fd);
		return;
	}
	echo_accept(srv, fd);
}

/* Out of descriptors: stop accepting for a second instead of spinning (httpd). */
static void
server_accept_error(struct evconnlistener *lev, void *arg)
{
	struct server	*srv = arg;
	struct timeval	 tv = { 1, 0 };
	int		 err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
		log_warnx("accept: %s", evutil_socket_error_to_string(err));
		return;
	}
	if (evtimer_pending(srv->srv_pause_ev, NULL))
		return;
	log_warnx("accept: %s; pausing accept for 1 s",
	    evutil_socket_error_to_string(err));
	if (srv->srv_http_lev != NULL)
		evconnlistener_disable(srv->srv_http_lev);
	if (srv->srv_echo_lev != NULL)
		evconnlistener_disable(srv->srv_echo_lev);
	evtimer_add(srv->srv_pause_ev, &tv);
}

/* The pause is over: accept again. */
static void
server_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;

	if (srv->srv_stopping)
		return;
	if (srv->srv_http_lev != NULL)
		evconnlistener_enable(srv->srv_http_lev);
	if (srv->srv_echo_lev != NULL)
		evconnlistener_enable(srv->srv_echo_lev);
}

/* Signals arrive here through the loop, never in a handler. */
static void
server_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server	*srv = arg;

	switch (sig) {
	case SIGINT:
	case SIGTERM:
		log_info("signal %d: stopping", (int)sig);
		srv->srv_stopping = 1;
		event_base_loopbreak(srv->srv_base);
		break;
	case SIGHUP:
		log_info("SIGHUP: reopening the access log");
		break;
	default:
		break;
	}
}

/* Wrap a bound listening socket in an evconnlistener. */
static struct evconnlistener *
server_listener(struct server *srv, int fd, evconnlistener_cb cb, char *err, size_t errlen)
{
	struct evconnlistener	*lev;

	lev = evconnlistener_new(srv->srv_base, cb, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (lev == NULL) {
		snprintf(err, errlen, "evconnlistener_new failed");
		return (NULL);
	}
	evconnlistener_set_error_cb(lev, server_accept_error);
	return (lev);
}

/* Create the loop's events for listeners and signals. */
static int
server_events(struct server *srv, char *err, size_t errlen)
{
	static const int	 sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	struct listeners	*l = &srv->srv_listeners;
	size_t			 i;

	if (l->http_fd != -1) {
		srv->srv_http_lev = server_listener(srv, l->http_fd, server_http_accept,
		    err, errlen);
		if (srv->srv_http_lev == NULL)
			return (-1);
		l->http_fd = -1;	/* the listener owns it now */
	}
	if (l->echo_fd != -1) {
		srv->srv_echo_lev = server_listener(srv, l->echo_fd, server_echo_accept,
		    err, errlen);
		if (srv->srv_echo_lev == NULL)
			return (-1);
		l->echo_fd = -1;
	}
	if (l->udp_fd != -1) {
		srv->srv_udp_ev = event_new(srv->srv_base, l->udp_fd, EV_READ | EV_PERSIST,
		    echo_udp_ready, srv);
		if (srv->srv_udp_ev == NULL || event_add(srv->srv_udp_ev, NULL) == -1)
			goto fail;
	}
	if ((srv->srv_pause_ev = evtimer_new(srv->srv_base, server_accept_resume, srv)) == NULL)
		goto fail;
	for (i = 0; i < 3; i++) {
		srv->srv_signal_ev[i] = evsignal_new(srv->srv_base, sigs[i], server_signal, srv);
		if (srv->srv_signal_ev[i] == NULL || event_add(srv->srv_signal_ev[i], NULL) == -1)
			goto fail;
	}
	return (0);
fail:
	snprintf(err, errlen, "cannot create events");
	return (-1);
}

/* Bind the listeners and build the loop. */
int
server_init(struct server *srv, const struct config *cfg, char *err, size_t errlen)
{
	memset(srv, 0, sizeof(*srv));
	srv->srv_cfg = cfg;
	srv->srv_started = time(NULL);
	stats_init(&srv->srv_stats);
	buf_init(&srv->srv_reject);
	TAILQ_INIT(&srv->srv_conns);
	TAILQ_INIT(&srv->srv_echo_conns);
	srv->srv_listeners.http_fd = srv->srv_listeners.echo_fd = -1;
	srv->srv_listeners.udp_fd = -1;
	if ((srv->srv_base = event_base_new()) == NULL) {
		snprintf(err, errlen, "event_base_new failed");
		return (-1);
	}
	if (startup_open_listeners(cfg, &srv->srv_listeners, 0, err, errlen) == -1)
		return (-1);
	if (server_events(srv, err, errlen) == -1)
		return (-1);
	return (startup_write_port_file(cfg, &srv->srv_listeners, err, errlen));
}

/* Run the loop until a signal breaks it. */
int
server_run(struct server *srv)
{
	log_info("serving on %s (echo %s), %s backend", srv->srv_cfg->listen,
	    srv->srv_cfg->echo_listen, event_base_get_method(srv->srv_base));
	if (event_base_dispatch(srv->srv_base) == -1)
		return (-1);
	return (0);
}

/* Close every connection and free the loop. */
void
server_free(struct server *srv)
{
	size_t	 i;

	while (!TAILQ_EMPTY(&srv->srv_conns))
		conn_close(TAILQ_FIRST(&srv->srv_conns), "server stopping");
	while (!TAILQ_EMPTY(&srv->srv_echo_conns))
		echo_close(TAILQ_FIRST(&srv->srv_echo_conns), "server stopping");
	if (srv->srv_http_lev != NULL)
		evconnlistener_free(srv->srv_http_lev);
	if (srv->srv_echo_lev != NULL)
		evconnlistener_free(srv->srv_echo_lev);
	if (srv->srv_udp_ev != NULL)
		event_free(srv->srv_udp_ev);
	if (srv->srv_pause_ev != NULL)
		event_free(srv->srv_pause_ev);
	for (i = 0; i < 3; i++)
		if (srv->srv_signal_ev[i] != NULL)
			event_free(srv->srv_signal_ev[i]);
	startup_close_listeners(&srv->srv_listeners);
	buf_free(&srv->srv_reject);
	if (srv->srv_base != NULL)
		event_base_free(srv->srv_base);
	srv->srv_base = NULL;
}

/* Count a new connection if max_connections allows it. */
int
server_conn_admit(struct server *srv)
{
	if (srv->srv_nconns >= srv->srv_cfg->max_connections)
		return (0);
	srv->srv_nconns++;
	return (1);
}

/* A connection is gone. */
void
server_conn_release(struct server *srv)
{
	srv->srv_nconns--;
}

/* Fill a snapshot for /stats and /metrics. */
void
server_stats_snapshot(void *arg, struct stats *out, struct stats_info *info)
{
	struct server	*srv = arg;

	stats_init(out);
	stats_merge(out, &srv->srv_stats);
	info->server = "echofetchd";
	info->model = "event";
	info->workers = 1;
	info->started = srv->srv_started;
	info->now = time(NULL);
}
