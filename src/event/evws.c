/* evws: WebSocket echo on the event loop, for a connection after its 101. */
#include "autoconfig.h"

#include <stdlib.h>

#include <event2/event.h>

#include "core/config.h"
#include "core/stats.h"
#include "core/ws.h"
#include "event/conn.h"
#include "event/server.h"
#include "util/log.h"
#include "util/time.h"

struct evws {
	struct ws_parser ew_parser;
	struct event	*ew_timer;	/* the wait for the client's close */
	int		 ew_code;	/* the close code to count; 0 until one is known */
	int		 ew_closing;	/* our close frame is queued: wait for the client's */
	int		 ew_done;	/* nothing more to say: close once the output is out */
	int		 ew_paused;	/* reads stopped while echo_buffer_max is unsent */
};

static void	evws_read_cb(void *);
static void	evws_write_cb(void *);
static void	evws_event_cb(void *, int);
static void	evws_timer_cb(evutil_socket_t, short, void *);
static int	evws_read(struct conn *);
static void	evws_queue(struct conn *, const struct buf *);

static const struct conn_io_ops evws_io_ops = {
	.read = evws_read_cb,
	.write = evws_write_cb,
	.event = evws_event_cb,
};

/* Queue one frame; a large payload goes from where it lies, not through a copy. */
static void
evws_send(struct conn *c, enum ws_opcode op, const void *p, size_t len)
{
	struct server	*srv = c->conn_srv;

	buf_reset(&srv->srv_piece);
	ws_frame_head(&srv->srv_piece, op, len);
	conn_io_write(&c->conn_io, srv->srv_piece.data, srv->srv_piece.len);
	conn_io_write(&c->conn_io, p, len);
	stats_add(&srv->srv_stats.bytes_out, srv->srv_piece.len + len);
}

/* Nothing more to say: close as soon as what is queued has gone. 1 if c was freed. */
static int
evws_finish(struct conn *c)
{
	c->conn_ws->ew_done = 1;
	evtimer_del(c->conn_ws->ew_timer);
	conn_io_pause(&c->conn_io);
	if (conn_io_output_len(&c->conn_io) == 0) {
		conn_close(c, EXCHANGE_DONE);
		return (1);
	}
	conn_io_set_write_low(&c->conn_io, 0);
	return (0);
}

/*
 * The server starts the closing handshake: its close frame goes out, then
 * the client has ws_close_timeout_ms to answer with its own. Meanwhile its
 * data is read and dropped, so closing does not reset the connection.
 */
static void
evws_close_start(struct conn *c, int code, const char *reason)
{
	struct evws	*w = c->conn_ws;
	struct server	*srv = c->conn_srv;
	struct timeval	 tv;

	if (w->ew_closing || w->ew_done)
		return;
	w->ew_closing = 1;
	if (w->ew_code == 0)
		w->ew_code = code;
	buf_reset(&srv->srv_piece);
	ws_close_frame(&srv->srv_piece, code, reason);
	evws_queue(c, &srv->srv_piece);
	log_debug("%s:%u: websocket close %d: %s", c->conn_ip, c->conn_ctx.client_port,
	    code, reason);
	tv = time_ms_to_timeval(srv->srv_cfg->ws_close_timeout_ms);
	evtimer_add(w->ew_timer, &tv);
	conn_io_set_read_timeout(&c->conn_io, 0);	/* the timer bounds the read */
	conn_io_resume(&c->conn_io);
}

/* Queue what a buffer holds, counted. */
static void
evws_queue(struct conn *c, const struct buf *b)
{
	conn_io_write(&c->conn_io, b->data, b->len);
	stats_add(&c->conn_srv->srv_stats.bytes_out, b->len);
}

/* The client's close: answer it with its own code (none for none), then end. */
static int
evws_peer_close(struct conn *c)
{
	struct evws	*w = c->conn_ws;
	struct buf	*b = &c->conn_srv->srv_piece;

	if (w->ew_code == 0)
		w->ew_code = w->ew_parser.close_code;
	if (!w->ew_closing) {
		buf_reset(b);
		ws_close_answer(b, w->ew_parser.close_code);
		evws_queue(c, b);
	}
	return (evws_finish(c));
}

/* Act on what the parser found. 1 if c was freed. */
static int
evws_event(struct conn *c, enum ws_event ev)
{
	struct evws	*w = c->conn_ws;
	struct ws_parser *p = &w->ew_parser;

	switch (ev) {
	case WS_EV_MESSAGE:
		if (!w->ew_closing) {
			evws_send(c, p->msg_opcode, p->msg.data, p->msg.len);
			stats_add(&c->conn_srv->srv_stats.ws_messages, 1);
		}
		break;
	case WS_EV_PING:
		if (!w->ew_closing)
			evws_send(c, WS_OP_PONG, p->ctl, p->ctl_len);
		break;
	case WS_EV_CLOSE:
		return (evws_peer_close(c));
	case WS_EV_ERROR:
		evws_close_start(c, p->close_code, p->error);
		break;
	case WS_EV_NEED_MORE:
	case WS_EV_PONG:
		break;
	}
	return (0);
}

