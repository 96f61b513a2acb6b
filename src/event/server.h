/* server: one event base with its listeners, connections, signals and stats. */
#ifndef EF_SERVER_H
#define EF_SERVER_H

#include <sys/queue.h>

#include <time.h>

#include "common/startup.h"
#include "core/buf.h"
#include "core/stats.h"

struct config;
struct conn;
struct echo_conn;
struct event;
struct event_base;
struct evconnlistener;

struct server {
	struct event_base	*srv_base;
	const struct config	*srv_cfg;
	struct listeners	 srv_listeners;
	struct evconnlistener	*srv_http_lev;
	struct evconnlistener	*srv_echo_lev;
	struct event		*srv_udp_ev;
	struct event		*srv_pause_ev;		/* accept paused after EMFILE */
	struct event		*srv_signal_ev[3];
	struct stats		 srv_stats;
	time_t			 srv_started;
	unsigned int		 srv_nconns;		/* HTTP + echo, for max_connections */
	int			 srv_stopping;
	struct buf		 srv_reject;		/* scratch for the 503 when full */
	TAILQ_HEAD(, conn)	 srv_conns;
	TAILQ_HEAD(, echo_conn)	 srv_echo_conns;
};

/* Set up listeners and signals on a new event base; -1 with why in err. */
int	server_init(struct server *, const struct config *, char *err, size_t);
/* Run until a signal stops it. */
int	server_run(struct server *);
void	server_free(struct server *);
/* 1 if one more connection fits under max_connections (and counts it). */
int	server_conn_admit(struct server *);
void	server_conn_release(struct server *);
/* Fill a /stats snapshot (endpoint_ctx callback). */
void	server_stats_snapshot(void *, struct stats *, struct stats_info *);

#endif
