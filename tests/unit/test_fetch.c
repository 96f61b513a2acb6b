/* test_fetch: real transfers to a loopback server: results, caps, refusals, responses. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "util/buf.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/fetch.h"
#include "core/fetch_driver.h"
#include "core/fetch_policy.h"
#include "core/http.h"
#include "core/plan.h"

#define T_NOW		((time_t)784111777)
#define T_HEAD_START	"Server: echofetch/" PACKAGE_VERSION "\r\n" \
			"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"

static int		 srv_fd = -1;
static unsigned int	 srv_port;
static pthread_t	 srv_thread;
static char		 srv_last_head[4096];	/* the last request head it read */

/* Read a request head (up to CRLFCRLF) from a test client. */
static ssize_t
srv_read_head(int fd, char *buf, size_t len)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got + 1 < len) {
		if ((n = read(fd, buf + got, len - 1 - got)) <= 0)
			return (-1);
		got += (size_t)n;
		buf[got] = '\0';
		if (buf[0] == 0x16)	/* a TLS ClientHello: not for us */
			return ((ssize_t)got);
		if (strstr(buf, "\r\n\r\n") != NULL)
			return ((ssize_t)got);
	}
	return (-1);
}

/* Write it all or give up; the client may have gone. */
static void
srv_send(int fd, const char *s, size_t len)
{
	ssize_t	 n;

	while (len > 0 && (n = send(fd, s, len, MSG_NOSIGNAL)) > 0) {
		s += n;
		len -= (size_t)n;
	}
}

/* Headers, then `len` copies of `c` as the body, framed as asked. */
static void
srv_send_fill(int fd, const char *head, char c, size_t len, int chunked)
{
	char	 piece[1000], size[16];
	size_t	 n;

	srv_send(fd, head, strlen(head));
	memset(piece, c, sizeof(piece));
	while (len > 0) {
		n = len < sizeof(piece) ? len : sizeof(piece);
		if (chunked) {
			snprintf(size, sizeof(size), "%zx\r\n", n);
			srv_send(fd, size, strlen(size));
		}
		srv_send(fd, piece, n);
		if (chunked)
			srv_send(fd, "\r\n", 2);
		len -= n;
	}
	if (chunked)
		srv_send(fd, "0\r\n\r\n", 5);
}

