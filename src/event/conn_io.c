/* conn_io: a connection's bytes on plain libevent events, plain or TLS. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/config.h"
#include "core/stats.h"
#include "event/conn_io.h"
#include "event/server.h"
#include "util/time.h"

/* A buffer read from `off` to `len`. */
struct conn_io_buf {
	char	*b_data;
	size_t	 b_off;
	size_t	 b_len;
	size_t	 b_cap;
};

/* What a connection holds only while bytes are in flight. */
struct conn_io_kit {
	struct conn_io_buf	 k_in;
	struct conn_io_buf	 k_out;
	struct event		*k_wev;		/* pending only while output waits */
	struct conn_io_kit	*k_next;	/* in the worker's free list */
};

#define CONN_IO_IN_FIRST	4096		/* most requests fit */
#define CONN_IO_IN_MAX		(64 * 1024)	/* grow the input no further for a single read */
#define CONN_IO_KEEP		(64 * 1024)	/* a spare kit keeps buffers up to this size */
#define CONN_IO_SPARES		64		/* spare kits per worker */

/* What a read attempt found. */
#define CONN_IO_GOT		1
#define CONN_IO_NONE		0
#define CONN_IO_GONE		-1	/* EOF */
#define CONN_IO_FAIL		-2

static void	conn_io_read_cb(evutil_socket_t, short, void *);
static void	conn_io_write_cb(evutil_socket_t, short, void *);

/* Room for `want` more bytes at the end of a buffer; -1 if memory ran out. */
static int
conn_io_buf_room(struct conn_io_buf *b, size_t want)
{
	size_t	 used = b->b_len - b->b_off, cap;
	char	*p;

	if (b->b_cap - b->b_len >= want)
		return (0);
	if (b->b_off > 0) {
		memmove(b->b_data, b->b_data + b->b_off, used);
		b->b_off = 0;
		b->b_len = used;
		if (b->b_cap - b->b_len >= want)
			return (0);
	}
	for (cap = b->b_cap ? b->b_cap * 2 : CONN_IO_IN_FIRST; cap - used < want; cap *= 2)
		;
	if ((p = realloc(b->b_data, cap)) == NULL)
		return (-1);
	b->b_data = p;
	b->b_cap = cap;
	return (0);
}

/* Consume `n` bytes from the front of a buffer. */
static void
conn_io_buf_drain(struct conn_io_buf *b, size_t n)
{
	b->b_off += n;
	if (b->b_off >= b->b_len)
		b->b_off = b->b_len = 0;
}

/* Free a buffer's memory if it grew past what a spare keeps. */
static void
conn_io_buf_trim(struct conn_io_buf *b)
{
	b->b_off = b->b_len = 0;
	if (b->b_cap > CONN_IO_KEEP) {
		free(b->b_data);
		b->b_data = NULL;
		b->b_cap = 0;
	}
}

/* The connection's kit, taken from the worker's spares (or made) on first need. */
static struct conn_io_kit *
conn_io_kit(struct conn_io *io)
{
	struct server		*srv = io->io_srv;
	struct conn_io_kit	*k;

	if (io->io_kit != NULL)
		return (io->io_kit);
	if ((k = srv->srv_io_kits) != NULL) {
		srv->srv_io_kits = k->k_next;
		srv->srv_io_nkits--;
		event_assign(k->k_wev, srv->srv_base, io->io_fd, EV_WRITE | EV_PERSIST,
		    conn_io_write_cb, io);
	} else if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->k_wev = event_new(srv->srv_base, io->io_fd, EV_WRITE | EV_PERSIST,
	    conn_io_write_cb, io)) == NULL) {
		free(k);
		return (NULL);
	}
	io->io_kit = k;
	io->io_idle = 0;
	stats_add(&srv->srv_stats.conns_buffered, 1);
	return (k);
}

/* The write event off (it lives in the kit). */
static void
conn_io_write_off(struct conn_io *io)
{
	if (!io->io_writing)
		return;
	io->io_writing = 0;
	event_del(io->io_kit->k_wev);
}

