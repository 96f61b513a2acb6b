/* serve: one HTTP connection on a blocking socket, request after request. */
#ifndef EF_BLOCKING_SERVE_H
#define EF_BLOCKING_SERVE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <signal.h>
#include <stddef.h>
#include <time.h>

struct config;
struct serve_fetch;
struct stats;

/* What every connection of echofetchd-blocking shares, whatever the model. */
struct server {
	const struct config	*srv_cfg;
	struct stats		*srv_stats;	/* MAP_SHARED, so fork children count too */
	const char		*srv_model;	/* config_model_name() */
	unsigned int		 srv_workers;	/* 1, or the pool size */
	time_t			 srv_started;
	volatile sig_atomic_t	*srv_quit;	/* set by SIGINT/SIGTERM */
	struct serve_fetch	*srv_fetch;	/* upstream fetch settings and queue */
};

/*
 * Once, before any thread starts: curl, the fetch settings, and the one
 * fetch queue every thread shares. NULL with why in err.
 */
struct serve_fetch *serve_fetch_new(const struct config *, char *err, size_t);

/* 1 once SIGINT or SIGTERM has asked the server to stop. */
int	serve_quitting(const struct server *);
/* Serve HTTP on a connected blocking socket until it should close; the caller closes fd. */
void	serve_http(struct server *, int fd, const struct sockaddr *peer);
/* Answer 503 "too many connections" and drain; the caller closes fd. */
void	serve_reject(struct server *, int fd, const struct sockaddr *peer);
/*
 * Write all of p on a blocking socket, across partial writes and EINTR.
 * *done says how much went out; -1 with errno (EAGAIN: SO_SNDTIMEO expired).
 */
int	serve_write_all(int fd, const char *p, size_t len, size_t *done);

#endif