/* One canned answer per path. */
static void
srv_answer(int fd, const char *head)
{
	char	 big[20000];

	if (head[0] == 0x16)
		srv_send(fd, "HTTP/1.1 400 No TLS here\r\n\r\n", 28);
	else if (strncmp(head, "GET /ok ", 8) == 0 || strncmp(head, "HEAD /ok ", 9) == 0)
		srv_send_fill(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; "
		    "charset=utf-8\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
		    "hello", 'x', 0, 0);
	else if (strncmp(head, "GET /chunked ", 13) == 0)
		srv_send_fill(fd, "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n"
		    "Connection: close\r\n\r\n", 'c', 2500, 1);
	else if (strncmp(head, "GET /big ", 9) == 0)
		srv_send_fill(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n"
		    "Connection: close\r\n\r\n", 'b', 2000, 0);
	else if (strncmp(head, "GET /bigchunked ", 16) == 0)
		srv_send_fill(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Connection: close\r\n\r\n", 'b', 2000, 1);
	else if (strncmp(head, "GET /fathead ", 13) == 0) {
		srv_send(fd, "HTTP/1.1 200 OK\r\n", 17);
		memset(big, 'h', sizeof(big));
		for (size_t i = 0; i + 100 < sizeof(big); i += 100)
			memcpy(big + i, "\r\nX-Pad: ", 9);
		srv_send(fd, big + 2, sizeof(big) - 2);
		srv_send(fd, "\r\n\r\n", 4);
	} else if (strncmp(head, "GET /slow ", 10) == 0) {
		usleep(600 * 1000);
		srv_send_fill(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, 0);
	} else if (strncmp(head, "GET /redirect ", 14) == 0)
		srv_send_fill(fd, "HTTP/1.1 302 Found\r\nLocation: /ok\r\n"
		    "Content-Length: 3\r\nConnection: close\r\n\r\nabc", 0, 0, 0);
	else if (strncmp(head, "GET /redirect-file ", 19) == 0)
		srv_send_fill(fd, "HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n", 0, 0, 0);
	else if (strncmp(head, "GET /garbage ", 13) == 0)
		srv_send(fd, "SPDY/9 what\r\n\r\n", 15);
	else if (strncmp(head, "GET /nothing ", 13) == 0)
		;
	else if (strncmp(head, "GET /nocontent ", 15) == 0)
		srv_send_fill(fd, "HTTP/1.1 204 No Content\r\n\r\n", 0, 0, 0);
	else if (strncmp(head, "GET /evil-type ", 15) == 0)
		srv_send_fill(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\rX-Injected: 1"
		    "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi", 0, 0, 0);
	else
		srv_send_fill(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", 0, 0, 0);
}

/* Serve one connection at a time until the listener is shut down. */
static void *
srv_main(void *arg)
{
	char	 head[4096];
	int	 fd;

	while ((fd = accept(srv_fd, NULL, NULL)) != -1) {
		if (srv_read_head(fd, head, sizeof(head)) > 0) {
			memcpy(srv_last_head, head, sizeof(srv_last_head));
			srv_answer(fd, head);
		}
		close(fd);
	}
	return (NULL);
}

/* A listener on 127.0.0.1, port 0, and its thread. */
static int
setup_server(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 one = 1;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	srv_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(srv_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(srv_fd, 16) == -1 ||
	    getsockname(srv_fd, (struct sockaddr *)&sin, &len) == -1)
		return (-1);
	srv_port = ntohs(sin.sin_port);
	return (pthread_create(&srv_thread, NULL, srv_main, NULL) == 0 ? 0 : -1);
}

/* Wake accept() and wait for the thread. */
static int
teardown_server(void **state)
{
	shutdown(srv_fd, SHUT_RDWR);
	pthread_join(srv_thread, NULL);
	close(srv_fd);
	curl_global_cleanup();
	return (0);
}

/* Test settings: defaults, loopback allowed unless `allow` says otherwise. */
static void
settings(struct fetch_settings *s, const char *allow)
{
	struct config	 cfg;
	char		 why[256];

	config_defaults(&cfg);
	snprintf(cfg.fetch_allow, sizeof(cfg.fetch_allow), "%s", allow);
	assert_int_equal(fetch_settings_init(s, &cfg, why, sizeof(why)), 0);
}

/* "http://127.0.0.1:PORT/path" for the test server. */
static void
url(char *out, size_t len, const char *host, const char *path)
{
	snprintf(out, len, "http://%s:%u%s", host, srv_port, path);
}

/* Sink for streaming tests: collects the body, and pauses every other piece. */
struct sink {
	struct buf	 body;
	int		 heads;
	int		 pause_next;
	int		 pauses;
	int		 pausing;
};

/* Count heads. */
static int
sink_head(void *arg, struct fetch_transfer *t)
{
	struct sink	*k = arg;

	k->heads++;
	return (0);
}

/* Refuse every other piece once, to check curl gives the same bytes back. */
static int
sink_body(void *arg, const char *data, size_t len)
{
	struct sink	*k = arg;

	if (k->pausing && k->pause_next) {
		k->pause_next = 0;
		k->pauses++;
		return (FETCH_SINK_PAUSE);
	}
	k->pause_next = 1;
	buf_append(&k->body, data, len);
	return (0);
}

/* Set up, perform, finish: what the blocking executor does. */
static void
perform(struct fetch_transfer *t, const struct fetch_settings *s, const char *u,
    int head_only)
{
	char	 why[FETCH_REASON_MAX];

	if (fetch_transfer_setup(t, s, u, head_only, why, sizeof(why)) == 0)
		while (fetch_transfer_finish(t, curl_easy_perform(t->easy)) == 1)
			continue;
	assert_int_equal(t->state, FETCH_T_DONE);
}

/*
 * A pooled handle is reused: it keeps the options of the settings it was
 * set up for, and is reset and set up again under new settings (the
 * policy check on connect included); the head's Content-Length is kept,
 * and a chunked body has none.
 */
static void
test_pool_and_length(void **state)
{
	struct fetch_settings	 s;
	struct fetch_transfer	 t;
	struct fetch_pool	 pool;
	char			 u[128];
	CURL			*first;

	settings(&s, "127.0.0.0/8");
	memset(&t, 0, sizeof(t));
	memset(&pool, 0, sizeof(pool));
	t.pool = &pool;
	url(u, sizeof(u), "127.0.0.1", "/big");
	perform(&t, &s, u, 0);
	first = t.easy;
	assert_int_equal(t.status, 200);
	assert_int_equal(t.content_length, 2000);
	fetch_transfer_cleanup(&t);
	assert_int_equal(pool.n, 1);
	assert_ptr_equal(pool.easy[0], first);
	url(u, sizeof(u), "127.0.0.1", "/chunked");
	perform(&t, &s, u, 0);
	assert_ptr_equal(t.easy, first);
	assert_int_equal(pool.n, 0);
	assert_int_equal(t.status, 201);
	assert_int_equal(t.body_bytes, 2500);
	assert_int_equal(t.content_length, -2);
	fetch_transfer_cleanup(&t);
	/* a handle kept under older settings takes the new ones: curl's own cap */
	settings(&s, "127.0.0.0/8");
	s.body_max = 1000;
	url(u, sizeof(u), "127.0.0.1", "/big");
	perform(&t, &s, u, 0);
	assert_ptr_equal(t.easy, first);
	assert_int_equal(t.status, 502);
	assert_int_equal(t.capped, 0);
	assert_int_equal(t.body_bytes, 0);
	fetch_transfer_cleanup(&t);
	assert_int_equal(pool.n, 1);
	/* the reused handle still asks the policy at connect: now refused */
	settings(&s, "");
	url(u, sizeof(u), "localhost", "/big");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 403);
	fetch_transfer_cleanup(&t);
	assert_int_equal(pool.n, 1);
	fetch_pool_free(&pool);
	assert_int_equal(pool.n, 0);
}

/* The upstream's status, type and body come back as sent. */
static void
test_ok(void **state)
{
	struct fetch_settings	 s;
	struct fetch_transfer	 t;
	struct sink		 k;
	char			 u[128];

	settings(&s, "127.0.0.0/8");
	memset(&t, 0, sizeof(t));
	memset(&k, 0, sizeof(k));
	buf_init(&k.body);
	t.on_head = sink_head;
	t.on_body = sink_body;
	t.sink_arg = &k;
	url(u, sizeof(u), "127.0.0.1", "/ok");
	perform(&t, &s, u, 0);
	assert_int_equal(t.failed, 0);
	assert_int_equal(t.status, 200);
	assert_string_equal(t.reason, "");
	assert_string_equal(t.content_type, "text/plain; charset=utf-8");
	assert_int_equal(t.body_bytes, 5);
	assert_int_equal(k.heads, 1);
	assert_int_equal(k.body.len, 5);
	assert_memory_equal(k.body.data, "hello", 5);
	assert_true(t.head_done);
	assert_true(t.head_ms >= t.start_ms);
	/* our User-Agent, and nothing of the client's */
	assert_non_null(strstr(srv_last_head, "\r\nUser-Agent: echofetch/"
	    PACKAGE_VERSION "\r\n"));
	assert_null(strstr(srv_last_head, "Accept-Encoding"));
	assert_null(strstr(srv_last_head, "Cookie"));
	assert_null(strstr(srv_last_head, "Authorization"));
	fetch_transfer_cleanup(&t);
	/* HEAD goes upstream as HEAD */
	perform(&t, &s, u, 1);
	assert_int_equal(t.status, 200);
	assert_int_equal(t.body_bytes, 0);
	assert_int_equal(strncmp(srv_last_head, "HEAD /ok HTTP/1.1\r\n", 19), 0);
	fetch_transfer_cleanup(&t);
	buf_free(&k.body);
}

/* Statuses pass through, redirects are not followed unless configured. */
static void
test_status_and_redirects(void **state)
{
	struct fetch_settings	 s;
	struct fetch_transfer	 t;
	char			 u[128];

	settings(&s, "127.0.0.0/8");
	memset(&t, 0, sizeof(t));
	url(u, sizeof(u), "127.0.0.1", "/missing");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 404);
	assert_int_equal(t.failed, 0);
	fetch_transfer_cleanup(&t);

	url(u, sizeof(u), "127.0.0.1", "/redirect");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 302);
	assert_int_equal(t.body_bytes, 3);
	fetch_transfer_cleanup(&t);

	s.redirects = 1;
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 200);
	assert_int_equal(t.body_bytes, 5);
	fetch_transfer_cleanup(&t);

	url(u, sizeof(u), "127.0.0.1", "/redirect-file");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 403);
	assert_string_equal(t.reason, "redirect refused, every hop must pass the "
	    "fetch URL checks: scheme file is not allowed (http and https only)");
	fetch_transfer_cleanup(&t);
}

