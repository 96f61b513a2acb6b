/* serve_ws: WebSocket echo on a blocking socket, in the thread (or process) that upgraded it. */
#include "autoconfig.h"

#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>

#include "blocking/control.h"
#include "blocking/serve.h"
#include "common/sock.h"
#include "core/config.h"
#include "core/stats.h"
#include "core/ws.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/time.h"

#define SERVE_WS_READ	16384

/* One WebSocket: the parser, the frame being sent, and how far the close has got. */
struct serve_ws {
	struct blocking_server	*sw_srv;
	struct serve_io		*sw_io;
	const struct config	*sw_cfg;
	struct ws_parser	 sw_parser;
	struct buf		 sw_out;
	int			 sw_code;	/* the close code to count; 0 until one is known */
	int			 sw_closing;	/* our close frame is out: wait for the client's */
	int			 sw_done;	/* nothing more to read or say */
	uint64_t		 sw_close_due;	/* time_now_ms() the wait for its close ends */
	char			 sw_in[SERVE_WS_READ];
};

/* Send what sw_out holds, counted; a failed write ends the connection. */
static void
serve_ws_flush(struct serve_ws *sw)
{
	size_t	 done = 0;

	if (sw->sw_out.oom || serve_io_write_all(sw->sw_io, sw->sw_out.data, sw->sw_out.len,
	    &done) == -1)
		sw->sw_done = 1;
	stats_add(&sw->sw_srv->bsrv_stats->bytes_out, done);
}

/* Send one frame whole. */
static void
serve_ws_send(struct serve_ws *sw, enum ws_opcode op, const void *p, size_t len)
{
	buf_reset(&sw->sw_out);
	ws_frame(&sw->sw_out, op, p, len);
	serve_ws_flush(sw);
}

/* Our close frame, then ws_close_timeout_ms for the client's. */
static void
serve_ws_close_start(struct serve_ws *sw, int code, const char *reason)
{
	if (sw->sw_closing)
		return;
	sw->sw_closing = 1;
	if (sw->sw_code == 0)
		sw->sw_code = code;
	sw->sw_close_due = time_now_ms() + sw->sw_cfg->ws_close_timeout_ms;
	buf_reset(&sw->sw_out);
	ws_close_frame(&sw->sw_out, code, reason);
	serve_ws_flush(sw);
	log_debug("websocket close %d: %s", code, reason);
}

/* Act on what the parser found. */
static void
serve_ws_event(struct serve_ws *sw, enum ws_event ev)
{
	struct ws_parser	*p = &sw->sw_parser;

	switch (ev) {
	case WS_EV_MESSAGE:
		if (!sw->sw_closing) {
			/* counted first: a client that has its echo finds it in /stats */
			stats_add(&sw->sw_srv->bsrv_stats->ws_messages, 1);
			serve_ws_send(sw, p->msg_opcode, p->msg.data, p->msg.len);
		}
		break;
	case WS_EV_PING:
		if (!sw->sw_closing)
			serve_ws_send(sw, WS_OP_PONG, p->ctl, p->ctl_len);
		break;
	case WS_EV_CLOSE:
		if (sw->sw_code == 0)
			sw->sw_code = p->close_code;
		if (!sw->sw_closing) {
			buf_reset(&sw->sw_out);
			ws_close_answer(&sw->sw_out, p->close_code);
			serve_ws_flush(sw);
		}
		sw->sw_done = 1;
		break;
	case WS_EV_ERROR:
		serve_ws_close_start(sw, p->close_code, p->error);
		break;
	case WS_EV_NEED_MORE:
	case WS_EV_PONG:
		break;
	}
}

/* Parse bytes one event at a time; after a failure while closing, drop them. */
static void
serve_ws_feed(struct serve_ws *sw, const char *p, size_t n)
{
	enum ws_event	 ev;
	size_t		 used;

	while (n > 0 && !sw->sw_done) {
		ev = ws_feed(&sw->sw_parser, p, n, &used);
		if (ev == WS_EV_ERROR && sw->sw_closing)
			return;
		p += used;
		n -= used;
		serve_ws_event(sw, ev);
	}
}

/*
 * Wait for the next bytes: up to ws_idle_timeout_ms (then close 1001), or
 * while closing until the client's close is due. A drain sends 1001 too.
 * 1 when bytes are there to read, 0 to look again, -1 to end.
 */
static int
serve_ws_wait(struct serve_ws *sw)
{
	uint64_t	 now;
	unsigned int	 ms = sw->sw_cfg->ws_idle_timeout_ms;

	if (sw->sw_closing) {
		if ((now = time_now_ms()) >= sw->sw_close_due)
			return (-1);
		ms = (unsigned int)(sw->sw_close_due - now);
	}
	switch (serve_io_wait(sw->sw_io, sw->sw_closing ? -1 : control_drain_fd(), ms)) {
	case -1:
		serve_ws_close_start(sw, WS_CLOSE_GOING_AWAY, "server shutting down");
		return (0);
	case 0:
		if (sw->sw_closing)
			return (-1);
		serve_ws_close_start(sw, WS_CLOSE_GOING_AWAY, "idle timeout");
		return (0);
	}
	return (1);
}

/* The loop: read, parse, echo, until a close, an EOF, an error or a timeout. */
void
serve_ws(struct blocking_server *srv, struct serve_io *io, const struct config *cfg,
    const char *pending, size_t npending)
{
	struct serve_ws	*sw;
	struct ws_limits lim;
	ssize_t		 n;
	int		 rc;

	if ((sw = calloc(1, sizeof(*sw))) == NULL) {
		log_warnx("websocket: out of memory");
		return;
	}
	sw->sw_srv = srv;
	sw->sw_io = io;
	sw->sw_cfg = cfg;
	lim.frame_max = cfg->ws_frame_max;
	lim.message_max = cfg->ws_message_max;
	ws_parser_init(&sw->sw_parser, &lim);
	buf_init(&sw->sw_out);
	stats_add(&srv->bsrv_stats->ws_conns_open, 1);
	stats_add(&srv->bsrv_stats->ws_conns_total, 1);
	(void)sock_set_timeouts(io->io_fd, cfg->write_timeout_ms, cfg->write_timeout_ms,
	    NULL, 0);
	serve_ws_feed(sw, pending, npending);
	while (!sw->sw_done) {
		if ((rc = serve_ws_wait(sw)) == -1)
			break;
		if (rc == 0)
			continue;
		n = serve_io_read(io, sw->sw_in, sizeof(sw->sw_in));
		if (n == 0)
			break;
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0)
			break;
		stats_add(&srv->bsrv_stats->bytes_in, (uint64_t)n);
		serve_ws_feed(sw, sw->sw_in, (size_t)n);
	}
	stats_count_ws_close(srv->bsrv_stats, sw->sw_code != 0 ? sw->sw_code :
	    WS_CLOSE_ABNORMAL);
	stats_sub(&srv->bsrv_stats->ws_conns_open, 1);
	ws_parser_free(&sw->sw_parser);
	buf_free(&sw->sw_out);
	free(sw);
}
