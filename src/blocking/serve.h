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
	SSL_CTX			*srv_tls_http;	/* HTTPS, NULL if off */
	SSL_CTX			*srv_tls_echo;	/* TLS echo, NULL if off */
};

/* A client, plain or TLS: the one way serve.c and echo.c move its bytes. */
struct serve_io {
	int	 io_fd;
	SSL	*io_ssl;	/* NULL for plain TCP */
	int	 io_broken;	/* a fatal TLS error: no close_notify */
};

/*
 * Once, before any thread starts: curl, the fetch settings, and the one
 * fetch queue every thread shares. NULL with why in err.
 */
struct serve_fetch *serve_fetch_new(const struct config *, char *err, size_t);

/* 1 once SIGINT or SIGTERM has asked the server to stop. */
int	serve_quitting(const struct server *);
/*
 * Serve HTTP on a connected blocking socket until it should close, after a
 * TLS handshake with tls if not NULL; the caller closes fd.
 */
void	serve_http(struct server *, int fd, SSL_CTX *tls, const struct sockaddr *peer);
/* Answer 503 "too many connections" and drain; the caller closes fd. */
void	serve_reject(struct server *, int fd, const struct sockaddr *peer);

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

#endif
