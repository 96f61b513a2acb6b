/* echo: RFC 862 TCP echo on a blocking socket. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "blocking/echo.h"
#include "blocking/serve.h"
#include "common/sock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/stats.h"

#define ECHO_READ_MAX	65536

/* Read and write back in turn; a blocking thread cannot do both at once, and need not. */
static void
echo_loop(struct server *srv, int fd, char *data)
{
	struct stats	*st = srv->srv_stats;
	ssize_t		 n;
	size_t		 done;

	for (;;) {
		n = read(fd, data, ECHO_READ_MAX);
		if (n == -1 && errno == EINTR) {
			if (serve_quitting(srv))
				return;
			continue;
		}
		if (n <= 0)
			return;	/* EOF, idle timeout (EAGAIN) or an error */
		if (serve_write_all(fd, data, (size_t)n, &done) == -1) {
			stats_add(&st->echo_bytes, done);
			return;
		}
		stats_add(&st->echo_bytes, (uint64_t)n);
	}
}

/* One echo client, served until it leaves. */
void
echo_serve(struct server *srv, int fd)
{
	const struct config	*cfg = srv->srv_cfg;
	struct stats		*st = srv->srv_stats;
	char			*data;

	if ((data = malloc(ECHO_READ_MAX)) == NULL) {
		log_warnx("echo client dropped: out of memory");
		return;
	}
	stats_add(&st->echo_conns_open, 1);
	stats_add(&st->echo_conns_total, 1);
	if (sock_set_timeouts(fd, cfg->echo_idle_timeout_ms, cfg->write_timeout_ms,
	    NULL, 0) == 0)
		echo_loop(srv, fd, data);
	stats_sub(&st->echo_conns_open, 1);
	free(data);
}
