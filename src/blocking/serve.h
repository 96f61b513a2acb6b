/* serve: one HTTP connection on a blocking socket, request after request. */
#ifndef EF_BLOCKING_SERVE_H
#define EF_BLOCKING_SERVE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>

struct config;
struct control_snap;
struct serve_fetch;
struct stats;
struct stats_info;

/* What every connection of echofetchd-blocking shares, whatever the model. */
struct blocking_server {
	/*
	 * The start-up configuration: read it only for keys a reload cannot
	 * change (listeners, TLS, daemon, model, pool_size); the rest come
	 * from control_snap_get().
	 */
	const struct config	*bsrv_cfg;
	struct stats		*bsrv_stats;	/* MAP_SHARED, so fork children count too */
	const char		*bsrv_model;	/* config_model_name() */
	unsigned int		 bsrv_workers;	/* 1, or the pool size */
	time_t			 bsrv_started;
	struct serve_fetch	*bsrv_fetch;	/* upstream fetch settings and queue */
	SSL_CTX			*bsrv_tls_http;	/* HTTPS, NULL if off */
	SSL_CTX			*bsrv_tls_echo;	/* TLS echo, NULL if off */
	int			 bsrv_http_fd;	/* for the accept queue /events shows; -1 */
};

/* /stats, /metrics and /events: merged counters; safe from any thread. */
void	serve_stats_snapshot(void *, struct stats *, struct stats_info *);

/* A client, plain or TLS: the one way serve.c and echo.c move its bytes. */
struct serve_io {
	int	 io_fd;
	SSL	*io_ssl;	/* NULL for plain TCP */
	int	 io_broken;	/* a fatal TLS error: no close_notify */
};

/*
 * Once, before any thread starts: curl and the one fetch queue every thread
 * shares (the fetch settings live in each control_snap). NULL with why in err.
 */
struct serve_fetch *serve_fetch_new(const struct config *, char *err, size_t);
/* SIGHUP: the queue takes the new fetch_concurrency and fetch_queue. */
void	serve_fetch_reload(struct serve_fetch *, const struct config *);
/*
 * Serve HTTP on a connected blocking socket until it should close, after a
 * TLS handshake with tls if not NULL; the caller closes fd.
 */
void	serve_http(struct blocking_server *, int fd, SSL_CTX *tls, const struct sockaddr *peer);
/* Answer 503 with why ("too many connections (KEY)") and drain; the caller closes fd. */
void	serve_reject(struct blocking_server *, int fd, const struct sockaddr *peer,
	    const char *why);

/*
 * serve_ws.c: WebSocket echo on a connection whose 101 went out, until it
 * closes; pending holds frame bytes that arrived with the handshake.
 */
void	serve_ws(struct blocking_server *, struct serve_io *, const struct config *,
	    const char *pending, size_t npending);

/* Start io on fd: plain at once, or a TLS handshake that must end within ms (0: no limit). */
int	serve_io_start(struct serve_io *, int fd, SSL_CTX *tls, unsigned int ms,
	    char *err, size_t);
/* Send a TLS close_notify (once, without waiting for the peer's) and free the session. */
void	serve_io_end(struct serve_io *);
/* read(2) semantics: 0 at EOF; -1 with errno (EAGAIN: SO_RCVTIMEO expired, EINTR). */
ssize_t	serve_io_read(struct serve_io *, void *, size_t);
/*
 * Write all of p, across partial writes and EINTR. *done says how much went
 * out; -1 with errno (EAGAIN: SO_SNDTIMEO expired).
 */
int	serve_io_write_all(struct serve_io *, const char *p, size_t len, size_t *done);
/* Sleep up to ms in poll() on the socket: 1 if the client hung up meanwhile, else 0. */
int	serve_io_gone(const struct serve_io *, unsigned int ms);
/*
 * Wait up to ms (0: no limit) for the client's next bytes or for drain_fd
 * (-1: none) to turn readable: 1 readable, 0 timed out, -1 draining.
 */
int	serve_io_wait(const struct serve_io *, int drain_fd, unsigned int ms);

#endif