/* Give the kit back to the worker's spares, or free it. */
static void
conn_io_kit_put(struct conn_io *io)
{
	struct server		*srv = io->io_srv;
	struct conn_io_kit	*k = io->io_kit;

	if (k == NULL)
		return;
	conn_io_write_off(io);
	io->io_kit = NULL;
	stats_sub(&srv->srv_stats.conns_buffered, 1);
	conn_io_buf_trim(&k->k_in);
	conn_io_buf_trim(&k->k_out);
	if (srv->srv_io_nkits < CONN_IO_SPARES) {
		k->k_next = srv->srv_io_kits;
		srv->srv_io_kits = k;
		srv->srv_io_nkits++;
		return;
	}
	event_free(k->k_wev);
	free(k->k_in.b_data);
	free(k->k_out.b_data);
	free(k);
}

/* Free a worker's spare kits. */
void
conn_io_kits_free(struct server *srv)
{
	struct conn_io_kit	*k;

	while ((k = srv->srv_io_kits) != NULL) {
		srv->srv_io_kits = k->k_next;
		event_free(k->k_wev);
		free(k->k_in.b_data);
		free(k->k_out.b_data);
		free(k);
	}
	srv->srv_io_nkits = 0;
}

/* Add or delete the read event as pausing, the input bound and EOF say. */
static void
conn_io_reads(struct conn_io *io)
{
	struct timeval	 tv;
	int		 want;

	io->io_full = io->io_read_max != 0 && conn_io_input(io, NULL) >= io->io_read_max;
	want = !io->io_paused && !io->io_full && !io->io_eof;
	if (want && !io->io_reading) {
		io->io_reading = 1;
		tv = time_ms_to_timeval(io->io_read_ms);
		event_add(io->io_rev, io->io_read_ms ? &tv : NULL);
		/* Bytes OpenSSL already holds make no readiness: go and take them. */
		if (io->io_ssl != NULL && io->io_tls_ready && SSL_has_pending(io->io_ssl))
			event_active(io->io_rev, EV_READ, 1);
	} else if (!want && io->io_reading) {
		io->io_reading = 0;
		event_del(io->io_rev);
	}
}

/* The room for the read event: an idle connection saves a malloc and its header. */
size_t
conn_io_event_size(void)
{
	return (event_get_struct_event_size());
}

/* Start on an accepted socket: reads on, timeout read_ms; TLS accepts a handshake first. */
int
conn_io_init(struct conn_io *io, struct server *srv, evutil_socket_t fd, SSL *ssl,
    const struct conn_io_ops *ops, void *arg, unsigned int read_ms, void *evmem)
{
	memset(io, 0, sizeof(*io));
	io->io_srv = srv;
	io->io_fd = fd;
	io->io_ops = ops;
	io->io_arg = arg;
	io->io_read_ms = read_ms;
	io->io_rev = evmem;
	if (event_assign(io->io_rev, srv->srv_base, fd, EV_READ | EV_PERSIST,
	    conn_io_read_cb, io) == -1)
		return (-1);
	if (ssl != NULL) {
		/* Our framing is explicit: a missing close_notify is just an EOF. */
		SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
		SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
		/* One read(2) takes every record there is; SSL_has_pending tells the rest. */
		SSL_set_read_ahead(ssl, 1);
		if (SSL_set_fd(ssl, fd) != 1)
			return (-1);
		SSL_set_accept_state(ssl);
		io->io_ssl = ssl;
	}
	conn_io_reads(io);
	return (0);
}

/* Close the socket and free everything. */
void
conn_io_free(struct conn_io *io)
{
	conn_io_kit_put(io);
	event_del(io->io_rev);
	if (io->io_ssl != NULL)
		SSL_free(io->io_ssl);
	close(io->io_fd);
}

/* Hand the callbacks to another owner. */
void
conn_io_set_ops(struct conn_io *io, const struct conn_io_ops *ops)
{
	io->io_ops = ops;
}