/* Body and head caps stop the transfer with 502, Content-Length or not. */
static void
test_caps(void **state)
{
	struct fetch_settings	 s;
	struct fetch_transfer	 t;
	char			 u[128];

	settings(&s, "127.0.0.0/8");
	s.body_max = 1000;
	s.header_max = 1024;
	memset(&t, 0, sizeof(t));
	url(u, sizeof(u), "127.0.0.1", "/big");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 502);
	assert_string_equal(t.reason, "upstream body larger than 1000 bytes");
	fetch_transfer_cleanup(&t);

	url(u, sizeof(u), "127.0.0.1", "/bigchunked");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 502);
	assert_string_equal(t.reason, "upstream body larger than 1000 bytes");
	assert_true(t.body_bytes <= 1000);
	fetch_transfer_cleanup(&t);

	url(u, sizeof(u), "127.0.0.1", "/fathead");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 502);
	assert_string_equal(t.reason, "upstream response head larger than 1024 bytes");
	fetch_transfer_cleanup(&t);
}

/* Refused at setup by URL, at connect by address, and never reaching the server. */
static void
test_denied(void **state)
{
	struct fetch_settings	 s;
	struct fetch_transfer	 t;
	char			 u[128], why[FETCH_REASON_MAX];
	size_t			 n;

	settings(&s, "");
	memset(&t, 0, sizeof(t));
	url(u, sizeof(u), "127.0.0.1", "/ok");
	assert_int_equal(fetch_transfer_setup(&t, &s, u, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "address 127.0.0.1 is loopback" FETCH_POLICY_HINT);
	assert_int_equal(t.status, 403);
	assert_null(t.easy);
	fetch_transfer_cleanup(&t);

	/* a name: checked when curl opens the socket */
	srv_last_head[0] = '\0';
	url(u, sizeof(u), "localhost", "/ok");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 403);
	assert_int_equal(strncmp(t.reason, "address ", 8), 0);
	n = strlen(t.reason);
	assert_true(n > 12 + strlen(FETCH_POLICY_HINT));
	assert_string_equal(t.reason + n - 12 - strlen(FETCH_POLICY_HINT),
	    " is loopback" FETCH_POLICY_HINT);
	assert_string_equal(srv_last_head, "");
	fetch_transfer_cleanup(&t);

	perform(&t, &s, "gopher://127.0.0.1/", 0);
	assert_int_equal(t.status, 403);
	assert_string_equal(t.reason, "scheme gopher is not allowed (http and https only)");
	fetch_transfer_cleanup(&t);
}

