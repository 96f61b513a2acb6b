/* client: one load connection, its request/response state machine, and the run it belongs to. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "util/buf.h"
#include "load/args.h"
#include "load/client.h"
#include "load/hist.h"
#include "load/parse.h"
#include "load/report.h"
#include "load/sched.h"
#include "load/tls.h"
#include "load/ws.h"
#include "util/time.h"

#define CLIENT_TICK_US		10000		/* --slow-send piece interval above 100 B/s */

static void	client_connect(struct load_client *);
static void	client_send(struct load_client *);
static void	client_fail(struct load_client *, enum load_err, int);
static void	client_complete(struct load_client *);
static void	client_readcb(struct bufferevent *, void *);
static void	client_eventcb(struct bufferevent *, short, void *);
static void	client_ws_send(struct load_client *, int, const void *, size_t);
static void	client_write(struct load_client *, const char *, size_t);

/* Echo payload byte i: letters, ending in a newline so line-based echo servers answer too. */
static char
client_pattern(size_t i, size_t len)
{
	if (i + 1 == len)
		return ('\n');
	return ((char)('a' + i % 26));
}

/* 1 if one of the user's -H headers has this name, so ours is left out. */
static int
client_user_has(const struct load_args *a, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < a->nheaders; i++) {
		if (strncasecmp(a->headers[i], name, n) == 0 && a->headers[i][n] == ':')
			return (1);
	}
	return (0);
}

/* The whole request is the same for every client, so it is built once. */
void
client_build_request(const struct load_args *a, const struct load_target *t, struct buf *b)
{
	size_t	i, body_len = a->has_body ? a->body_len : a->payload_set ? a->payload : 0;

	if (a->proto != ARGS_HTTP) {
		for (i = 0; i < a->payload; i++)
			buf_append_char(b, client_pattern(i, a->payload));
		return;
	}
	buf_appendf(b, "%s %s HTTP/1.1\r\n", args_method(a), t->path);
	if (!client_user_has(a, "Host")) {
		if (t->port == (t->tls ? 443U : 80U))
			buf_appendf(b, "Host: %s\r\n", t->host);
		else
			buf_appendf(b, "Host: %s:%u\r\n", t->host, t->port);
	}
	if (!client_user_has(a, "User-Agent"))
		buf_append_str(b, "User-Agent: echofetch-load/" PACKAGE_VERSION "\r\n");
	if (!client_user_has(a, "Accept"))
		buf_append_str(b, "Accept: */*\r\n");
	for (i = 0; i < a->nheaders; i++)
		buf_appendf(b, "%s\r\n", a->headers[i]);
	if ((body_len > 0 || a->has_body) && !client_user_has(a, "Content-Length"))
		buf_appendf(b, "Content-Length: %zu\r\n", body_len);
	if (!a->keepalive && !client_user_has(a, "Connection"))
		buf_append_str(b, "Connection: close\r\n");
	buf_append_str(b, "\r\n");
	if (a->has_body)
		buf_append(b, a->body, a->body_len);
	else {
		for (i = 0; i < body_len; i++)
			buf_append_char(b, client_pattern(i, body_len));
	}
}

/* Close the connection if any; the next request connects again. */
static void
client_disconnect(struct load_client *clt)
{
	if (clt->clt_rev != NULL)
		event_del(clt->clt_rev);
	if (clt->clt_bev != NULL) {
		bufferevent_free(clt->clt_bev);
		clt->clt_bev = NULL;
	}
	clt->clt_connected = 0;
	clt->clt_ws_up = 0;
	clt->clt_served = 0;
	clt->clt_seen = 0;
	clt->clt_pending_errno = 0;
	evtimer_del(clt->clt_ctimer);
	evtimer_del(clt->clt_tick);
}

/* Append one timeline row; times are relative to the run's start. */
static void
client_timeline(struct load_client *clt, uint64_t end, int status)
{
	struct load_run	*run = clt->clt_run;
	uint64_t	 s = clt->clt_start, e = end, t0 = run->run_t0;

	if (run->run_timeline == NULL)
		return;
	fprintf(run->run_timeline, "%lu,%llu.%06llu,%llu.%06llu,%d\n", clt->clt_id,
	    (unsigned long long)((s - t0) / 1000000), (unsigned long long)((s - t0) % 1000000),
	    (unsigned long long)((e - t0) / 1000000), (unsigned long long)((e - t0) % 1000000),
	    status);
}

