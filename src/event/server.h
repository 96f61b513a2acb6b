/* server: one event base with its listeners, connections, signals and stats. */
#ifndef EF_SERVER_H
#define EF_SERVER_H

#include <sys/queue.h>

#include <pthread.h>
#include <time.h>

#include "common/startup.h"
#include "util/buf.h"
#include "core/stats.h"
#include "event/evfetch.h"

struct config;
struct conn;
struct conn_io_kit;
struct echo_conn;
struct event;
struct event_base;
struct evconnlistener;
struct ssl_ctx_st;

struct server_group;

#define SERVER_NSIGNALS	6	/* INT, TERM, QUIT, HUP, USR1, USR2 */

struct server {
	struct server_group	*srv_group;
	unsigned int		 srv_id;		/* worker number, 0 runs in main() */
	pthread_t		 srv_thread;
	struct event_base	*srv_base;
	const struct config	*srv_cfg;		/* = &srv_config */
	struct config		 srv_config;		/* this worker's copy; SIGHUP updates it */
	struct fetch_settings	 srv_fetch_settings;	/* likewise */
	struct listeners	 srv_listeners;
	struct evconnlistener	*srv_http_lev;
	struct evconnlistener	*srv_echo_lev;
	struct evconnlistener	*srv_tls_http_lev;
	struct evconnlistener	*srv_tls_echo_lev;
	struct event		*srv_udp_ev;
	struct event		*srv_pause_ev;		/* accept paused after EMFILE */
	struct event		*srv_signal_ev[SERVER_NSIGNALS];	/* worker 0 only */
	struct event		*srv_drain_ev;		/* activated by worker 0's signal */
	struct event		*srv_reload_ev;		/* likewise */
	struct event		*srv_deadline_ev;	/* shutdown_timeout_ms after drain began */
	struct stats		 srv_stats;
	struct evfetch		 srv_fetch;
	time_t			 srv_started;
	unsigned int		 srv_nconns;		/* HTTP + echo, for max_connections */
	struct exchange		*srv_ex_pool[64];	/* spare request state for busy connections */
	unsigned int		 srv_ex_pooled;
	struct conn_io_kit	*srv_io_kits;		/* spare connection buffers */
	unsigned int		 srv_io_nkits;
	struct buf		 srv_piece;		/* a head or stream piece on its way out */
	unsigned int		 srv_max_conns;		/* this worker's share of max_connections */
	int			 srv_stopping;
	int			 srv_draining;
	TAILQ_HEAD(, conn)	 srv_conns;
	TAILQ_HEAD(, echo_conn)	 srv_echo_conns;
};

/* Every worker: one thread and one event base each, sharing ports with SO_REUSEPORT. */
struct server_group {
	struct server		*grp_servers;
	unsigned int		 grp_n;
	const struct config	*grp_cfg;
	time_t			 grp_started;
	struct ssl_ctx_st	*grp_tls_http;		/* SSL_CTX for HTTPS, or NULL */
	struct ssl_ctx_st	*grp_tls_echo;		/* SSL_CTX for TLS echo, or NULL */
	struct fetch_settings	 grp_fetch;		/* as read at start */
	int			 grp_argc;		/* to read the config again on SIGHUP */
	char			**grp_argv;
	int			 grp_prog;
	int			 grp_draining;		/* worker 0's thread only */
	pthread_mutex_t		 grp_lock;		/* guards grp_next */
	struct config		 grp_next;		/* a reloaded config for the workers */
};

/* Bind every worker's listeners; -1 with why in err. */
int	server_group_init(struct server_group *, const struct config *, unsigned int workers,
	    char *err, size_t);
/* Remember argv so that SIGHUP can read the configuration again. */
void	server_group_set_args(struct server_group *, int argc, char **argv, int prog);
/* Run worker 0 here and the others in threads until a signal stops them all. */
int	server_group_run(struct server_group *);
void	server_group_free(struct server_group *);
/* 1 if one more connection fits under max_connections (and counts it). */
int	server_conn_admit(struct server *);
void	server_conn_release(struct server *);
/* Stop accepting on every listener of a worker, for good (drain). */
void	server_listeners_close(struct server *);
/* Worker loops stop at once (second signal, or a failed loop). */
void	server_group_stop(struct server_group *);

/* evcontrol.c: signals, graceful drain and reload. */
int	evcontrol_events_init(struct server *, char *err, size_t);
void	evcontrol_events_free(struct server *);
/* A connection is gone while draining: stop the loop when it was the last. */
void	evcontrol_conn_gone(struct server *);
/* Fill a /stats snapshot (endpoint_ctx callback). */
void	server_stats_snapshot(void *, struct stats *, struct stats_info *);

#endif