/* Upstream failures: timeout 504; refused, junk, nothing, TLS 502. */
static void
test_failures(void **state)
{
	struct fetch_settings	 s;
	struct fetch_transfer	 t;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 u[128];
	int			 fd;

	settings(&s, "127.0.0.0/8");
	s.timeout_ms = 200;
	memset(&t, 0, sizeof(t));
	url(u, sizeof(u), "127.0.0.1", "/slow");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 504);
	assert_string_equal(t.reason, "upstream timed out after 200 ms");
	fetch_transfer_cleanup(&t);
	s.timeout_ms = 15000;

	/* a port nobody listens on */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	snprintf(u, sizeof(u), "http://127.0.0.1:%u/", ntohs(sin.sin_port));
	perform(&t, &s, u, 0);
	close(fd);
	assert_int_equal(t.status, 502);
	assert_string_equal(t.reason, "upstream refused the connection");
	fetch_transfer_cleanup(&t);

	url(u, sizeof(u), "127.0.0.1", "/garbage");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 502);
	assert_string_equal(t.reason, "upstream sent a malformed response");
	fetch_transfer_cleanup(&t);

	url(u, sizeof(u), "127.0.0.1", "/nothing");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 502);
	assert_string_equal(t.reason,
	    "upstream closed the connection without a response");
	fetch_transfer_cleanup(&t);

	/* TLS to a plain HTTP server fails the handshake */
	snprintf(u, sizeof(u), "https://127.0.0.1:%u/ok", srv_port);
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 502);
	assert_int_equal(strncmp(t.reason, "TLS failed: ", 12), 0);
	fetch_transfer_cleanup(&t);
}

/* A Content-Type that could smuggle a header is dropped, not forwarded. */
static void
test_unsafe_ctype(void **state)
{
	struct fetch_settings	 s;
	struct fetch_transfer	 t;
	char			 u[128];

	settings(&s, "127.0.0.0/8");
	memset(&t, 0, sizeof(t));
	url(u, sizeof(u), "127.0.0.1", "/evil-type");
	perform(&t, &s, u, 0);
	assert_int_equal(t.status, 200);
	assert_string_equal(t.content_type, "");
	fetch_transfer_cleanup(&t);
}

