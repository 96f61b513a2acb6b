/* test_endpoint: raw requests through the real parser, into plans, "run" here, compared byte for byte. */
#include "autoconfig.h"

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

#include "util/buf.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/exchange.h"
#include "core/http.h"
#include "util/log.h"
#include "core/plan.h"
#include "core/response.h"
#include "core/stats.h"
#include "util/time.h"

#define T_NOW		((time_t)784111777)
#define T_SERVER	"Server: echofetch/" PACKAGE_VERSION "\r\n"
#define T_DATE		"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
#define T_JSON		"application/json"
#define T_OCTETS	"application/octet-stream"
#define T_LEN_NONE	(-1LL)
#define T_CHUNKED	(-2LL)

/* What running a plan produced. */
struct ran {
	struct buf	 out;		/* WRITE data and STREAM pieces, in order */
	unsigned int	 wait_ms;	/* sum of WAIT steps */
	unsigned int	 nwait;
	unsigned int	 burn_ms;
	unsigned int	 nburn;
	unsigned int	 pieces;	/* STREAM count */
	unsigned int	 interval_ms;
	int		 nstream;
	int		 closed;	/* CLOSE was the last step */
	size_t		 head_len;	/* bytes up to and including CRLFCRLF */
};

static struct config		 t_cfg;
static struct endpoint_ctx	 t_ctx;
static int			 t_snapshots;
static char			 t_model[] = "event";

/* What an executor would report for /stats: fixed, so the rendering is predictable. */
static void
fake_snapshot(void *arg, struct stats *out, struct stats_info *info)
{
	t_snapshots++;
	stats_init(out);
	out->conns_open = 3;
	out->conns_total = 17;
	out->plans_inflight = 1;
	out->bytes_out = 4096;
	stats_count_request(out, EP_ROOT, 200);
	stats_count_request(out, EP_DELAY, 400);
	info->server = "echofetchd-test";
	info->model = (const char *)arg;
	info->workers = 2;
	info->started = T_NOW - 5;
	info->now = T_NOW;
}

/* A context as an executor fills it, with the default config. */
static int
setup(void **state)
{
	config_defaults(&t_cfg);
	memset(&t_ctx, 0, sizeof(t_ctx));
	t_ctx.cfg = &t_cfg;
	t_ctx.client_ip = "127.0.0.1";
	t_ctx.client_port = 5555;
	t_ctx.now = T_NOW;
	t_ctx.stats_snapshot = fake_snapshot;
	t_ctx.stats_arg = t_model;
	return (0);
}

/* Walk the steps the way an executor does, without sockets or clocks. */
static void
run_plan(const struct plan *p, struct ran *r)
{
	unsigned int	 i, k;
	const char	*end;
	size_t		 n;

	memset(r, 0, sizeof(*r));
	buf_init(&r->out);
	assert_false(plan_failed(p));
	for (i = 0; i < p->nsteps; i++) {
		const struct plan_step *s = &p->steps[i];

		switch (s->kind) {
		case PLAN_HEAD:
			assert_true(s->off + s->len <= p->data.len);
			n = plan_render_head(p, s, 1, &r->out);
			buf_append(&r->out, p->data.data + s->off + n, s->len - n);
			break;
		case PLAN_WRITE:
			assert_true(s->off + s->len <= p->data.len);
			buf_append(&r->out, p->data.data + s->off, s->len);
			break;
		case PLAN_WAIT:
			r->wait_ms += s->ms;
			r->nwait++;
			break;
		case PLAN_BURN:
			r->burn_ms += s->ms;
			r->nburn++;
			break;
		case PLAN_STREAM:
			assert_int_not_equal(p->stream.kind, PLAN_STREAM_NONE);
			r->nstream++;
			r->pieces = s->count;
			r->interval_ms = s->interval_ms;
			for (k = 0; k < s->count; k++)
				plan_stream_piece(p, k, &r->out);
			break;
		case PLAN_CLOSE:
			assert_int_equal(i, p->nsteps - 1);
			r->closed = 1;
			break;
		default:
			fail_msg("bad step kind %d", s->kind);
		}
	}
	assert_false(r->out.oom);
	end = r->out.len > 0 ? strstr(buf_cstr(&r->out), "\r\n\r\n") : NULL;
	r->head_len = end != NULL ? (size_t)(end - r->out.data) + 4 : 0;
	/* the plan's own accounting matches what it sends */
	assert_int_equal(p->body_bytes, r->out.len - r->head_len);
	assert_int_equal(r->closed, !p->keep_alive);
}

/* Parse a whole raw request with the real parser; it must be complete. */
static void
parse(struct http_parser *hp, const char *raw, size_t len)
{
	struct http_limits	 lim;
	size_t			 used = 0;

	http_limits_default(&lim);
	http_parser_init(hp, &lim);
	assert_int_equal(http_parser_feed(hp, raw, len, &used), HTTP_PARSE_DONE);
	assert_int_equal(used, len);
}

/* Plan a raw request under a context; the request is gone before the plan is run. */
static void
plan_ctx(const char *raw, size_t len, const struct endpoint_ctx *ctx, struct plan *p,
    struct ran *r)
{
	struct http_parser	 hp;

	parse(&hp, raw, len);
	plan_init(p);
	endpoint_plan(&hp.req, ctx, p);
	http_parser_free(&hp);
	run_plan(p, r);
}

/* Plan and run with the default context. */
static void
plan_raw(const char *raw, struct plan *p, struct ran *r)
{
	plan_ctx(raw, strlen(raw), &t_ctx, p, r);
}

/* Release what a test planned and ran. */
static void
done(struct plan *p, struct ran *r)
{
	plan_free(p);
	buf_free(&r->out);
}

/* What every endpoint's answer carries when the request has no Origin. */
#define T_CORS	"Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n"

static int	 t_cors = 1;	/* 0: a parser refusal, which no endpoint answered */