/* The read event's idle timeout; only a change touches the timer. */
void
conn_io_set_read_timeout(struct conn_io *io, unsigned int ms)
{
	struct timeval	 tv;

	if (io->io_read_ms == ms)
		return;
	io->io_read_ms = ms;
	if (!io->io_reading)
		return;
	if (ms == 0) {
		event_remove_timer(io->io_rev);
		return;
	}
	tv = time_ms_to_timeval(ms);
	event_add(io->io_rev, &tv);
}

/* Stop reading at `max` bytes of input (0: no bound). */
void
conn_io_set_read_max(struct conn_io *io, unsigned int max)
{
	io->io_read_max = max;
	conn_io_reads(io);
}

/* Call the write callback once the output is down to `low` bytes. */
void
conn_io_set_write_low(struct conn_io *io, unsigned int low)
{
	io->io_write_low = low;
}

/* Stop reading; no read timeout runs while paused. */
void
conn_io_pause(struct conn_io *io)
{
	io->io_paused = 1;
	conn_io_reads(io);
}

/* Read again. */
void
conn_io_resume(struct conn_io *io)
{
	io->io_paused = 0;
	conn_io_reads(io);
}

/* The input's bytes (p may be NULL). */
size_t
conn_io_input(const struct conn_io *io, const char **p)
{
	const struct conn_io_buf *b;

	if (io->io_kit == NULL)
		return (0);
	b = &io->io_kit->k_in;
	if (p != NULL)
		*p = b->b_data + b->b_off;
	return (b->b_len - b->b_off);
}

/* Drop `n` bytes of input; under the bound again, reads go on. */
void
conn_io_drain(struct conn_io *io, size_t n)
{
	if (io->io_kit == NULL || n == 0)
		return;
	conn_io_buf_drain(&io->io_kit->k_in, n);
	if (io->io_full)
		conn_io_reads(io);
}

/* The bytes queued for the client. */
size_t
conn_io_output_len(const struct conn_io *io)
{
	if (io->io_kit == NULL)
		return (0);
	return (io->io_kit->k_out.b_len - io->io_kit->k_out.b_off);
}

/* Free the kit now if both buffers are empty and nothing waits to write. */
static int
conn_io_release(struct conn_io *io)
{
	struct conn_io_kit	*k = io->io_kit;

	if (k == NULL)
		return (1);
	if (k->k_in.b_len != k->k_in.b_off || k->k_out.b_len != k->k_out.b_off ||
	    io->io_read_wants_write || (io->io_ssl != NULL && !io->io_tls_ready))
		return (0);
	conn_io_kit_put(io);
	return (1);
}

/* Between requests: the buffers go back now, or once they are empty. */
void
conn_io_idle(struct conn_io *io)
{
	if (!conn_io_release(io))
		io->io_idle = 1;
}

/* 1 unless a TLS handshake is still under way. */
int
conn_io_ready(const struct conn_io *io)
{
	return (io->io_ssl == NULL || io->io_tls_ready);
}

/* 1 while the connection holds buffers. */
int
conn_io_busy(const struct conn_io *io)
{
	return (io->io_kit != NULL);
}

/* An error outside a callback: report it from the read event's next run. */
static void
conn_io_fail(struct conn_io *io)
{
	io->io_failed = 1;
	event_active(io->io_rev, EV_READ, 1);
}

/* The write event on, for output, a handshake or a read that waits to write. */
static void
conn_io_want_write(struct conn_io *io)
{
	struct conn_io_kit	*k;
	struct timeval		 tv;
	unsigned int		 ms = io->io_srv->srv_cfg->write_timeout_ms;

	if ((k = conn_io_kit(io)) == NULL) {
		conn_io_fail(io);
		return;
	}
	if (io->io_writing)
		return;
	io->io_writing = 1;
	tv = time_ms_to_timeval(ms);
	event_add(k->k_wev, ms ? &tv : NULL);
}