/* Leave the request behind: timers off, state idle, then ask the run for more. */
static void
client_done(struct load_client *clt, uint64_t now)
{
	if (clt->clt_run->run_args->slow_send > 0)
		evtimer_del(clt->clt_tick);
	clt->clt_state = CLT_IDLE;
	load_client_idle(clt->clt_run, clt, now);
}

/* Count one failed request by kind; its connection is not trusted again. */
static void
client_fail(struct load_client *clt, enum load_err kind, int err)
{
	struct load_stats	*st = &clt->clt_run->run_stats;
	uint64_t		 now = time_now_us();

	st->errors[kind]++;
	if (st->first_errno[kind] == 0 && err != 0)
		st->first_errno[kind] = err;
	client_timeline(clt, now, 0);
	client_disconnect(clt);
	client_done(clt, now);
}

/* Connect timer: either the connect took too long, or it failed at once and was deferred. */
static void
client_ctimer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_client	*clt = arg;

	if (clt->clt_pending_errno != 0) {
		int e = clt->clt_pending_errno;

		clt->clt_pending_errno = 0;
		client_fail(clt, LOAD_ERR_CONNECT, e);
		return;
	}
	if (clt->clt_state == CLT_CONNECTING)
		client_fail(clt, LOAD_ERR_CONNECT_TIMEOUT, 0);
}

/*
 * Request timer: the whole request, connect included, ran past --timeout.
 * It stays armed across requests (re-arming it for each would cost two
 * timer-heap updates per request), so it may wake for a later request that
 * still has time left: then it sleeps again until that one's deadline.
 */
static void
client_rtimer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_client	*clt = arg;
	uint64_t		 now;
	struct timeval		 tv;

	if (clt->clt_state == CLT_IDLE)
		return;
	if ((now = time_now_us()) < clt->clt_deadline) {
		tv = time_us_to_timeval(clt->clt_deadline - now);
		evtimer_add(clt->clt_rtimer, &tv);
		return;
	}
	client_fail(clt, LOAD_ERR_TIMEOUT, 0);
}

/* Queue the next --slow-send piece: 1 byte per 1/rate s, or rate/100 bytes every 10 ms. */
static void
client_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_client	*clt = arg;
	struct load_run		*run = clt->clt_run;
	double			 bps = run->run_args->slow_send;
	size_t			 piece = 1, left;
	struct timeval		 tv;

	if (clt->clt_state != CLT_ACTIVE || clt->clt_bev == NULL)
		return;
	if (bps > 1e6 / CLIENT_TICK_US)
		piece = (size_t)(bps * CLIENT_TICK_US / 1e6 + 0.5);
	left = clt->clt_req_len - clt->clt_sent;
	if (piece > left)
		piece = left;
	bufferevent_write(clt->clt_bev, clt->clt_req + clt->clt_sent, piece);
	clt->clt_sent += piece;
	run->run_stats.bytes_out += piece;
	if (clt->clt_sent < clt->clt_req_len) {
		tv = time_seconds_to_timeval(bps > 1e6 / CLIENT_TICK_US ? CLIENT_TICK_US / 1e6 : 1.0 / bps);
		evtimer_add(clt->clt_tick, &tv);
	}
}

/*
 * Queue a request. On a plain connection with nothing pending it goes out in
 * one send(2) at once: the bufferevent would first arm and then disarm a
 * write event, two epoll_ctl calls per request. What does not fit is queued.
 */
static void
client_write(struct load_client *clt, const char *p, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(clt->clt_bev);
	ssize_t		 n = 0;

	if (!clt->clt_target->tls && evbuffer_get_length(out) == 0) {
		n = send(bufferevent_getfd(clt->clt_bev), p, len, MSG_NOSIGNAL);
		if (n == (ssize_t)len)
			return;
		if (n < 0)
			n = 0;	/* the bufferevent's write will see the error or wait */
	}
	evbuffer_add_reference(out, p + n, len - (size_t)n, NULL, NULL);
}

/*
 * An HTTP response read whole or in part with nothing left over from before:
 * parsed in place in the run's buffer, and only a partial line is kept in
 * the input buffer for the next read.
 */