/* The head the contract prescribes, built independently of response.c. */
static void
want_head(struct buf *w, const char *statusline, const char *ctype, long long len,
    int keep_alive, const char *extra)
{
	buf_appendf(w, "%s\r\n" T_SERVER T_DATE, statusline);
	if (ctype != NULL)
		buf_appendf(w, "Content-Type: %s\r\n", ctype);
	if (len >= 0)
		buf_appendf(w, "Content-Length: %lld\r\n", len);
	else if (len == T_CHUNKED)
		buf_append_str(w, "Transfer-Encoding: chunked\r\n");
	buf_append_str(w, keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
	if (extra != NULL)
		buf_append_str(w, extra);
	buf_append_str(w, t_cors ? T_CORS "\r\n" : "\r\n");
}

/* Request → exact response bytes, status, endpoint, keep-alive. */
static void
expect(const char *raw, const char *statusline, const char *ctype, const char *extra,
    const char *body, int status, enum endpoint_id ep, int keep_alive)
{
	struct plan	 p;
	struct ran	 r;
	struct buf	 w;

	buf_init(&w);
	/* 204 and 304 carry no length at all (RFC 9110 8.6). */
	want_head(&w, statusline, ctype, status == 204 || status == 304 ? -1 :
	    (long long)strlen(body), keep_alive, extra);
	buf_append_str(&w, body);
	plan_raw(raw, &p, &r);
	assert_string_equal(buf_cstr(&r.out), buf_cstr(&w));
	assert_int_equal(r.out.len, w.len);
	assert_int_equal(p.status, status);
	assert_int_equal(p.endpoint, ep);
	assert_int_equal(p.keep_alive, keep_alive);
	buf_free(&w);
	done(&p, &r);
}

/* A JSON error the way every endpoint sends it. */
static void
expect_error(const char *raw, int status, const char *reason, enum endpoint_id ep)
{
	char	 line[64], body[512];

	snprintf(line, sizeof(line), "HTTP/1.1 %d %s", status, response_status_text(status));
	snprintf(body, sizeof(body), "{\"error\":\"%s\",\"status\":%d}\n", reason, status);
	expect(raw, line, T_JSON, NULL, body, status, ep, 1);
}

/* A GET for a target, with just a Host header. */
static void
expect_get_error(const char *target, int status, const char *reason, enum endpoint_id ep)
{
	struct buf	 raw;

	buf_init(&raw);
	buf_appendf(&raw, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", target);
	expect_error(buf_cstr(&raw), status, reason, ep);
	buf_free(&raw);
}

/* Names are what stats and logs print. */
static void
test_names(void **state)
{
	static const char *want[ENDPOINT_COUNT] = {
		"not_found", "bad_request", "root", "echo", "anything", "headers", "ip",
		"user_agent", "delay", "drip", "stream", "bytes", "status", "cpu", "stats",
		"metrics", "fetch", "gather", "chain",
		"methods", "uuid", "base64", "document", "preflight",
		"redirect", "cookies", "auth", "links", "encoded", "response_headers",
		"cache", "range", "stream_bytes", "sse", "health", "websocket",
		"events", "dashboard",
	};
	int	 i;

	for (i = 0; i < ENDPOINT_COUNT; i++)
		assert_string_equal(endpoint_name((enum endpoint_id)i), want[i]);
	assert_string_equal(endpoint_name(ENDPOINT_COUNT), "unknown");
}

/* The index, as text and as JSON. */
static void
test_root(void **state)
{
	struct plan	 p;
	struct ran	 r;
	const char	*body;

	plan_raw("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(p.endpoint, EP_ROOT);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(r.out.data, "Content-Type: text/plain; charset=utf-8\r\n"));
	body = r.out.data + r.head_len;
	assert_memory_equal(body, "GET  /  this index; /?format=json for JSON\n", 43);
	assert_non_null(strstr(body, "\nGET  /delay?ms=N  wait N ms, then answer\n"));
	assert_non_null(strstr(body, "\nANY  /status/{codes}  that status with an empty body; "
	    "200:3,500:1 picks by weight\n"));
	assert_int_equal(body[strlen(body) - 1], '\n');
	done(&p, &r);

	plan_raw("GET /?format=json HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	body = r.out.data + r.head_len;
	assert_non_null(strstr(r.out.data, "Content-Type: application/json\r\n"));
	assert_memory_equal(body, "{\n  \"endpoints\": [\n    {\n      \"method\": \"GET\",\n"
	    "      \"path\": \"/\",\n      \"about\": ", 78);
	assert_non_null(strstr(body, "\"path\": \"/delay?ms=N\",\n"
	    "      \"about\": \"wait N ms, then answer\"\n    },\n"));
	assert_string_equal(body + strlen(body) - 6, "  ]\n}\n");
	done(&p, &r);

	expect_get_error("/?format=xml", 400, "format must be text or json", EP_ROOT);
}

/* /health: 200 while serving; 503 and close once draining. */
static void
test_health(void **state)
{
	static const char	 req[] = "GET /health HTTP/1.1\r\nHost: h\r\n\r\n";
	struct endpoint_ctx	 ctx = t_ctx;
	struct plan		 p;
	struct ran		 r;

	plan_raw(req, &p, &r);
	assert_int_equal(p.endpoint, EP_HEALTH);
	assert_int_equal(p.status, 200);
	assert_string_equal(r.out.data + r.head_len, "{\"status\":\"ok\"}\n");
	done(&p, &r);

	ctx.draining = 1;
	plan_ctx(req, sizeof(req) - 1, &ctx, &p, &r);
	assert_int_equal(p.status, 503);
	assert_non_null(strstr(r.out.data, "Connection: close\r\n"));
	assert_string_equal(r.out.data + r.head_len, "{\"status\":\"draining\"}\n");
	done(&p, &r);
}

/* /echo sends the body back with the client's type, any method, binary safe. */
static void
test_echo(void **state)
{
	static const char raw[] = "PUT /echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/x-t\r\n"
	    "Content-Length: 7\r\n\r\nab\0cd\r\n";
	struct plan	 p;
	struct ran	 r;
	struct buf	 w;

	buf_init(&w);
	want_head(&w, "HTTP/1.1 200 OK", "text/x-t", 7, 1, NULL);
	buf_append(&w, "ab\0cd\r\n", 7);
	plan_ctx(raw, sizeof(raw) - 1, &t_ctx, &p, &r);
	assert_int_equal(r.out.len, w.len);
	assert_memory_equal(r.out.data, w.data, w.len);
	assert_int_equal(p.endpoint, EP_ECHO);
	buf_free(&w);
	done(&p, &r);

	expect("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz",
	    "HTTP/1.1 200 OK", T_OCTETS, NULL, "xyz", 200, EP_ECHO, 1);
	expect("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n",
	    "HTTP/1.1 200 OK", T_OCTETS, NULL, "", 200, EP_ECHO, 1);
}

/* httpbin's /anything: args with repeats as arrays, joined headers, url, origin. */
static void
test_anything_get(void **state)
{
	expect("GET /anything/x/y?b=2&a=1&b=3&sp=a+b%21&flag HTTP/1.1\r\n"
	    "Host: localhost:8080\r\nuser-agent: t/1\r\nX-Multi: a\r\nx-multi: b\r\n\r\n",
	    "HTTP/1.1 200 OK", T_JSON, NULL,
	    "{\n"
	    "  \"args\": {\n"
	    "    \"b\": [\n"
	    "      \"2\",\n"
	    "      \"3\"\n"
	    "    ],\n"
	    "    \"a\": \"1\",\n"
	    "    \"sp\": \"a b!\",\n"
	    "    \"flag\": \"\"\n"
	    "  },\n"
	    "  \"data\": \"\",\n"
	    "  \"files\": {},\n"
	    "  \"form\": {},\n"
	    "  \"headers\": {\n"
	    "    \"Host\": \"localhost:8080\",\n"
	    "    \"User-Agent\": \"t/1\",\n"
	    "    \"X-Multi\": \"a, b\"\n"
	    "  },\n"
	    "  \"json\": null,\n"
	    "  \"method\": \"GET\",\n"
	    "  \"origin\": \"127.0.0.1\",\n"
	    "  \"url\": \"http://localhost:8080/anything/x/y?b=2&a=1&b=3&sp=a+b%21&flag\"\n"
	    "}\n", 200, EP_ANYTHING, 1);
}

/* A JSON body comes back under "json" as sent; a form body under "form"; https urls. */
static void
test_anything_bodies(void **state)
{
	struct endpoint_ctx	 tls = t_ctx;
	struct plan		 p;
	struct ran		 r;
	const char		*body, *raw;

	/* whitespace around a JSON body is not carried into "json" */
	raw = "PUT /anything HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n [7]\r\n";
	plan_ctx(raw, strlen(raw), &t_ctx, &p, &r);
	assert_non_null(strstr(r.out.data + r.head_len, "  \"json\": [7],\n"));
	assert_non_null(strstr(r.out.data + r.head_len, "  \"data\": \" [7]\\r\\n\",\n"));
	done(&p, &r);

	expect("POST /anything HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n{\"k\":[1,2]}",
	    "HTTP/1.1 200 OK", T_JSON, NULL,
	    "{\n"
	    "  \"args\": {},\n"
	    "  \"data\": \"{\\\"k\\\":[1,2]}\",\n"
	    "  \"files\": {},\n"
	    "  \"form\": {},\n"
	    "  \"headers\": {\n"
	    "    \"Host\": \"h\",\n"
	    "    \"Content-Length\": \"11\"\n"
	    "  },\n"
	    "  \"json\": {\"k\":[1,2]},\n"
	    "  \"method\": \"POST\",\n"
	    "  \"origin\": \"127.0.0.1\",\n"
	    "  \"url\": \"http://h/anything\"\n"
	    "}\n", 200, EP_ANYTHING, 1);

	expect("PATCH /anything HTTP/1.1\r\nHost: h\r\n"
	    "Content-Type: Application/X-WWW-Form-Urlencoded; charset=utf-8\r\n"
	    "Content-Length: 20\r\n\r\nname=a+b&x=%41&x=%42",
	    "HTTP/1.1 200 OK", T_JSON, NULL,
	    "{\n"
	    "  \"args\": {},\n"
	    "  \"data\": \"\",\n"
	    "  \"files\": {},\n"
	    "  \"form\": {\n"
	    "    \"name\": \"a b\",\n"
	    "    \"x\": [\n"
	    "      \"A\",\n"
	    "      \"B\"\n"
	    "    ]\n"
	    "  },\n"
	    "  \"headers\": {\n"
	    "    \"Host\": \"h\",\n"
	    "    \"Content-Type\": \"Application/X-WWW-Form-Urlencoded; charset=utf-8\",\n"
	    "    \"Content-Length\": \"20\"\n"
	    "  },\n"
	    "  \"json\": null,\n"
	    "  \"method\": \"PATCH\",\n"
	    "  \"origin\": \"127.0.0.1\",\n"
	    "  \"url\": \"http://h/anything\"\n"
	    "}\n", 200, EP_ANYTHING, 1);

	/* bytes that are not JSON: data escapes them, json is null */
	tls.tls = 1;
	tls.client_ip = "::1";
	raw = "DELETE /anything HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n{\"a\x01";
	plan_ctx(raw, strlen(raw), &tls, &p, &r);
	body = r.out.data + r.head_len;
	assert_non_null(strstr(body, "  \"data\": \"{\\\"a\\u0001\",\n"));
	assert_non_null(strstr(body, "  \"json\": null,\n"));
	assert_non_null(strstr(body, "  \"method\": \"DELETE\",\n"));
	assert_non_null(strstr(body, "  \"origin\": \"::1\",\n"));
	assert_non_null(strstr(body, "  \"url\": \"https://h/anything\"\n"));
	done(&p, &r);

	expect_error("POST /anything HTTP/1.1\r\nHost: h\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=%",
	    400, "form body: bad percent-encoding in parameters", EP_ANYTHING);
}

/* /headers, /ip, /user-agent. */
static void
test_small_json(void **state)
{
	expect("GET /headers HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nx-a-B: 1\r\n\r\n",
	    "HTTP/1.1 200 OK", T_JSON, NULL,
	    "{\n  \"headers\": {\n    \"Host\": \"h\",\n    \"Accept\": \"*/*\",\n"
	    "    \"X-A-B\": \"1\"\n  }\n}\n", 200, EP_HEADERS, 1);
	expect("GET /ip HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK", T_JSON, NULL,
	    "{\n  \"origin\": \"127.0.0.1\"\n}\n", 200, EP_IP, 1);
	expect("GET /user-agent HTTP/1.1\r\nHost: h\r\nUser-Agent: curl/7.88.1\r\n\r\n",
	    "HTTP/1.1 200 OK", T_JSON, NULL,
	    "{\n  \"user-agent\": \"curl/7.88.1\"\n}\n", 200, EP_USER_AGENT, 1);
	expect("GET /user-agent HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK", T_JSON, NULL,
	    "{\n  \"user-agent\": null\n}\n", 200, EP_USER_AGENT, 1);
}

/* HEAD: the same head as GET, Content-Length included, and no body. */
static void
test_head_method(void **state)
{
	static const char ip[] = "{\n  \"origin\": \"127.0.0.1\"\n}\n";
	static const char nope[] = "{\"error\":\"no such endpoint: /nope\",\"status\":404}\n";
	struct plan	 p;
	struct ran	 r;
	struct buf	 w;

	buf_init(&w);
	want_head(&w, "HTTP/1.1 200 OK", T_JSON, (long long)strlen(ip), 1, NULL);
	plan_raw("HEAD /ip HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_string_equal(buf_cstr(&r.out), buf_cstr(&w));
	assert_int_equal(p.body_bytes, 0);
	done(&p, &r);
	buf_free(&w);

	/* waits still happen; streams are not sent */
	plan_raw("HEAD /delay?ms=30 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.wait_ms, 30);
	assert_int_equal(r.head_len, r.out.len);
	done(&p, &r);
	plan_raw("HEAD /bytes/100 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_non_null(strstr(r.out.data, "Content-Length: 100\r\n"));
	assert_int_equal(r.nstream, 0);
	assert_int_equal(r.head_len, r.out.len);
	done(&p, &r);
	plan_raw("HEAD /stream/3 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_non_null(strstr(r.out.data, "Transfer-Encoding: chunked\r\n"));
	assert_int_equal(r.nstream, 0);
	assert_int_equal(r.head_len, r.out.len);
	done(&p, &r);
	plan_raw("HEAD /drip?delay=0.1&numbytes=4 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.wait_ms, 100);
	assert_int_equal(r.nstream, 0);
	assert_non_null(strstr(r.out.data, "Content-Length: 4\r\n"));
	done(&p, &r);
	buf_init(&w);
	want_head(&w, "HTTP/1.1 404 Not Found", T_JSON, (long long)strlen(nope), 1, NULL);
	plan_raw("HEAD /nope HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_string_equal(buf_cstr(&r.out), buf_cstr(&w));
	assert_int_equal(p.endpoint, EP_NOT_FOUND);
	done(&p, &r);
	buf_free(&w);
}

/* /status/{code}: empty body, Location for redirects, a challenge for 401. */
static void
test_status(void **state)
{
	expect("GET /status/200 HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK", NULL, NULL,
	    "", 200, EP_STATUS, 1);
	expect("POST /status/201 HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx",
	    "HTTP/1.1 201 Created", NULL, NULL, "", 201, EP_STATUS, 1);
	expect("GET /status/302 HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 302 Found", NULL,
	    "Location: /redirect/1\r\n", "", 302, EP_STATUS, 1);
	expect("GET /status/304 HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 304 Not Modified",
	    NULL, NULL, "", 304, EP_STATUS, 1);
	expect("GET /status/401 HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 401 Unauthorized",
	    NULL, "WWW-Authenticate: Basic realm=\"echofetch\"\r\n", "", 401, EP_STATUS, 1);
	expect("GET /status/599 HTTP/1.0\r\n\r\n", "HTTP/1.0 599 Unknown", NULL, NULL,
	    "", 599, EP_STATUS, 0);
	expect_get_error("/status/199", 400, "code must be an integer 200..599", EP_STATUS);
	expect_get_error("/status/600", 400, "code must be an integer 200..599", EP_STATUS);
	expect_get_error("/status/2x0", 400, "code must be an integer 200..599", EP_STATUS);
	expect_get_error("/status/", 400, "code must be an integer 200..599", EP_STATUS);
}

/* /delay?ms= and /delay/{seconds}: a WAIT, then the request described. */
static void
test_delay(void **state)
{
	struct plan	 p;
	struct ran	 r;

	expect("GET /delay?ms=250 HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK", T_JSON,
	    NULL,
	    "{\n"
	    "  \"args\": {\n"
	    "    \"ms\": \"250\"\n"
	    "  },\n"
	    "  \"data\": \"\",\n"
	    "  \"delay_ms\": 250,\n"
	    "  \"headers\": {\n"
	    "    \"Host\": \"h\"\n"
	    "  },\n"
	    "  \"origin\": \"127.0.0.1\",\n"
	    "  \"url\": \"http://h/delay?ms=250\"\n"
	    "}\n", 200, EP_DELAY, 1);
	plan_raw("GET /delay?ms=250&ms=9 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(p.steps[0].kind, PLAN_WAIT);
	assert_int_equal(p.steps[1].kind, PLAN_HEAD);
	assert_int_equal(p.nsteps, 2);
	assert_int_equal(r.wait_ms, 250);	/* the first of repeated parameters */
	done(&p, &r);
	plan_raw("GET /delay/1.25 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.wait_ms, 1250);
	assert_non_null(strstr(r.out.data, "  \"delay_ms\": 1250,\n"));
	done(&p, &r);
	plan_raw("GET /delay/10 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.wait_ms, 10000);
	done(&p, &r);
	plan_raw("GET /delay/0.005 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.wait_ms, 5);
	done(&p, &r);

	expect_get_error("/delay", 400, "ms must be an integer 0..10000", EP_DELAY);
	expect_get_error("/delay?ms=", 400, "ms must be an integer 0..10000", EP_DELAY);
	expect_get_error("/delay?ms=abc", 400, "ms must be an integer 0..10000", EP_DELAY);
	expect_get_error("/delay?ms=-1", 400, "ms must be an integer 0..10000", EP_DELAY);
	expect_get_error("/delay?ms=10001", 400, "ms must be an integer 0..10000", EP_DELAY);
	expect_get_error("/delay?ms=99999999999999999999999", 400,
	    "ms must be an integer 0..10000", EP_DELAY);
	expect_get_error("/delay/10.001", 400, "delay must be a number of seconds 0..10",
	    EP_DELAY);
	expect_get_error("/delay/1.2345", 400, "delay must be a number of seconds 0..10",
	    EP_DELAY);
	expect_get_error("/delay/.5", 400, "delay must be a number of seconds 0..10", EP_DELAY);
	expect_get_error("/delay/1.", 400, "delay must be a number of seconds 0..10", EP_DELAY);
	expect_get_error("/delay/x", 400, "delay must be a number of seconds 0..10", EP_DELAY);
}

/* Limits come from the config, and the messages follow them. */
static void
test_config_limits(void **state)
{
	struct config		 cfg = t_cfg;
	struct endpoint_ctx	 ctx = t_ctx;
	struct plan		 p;
	struct ran		 r;
	struct buf		 w;
	const char		*raw;
	size_t			 i;
	static const char *const cases[][2] = {
		{ "/delay?ms=2501", "ms must be an integer 0..2500" },
		{ "/delay/2.501", "delay must be a number of seconds 0..2.5" },
		{ "/drip?duration=3", "duration must be a number of seconds 0..2.5" },
		{ "/cpu?ms=31", "ms must be an integer 0..30" },
		{ "/bytes/1001", "n must be an integer 0..1000" },
		{ "/stream/6", "n must be an integer 1..5" },
	};

	cfg.delay_max_ms = 2500;
	cfg.cpu_max_ms = 30;
	cfg.bytes_max = 1000;
	cfg.stream_max = 5;
	ctx.cfg = &cfg;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&w);
		buf_appendf(&w, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", cases[i][0]);
		raw = buf_cstr(&w);
		plan_ctx(raw, strlen(raw), &ctx, &p, &r);
		buf_reset(&w);
		buf_appendf(&w, "{\"error\":\"%s\",\"status\":400}\n", cases[i][1]);
		assert_string_equal(r.out.data + r.head_len, buf_cstr(&w));
		buf_free(&w);
		done(&p, &r);
	}
	cfg.delay_max_ms = 2050;
	raw = "GET /delay/3 HTTP/1.1\r\nHost: h\r\n\r\n";
	plan_ctx(raw, strlen(raw), &ctx, &p, &r);
	assert_non_null(strstr(r.out.data, "seconds 0..2.05\""));
	done(&p, &r);
	cfg.delay_max_ms = 2005;
	plan_ctx(raw, strlen(raw), &ctx, &p, &r);
	assert_non_null(strstr(r.out.data, "seconds 0..2.005\""));
	done(&p, &r);
}

/* /drip: optional WAIT, the head with the full length, then evenly spread '*'. */
static void
test_drip(void **state)
{
	struct plan	 p;
	struct ran	 r;
	struct buf	 w;
	unsigned int	 i;

	buf_init(&w);
	want_head(&w, "HTTP/1.1 201 Created", T_OCTETS, 5, 1, NULL);
	buf_append_str(&w, "*****");
	plan_raw("GET /drip?numbytes=5&duration=1&delay=0.5&code=201 HTTP/1.1\r\nHost: h\r\n\r\n",
	    &p, &r);
	assert_string_equal(buf_cstr(&r.out), buf_cstr(&w));
	assert_int_equal(p.steps[0].kind, PLAN_WAIT);
	assert_int_equal(p.steps[1].kind, PLAN_HEAD);
	assert_int_equal(p.steps[2].kind, PLAN_STREAM);
	assert_int_equal(r.wait_ms, 500);
	assert_int_equal(r.pieces, 5);
	assert_int_equal(r.interval_ms, 200);
	assert_int_equal(p.status, 201);
	assert_int_equal(p.endpoint, EP_DRIP);
	done(&p, &r);
	buf_free(&w);

	/* defaults: 10 bytes over 2 s, no delay */
	plan_raw("GET /drip HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.nwait, 0);
	assert_int_equal(r.pieces, 10);
	assert_int_equal(r.interval_ms, 200);
	assert_string_equal(r.out.data + r.head_len, "**********");
	done(&p, &r);

	/* many bytes: at most 1000 pieces, sizes differ by one at most */
	plan_raw("GET /drip?numbytes=2500&duration=1 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.pieces, 1000);
	assert_int_equal(r.interval_ms, 1);
	assert_int_equal(r.out.len - r.head_len, 2500);
	for (i = 0; i < 2500; i++)
		assert_int_equal(r.out.data[r.head_len + i], '*');
	done(&p, &r);

	/* zero bytes: just the head */
	plan_raw("GET /drip?numbytes=0 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.nstream, 0);
	assert_non_null(strstr(r.out.data, "Content-Length: 0\r\n"));
	done(&p, &r);

	expect_get_error("/drip?numbytes=x", 400, "numbytes must be an integer 0..10485760",
	    EP_DRIP);
	expect_get_error("/drip?numbytes=10485761", 400,
	    "numbytes must be an integer 0..10485760", EP_DRIP);
	expect_get_error("/drip?duration=11", 400, "duration must be a number of seconds 0..10",
	    EP_DRIP);
	expect_get_error("/drip?delay=abc", 400, "delay must be a number of seconds 0..10",
	    EP_DRIP);
	expect_get_error("/drip?code=199", 400, "code must be an integer 200..599", EP_DRIP);
	expect_get_error("/drip?code=600", 400, "code must be an integer 200..599", EP_DRIP);
}

/* The /stream line for id i as this file's requests produce it. */
static void
stream_line(struct buf *w, unsigned int i, const char *url)
{
	buf_appendf(w, "{\"id\":%u,\"url\":\"%s\",\"args\":{\"interval_ms\":\"20\"},"
	    "\"headers\":{\"Host\":\"h\",\"User-Agent\":\"t\"},\"origin\":\"127.0.0.1\"}\n",
	    i, url);
}

/* /stream/{n}: chunked lines with a final empty chunk on HTTP/1.1. */
static void
test_stream_chunked(void **state)
{
	struct plan	 p;
	struct buf	 w, line;
	struct ran	 r;
	unsigned int	 i;

	buf_init(&w);
	buf_init(&line);
	want_head(&w, "HTTP/1.1 200 OK", T_JSON, T_CHUNKED, 1, NULL);
	for (i = 0; i < 3; i++) {
		buf_reset(&line);
		stream_line(&line, i, "http://h/stream/3?interval_ms=20");
		buf_appendf(&w, "%zx\r\n%s\r\n", line.len, line.data);
	}
	buf_append_str(&w, "0\r\n\r\n");
	plan_raw("GET /stream/3?interval_ms=20 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n",
	    &p, &r);
	assert_string_equal(buf_cstr(&r.out), buf_cstr(&w));
	assert_int_equal(r.pieces, 3);
	assert_int_equal(r.interval_ms, 20);
	assert_int_equal(p.keep_alive, 1);
	assert_int_equal(p.endpoint, EP_STREAM);
	assert_int_equal(p.steps[p.nsteps - 1].kind, PLAN_WRITE);
	done(&p, &r);
	buf_free(&w);
	buf_free(&line);

	plan_raw("GET /stream/100 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.pieces, 100);
	assert_int_equal(r.interval_ms, 0);
	assert_non_null(strstr(r.out.data, "{\"id\":99,\"url\":\"http://h/stream/100\""));
	done(&p, &r);

	expect_get_error("/stream/0", 400, "n must be an integer 1..100", EP_STREAM);
	expect_get_error("/stream/101", 400, "n must be an integer 1..100", EP_STREAM);
	expect_get_error("/stream/x", 400, "n must be an integer 1..100", EP_STREAM);
	expect_get_error("/stream/3?interval_ms=10001", 400,
	    "interval_ms must be an integer 0..10000", EP_STREAM);
}

/* HTTP/1.0 has no chunks: the body ends when the connection closes. */
static void
test_stream_http10(void **state)
{
	struct plan	 p;
	struct ran	 r;
	struct buf	 w;
	unsigned int	 i;

	buf_init(&w);
	plan_raw("GET /stream/2?interval_ms=20 HTTP/1.0\r\nHost: h\r\nUser-Agent: t\r\n"
	    "Connection: keep-alive\r\n\r\n", &p, &r);
	/* the request's Connection header is echoed in "headers" too */
	want_head(&w, "HTTP/1.0 200 OK", T_JSON, T_LEN_NONE, 0, NULL);
	for (i = 0; i < 2; i++)
		buf_appendf(&w, "{\"id\":%u,\"url\":\"http://h/stream/2?interval_ms=20\","
		    "\"args\":{\"interval_ms\":\"20\"},\"headers\":{\"Host\":\"h\","
		    "\"User-Agent\":\"t\",\"Connection\":\"keep-alive\"},"
		    "\"origin\":\"127.0.0.1\"}\n", i);
	assert_string_equal(buf_cstr(&r.out), buf_cstr(&w));
	assert_int_equal(p.keep_alive, 0);
	assert_true(r.closed);
	assert_int_equal(p.steps[p.nsteps - 2].kind, PLAN_STREAM);
	done(&p, &r);
	buf_free(&w);
}

/* /bytes/{n}: 16 KiB pieces, the same for the same seed, other for another. */
static void
test_bytes(void **state)
{
	struct plan	 p, q;
	struct ran	 r, s;

	plan_raw("GET /bytes/40000?seed=7 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_non_null(strstr(r.out.data, "Content-Type: application/octet-stream\r\n"
	    "Content-Length: 40000\r\n"));
	assert_int_equal(r.out.len - r.head_len, 40000);
	assert_int_equal(r.pieces, 3);
	assert_int_equal(r.interval_ms, 0);
	assert_int_equal(p.stream.seed, 7);
	plan_raw("GET /bytes/40000?seed=7 HTTP/1.0\r\nHost: h\r\n\r\n", &q, &s);
	assert_memory_equal(r.out.data + r.head_len, s.out.data + s.head_len, 40000);
	done(&q, &s);
	plan_raw("GET /bytes/40000?seed=8 HTTP/1.1\r\nHost: h\r\n\r\n", &q, &s);
	assert_memory_not_equal(r.out.data + r.head_len, s.out.data + s.head_len, 40000);
	done(&q, &s);
	/* no seed is seed 0, so both servers send the same */
	plan_raw("GET /bytes/16384 HTTP/1.1\r\nHost: h\r\n\r\n", &q, &s);
	assert_int_equal(s.pieces, 1);
	assert_int_equal(q.stream.seed, 0);
	done(&q, &s);
	done(&p, &r);

	plan_raw("GET /bytes/0 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.nstream, 0);
	assert_non_null(strstr(r.out.data, "Content-Length: 0\r\n"));
	done(&p, &r);
	plan_raw("GET /bytes/10485760 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(r.pieces, 640);
	assert_int_equal(r.out.len - r.head_len, 10485760);
	done(&p, &r);

	expect_get_error("/bytes/10485761", 400, "n must be an integer 0..10485760", EP_BYTES);
	expect_get_error("/bytes/1e3", 400, "n must be an integer 0..10485760", EP_BYTES);
	expect_get_error("/bytes/5?seed=-1", 400,
	    "seed must be an integer 0..18446744073709551615", EP_BYTES);
	expect_get_error("/bytes/5?seed=18446744073709551616", 400,
	    "seed must be an integer 0..18446744073709551615", EP_BYTES);
}

/* /cpu: a BURN step, then the answer. */
static void
test_cpu(void **state)
{
	struct plan	 p;
	struct ran	 r;

	expect("GET /cpu?ms=5 HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK", T_JSON, NULL,
	    "{\n  \"burned_ms\": 5\n}\n", 200, EP_CPU, 1);
	plan_raw("GET /cpu?ms=5 HTTP/1.1\r\nHost: h\r\n\r\n", &p, &r);
	assert_int_equal(p.steps[0].kind, PLAN_BURN);
	assert_int_equal(r.burn_ms, 5);
	assert_int_equal(r.nwait, 0);
	done(&p, &r);
	expect_get_error("/cpu", 400, "ms must be an integer 0..10000", EP_CPU);
	expect_get_error("/cpu?ms=10001", 400, "ms must be an integer 0..10000", EP_CPU);
}

/* /stats and /metrics render the executor's snapshot. */
static void
test_stats_metrics(void **state)
{
	struct stats		*st;
	struct stats_info	 info;
	struct plan		 p;
	struct ran		 r;
	struct buf		 body;
	struct endpoint_ctx	 none = t_ctx;

	assert_non_null(st = malloc(sizeof(*st)));
	memset(&info, 0, sizeof(info));
	fake_snapshot(t_model, st, &info);
	buf_init(&body);
	stats_render_json(st, &info, &body);
	buf_append_char(&body, '\n');
	t_snapshots = 0;
	expect("GET /stats HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK", T_JSON, NULL,
	    buf_cstr(&body), 200, EP_STATS, 1);
	assert_int_equal(t_snapshots, 1);
	assert_non_null(strstr(body.data, "\"server\": \"echofetchd-test\""));
	assert_non_null(strstr(body.data, "\"model\": \"event\""));

	buf_reset(&body);
	stats_render_prometheus(st, &info, &body);
	assert_true(body.len > 0);
	expect("GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 200 OK",
	    "text/plain; version=0.0.4", NULL, buf_cstr(&body), 200, EP_METRICS, 1);
	buf_free(&body);
	free(st);

	none.stats_snapshot = NULL;
	plan_ctx("GET /stats HTTP/1.1\r\nHost: h\r\n\r\n", 32, &none, &p, &r);
	assert_int_equal(p.status, 503);
	done(&p, &r);
}

/* Unknown paths are 404 with the path; known ones with a wrong method 405 + Allow. */
static void
test_not_found_not_allowed(void **state)
{
	expect_get_error("/foo", 404, "no such endpoint: /foo", EP_NOT_FOUND);
	expect_get_error("/foo?x=1", 404, "no such endpoint: /foo", EP_NOT_FOUND);
	expect_get_error("/stream", 404, "no such endpoint: /stream", EP_NOT_FOUND);
	expect_get_error("/bytes/1/2", 404, "no such endpoint: /bytes/1/2", EP_NOT_FOUND);
	expect_get_error("/anythingelse", 404, "no such endpoint: /anythingelse",
	    EP_NOT_FOUND);
	expect_get_error("/fetch", 400, "url is required", EP_FETCH);
	expect_get_error("/fetchx", 404, "no such endpoint: /fetchx", EP_NOT_FOUND);
	expect_get_error("/a%22b", 404, "no such endpoint: /a%22b", EP_NOT_FOUND);
	/* the path is matched decoded */
	expect("GET /%73tatus/204 HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 204 No Content",
	    NULL, NULL, "", 204, EP_STATUS, 1);
}

/* 405 names the method and says which ones work. */
static void
test_method_not_allowed(void **state)
{
	expect("POST /headers HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 405 Method Not Allowed", T_JSON, "Allow: GET, HEAD\r\n",
	    "{\"error\":\"method not allowed: POST\",\"status\":405}\n", 405, EP_HEADERS, 1);
	expect("BREW /delay?ms=1 HTTP/1.1\r\nHost: h\r\n\r\n",
	    "HTTP/1.1 405 Method Not Allowed", T_JSON, "Allow: GET, HEAD\r\n",
	    "{\"error\":\"method not allowed: BREW\",\"status\":405}\n", 405, EP_DELAY, 1);
	expect("PUT /get HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 405 Method Not Allowed", T_JSON, "Allow: GET, HEAD, OPTIONS\r\n",
	    "{\"error\":\"method not allowed: PUT\",\"status\":405}\n", 405, EP_METHODS, 1);
}

/* Query strings: bad escapes and too many pairs are refused, not guessed at. */
static void
test_query_errors(void **state)
{
	struct buf	 t, req;
	const char	*raw;
	int		 i;

	expect_get_error("/ip?a=%zz", 400, "bad percent-encoding in parameters", EP_IP);
	expect_get_error("/ip?a=%4", 400, "bad percent-encoding in parameters", EP_IP);
	buf_init(&t);
	buf_append_str(&t, "/ip?");
	for (i = 0; i < 101; i++)
		buf_appendf(&t, "k%d=v&", i);
	expect_get_error(buf_cstr(&t), 400, "too many parameters (at most 100)", EP_IP);
	buf_reset(&t);
	buf_append_str(&t, "/ip?&&");
	for (i = 0; i < 100; i++)
		buf_appendf(&t, "k%d=v&&", i);
	/* empty pieces do not count: 100 real pairs are fine */
	raw = buf_cstr(&t);
	buf_init(&req);
	buf_appendf(&req, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", raw);
	expect(buf_cstr(&req), "HTTP/1.1 200 OK", T_JSON, NULL,
	    "{\n  \"origin\": \"127.0.0.1\"\n}\n", 200, EP_IP, 1);
	buf_free(&req);
	buf_free(&t);
}

/* Keep-alive follows the request; HTTP/1.0 closes unless asked not to. */
static void
test_keep_alive(void **state)
{
	static const char ip[] = "{\n  \"origin\": \"127.0.0.1\"\n}\n";

	expect("GET /ip HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", "HTTP/1.1 200 OK",
	    T_JSON, NULL, ip, 200, EP_IP, 0);
	expect("GET /ip HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK", T_JSON, NULL, ip, 200, EP_IP, 0);
	expect("GET /ip HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "HTTP/1.0 200 OK",
	    T_JSON, NULL, ip, 200, EP_IP, 1);
	expect("GET /nope HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found", T_JSON, NULL,
	    "{\"error\":\"no such endpoint: /nope\",\"status\":404}\n", 404, EP_NOT_FOUND, 0);
}

/* Parser refusals: the JSON error, Connection: close, a CLOSE step. */
static void
test_plan_error(void **state)
{
	struct plan	 p;
	struct ran	 r;
	struct buf	 w;
	const char	*body = "{\"error\":\"too \\\"many\\\" headers\",\"status\":431}\n";

	buf_init(&w);
	t_cors = 0;
	want_head(&w, "HTTP/1.1 431 Request Header Fields Too Large", T_JSON,
	    (long long)strlen(body), 0, NULL);
	t_cors = 1;
	buf_append_str(&w, body);
	plan_init(&p);
	plan_write(&p, "left over", 9);
	endpoint_plan_error(&p, 11, 431, "too \"many\" headers", 0, T_NOW);
	run_plan(&p, &r);
	assert_string_equal(buf_cstr(&r.out), buf_cstr(&w));
	assert_true(r.closed);
	assert_int_equal(p.endpoint, EP_BAD_REQUEST);
	assert_int_equal(p.status, 431);
	done(&p, &r);
	buf_free(&w);

	plan_init(&p);
	endpoint_plan_error(&p, 10, 408, NULL, 0, T_NOW);
	run_plan(&p, &r);
	assert_memory_equal(r.out.data, "HTTP/1.0 408 Request Timeout\r\n", 30);
	assert_string_equal(r.out.data + r.head_len,
	    "{\"error\":\"Request Timeout\",\"status\":408}\n");
	done(&p, &r);
}

/* Feed a request through an exchange in pieces. */
static enum http_parse_result
feed_all(struct exchange *ex, const char *raw)
{
	size_t			 used, len = strlen(raw), off = 0;
	enum http_parse_result	 res = HTTP_PARSE_NEED_MORE;

	while (off < len && res == HTTP_PARSE_NEED_MORE) {
		res = exchange_feed(ex, raw + off, len - off > 5 ? 5 : len - off, &used);
		off += used;
	}
	return (res);
}

/* Read the access log back. */
static void
read_log(const char *path, char *out, size_t len)
{
	FILE	*fp;
	size_t	 n;

	assert_non_null(fp = fopen(path, "r"));
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	fclose(fp);
}

/* An exchange counts, logs, and resets; a vanished client logs 499. */
static void
test_exchange(void **state)
{
	struct stats		*st;
	struct exchange		 ex;
	struct http_limits	 lim;
	struct endpoint_ctx	 v6 = t_ctx;
	struct buf		 sent;
	char			 path[] = "/tmp/test_endpoint.XXXXXX", text[2048], err[256];
	int			 fd;
	uint64_t		 t0;

	buf_init(&sent);
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_int_equal(log_access_open(path, err, sizeof(err)), 0);
	assert_non_null(st = malloc(sizeof(*st)));
	stats_init(st);
	http_limits_default(&lim);
	exchange_init(&ex, &lim);
	t0 = time_now_ms();
	assert_true(time_now_ms() >= t0);

	assert_false(exchange_started(&ex));
	assert_int_equal(feed_all(&ex, "GET /ip?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"),
	    HTTP_PARSE_DONE);
	assert_true(exchange_started(&ex));
	exchange_plan(&ex, &t_ctx, st);
	assert_int_equal(st->plans_inflight, 1);
	assert_int_equal(ex.plan.status, 200);
	ex.bytes_sent = 123;
	exchange_finish(&ex, st, &t_ctx, EXCHANGE_DONE);
	assert_int_equal(st->plans_inflight, 0);
	assert_int_equal(st->requests[EP_IP][200 - STATS_STATUS_MIN], 1);
	assert_int_equal(st->bytes_out, 123);
	assert_false(exchange_started(&ex));
	assert_int_equal(ex.plan.nsteps, 0);

	assert_int_equal(feed_all(&ex, "GET /delay?ms=9000 HTTP/1.1\r\nHost: h\r\n\r\n"),
	    HTTP_PARSE_DONE);
	exchange_plan(&ex, &v6, st);
	v6.client_ip = "::1";
	exchange_finish(&ex, st, &v6, EXCHANGE_CLIENT_GONE);
	assert_int_equal(st->requests[EP_DELAY][499 - STATS_STATUS_MIN], 1);
	assert_int_equal(st->requests[EP_DELAY][200 - STATS_STATUS_MIN], 0);

	/* a refused request: the parser's status and reason, and a close */
	assert_int_equal(feed_all(&ex, "GET / HTTP/1.1\r\n\r\n"), HTTP_PARSE_ERROR);
	exchange_plan(&ex, &t_ctx, st);
	assert_int_equal(ex.plan.status, 400);
	assert_int_equal(ex.plan.keep_alive, 0);
	assert_int_equal(ex.plan.steps[ex.plan.nsteps - 1].kind, PLAN_CLOSE);
	buf_reset(&sent);
	plan_render(&ex.plan, 1, &sent);
	assert_non_null(strstr(buf_cstr(&sent), "Connection: close\r\n"));
	assert_non_null(strstr(buf_cstr(&sent), "{\"error\":\"missing Host\",\"status\":400}\n"));
	exchange_finish(&ex, st, &t_ctx, EXCHANGE_DONE);
	assert_int_equal(st->requests[EP_BAD_REQUEST][400 - STATS_STATUS_MIN], 1);

	/* a timeout before the head completed: 408, nothing parsed */
	assert_int_equal(feed_all(&ex, "GET /sl"), HTTP_PARSE_NEED_MORE);
	assert_true(exchange_started(&ex));
	assert_int_equal(exchange_timeout_end(&ex), EXCHANGE_TIMEOUT_HEADER);
	exchange_plan_timeout(&ex, &t_ctx, st);
	buf_reset(&sent);
	plan_render(&ex.plan, 1, &sent);
	assert_non_null(strstr(buf_cstr(&sent), "HTTP/1.1 408 Request Timeout\r\n"));
	assert_non_null(strstr(buf_cstr(&sent), "\"request header timeout (header_timeout_ms)\""));
	exchange_finish(&ex, st, &t_ctx, EXCHANGE_DONE);
	assert_int_equal(st->plans_inflight, 0);
	/* the server answered, not an endpoint: counted by status, under none */
	assert_int_equal(st->requests[STATS_NO_ENDPOINT][408 - STATS_STATUS_MIN], 1);
	assert_int_equal(st->requests[EP_BAD_REQUEST][408 - STATS_STATUS_MIN], 0);
	assert_int_equal(st->requests_class[3], 3);
	assert_int_equal(st->requests_total, 4);

	/* finishing without a plan counts nothing */
	exchange_finish(&ex, st, &t_ctx, EXCHANGE_DONE);
	assert_int_equal(st->requests_total, 4);

	read_log(path, text, sizeof(text));
	assert_non_null(strstr(text, " 127.0.0.1:5555 \"GET /ip?x=1\" 200 123 "));
	assert_non_null(strstr(text, " [::1]:5555 \"GET /delay?ms=9000\" 499 0 "));
	assert_non_null(strstr(text, "ms client-gone\n"));
	assert_non_null(strstr(text, " 127.0.0.1:5555 \"- -\" 408 0 "));
	assert_non_null(strstr(text, "ms header-timeout\n"));
	assert_int_equal(log_access_open("off", err, sizeof(err)), 0);
	unlink(path);
	exchange_free(&ex);
	buf_free(&sent);
	free(st);
}

/* Every test above; cmocka prints TAP when the harness asks for it. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_anything_get),
		cmocka_unit_test(test_anything_bodies),
		cmocka_unit_test(test_small_json),
		cmocka_unit_test(test_head_method),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_config_limits),
		cmocka_unit_test(test_drip),
		cmocka_unit_test(test_stream_chunked),
		cmocka_unit_test(test_stream_http10),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_stats_metrics),
		cmocka_unit_test(test_not_found_not_allowed),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_query_errors),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_plan_error),
		cmocka_unit_test(test_exchange),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