/* Pausing through a multi handle: curl re-delivers exactly what was refused. */
static void
test_pause_resume(void **state)
{
	struct fetch_settings	 s;
	struct fetch_transfer	 t;
	struct sink		 k;
	CURLM			*m;
	CURLMsg			*msg;
	char			 u[128], want[2500];
	int			 running = 1, left, loops = 0;
	CURLcode		 rc = CURLE_OK;

	settings(&s, "127.0.0.0/8");
	memset(&t, 0, sizeof(t));
	memset(&k, 0, sizeof(k));
	buf_init(&k.body);
	k.pausing = 1;
	t.on_body = sink_body;
	t.sink_arg = &k;
	url(u, sizeof(u), "127.0.0.1", "/chunked");
	assert_non_null(m = curl_multi_init());
	assert_int_equal(fetch_transfer_setup(&t, &s, u, 0, u, sizeof(u)), 0);
	curl_multi_add_handle(m, t.easy);
	while (running && loops++ < 10000) {
		curl_multi_perform(m, &running);
		if (t.paused)
			fetch_transfer_resume(&t);
		if (running)
			curl_multi_poll(m, NULL, 0, 20, NULL);
	}
	while ((msg = curl_multi_info_read(m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			rc = msg->data.result;
	curl_multi_remove_handle(m, t.easy);
	fetch_transfer_finish(&t, rc);
	assert_int_equal(t.status, 201);
	assert_true(k.pauses > 0);
	memset(want, 'c', sizeof(want));
	assert_int_equal(k.body.len, sizeof(want));
	assert_memory_equal(k.body.data, want, sizeof(want));
	assert_int_equal(t.body_bytes, sizeof(want));
	fetch_transfer_cleanup(&t);
	curl_multi_cleanup(m);
	buf_free(&k.body);
}

/* Run one fetch endpoint on a call made as endpoint_plan makes it. */
static void
plan_endpoint(const char *raw, void (*run)(struct endpoint_call *),
    const struct config *cfg, struct plan *p)
{
	struct http_parser	 hp;
	struct http_limits	 lim;
	struct endpoint_ctx	 ctx;
	struct endpoint_call	 call;
	struct fetch_policy	 pol;
	char			 why_pol[FETCH_POLICY_REASON_MAX];
	size_t			 used = 0;
	const char		*why = NULL;

	http_limits_default(&lim);
	http_parser_init(&hp, &lim);
	assert_int_equal(http_parser_feed(&hp, raw, strlen(raw), &used),
	    HTTP_PARSE_DONE);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	ctx.fetch_policy = &pol;
	ctx.now = T_NOW;
	assert_int_equal(fetch_policy_parse(&pol, cfg->fetch_allow, why_pol,
	    sizeof(why_pol)), 0);
	endpoint_call_begin(&call, &hp.req, &ctx, p);
	assert_int_equal(endpoint_query_parse(&call.query, hp.req.query.p,
	    hp.req.query.len, &why), 0);
	run(&call);
	endpoint_call_end(&call);
	http_parser_free(&hp);
}

/* The bytes of every HEAD and WRITE step from `from` on; 1 if a CLOSE came last. */
static int
plan_bytes(const struct plan *p, unsigned int from, struct buf *out)
{
	unsigned int	 i;
	int		 closed = 0;
	size_t		 n;

	for (i = from; i < p->nsteps; i++) {
		if (p->steps[i].kind == PLAN_HEAD) {
			n = plan_render_head(p, &p->steps[i], 1, out);
			buf_append(out, p->data.data + p->steps[i].off + n,
			    p->steps[i].len - n);
		} else if (p->steps[i].kind == PLAN_WRITE)
			buf_append(out, p->data.data + p->steps[i].off,
			    p->steps[i].len);
		else if (p->steps[i].kind == PLAN_CLOSE)
			closed = 1;
		else
			fail_msg("unexpected step %d", p->steps[i].kind);
	}
	return (closed);
}

/* Plan-time answers: 400 without url, 403 for a denied one, the FETCH step otherwise. */
static void
test_endpoints_plan(void **state)
{
	struct config	 cfg;
	struct plan	 p;
	struct buf	 out;

	config_defaults(&cfg);
	plan_init(&p);
	buf_init(&out);
	plan_endpoint("GET /fetch HTTP/1.1\r\nHost: x\r\n\r\n", endpoint_fetch, &cfg, &p);
	plan_bytes(&p, 0, &out);
	assert_non_null(strstr(buf_cstr(&out), "HTTP/1.1 400 Bad Request\r\n"));
	assert_non_null(strstr(out.data, "\r\n\r\n{\"error\":\"url is required\","
	    "\"status\":400}\n"));
	buf_reset(&out);
	plan_endpoint("GET /fetch?url=http%3A%2F%2F169.254.169.254%2F HTTP/1.1\r\n"
	    "Host: x\r\n\r\n", endpoint_fetch, &cfg, &p);
	plan_bytes(&p, 0, &out);
	assert_non_null(strstr(buf_cstr(&out), "HTTP/1.1 403 Forbidden\r\n"));
	assert_non_null(strstr(out.data, "{\"error\":\"address 169.254.169.254 is "
	    "link-local" FETCH_POLICY_HINT "\",\"status\":403}\n"));
	buf_reset(&out);
	plan_endpoint("GET /fetch?url=file:///etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
	    endpoint_fetch, &cfg, &p);
	plan_bytes(&p, 0, &out);
	assert_non_null(strstr(buf_cstr(&out), "{\"error\":\"scheme file is not "
	    "allowed (http and https only)\",\"status\":403}\n"));
	buf_reset(&out);
	plan_endpoint("GET /fetch?url=http://a/&url=http://b/ HTTP/1.1\r\nHost: x\r\n\r\n",
	    endpoint_fetch, &cfg, &p);
	plan_bytes(&p, 0, &out);
	assert_non_null(strstr(buf_cstr(&out), "fetch takes one url (use /gather "
	    "or /chain for more)"));
	buf_reset(&out);
	cfg.fetch_urls_max = 2;
	plan_endpoint("GET /gather?url=http://a/&url=http://b/&url=http://c/ HTTP/1.1\r\n"
	    "Host: x\r\n\r\n", endpoint_gather, &cfg, &p);
	plan_bytes(&p, 0, &out);
	assert_non_null(strstr(buf_cstr(&out), "at most 2 url parameters"));
	buf_reset(&out);

	plan_endpoint("GET /chain?url=http://a.example/&x=1&url=https://b.example/p "
	    "HTTP/1.1\r\nHost: x\r\n\r\n", endpoint_chain, &cfg, &p);
	assert_false(plan_failed(&p));
	assert_int_equal(p.nsteps, 1);
	assert_int_equal(p.steps[0].kind, PLAN_FETCH);
	assert_int_equal(p.fetch.mode, PLAN_FETCH_CHAIN);
	assert_int_equal(p.fetch.nurls, 2);
	assert_string_equal(p.data.data + p.fetch.url_off[0], "http://a.example/");
	assert_string_equal(p.data.data + p.fetch.url_off[1], "https://b.example/p");
	assert_int_equal(p.keep_alive, 1);

	/* HTTP/1.0 /fetch streams until close */
	plan_endpoint("GET /fetch?url=http://a.example/ HTTP/1.0\r\n\r\n",
	    endpoint_fetch, &cfg, &p);
	assert_int_equal(p.nsteps, 2);
	assert_int_equal(p.steps[0].kind, PLAN_FETCH);
	assert_int_equal(p.steps[1].kind, PLAN_CLOSE);
	assert_int_equal(p.fetch.version, 10);
	assert_int_equal(p.keep_alive, 0);
	buf_free(&out);
	plan_free(&p);
}

/* Replace the digits after each `key` with "N", for comparing timed output. */
static void
blank_numbers(char *s, const char *key)
{
	char	*p = s, *d;

	while ((p = strstr(p, key)) != NULL) {
		p += strlen(key);
		for (d = p; *d >= '0' && *d <= '9'; d++)
			;
		if (d > p) {
			*p = 'N';
			memmove(p + 1, d, strlen(d) + 1);
		}
		p++;
	}
}

/* Every Date header says T_NOW, as a head made then would. */
static void
fix_dates(char *s)
{
	static const char	 date[] = "Sun, 06 Nov 1994 08:49:37 GMT";

	while ((s = strstr(s, "Date: ")) != NULL) {
		s += 6;
		if (strlen(s) >= sizeof(date) - 1)
			memcpy(s, date, sizeof(date) - 1);
	}
}

/* A test executor: its client is a buffer, its transfers run at once. */
struct stream_sink {
	struct buf	 out;
	unsigned int	 wakes;
};

/* start: perform here and report the end, as the blocking build does. */
static int
sink_start(void *ctx, struct fetch_transfer *t)
{
	fetch_driver_ended(t, curl_easy_perform(t->easy));
	return (0);
}

/* wake: only counted; the driver's own loop picks granted transfers up. */
static void
sink_wake(void *ctx, void *conn)
{
	struct stream_sink	*k = conn;

	k->wakes++;
}

/* write: the client's bytes. */
static int
sink_write(void *conn, const void *p, size_t len)
{
	struct stream_sink	*k = conn;

	buf_append(&k->out, p, len);
	return (0);
}

static const struct fetch_ops sink_ops = {
	.start = sink_start,
	.wake = sink_wake,
	.write = sink_write,
};

/*
 * The FETCH step through the driver with one slot and a queue of
 * queue_len: streamed bytes go to k->out, then the plan is the rest.
 */
static void
run_job(struct plan *p, const struct fetch_settings *s, struct stream_sink *k,
    unsigned int queue_len)
{
	struct fetch_driver	 d;
	struct fetch_job	*job;

	fetch_driver_init(&d, &sink_ops, NULL, 1, queue_len);
	assert_int_equal(p->steps[0].kind, PLAN_FETCH);
	assert_non_null(job = fetch_driver_begin(&d, s, p, NULL, k));
	assert_int_equal(fetch_driver_run(job), FETCH_DRIVER_DONE);
	assert_int_equal(d.queue.active, 0);
	assert_int_equal(fetch_driver_continue(job, p, T_NOW), 0);
	fetch_driver_end(job);
	fetch_driver_free(&d);
	fix_dates(buf_cstr(&k->out));
}

/* /fetch end to end: streamed head and chunks, then the trailer the plan adds. */
static void
test_job_fetch(void **state)
{
	struct fetch_settings	 s;
	struct stream_sink	 k;
	struct config		 cfg;
	struct plan		 p;
	char			 raw[256], want[4096], body[2500];

	config_defaults(&cfg);
	snprintf(cfg.fetch_allow, sizeof(cfg.fetch_allow), "127.0.0.0/8");
	settings(&s, "127.0.0.0/8");
	plan_init(&p);
	buf_init(&k.out);
	snprintf(raw, sizeof(raw), "GET /fetch?url=http://127.0.0.1:%u/chunked "
	    "HTTP/1.1\r\nHost: x\r\nCookie: secret=1\r\nAuthorization: Basic eA==\r\n\r\n",
	    srv_port);
	plan_endpoint(raw, endpoint_fetch, &cfg, &p);
	run_job(&p, &s, &k, 0);
	assert_null(strstr(srv_last_head, "secret"));
	assert_null(strstr(srv_last_head, "Authorization"));
	assert_int_equal(plan_bytes(&p, 0, &k.out), 0);
	blank_numbers(buf_cstr(&k.out), "X-Upstream-Time: ");
	memset(body, 'c', sizeof(body));
	snprintf(want, sizeof(want), "HTTP/1.1 201 Created\r\n" T_HEAD_START
	    "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n"
	    "X-Upstream-Time: Nms\r\n\r\n"
	    "3e8\r\n%.1000s\r\n3e8\r\n%.1000s\r\n1f4\r\n%.500s\r\n0\r\n\r\n",
	    body, body, body);
	assert_string_equal(k.out.data, want);
	assert_int_equal(p.status, 201);
	assert_int_equal(p.keep_alive, 1);

	/* failure before the head: a JSON error instead */
	buf_reset(&k.out);
	snprintf(raw, sizeof(raw), "GET /fetch?url=http://localhost:%u/ok HTTP/1.1\r\n"
	    "Host: x\r\n\r\n", srv_port);
	settings(&s, "");
	plan_endpoint(raw, endpoint_fetch, &cfg, &p);
	run_job(&p, &s, &k, 0);
	assert_int_equal(plan_bytes(&p, 0, &k.out), 0);
	assert_non_null(strstr(buf_cstr(&k.out), "HTTP/1.1 403 Forbidden\r\n"));
	assert_non_null(strstr(k.out.data, "is loopback" FETCH_POLICY_HINT "\",\"status\":403}\n"));
	assert_int_equal(p.status, 403);

	/* HTTP/1.0: a 204 has no body, so no length and no until-close framing */
	buf_reset(&k.out);
	settings(&s, "127.0.0.0/8");
	snprintf(raw, sizeof(raw), "GET /fetch?url=http://127.0.0.1:%u/nocontent "
	    "HTTP/1.0\r\n\r\n", srv_port);
	plan_endpoint(raw, endpoint_fetch, &cfg, &p);
	run_job(&p, &s, &k, 0);
	assert_int_equal(plan_bytes(&p, 0, &k.out), 1);
	blank_numbers(buf_cstr(&k.out), "X-Upstream-Time: ");
	assert_string_equal(k.out.data, "HTTP/1.0 204 No Content\r\n" T_HEAD_START
	    "Connection: close\r\nX-Upstream-Time: Nms\r\n\r\n");

	/* the body cap after the head went out: cut off and closed */
	buf_reset(&k.out);
	s.body_max = 1500;
	snprintf(raw, sizeof(raw), "GET /fetch?url=http://127.0.0.1:%u/chunked "
	    "HTTP/1.1\r\nHost: x\r\n\r\n", srv_port);
	plan_endpoint(raw, endpoint_fetch, &cfg, &p);
	run_job(&p, &s, &k, 0);
	assert_int_equal(plan_bytes(&p, 0, &k.out), 1);
	assert_int_equal(p.keep_alive, 0);
	assert_null(strstr(buf_cstr(&k.out), "0\r\n\r\n"));
	buf_free(&k.out);
	plan_free(&p);
}

/* /gather and /chain end to end: the summary, with a refusal and a full queue in it. */
static void
test_job_summary(void **state)
{
	struct fetch_settings	 s;
	struct stream_sink	 k;
	struct config		 cfg;
	struct plan		 p;
	struct buf		 want;
	char			 raw[512];

	config_defaults(&cfg);
	snprintf(cfg.fetch_allow, sizeof(cfg.fetch_allow), "127.0.0.0/8");
	settings(&s, "127.0.0.0/8");
	plan_init(&p);
	buf_init(&k.out);
	buf_init(&want);
	snprintf(raw, sizeof(raw), "GET /chain?url=http://127.0.0.1:%u/ok"
	    "&url=http://127.0.0.1:%u/missing HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n", srv_port, srv_port);
	plan_endpoint(raw, endpoint_chain, &cfg, &p);
	run_job(&p, &s, &k, 0);
	assert_int_equal(plan_bytes(&p, 0, &k.out), 1);
	assert_int_equal(p.status, 200);
	blank_numbers(buf_cstr(&k.out), "\"total_ms\": ");
	blank_numbers(k.out.data, "\"time_ms\": ");
	blank_numbers(k.out.data, "Content-Length: ");
	buf_appendf(&want, "HTTP/1.1 200 OK\r\n" T_HEAD_START
	    "Content-Type: application/json\r\nContent-Length: N\r\n"
	    "Connection: close\r\n\r\n"
	    "{\n  \"mode\": \"chain\",\n  \"total_ms\": N,\n  \"results\": [\n"
	    "    {\n      \"url\": \"http://127.0.0.1:%u/ok\",\n"
	    "      \"status\": 200,\n      \"bytes\": 5,\n      \"time_ms\": N,\n"
	    "      \"error\": null\n    },\n"
	    "    {\n      \"url\": \"http://127.0.0.1:%u/missing\",\n"
	    "      \"status\": 404,\n      \"bytes\": 0,\n      \"time_ms\": N,\n"
	    "      \"error\": null\n    }\n  ]\n}\n", srv_port, srv_port);
	assert_string_equal(k.out.data, buf_cstr(&want));
	/* Connection: close ends the continuation with a CLOSE */
	assert_int_equal(p.steps[p.nsteps - 1].kind, PLAN_CLOSE);

	/* gather with a name that resolves to loopback (denied) and a queue too small */
	buf_reset(&k.out);
	settings(&s, "");
	snprintf(raw, sizeof(raw), "GET /gather?url=http://localhost:%u/ok"
	    "&url=http://localhost:%u/ok HTTP/1.1\r\nHost: x\r\n\r\n", srv_port, srv_port);
	plan_endpoint(raw, endpoint_gather, &cfg, &p);
	run_job(&p, &s, &k, 0);
	assert_int_equal(plan_bytes(&p, 0, &k.out), 0);
	assert_non_null(strstr(buf_cstr(&k.out), "\"mode\": \"gather\""));
	assert_non_null(strstr(k.out.data, "\"status\": 403,"));
	assert_non_null(strstr(k.out.data, "is loopback" FETCH_POLICY_HINT "\"\n"));
	assert_non_null(strstr(k.out.data, "\"status\": 503,"));
	assert_non_null(strstr(k.out.data, "\"error\": \"fetch queue full (fetch_concurrency, fetch_queue)\"\n"));
	assert_int_equal(p.steps[p.nsteps - 1].kind, PLAN_WRITE);

	/* with room in the queue the second one waits its turn and runs */
	buf_reset(&k.out);
	settings(&s, "127.0.0.0/8");
	snprintf(raw, sizeof(raw), "GET /gather?url=http://127.0.0.1:%u/ok"
	    "&url=http://127.0.0.1:%u/redirect HTTP/1.1\r\nHost: x\r\n\r\n",
	    srv_port, srv_port);
	plan_endpoint(raw, endpoint_gather, &cfg, &p);
	run_job(&p, &s, &k, 1);
	assert_int_equal(plan_bytes(&p, 0, &k.out), 0);
	assert_non_null(strstr(buf_cstr(&k.out), "\"status\": 200,\n      "
	    "\"bytes\": 5,"));
	assert_non_null(strstr(k.out.data, "\"status\": 302,\n      \"bytes\": 3,"));
	assert_null(strstr(k.out.data, "503"));
	buf_free(&want);
	buf_free(&k.out);
	plan_free(&p);
}

/* Run every fetch test; cmocka prints TAP under make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_status_and_redirects),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_denied),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_unsafe_ctype),
		cmocka_unit_test(test_pause_resume),
		cmocka_unit_test(test_endpoints_plan),
		cmocka_unit_test(test_job_fetch),
		cmocka_unit_test(test_job_summary),
		cmocka_unit_test(test_pool_and_length),
	};

	return (cmocka_run_group_tests(tests, setup_server, teardown_server));
}
