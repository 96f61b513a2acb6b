/* echo: RFC 862 TCP echo on a blocking socket. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "blocking/control.h"
#include "blocking/echo.h"
#include "blocking/serve.h"
#include "common/sock.h"
#include "core/config.h"
#include "util/log.h"
#include "core/stats.h"

#define ECHO_READ_MAX	65536

/*
 * Read and write back in turn; a blocking thread cannot do both at once, and
 * need not. An echo stream has no end to wait for, so a drain ends it.
 */
static void
echo_loop(struct blocking_server *srv, struct serve_io *io, unsigned int idle_ms, char *data)
{
	struct stats	*st = srv->bsrv_stats;
	ssize_t		 n;
	size_t		 done;

	for (;;) {
		if (control_draining())
			return;
		switch (serve_io_wait(io, control_drain_fd(), idle_ms)) {
		case 0:		/* idle timeout */
		case -1:	/* draining */
			return;
		default:
			break;
		}
		n = serve_io_read(io, data, ECHO_READ_MAX);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* EOF, idle timeout (EAGAIN) or an error */
		if (serve_io_write_all(io, data, (size_t)n, &done) == -1) {
			stats_add(&st->echo_bytes, done);
			return;
		}
		stats_add(&st->echo_bytes, (uint64_t)n);
	}
}

/* One echo client, served until it leaves; a TLS handshake has header_timeout_ms, as HTTPS. */
void
echo_serve(struct blocking_server *srv, int fd, SSL_CTX *tls)
{
	struct control_snap	*cs = control_snap_get();	/* for the whole stream */
	const struct config	*cfg = &cs->cs_cfg;
	struct stats		*st = srv->bsrv_stats;
	struct serve_io		 io;
	char			*data, err[512];

	if ((data = malloc(ECHO_READ_MAX)) == NULL) {
		log_warnx("echo client dropped: out of memory");
		control_snap_put(cs);
		return;
	}
	stats_add(&st->echo_conns_open, 1);
	stats_add(&st->echo_conns_total, 1);
	if (serve_io_start(&io, fd, tls, cfg->header_timeout_ms, err, sizeof(err)) == -1)
		log_debug("echo client: %s", err);
	else if (sock_set_timeouts(fd, cfg->echo_idle_timeout_ms, cfg->write_timeout_ms,
	    NULL, 0) == 0)
		echo_loop(srv, &io, cfg->echo_idle_timeout_ms, data);
	serve_io_end(&io);
	stats_sub(&st->echo_conns_open, 1);
	free(data);
	control_snap_put(cs);
}