static void
client_rev_flat(struct load_client *clt, struct evbuffer *in, size_t n)
{
	struct load_run	*run = clt->clt_run;
	size_t		 used;
	int		 rc;

	run->run_stats.bytes_in += n;
	clt->clt_got += n;
	rc = parse_flat(clt, run->run_rbuf, n, &used);
	if (used < n)
		evbuffer_add(in, run->run_rbuf + used, n - used);
	clt->clt_seen = n - used;
	if (rc == -1)
		client_fail(clt, LOAD_ERR_BAD_RESPONSE, 0);
	else if (rc == 1)
		client_complete(clt);
}

/*
 * A plain connection is readable: one read(2), then the parser. The
 * bufferevent's own reading would ask ioctl(FIONREAD) first, an extra
 * syscall per response.
 */
static void
client_rev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_client	*clt = arg;
	struct load_run		*run = clt->clt_run;
	struct evbuffer		*in = bufferevent_get_input(clt->clt_bev);
	struct evbuffer_iovec	 v;
	ssize_t			 n;
	int			 flat;

	flat = clt->clt_state == CLT_ACTIVE && run->run_args->proto == ARGS_HTTP &&
	    evbuffer_get_length(in) == 0;
	if (flat) {
		v.iov_base = run->run_rbuf;
		v.iov_len = sizeof(run->run_rbuf);
	} else if (evbuffer_reserve_space(in, CLIENT_READ_MAX, &v, 1) < 1)
		return;
	n = recv(fd, v.iov_base, v.iov_len, 0);
	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		client_eventcb(clt->clt_bev, BEV_EVENT_READING |
		    (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), clt);
		return;
	}
	if (flat) {
		client_rev_flat(clt, in, (size_t)n);
		return;
	}
	v.iov_len = (size_t)n;
	evbuffer_commit_space(in, &v, 1);
	client_readcb(clt->clt_bev, clt);
}

/* Connected: plain connections read through client_rev_cb, TLS ones through the bufferevent. */
static void
client_read_on(struct load_client *clt)
{
	struct load_run	*run = clt->clt_run;

	if (clt->clt_target->tls) {
		bufferevent_enable(clt->clt_bev, EV_READ);
		return;
	}
	event_assign(clt->clt_rev, run->run_base, bufferevent_getfd(clt->clt_bev),
	    EV_READ | EV_PERSIST, client_rev_cb, clt);
	event_add(clt->clt_rev, NULL);
}

/* One masked frame, a fresh random mask for each (RFC 6455 section 5.3). */
static void
client_ws_send(struct load_client *clt, int opcode, const void *data, size_t len)
{
	struct evbuffer		*out = bufferevent_get_output(clt->clt_bev);
	struct evbuffer_iovec	 v;
	unsigned char		 head[WS_HEAD_MAX], mask[4];
	size_t			 n;

	RAND_bytes(mask, sizeof(mask));
	n = ws_frame_head(head, opcode, len, mask);
	evbuffer_add(out, head, n);
	if (len > 0 && evbuffer_reserve_space(out, (ev_ssize_t)len, &v, 1) == 1) {
		ws_mask(v.iov_base, data, len, mask);
		v.iov_len = len;
		evbuffer_commit_space(out, &v, 1);
	}
	clt->clt_run->run_stats.bytes_out += n + len;
}

/* Connected: offer the upgrade with a fresh key; requests wait for the 101. */
static void
client_ws_open(struct load_client *clt)
{
	struct buf	b;

	if (ws_key(clt->clt_ws_key) == -1) {
		client_fail(clt, LOAD_ERR_CONNECT, EIO);
		return;
	}
	buf_init(&b);
	ws_handshake(&b, clt->clt_target, clt->clt_ws_key);
	bufferevent_write(clt->clt_bev, b.data, b.len);
	clt->clt_run->run_stats.bytes_out += b.len;
	buf_free(&b);
}

/* The 101: check it, then send the message that waited; -1 bad, 0 incomplete, 1 done. */
static int
client_ws_upgrade(struct load_client *clt, struct evbuffer *in)
{
	struct evbuffer_ptr	 p;
	const char		*head;
	char			 err[128];

	p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos < 0)
		return (evbuffer_get_length(in) > PARSE_MAX_HEAD ? -1 : 0);
	if ((head = (const char *)evbuffer_pullup(in, p.pos + 4)) == NULL ||
	    ws_check_response(head, (size_t)p.pos + 4, clt->clt_ws_key, err, sizeof(err)) == -1)
		return (-1);
	evbuffer_drain(in, (size_t)p.pos + 4);
	evtimer_del(clt->clt_ctimer);
	clt->clt_ws_up = 1;
	clt->clt_connected = 1;
	client_send(clt);
	return (1);
}

