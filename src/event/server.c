/* server: one event base with its listeners, connections, signals and stats. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "common/admin.h"
#include "common/sock.h"
#include "common/startup.h"
#include "common/tls.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/exchange.h"
#include "util/log.h"
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
static void	server_listeners_enable(struct server *, int);

/* A refusal's one small write on a fresh socket fits the send buffer: never wait. */
static long
server_reject_send(void *arg, const char *p, size_t len)
{
	return ((long)send(*(evutil_socket_t *)arg, p, len, MSG_DONTWAIT | MSG_NOSIGNAL));
}

/*
 * Over max_connections: a plain HTTP client hears 503 through the exchange,
 * counted and logged as the blocking build does; a TLS client is just closed
 * (a handshake is not worth making for a refusal).
 */
static void
server_http_reject(struct server *srv, evutil_socket_t fd, struct sockaddr *sa, int tls)
{
	struct exchange		 ex;
	struct endpoint_ctx	 ctx;
	char			 ip[SOCK_ADDRSTR_LEN];

	stats_add(&srv->srv_stats.conns_rejected, 1);
	if (!tls) {
		memset(&ctx, 0, sizeof(ctx));
		sock_addr_host(sa, ip, sizeof(ip), &ctx.client_port);
		ctx.cfg = srv->srv_cfg;
		ctx.client_ip = ip;
		ctx.now = time(NULL);
		exchange_init(&ex, &srv->srv_cfg->http);
		exchange_reject(&ex, "too many connections (max_connections)", &ctx,
		    &srv->srv_stats, server_reject_send, &fd);
		exchange_free(&ex);
	}
	evutil_closesocket(fd);
}

/* Accept HTTP clients, unless we are full: then 503 and close. */
static void
server_http_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct server	*srv = arg;
	int		 tls = (lev == srv->srv_tls_http_lev);

	if (server_conn_admit(srv))
		conn_accept(srv, fd, sa, socklen, tls ? srv->srv_group->grp_tls_http : NULL);
	else
		server_http_reject(srv, fd, sa, tls);
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
	echo_accept(srv, fd, lev == srv->srv_tls_echo_lev ? srv->srv_group->grp_tls_echo : NULL);
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
	server_listeners_enable(srv, 0);
	evtimer_add(srv->srv_pause_ev, &tv);
}

/* The pause is over: accept again. */
static void
server_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;

	if (srv->srv_stopping)
		return;
	server_listeners_enable(srv, 1);
}

/* Turn accepting on or off on every listener of a worker. */
static void
server_listeners_enable(struct server *srv, int on)
{
	struct evconnlistener	*levs[4] = { srv->srv_http_lev, srv->srv_echo_lev,
				    srv->srv_tls_http_lev, srv->srv_tls_echo_lev };
	size_t			 i;

	for (i = 0; i < 4; i++) {
		if (levs[i] == NULL)
			continue;
		if (on)
			evconnlistener_enable(levs[i]);
		else
			evconnlistener_disable(levs[i]);
	}
}

/*
 * Wrap a bound listening socket, if there is one (*fd != -1), in an
 * evconnlistener, which then owns it (*fd becomes -1).
 */
static int
server_listener(struct server *srv, int *fd, evconnlistener_cb cb,
    struct evconnlistener **levp, char *err, size_t errlen)
{
	struct evconnlistener	*lev;

	if (*fd == -1)
		return (0);
	lev = evconnlistener_new(srv->srv_base, cb, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, *fd);	/* 0: it listens already, with our backlog */
	if (lev == NULL) {
		snprintf(err, errlen, "evconnlistener_new failed");
		return (-1);
	}
	evconnlistener_set_error_cb(lev, server_accept_error);
	*levp = lev;
	*fd = -1;
	return (0);
}

/* Create the loop's events for listeners and signals. */
static int
server_events(struct server *srv, char *err, size_t errlen)
{
	struct listeners	*l = &srv->srv_listeners;

	if (server_listener(srv, &l->http_fd, server_http_accept,
	    &srv->srv_http_lev, err, errlen) == -1 ||
	    server_listener(srv, &l->echo_fd, server_echo_accept,
	    &srv->srv_echo_lev, err, errlen) == -1 ||
	    server_listener(srv, &l->tls_http_fd, server_http_accept,
	    &srv->srv_tls_http_lev, err, errlen) == -1 ||
	    server_listener(srv, &l->tls_echo_fd, server_echo_accept,
	    &srv->srv_tls_echo_lev, err, errlen) == -1)
		return (-1);
	if (l->udp_fd != -1) {
		srv->srv_udp_ev = event_new(srv->srv_base, l->udp_fd, EV_READ | EV_PERSIST,
		    echo_udp_ready, srv);
		if (srv->srv_udp_ev == NULL || event_add(srv->srv_udp_ev, NULL) == -1)
			goto fail;
	}
	if ((srv->srv_pause_ev = evtimer_new(srv->srv_base, server_accept_resume, srv)) == NULL)
		goto fail;
	return (evcontrol_events_init(srv, err, errlen));
fail:
	snprintf(err, errlen, "cannot create events");
	return (-1);
}