/*
 * Before an SSL call whose result SSL_get_error judges: that reads the
 * thread's error queue, which libcurl's OpenSSL shares. Peeking is much
 * cheaper than clearing an already empty queue.
 */
static void
conn_io_ssl_clean(void)
{
	if (ERR_peek_error() != 0)
		ERR_clear_error();
}

/* Send what we can of p; the count, or -1 on an error. */
static ssize_t
conn_io_send(struct conn_io *io, const char *p, size_t len)
{
	ssize_t	 n;
	size_t	 done = 0;
	int	 e;

	if (io->io_ssl == NULL) {
		n = send(io->io_fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0)
			return (n);
		return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1);
	}
	while (done < len) {
		conn_io_ssl_clean();
		if ((n = SSL_write(io->io_ssl, p + done, len - done)) > 0) {
			done += (size_t)n;
			continue;
		}
		e = SSL_get_error(io->io_ssl, (int)n);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
			break;
		return (done > 0 ? (ssize_t)done : -1);
	}
	return ((ssize_t)done);
}

/* Send bytes: at once when nothing is queued, the rest queued in order. */
void
conn_io_write(struct conn_io *io, const void *p, size_t len)
{
	struct conn_io_kit	*k;
	ssize_t			 n;

	if (len == 0)
		return;
	if (conn_io_output_len(io) == 0 && conn_io_ready(io)) {
		/* An error shows when the write event sends the rest. */
		if ((n = conn_io_send(io, p, len)) < 0)
			n = 0;
		if ((size_t)n == len)
			return;
		p = (const char *)p + n;
		len -= (size_t)n;
	}
	if ((k = conn_io_kit(io)) == NULL || conn_io_buf_room(&k->k_out, len) == -1) {
		conn_io_fail(io);
		return;
	}
	memcpy(k->k_out.b_data + k->k_out.b_len, p, len);
	k->k_out.b_len += len;
	conn_io_want_write(io);
}

/* Drive the handshake: 1 done, 0 waiting, -1 failed. */
static int
conn_io_handshake(struct conn_io *io)
{
	int	 n;

	conn_io_ssl_clean();
	if ((n = SSL_do_handshake(io->io_ssl)) == 1) {
		io->io_tls_ready = 1;
		if (io->io_kit != NULL && conn_io_output_len(io) == 0)
			conn_io_write_off(io);
		return (1);
	}
	switch (SSL_get_error(io->io_ssl, n)) {
	case SSL_ERROR_WANT_READ:
		return (0);
	case SSL_ERROR_WANT_WRITE:
		conn_io_want_write(io);
		return (0);
	default:
		return (-1);
	}
}

/* One recv(2) into the input. */
static int
conn_io_fill_plain(struct conn_io *io, struct conn_io_buf *b)
{
	ssize_t	 n;
	size_t	 room = b->b_cap - b->b_len;

	n = recv(io->io_fd, b->b_data + b->b_len, room, 0);
	if (n > 0) {
		b->b_len += (size_t)n;
		/* A read that filled the room: more is likely, take more next time. */
		if ((size_t)n == room && b->b_cap < CONN_IO_IN_MAX)
			(void)conn_io_buf_room(b, b->b_cap);
		return (CONN_IO_GOT);
	}
	if (n == 0)
		return (CONN_IO_GONE);
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return (CONN_IO_NONE);
	return (CONN_IO_FAIL);
}

