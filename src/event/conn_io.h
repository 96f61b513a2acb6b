/* conn_io: a connection's bytes on plain libevent events, plain or TLS. */
#ifndef EF_CONN_IO_H
#define EF_CONN_IO_H

#include <stddef.h>

#include <event2/util.h>

struct event;
struct server;
struct ssl_st;
struct conn_io_kit;

/* What conn_io_ops.event is told. */
#define CONN_IO_EOF		0x01
#define CONN_IO_ERROR		0x02
#define CONN_IO_READ_TIMEOUT	0x04
#define CONN_IO_WRITE_TIMEOUT	0x08

/*
 * The owner's callbacks, each called last thing from a libevent callback
 * (so each may free the connection): read after bytes arrived, write once
 * the output is down to the write mark, event for EOF, errors, timeouts.
 */
struct conn_io_ops {
	void	(*read)(void *);
	void	(*write)(void *);
	void	(*event)(void *, int);
};

/*
 * One persistent read event, added once and deleted only while reads are
 * paused; a write event and the two buffers (a kit from the worker's free
 * list) only while the connection has bytes in flight.
 */
struct conn_io {
	struct server		*io_srv;
	struct ssl_st		*io_ssl;	/* NULL: plain */
	struct event		*io_rev;	/* in memory the owner keeps */
	struct conn_io_kit	*io_kit;	/* NULL while idle */
	const struct conn_io_ops *io_ops;
	void			*io_arg;
	evutil_socket_t		 io_fd;
	unsigned int		 io_read_ms;	/* the read event's timeout, 0 none */
	unsigned int		 io_read_max;	/* stop reading at this much input, 0 no bound */
	unsigned int		 io_write_low;	/* call write at this much output or less */
	unsigned int		 io_reading:1;	/* the read event is added */
	unsigned int		 io_writing:1;	/* the kit's write event is added */
	unsigned int		 io_paused:1;	/* the owner paused reads */
	unsigned int		 io_full:1;	/* reads stopped at io_read_max */
	unsigned int		 io_eof:1;	/* EOF or error seen: no more reads */
	unsigned int		 io_failed:1;	/* an error to report from the read event */
	unsigned int		 io_tls_ready:1;	/* the handshake is done */
	unsigned int		 io_read_wants_write:1;	/* SSL_read waits for writability */
	unsigned int		 io_idle:1;	/* give the kit back once it is empty */
};

/* The room conn_io_init wants for the read event, kept with the owner's struct. */
size_t	conn_io_event_size(void);
/*
 * Start on an accepted socket (ssl NULL for plain) with the read event in
 * `evmem`: reads are on, timeout read_ms. -1 on failure.
 */
int	conn_io_init(struct conn_io *, struct server *, evutil_socket_t, struct ssl_st *,
	    const struct conn_io_ops *, void *arg, unsigned int read_ms, void *evmem);
/* Close the socket and free everything (may run from the io's own callbacks). */
void	conn_io_free(struct conn_io *);
/* Hand the callbacks to another owner (a protocol taking over the connection). */
void	conn_io_set_ops(struct conn_io *, const struct conn_io_ops *);
/* The read event's idle timeout; 0 for none. */
void	conn_io_set_read_timeout(struct conn_io *, unsigned int ms);
/* Stop reading at `max` bytes of input (0: no bound). */
void	conn_io_set_read_max(struct conn_io *, unsigned int max);
/* Call the write callback once the output is down to `low` bytes (0: empty). */
void	conn_io_set_write_low(struct conn_io *, unsigned int low);
/* Stop reading (no read timeout runs meanwhile), and start again. */
void	conn_io_pause(struct conn_io *);
void	conn_io_resume(struct conn_io *);
/* The input: its bytes, and dropping `n` of them from the front. */
size_t	conn_io_input(const struct conn_io *, const char **);
void	conn_io_drain(struct conn_io *, size_t);
size_t	conn_io_output_len(const struct conn_io *);
/* Send bytes: at once when nothing is queued, the rest queued in order. */
void	conn_io_write(struct conn_io *, const void *, size_t);
/* Between requests: give the buffers back now, or as soon as they are empty. */
void	conn_io_idle(struct conn_io *);
/* 1 unless a TLS handshake is still under way. */
int	conn_io_ready(const struct conn_io *);
/* 1 while the connection holds buffers (for tests of the idle cost, via /stats). */
int	conn_io_busy(const struct conn_io *);
/* Free a worker's spare buffers (at exit). */
void	conn_io_kits_free(struct server *);

#endif