/*
 * An event base on the precise monotonic clock: libevent's default on
 * Linux is the coarse one, a 4 ms tick, so timers would fire up to a tick
 * early and /delay would be re-armed (conn_timer_early) nearly every time.
 */
static struct event_base *
server_base_new(void)
{
	struct event_config	*ecfg;
	struct event_base	*base;

	if ((ecfg = event_config_new()) == NULL)
		return (NULL);
	(void)event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	return (base);
}

/* Bind one worker's listeners (on `like`'s ports) and build its loop. */
static int
server_init(struct server *srv, struct server_group *grp, unsigned int id,
    const struct listeners *like, char *err, size_t errlen)
{
	const struct config	*cfg = grp->grp_cfg;

	srv->srv_group = grp;
	srv->srv_id = id;
	srv->srv_config = *cfg;
	srv->srv_cfg = &srv->srv_config;
	srv->srv_fetch_settings = grp->grp_fetch;
	srv->srv_started = grp->grp_started;
	srv->srv_max_conns = (cfg->max_connections + grp->grp_n - 1) / grp->grp_n;
	stats_init(&srv->srv_stats);
	buf_init(&srv->srv_piece);
	TAILQ_INIT(&srv->srv_conns);
	TAILQ_INIT(&srv->srv_echo_conns);
	srv->srv_listeners.http_fd = srv->srv_listeners.echo_fd = -1;
	srv->srv_listeners.udp_fd = -1;
	if ((srv->srv_base = server_base_new()) == NULL) {
		snprintf(err, errlen, "event_base_new failed");
		return (-1);
	}
	if (evfetch_init(&srv->srv_fetch, srv, &srv->srv_fetch_settings, err, errlen) == -1)
		return (-1);
	if (startup_open_listeners_at(cfg, &srv->srv_listeners, grp->grp_n > 1, like,
	    err, errlen) == -1)
		return (-1);
	return (server_events(srv, err, errlen));
}

/* Load the certificate once for every worker; a bad path fails the start. */
static int
server_group_tls(struct server_group *grp, char *err, size_t errlen)
{
	const struct config	*cfg = grp->grp_cfg;
	int			 http = startup_listen_on(cfg->tls_listen);
	int			 echo = startup_listen_on(cfg->tls_echo_listen);

	if (http && (grp->grp_tls_http = tls_server_ctx(cfg->tls_cert, cfg->tls_key,
	    "http/1.1", err, errlen)) == NULL)
		return (-1);
	if (echo && (grp->grp_tls_echo = tls_server_ctx(cfg->tls_cert, cfg->tls_key,
	    NULL, err, errlen)) == NULL)
		return (-1);
	return (0);
}