/* A message came back: it must be the one sent, in one frame; pings get their pong. */
static int
client_ws(struct load_client *clt, struct evbuffer *in)
{
	struct ws_frame	 f;
	unsigned char	*p;
	size_t		 have;
	int		 rc;

	for (;;) {
		have = evbuffer_get_length(in);
		p = evbuffer_pullup(in, have < WS_HEAD_MAX ? (ev_ssize_t)have : WS_HEAD_MAX);
		if ((rc = ws_parse_head(p, have, &f)) != 1)
			return (rc);
		if (f.wf_len > clt->clt_req_len + 125 || have < f.wf_head + f.wf_len)
			return (f.wf_len > clt->clt_req_len + 125 ? -1 : 0);
		p = evbuffer_pullup(in, (ev_ssize_t)(f.wf_head + f.wf_len));
		if (f.wf_opcode == WS_OP_PING) {
			client_ws_send(clt, WS_OP_PONG, p + f.wf_head, (size_t)f.wf_len);
			evbuffer_drain(in, f.wf_head + f.wf_len);
			continue;
		}
		if (f.wf_opcode == WS_OP_PONG) {
			evbuffer_drain(in, f.wf_head + f.wf_len);
			continue;
		}
		if (!f.wf_fin || (f.wf_opcode != WS_OP_BINARY && f.wf_opcode != WS_OP_TEXT) ||
		    f.wf_len != clt->clt_req_len ||
		    memcmp(p + f.wf_head, clt->clt_req, clt->clt_req_len) != 0)
			return (-1);
		evbuffer_drain(in, f.wf_head + f.wf_len);
		return (1);
	}
}

/* A fresh request on a (possibly reused) connection: reset the parser and send. */
static void
client_send(struct load_client *clt)
{
	struct load_run	*run = clt->clt_run;

	clt->clt_state = CLT_ACTIVE;
	clt->clt_sent = 0;
	clt->clt_got = 0;
	clt->clt_resp = RESP_STATUS;
	clt->clt_head = 0;
	clt->clt_close = 0;
	clt->clt_keep = 0;
	clt->clt_chunked = 0;
	clt->clt_length = -1;
	clt->clt_left = 0;
	if (run->run_args->slow_send > 0) {
		client_tick_cb(-1, 0, clt);
		return;
	}
	if (run->run_args->proto == ARGS_WS) {
		client_ws_send(clt, WS_OP_BINARY, clt->clt_req, clt->clt_req_len);
		clt->clt_sent = clt->clt_req_len;
		return;
	}
	client_write(clt, clt->clt_req, clt->clt_req_len);
	clt->clt_sent = clt->clt_req_len;
	run->run_stats.bytes_out += clt->clt_req_len;
}

