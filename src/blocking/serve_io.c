/* serve: moving a client's bytes on a blocking socket, plain or TLS. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "blocking/serve.h"
#include "common/sock.h"
#include "common/tls.h"
#include "core/exchange.h"
#include "util/time.h"

/* Plain sockets: send all bytes across partial writes; SO_SNDTIMEO bounds each stall. */
static int
serve_io_send_plain(int fd, const char *p, size_t len, size_t *done)
{
	ssize_t	 n;

	while (*done < len) {
		n = send(fd, p + *done, len - *done, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		*done += (size_t)n;
	}
	return (0);
}

/*
 * Turn a failed SSL call into errno: a want on a blocking socket is a timeout
 * (EAGAIN) or a signal (EINTR); anything else marks the session broken.
 * 0 for a clean EOF, -1 otherwise.
 */
static int
serve_io_ssl_error(struct serve_io *io, int rc, int saved)
{
	switch (SSL_get_error(io->io_ssl, rc)) {
	case SSL_ERROR_ZERO_RETURN:
		return (0);
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = saved == EINTR ? EINTR : EAGAIN;
		return (-1);
	case SSL_ERROR_SYSCALL:
		io->io_broken = 1;
		ERR_clear_error();
		if (saved == 0 && rc == 0)
			return (0);	/* the peer closed without close_notify */
		errno = saved != 0 ? saved : ECONNRESET;
		return (-1);
	default:
		io->io_broken = 1;
		ERR_clear_error();
		errno = EPROTO;
		return (-1);
	}
}

/* One step of a non-blocking handshake: 1 done, 0 poll for events, -1 failed. */
static int
serve_io_accept_step(struct serve_io *io, short *events, char *err, size_t errlen)
{
	char	 why[256];
	int	 rc, e;

	ERR_clear_error();
	errno = 0;
	if ((rc = SSL_accept(io->io_ssl)) == 1)
		return (1);
	switch ((e = SSL_get_error(io->io_ssl, rc))) {
	case SSL_ERROR_WANT_READ:
		*events = POLLIN;
		return (0);
	case SSL_ERROR_WANT_WRITE:
		*events = POLLOUT;
		return (0);
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		snprintf(err, errlen, "TLS handshake: %s",
		    errno != 0 ? strerror(errno) : "client closed");
		break;
	default:
		tls_error_string(why, sizeof(why));
		snprintf(err, errlen, "TLS handshake: %s", why);
		break;
	}
	io->io_broken = 1;
	return (-1);
}

/*
 * The handshake runs non-blocking under one deadline, so a client that
 * trickles its hello cannot stretch each read's timeout into many.
 */
static int
serve_io_handshake(struct serve_io *io, unsigned int ms, char *err, size_t errlen)
{
	struct pollfd	 pfd;
	uint64_t	 deadline, now;
	int		 rc, wait;

	if (sock_set_nonblock(io->io_fd, 1, err, errlen) == -1)
		return (-1);
	deadline = time_now_ms() + ms;
	pfd.fd = io->io_fd;
	while ((rc = serve_io_accept_step(io, &pfd.events, err, errlen)) == 0) {
		wait = -1;
		if (ms > 0) {
			if ((now = time_now_ms()) >= deadline) {
				snprintf(err, errlen, "TLS handshake: timed out");
				rc = -1;
				break;
			}
			wait = (int)(deadline - now);
		}
		if (poll(&pfd, 1, wait) == -1) {
			if (errno == EINTR)	/* a fork child's SIGUSR1 */
				continue;
			snprintf(err, errlen, "TLS handshake: %s", strerror(errno));
			rc = -1;
			break;
		}
	}
	if (rc == 1 && sock_set_nonblock(io->io_fd, 0, err, errlen) == -1)
		return (-1);
	return (rc == 1 ? 0 : -1);
}

/* Plain needs nothing; TLS needs a session and a finished handshake. */
int
serve_io_start(struct serve_io *io, int fd, SSL_CTX *tls, unsigned int ms, char *err,
    size_t errlen)
{
	io->io_fd = fd;
	io->io_ssl = NULL;
	io->io_broken = 0;
	if (tls == NULL)
		return (0);
	if ((io->io_ssl = SSL_new(tls)) == NULL || SSL_set_fd(io->io_ssl, fd) != 1) {
		io->io_broken = 1;
		tls_error_string(err, errlen);
		return (-1);
	}
	return (serve_io_handshake(io, ms, err, errlen));
}

/* One close_notify, best effort: our framing already told the client where we end. */
void
serve_io_end(struct serve_io *io)
{
	if (io->io_ssl == NULL)
		return;
	if (!io->io_broken && SSL_is_init_finished(io->io_ssl)) {
		ERR_clear_error();
		(void)SSL_shutdown(io->io_ssl);
	}
	ERR_clear_error();
	SSL_free(io->io_ssl);
	io->io_ssl = NULL;
}

/* A read on the blocking socket; SO_RCVTIMEO bounds it for TLS as for plain. */
ssize_t
serve_io_read(struct serve_io *io, void *p, size_t len)
{
	int	 n, saved;

	if (io->io_ssl == NULL)
		return (read(io->io_fd, p, len));
	if (io->io_broken)
		return (0);
	ERR_clear_error();
	errno = 0;
	n = SSL_read(io->io_ssl, p, len > INT_MAX ? INT_MAX : (int)len);
	saved = errno;
	if (n > 0)
		return (n);
	return (serve_io_ssl_error(io, n, saved));
}

/* Write everything; a TLS write that stalls past SO_SNDTIMEO is a timeout too. */
int
serve_io_write_all(struct serve_io *io, const char *p, size_t len, size_t *done)
{
	size_t	 chunk;
	int	 n, saved;

	*done = 0;
	if (io->io_ssl == NULL)
		return (serve_io_send_plain(io->io_fd, p, len, done));
	while (*done < len) {
		if (io->io_broken) {
			errno = EPIPE;
			return (-1);
		}
		chunk = len - *done > INT_MAX ? INT_MAX : len - *done;
		ERR_clear_error();
		errno = 0;
		n = SSL_write(io->io_ssl, p + *done, (int)chunk);
		saved = errno;
		if (n > 0) {
			*done += (size_t)n;
			continue;
		}
		if (serve_io_ssl_error(io, n, saved) == 0)
			errno = EPIPE;	/* the client closed its side */
		else if (errno == EINTR)
			continue;	/* same buffer again, as OpenSSL asks */
		return (-1);
	}
	return (0);
}

/* TLS runs on the same socket, so a hang-up shows there as POLLRDHUP either way. */
int
serve_io_gone(const struct serve_io *io, unsigned int ms)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = io->io_fd;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	n = poll(&pfd, 1, (int)ms);
	if (n == -1)
		return (errno == EINTR ? 0 : 1);
	return (n > 0 && pfd.revents != 0);
}


/*
 * Wait for the client's next bytes, but give up as soon as the drain starts:
 * an idle connection must not sleep out its keep-alive timeout. 1 readable
 * (or hung up: the read says which), even while draining; 0 timed out,
 * -1 draining with nothing to read.
 */
int
serve_io_wait(const struct serve_io *io, int drain_fd, unsigned int ms)
{
	struct pollfd	 pfd[2];
	uint64_t	 deadline, now;
	int		 n, wait;

	if (io->io_ssl != NULL && SSL_pending(io->io_ssl) > 0)
		return (1);
	pfd[0].fd = io->io_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = drain_fd;
	pfd[1].events = POLLIN;
	deadline = time_now_ms() + ms;
	for (;;) {
		wait = -1;
		if (ms > 0) {
			if ((now = time_now_ms()) >= deadline)
				return (0);
			wait = deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
		}
		pfd[0].revents = pfd[1].revents = 0;
		n = poll(pfd, drain_fd == -1 ? 1 : 2, wait);
		if (n == -1 && errno != EINTR)
			return (1);	/* let the read find the error */
		if (n > 0 && pfd[0].revents != 0)
			return (1);
		if (n > 0 && pfd[1].revents != 0)
			return (-1);
	}
}