/* Too much unsent: stop reading until half of echo_buffer_max has gone. */
static int
evws_backlogged(struct conn *c)
{
	unsigned int	 max = c->conn_srv->srv_cfg->echo_buffer_max;

	if (conn_io_output_len(&c->conn_io) < max)
		return (0);
	c->conn_ws->ew_paused = 1;
	conn_io_pause(&c->conn_io);
	conn_io_set_write_low(&c->conn_io, max / 2);
	return (1);
}

/* Parse what came in, one event at a time. 1 if c was freed. */
static int
evws_read(struct conn *c)
{
	struct evws		*w = c->conn_ws;
	enum ws_event		 ev;
	const char		*in;
	size_t			 len, used;

	while (!w->ew_done && (len = conn_io_input(&c->conn_io, &in)) > 0) {
		if (!w->ew_closing && evws_backlogged(c))
			return (0);
		ev = ws_feed(&w->ew_parser, in, len, &used);
		if (ev == WS_EV_ERROR && w->ew_closing)
			used = len;	/* failed while closing: drop the rest */
		conn_io_drain(&c->conn_io, used);
		stats_add(&c->conn_srv->srv_stats.bytes_in, used);
		if (evws_event(c, ev))
			return (1);
	}
	return (0);
}

/* Bytes from the client. */
static void
evws_read_cb(void *arg)
{
	(void)evws_read(arg);
}

/* Output went below the low watermark: read again, or end after the last frame. */
static void
evws_write_cb(void *arg)
{
	struct conn	*c = arg;
	struct evws	*w = c->conn_ws;

	if (w->ew_done) {
		if (conn_io_output_len(&c->conn_io) == 0)
			conn_close(c, EXCHANGE_DONE);
		return;
	}
	if (!w->ew_paused)
		return;
	w->ew_paused = 0;
	conn_io_set_write_low(&c->conn_io, 0);
	conn_io_resume(&c->conn_io);
	(void)evws_read(c);
}

/* EOF and errors end it (1006 unless a close was said); an idle read timeout closes with 1001. */
static void
evws_event_cb(void *arg, int what)
{
	struct conn	*c = arg;

	if (what & CONN_IO_ERROR)
		conn_close(c, EXCHANGE_SOCKET_ERROR);
	else if (what & CONN_IO_WRITE_TIMEOUT)
		conn_close(c, EXCHANGE_WRITE_TIMEOUT);
	else if (what & CONN_IO_READ_TIMEOUT)
		evws_close_start(c, WS_CLOSE_GOING_AWAY, "idle timeout");
	else if (what & CONN_IO_EOF)
		conn_close(c, EXCHANGE_CLIENT_CLOSED);
}

/* The client did not answer our close in time. */
static void
evws_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)evws_finish(arg);
}

/* The 101 is queued: from here the connection's bytes are frames. */
void
evws_start(struct conn *c)
{
	struct server		*srv = c->conn_srv;
	const struct config	*cfg = srv->srv_cfg;
	struct ws_limits	 lim;
	struct evws		*w;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->ew_timer = evtimer_new(srv->srv_base, evws_timer_cb, c)) == NULL) {
		free(w);
		conn_close(c, EXCHANGE_OOM);
		return;
	}
	lim.frame_max = cfg->ws_frame_max;
	lim.message_max = cfg->ws_message_max;
	ws_parser_init(&w->ew_parser, &lim);
	c->conn_ws = w;
	c->conn_state = CONN_WEBSOCKET;
	stats_add(&srv->srv_stats.ws_conns_open, 1);
	stats_add(&srv->srv_stats.ws_conns_total, 1);
	conn_io_set_ops(&c->conn_io, &evws_io_ops);
	conn_io_set_read_max(&c->conn_io, 0);
	conn_io_set_write_low(&c->conn_io, 0);
	conn_io_set_read_timeout(&c->conn_io, cfg->ws_idle_timeout_ms);
	conn_io_resume(&c->conn_io);
	if (srv->srv_draining)
		evws_close_start(c, WS_CLOSE_GOING_AWAY, "server shutting down");
	(void)evws_read(c);
}

/* A drain began: say goodbye with 1001 and give the client a moment to answer. */
void
evws_drain(struct conn *c)
{
	evws_close_start(c, WS_CLOSE_GOING_AWAY, "server shutting down");
}

/* From conn_close: count how it ended (1006 if nobody said) and free the state. */
void
evws_free(struct conn *c)
{
	struct evws	*w = c->conn_ws;
	struct stats	*st = &c->conn_srv->srv_stats;

	stats_count_ws_close(st, w->ew_code != 0 ? w->ew_code : WS_CLOSE_ABNORMAL);
	stats_sub(&st->ws_conns_open, 1);
	event_free(w->ew_timer);
	ws_parser_free(&w->ew_parser);
	free(w);
	c->conn_ws = NULL;
}