/* Non-blocking connect done by hand, so an immediate refusal keeps its errno. */
static void
client_connect(struct load_client *clt)
{
	struct load_run		*run = clt->clt_run;
	const struct load_args	*a = run->run_args;
	const struct load_target *t = clt->clt_target;
	struct timeval		 tv;
	int			 fd, one = 1, rc;

	clt->clt_state = CLT_CONNECTING;
	fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rc = connect(fd, (const struct sockaddr *)&t->addr, t->addrlen);
	if (rc == -1 && errno != EINPROGRESS) {
		rc = errno;
		close(fd);
		errno = rc;
		goto fail;
	}
	if (t->tls)
		clt->clt_bev = tls_bev_new(run->run_base, run->run_ssl, fd, t);
	else
		clt->clt_bev = bufferevent_socket_new(run->run_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (clt->clt_bev == NULL) {
		close(fd);
		errno = ENOMEM;
		goto fail;
	}
	bufferevent_setcb(clt->clt_bev, client_readcb, NULL, client_eventcb, clt);
	if (t->tls)
		bufferevent_enable(clt->clt_bev, EV_READ | EV_WRITE);
	else if (bufferevent_socket_connect(clt->clt_bev, NULL, 0) == -1) {
		client_disconnect(clt);
		errno = ECONNREFUSED;
		goto fail;
	}
	tv = time_seconds_to_timeval(a->connect_timeout);
	evtimer_add(clt->clt_ctimer, &tv);
	return;
fail:
	/* Never fail inside the caller's stack: a refused port would recurse per request. */
	clt->clt_pending_errno = errno ? errno : ECONNREFUSED;
	tv = time_seconds_to_timeval(0);
	evtimer_add(clt->clt_ctimer, &tv);
}

/* Start a request at now; latency counts from start_us, the timeout from now. */
void
client_begin(struct load_client *clt, uint64_t start_us, uint64_t now)
{
	struct load_run	*run = clt->clt_run;
	struct timeval	 tv;

	clt->clt_start = start_us;
	clt->clt_retried = 0;
	clt->clt_deadline = now + (uint64_t)(run->run_args->timeout * 1e6);
	if (!evtimer_pending(clt->clt_rtimer, NULL)) {
		tv = time_seconds_to_timeval(run->run_args->timeout);
		evtimer_add(clt->clt_rtimer, &tv);
	}
	if (clt->clt_bev != NULL && clt->clt_connected)
		client_send(clt);
	else {
		client_disconnect(clt);
		client_connect(clt);
	}
}

/* Echo mode: the bytes must come back exactly, and no more than were sent. */
static int
client_echo(struct load_client *clt, struct evbuffer *in)
{
	size_t		 have = evbuffer_get_length(in);
	const char	*p;

	if (have == 0)
		return (0);
	if (clt->clt_got + have > clt->clt_req_len)
		return (-1);
	if ((p = (const char *)evbuffer_pullup(in, (ev_ssize_t)have)) == NULL)
		return (-1);
	if (memcmp(p, clt->clt_req + clt->clt_got, have) != 0)
		return (-1);
	evbuffer_drain(in, have);
	clt->clt_got += have;
	return (clt->clt_got == clt->clt_req_len);
}

/* Bytes arrived: count them, parse, and finish or fail the request. */
static void
client_readcb(struct bufferevent *bev, void *arg)
{
	struct load_client	*clt = arg;
	struct load_run		*run = clt->clt_run;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 len = evbuffer_get_length(in);
	int			 rc;

	if (len > clt->clt_seen) {
		run->run_stats.bytes_in += len - clt->clt_seen;
		if (clt->clt_state == CLT_ACTIVE && run->run_args->proto == ARGS_HTTP)
			clt->clt_got += len - clt->clt_seen;
	}
	if (clt->clt_state == CLT_CONNECTING && run->run_args->proto == ARGS_WS &&
	    !clt->clt_ws_up) {
		rc = client_ws_upgrade(clt, in);
		clt->clt_seen = clt->clt_bev ? evbuffer_get_length(in) : 0;
		if (rc == -1)
			client_fail(clt, LOAD_ERR_BAD_RESPONSE, 0);
		return;
	}
	if (clt->clt_state != CLT_ACTIVE) {
		/* Unasked-for bytes (a 408 on an idle keep-alive): drop the connection. */
		client_disconnect(clt);
		return;
	}
	if (run->run_args->proto == ARGS_TCP)
		rc = client_echo(clt, in);
	else if (run->run_args->proto == ARGS_WS)
		rc = client_ws(clt, in);
	else
		rc = parse_http(clt, in);
	clt->clt_seen = evbuffer_get_length(in);
	if (rc == -1)
		client_fail(clt, LOAD_ERR_BAD_RESPONSE, 0);
	else if (rc == 1)
		client_complete(clt);
}

/* A response is whole: record it, keep or drop the connection, take the next request. */
static void
client_complete(struct load_client *clt)
{
	struct load_run		*run = clt->clt_run;
	const struct load_args	*a = run->run_args;
	uint64_t		 now = time_now_us();
	int			 keep, status = 1;

	hist_record(&run->run_stats.latency, sched_latency(clt->clt_start, now));
	run->run_stats.responses++;
	if (a->proto == ARGS_HTTP) {
		status = clt->clt_status;
		run->run_stats.status[status / 100]++;
	}
	client_timeline(clt, now, status);
	clt->clt_served++;
	keep = a->keepalive && !clt->clt_close && clt->clt_sent == clt->clt_req_len &&
	    evbuffer_get_length(bufferevent_get_input(clt->clt_bev)) == 0;
	if (a->proto == ARGS_HTTP && clt->clt_minor == 0 && !clt->clt_keep)
		keep = 0;
	if (!keep)
		client_disconnect(clt);
	client_done(clt, now);
}

/* 1 if the TCP connection under a TLS handshake got through. */
static int
client_tcp_up(struct load_client *clt)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	return (getpeername(bufferevent_getfd(clt->clt_bev), (struct sockaddr *)&ss,
	    &len) == 0);
}