/* Bind every worker's listeners; the first picks the ports, the rest share them. */
int
server_group_init(struct server_group *grp, const struct config *cfg, unsigned int workers,
    char *err, size_t errlen)
{
	unsigned int	 i;

	memset(grp, 0, sizeof(*grp));
	grp->grp_cfg = cfg;
	grp->grp_started = time(NULL);
	pthread_mutex_init(&grp->grp_lock, NULL);
	if ((grp->grp_servers = calloc(workers, sizeof(*grp->grp_servers))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	grp->grp_n = workers;
	if (server_group_tls(grp, err, errlen) == -1)
		return (-1);
	if (fetch_settings_init(&grp->grp_fetch, cfg, err, errlen) == -1)
		return (-1);
	/* Loops stop each other across threads only with libevent's locking on. */
	if (workers > 1 && evthread_use_pthreads() == -1) {
		snprintf(err, errlen, "evthread_use_pthreads failed");
		return (-1);
	}
	for (i = 0; i < workers; i++)
		if (server_init(&grp->grp_servers[i], grp, i,
		    i == 0 ? NULL : &grp->grp_servers[0].srv_listeners, err, errlen) == -1)
			return (-1);
	return (startup_write_port_file(cfg, &grp->grp_servers[0].srv_listeners, err, errlen));
}

/* A worker thread: run its loop until stopped. */
static void *
server_thread(void *arg)
{
	struct server	*srv = arg;

	if (event_base_dispatch(srv->srv_base) == -1)
		log_warnx("worker %u: event loop failed", srv->srv_id);
	return (NULL);
}

/* Say where we listen, with the ports port 0 picked, and how. */
static void
server_group_log_ports(struct server_group *grp)
{
	char	 how[64];

	snprintf(how, sizeof(how), "%u worker%s, %s backend", grp->grp_n,
	    grp->grp_n == 1 ? "" : "s", event_base_get_method(grp->grp_servers[0].srv_base));
	startup_announce(grp->grp_cfg, &grp->grp_servers[0].srv_listeners, how);
}

/* Run worker 0 in this thread and the rest in their own until a signal. */
int
server_group_run(struct server_group *grp)
{
	unsigned int		 i, started;
	int			 rv = 0;

	for (started = 1; started < grp->grp_n; started++)
		if (pthread_create(&grp->grp_servers[started].srv_thread, NULL,
		    server_thread, &grp->grp_servers[started]) != 0) {
			log_warnx("cannot start worker %u", started);
			server_group_stop(grp);
			break;
		}
	server_group_log_ports(grp);
	if (event_base_dispatch(grp->grp_servers[0].srv_base) == -1)
		rv = -1;
	/* Draining workers end on their own (or at the deadline); anything else ends now. */
	if (!grp->grp_draining)
		server_group_stop(grp);
	for (i = 1; i < started; i++)
		pthread_join(grp->grp_servers[i].srv_thread, NULL);
	return (rv);
}

/* Ask every worker's loop to stop; safe from any worker. */
void
server_group_stop(struct server_group *grp)
{
	unsigned int	 i;

	for (i = 0; i < grp->grp_n; i++) {
		grp->grp_servers[i].srv_stopping = 1;
		if (grp->grp_servers[i].srv_base != NULL)
			event_base_loopbreak(grp->grp_servers[i].srv_base);
	}
}

/* Close every connection and free the loop. */
static void
server_free(struct server *srv)
{
	while (!TAILQ_EMPTY(&srv->srv_conns))
		conn_close(TAILQ_FIRST(&srv->srv_conns), EXCHANGE_SERVER_STOP);
	while (!TAILQ_EMPTY(&srv->srv_echo_conns))
		echo_close(TAILQ_FIRST(&srv->srv_echo_conns), "server stopping");
	server_listeners_close(srv);
	conn_exchange_pool_free(srv);
	conn_io_kits_free(srv);
	buf_free(&srv->srv_piece);
	if (srv->srv_pause_ev != NULL)
		event_free(srv->srv_pause_ev);
	evcontrol_events_free(srv);
	startup_close_listeners(&srv->srv_listeners);
	evfetch_free(&srv->srv_fetch);
	if (srv->srv_base != NULL)
		event_base_free(srv->srv_base);
	srv->srv_base = NULL;
}

/* Close every listener of a worker: new connections are refused from now on. */
void
server_listeners_close(struct server *srv)
{
	struct evconnlistener	**levs[4] = { &srv->srv_http_lev, &srv->srv_echo_lev,
				    &srv->srv_tls_http_lev, &srv->srv_tls_echo_lev };
	size_t			 i;

	for (i = 0; i < 4; i++) {
		if (*levs[i] != NULL)
			evconnlistener_free(*levs[i]);
		*levs[i] = NULL;
	}
	if (srv->srv_udp_ev != NULL)
		event_free(srv->srv_udp_ev);
	srv->srv_udp_ev = NULL;
	startup_close_listeners(&srv->srv_listeners);
}

/* Remember argv so that SIGHUP can read the configuration again. */
void
server_group_set_args(struct server_group *grp, int argc, char **argv, int prog)
{
	grp->grp_argc = argc;
	grp->grp_argv = argv;
	grp->grp_prog = prog;
}

/* Free every worker. */
void
server_group_free(struct server_group *grp)
{
	unsigned int	 i;

	for (i = 0; i < grp->grp_n; i++)
		server_free(&grp->grp_servers[i]);
	free(grp->grp_servers);
	grp->grp_servers = NULL;
	pthread_mutex_destroy(&grp->grp_lock);
	SSL_CTX_free(grp->grp_tls_http);
	SSL_CTX_free(grp->grp_tls_echo);
	grp->grp_tls_http = grp->grp_tls_echo = NULL;
	grp->grp_n = 0;
}

/* Count a new connection if max_connections allows it. */
int
server_conn_admit(struct server *srv)
{
	if (srv->srv_nconns >= srv->srv_max_conns)
		return (0);
	srv->srv_nconns++;
	return (1);
}

/* A connection is gone. */
void
server_conn_release(struct server *srv)
{
	srv->srv_nconns--;
	if (srv->srv_draining)
		evcontrol_conn_gone(srv);
}

static void	server_stats_worker(void *, unsigned int, struct stats *);

/* Fill a snapshot for /stats and /metrics. */
void
server_stats_snapshot(void *arg, struct stats *out, struct stats_info *info)
{
	struct server		*srv = arg;
	struct server_group	*grp = srv->srv_group;
	unsigned int		 i;

	stats_init(out);
	for (i = 0; i < grp->grp_n; i++)
		stats_merge(out, &grp->grp_servers[i].srv_stats);
	info->server = "echofetchd";
	info->model = "event";
	info->workers = grp->grp_n;
	info->started = grp->grp_started;
	info->now = time(NULL);
	info->rss_bytes = admin_rss_bytes();
	info->worker = server_stats_worker;
	info->worker_arg = grp;
}

/* One worker's own counters, for /events' per_worker. */
static void
server_stats_worker(void *arg, unsigned int i, struct stats *out)
{
	struct server_group	*grp = arg;

	if (i < grp->grp_n)
		stats_merge(out, &grp->grp_servers[i].srv_stats);
}