/* SSL_read until OpenSSL holds nothing more, or the input is at its bound. */
static int
conn_io_fill_tls(struct conn_io *io, struct conn_io_buf *b)
{
	int	 n, got = 0;

	for (;;) {
		if (io->io_read_max && b->b_len - b->b_off >= io->io_read_max)
			return (got ? CONN_IO_GOT : CONN_IO_NONE);
		if (conn_io_buf_room(b, 1024) == -1)
			return (CONN_IO_FAIL);
		conn_io_ssl_clean();
		n = SSL_read(io->io_ssl, b->b_data + b->b_len, (int)(b->b_cap - b->b_len));
		if (n > 0) {
			b->b_len += (size_t)n;
			got = 1;
			if (!SSL_has_pending(io->io_ssl))
				return (CONN_IO_GOT);
			continue;
		}
		switch (SSL_get_error(io->io_ssl, n)) {
		case SSL_ERROR_WANT_READ:
			return (got ? CONN_IO_GOT : CONN_IO_NONE);
		case SSL_ERROR_WANT_WRITE:
			io->io_read_wants_write = 1;
			conn_io_want_write(io);
			return (got ? CONN_IO_GOT : CONN_IO_NONE);
		case SSL_ERROR_ZERO_RETURN:
			break;
		case SSL_ERROR_SYSCALL:
			if (errno == 0 || errno == EPIPE)
				break;
			/* FALLTHROUGH */
		default:
			return (CONN_IO_FAIL);
		}
		if (!got)
			return (CONN_IO_GONE);
		/* Hand over the bytes first; the EOF shows on the next run. */
		event_active(io->io_rev, EV_READ, 1);
		return (CONN_IO_GOT);
	}
}

/* Readable (or timed out): read into the input and tell the owner. */
static void
conn_io_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn_io		*io = arg;
	struct conn_io_kit	*k;
	int			 r;

	if (io->io_failed) {
		io->io_eof = 1;
		conn_io_reads(io);
		io->io_ops->event(io->io_arg, CONN_IO_ERROR);
		return;
	}
	if (what & EV_TIMEOUT) {
		io->io_ops->event(io->io_arg, CONN_IO_READ_TIMEOUT);
		return;
	}
	if (io->io_ssl != NULL && !io->io_tls_ready &&
	    (r = conn_io_handshake(io)) != 1) {
		if (r == -1) {
			io->io_eof = 1;
			conn_io_reads(io);
			io->io_ops->event(io->io_arg, CONN_IO_ERROR);
		}
		return;
	}
	if ((k = conn_io_kit(io)) == NULL || conn_io_buf_room(&k->k_in, 1024) == -1)
		r = CONN_IO_FAIL;
	else
		r = io->io_ssl ? conn_io_fill_tls(io, &k->k_in) : conn_io_fill_plain(io, &k->k_in);
	if (r == CONN_IO_GOT) {
		conn_io_reads(io);
		io->io_ops->read(io->io_arg);
	} else if (r != CONN_IO_NONE) {
		io->io_eof = 1;
		conn_io_reads(io);
		io->io_ops->event(io->io_arg, r == CONN_IO_GONE ? CONN_IO_EOF : CONN_IO_ERROR);
	}
}

/* Writable (or timed out): send what is queued; tell the owner at the write mark. */
static void
conn_io_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn_io		*io = arg;
	struct conn_io_buf	*b = &io->io_kit->k_out;
	ssize_t			 n;

	if (what & EV_TIMEOUT) {
		io->io_ops->event(io->io_arg, CONN_IO_WRITE_TIMEOUT);
		return;
	}
	if (io->io_ssl != NULL && !io->io_tls_ready) {
		/* The read event takes it from here (it also reports a failure). */
		event_active(io->io_rev, EV_READ, 1);
		conn_io_write_off(io);
		return;
	}
	if (io->io_read_wants_write) {
		io->io_read_wants_write = 0;
		event_active(io->io_rev, EV_READ, 1);
	}
	if (b->b_len > b->b_off) {
		if ((n = conn_io_send(io, b->b_data + b->b_off, b->b_len - b->b_off)) < 0) {
			conn_io_write_off(io);
			io->io_ops->event(io->io_arg, CONN_IO_ERROR);
			return;
		}
		conn_io_buf_drain(b, (size_t)n);
	}
	if (b->b_len == b->b_off && !(io->io_idle && conn_io_release(io)))
		conn_io_write_off(io);
	if (conn_io_output_len(io) <= io->io_write_low)
		io->io_ops->write(io->io_arg);
}