/* The handshake failed (most often the certificate): a TLS error, with the first reason kept. */
static void
client_tls_fail(struct load_client *clt)
{
	struct load_stats	*st = &clt->clt_run->run_stats;

	if (st->tls_reason[0] == '\0')
		tls_reason(clt->clt_bev, st->tls_reason, sizeof(st->tls_reason));
	client_fail(clt, LOAD_ERR_TLS, 0);
}

/* Connected, closed or broken: sort it into a response, a retry or an error kind. */
static void
client_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct load_client	*clt = arg;
	int			 err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		clt->clt_run->run_stats.connects++;
		client_read_on(clt);
		if (clt->clt_run->run_args->proto == ARGS_WS) {
			client_ws_open(clt);
			return;
		}
		evtimer_del(clt->clt_ctimer);
		clt->clt_connected = 1;
		if (clt->clt_state == CLT_CONNECTING)
			client_send(clt);
		return;
	}
	if (clt->clt_state == CLT_CONNECTING) {
		if (clt->clt_target->tls && client_tcp_up(clt)) {
			client_tls_fail(clt);
			return;
		}
		client_fail(clt, LOAD_ERR_CONNECT, err ? err : ECONNREFUSED);
		return;
	}
	if (clt->clt_state == CLT_IDLE) {
		client_disconnect(clt);		/* server closed an idle keep-alive */
		return;
	}
	if ((what & BEV_EVENT_EOF) && clt->clt_resp == RESP_BODY_EOF) {
		client_complete(clt);
		return;
	}
	if (clt->clt_got == 0 && clt->clt_served > 0 && !clt->clt_retried) {
		/* The server dropped a reused connection as we sent: retry once, fresh. */
		clt->clt_retried = 1;
		clt->clt_run->run_stats.reconnects++;
		client_disconnect(clt);
		client_connect(clt);
		return;
	}
	client_fail(clt, LOAD_ERR_RESET, (what & BEV_EVENT_EOF) ? 0 : err);
}

/* Give each timer and the connection callbacks their client. */
int
client_setup(struct load_client *clt, struct load_run *run, unsigned long id,
    char *err, size_t errlen)
{
	memset(clt, 0, sizeof(*clt));
	clt->clt_run = run;
	clt->clt_id = id;
	clt->clt_target = &run->run_args->targets[id % run->run_args->ntargets];
	clt->clt_req = run->run_reqs[id % run->run_args->ntargets].data;
	clt->clt_req_len = run->run_reqs[id % run->run_args->ntargets].len;
	clt->clt_ctimer = evtimer_new(run->run_base, client_ctimer_cb, clt);
	clt->clt_rtimer = evtimer_new(run->run_base, client_rtimer_cb, clt);
	clt->clt_tick = evtimer_new(run->run_base, client_tick_cb, clt);
	clt->clt_rev = event_new(run->run_base, -1, 0, client_rev_cb, clt);
	if (clt->clt_ctimer == NULL || clt->clt_rtimer == NULL || clt->clt_tick == NULL ||
	    clt->clt_rev == NULL) {
		snprintf(err, errlen, "out of memory for client timers");
		client_free(clt);
		return (-1);
	}
	return (0);
}

/* Stop whatever the client was doing, uncounted (an interrupted run). */
void
client_abandon(struct load_client *clt)
{
	if (clt->clt_state != CLT_IDLE)
		clt->clt_run->run_stats.abandoned++;
	clt->clt_state = CLT_IDLE;
	if (clt->clt_rtimer != NULL)
		evtimer_del(clt->clt_rtimer);
	if (clt->clt_ctimer != NULL)
		client_disconnect(clt);
}

/* Free the connection and the timers. */
void
client_free(struct load_client *clt)
{
	if (clt->clt_rev != NULL)
		event_del(clt->clt_rev);
	if (clt->clt_bev != NULL)
		bufferevent_free(clt->clt_bev);
	clt->clt_bev = NULL;
	if (clt->clt_ctimer != NULL)
		event_free(clt->clt_ctimer);
	if (clt->clt_rtimer != NULL)
		event_free(clt->clt_rtimer);
	if (clt->clt_tick != NULL)
		event_free(clt->clt_tick);
	if (clt->clt_rev != NULL)
		event_free(clt->clt_rev);
	clt->clt_ctimer = clt->clt_rtimer = clt->clt_tick = clt->clt_rev = NULL;
}
