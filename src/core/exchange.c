/* exchange: one request and its response, from the first byte to the access-log line. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "core/endpoint.h"
#include "core/exchange.h"
#include "core/http.h"
#include "util/log.h"
#include "core/plan.h"
#include "core/stats.h"
#include "util/time.h"

/* One per connection, reused request after request. */
void
exchange_init(struct exchange *ex, const struct http_limits *limits)
{
	memset(ex, 0, sizeof(*ex));
	http_parser_init(&ex->parser, limits);
	plan_init(&ex->plan);
}

/* Give back the parser's and the plan's buffers. */
void
exchange_free(struct exchange *ex)
{
	http_parser_free(&ex->parser);
	plan_free(&ex->plan);
}

/* The clock for a request starts with its first byte, not with the connection. */
enum http_parse_result
exchange_feed(struct exchange *ex, const char *data, size_t len, size_t *consumed)
{
	if (!ex->started && len > 0) {
		ex->started = 1;
		ex->started_us = time_now_us();
		ex->started_ms = ex->started_us / 1000;
	}
	return (http_parser_feed(&ex->parser, data, len, consumed));
}

/* An idle keep-alive connection times out quietly; a half-sent request gets 408. */
int
exchange_started(const struct exchange *ex)
{
	return (ex->started);
}

/* The request's HTTP version if its head got that far, else 1.1. */
static int
exchange_version(const struct exchange *ex)
{
	if (http_parser_head_done(&ex->parser) && ex->parser.req.version == 10)
		return (10);
	return (11);
}

/* A parsed request becomes its endpoint's plan; a refused one, the parser's error. */
void
exchange_plan(struct exchange *ex, const struct endpoint_ctx *ctx, struct stats *stats)
{
	if (ex->parser.state == HTTP_STATE_ERROR)
		endpoint_plan_error(&ex->plan, exchange_version(ex),
		    ex->parser.error_status != 0 ? ex->parser.error_status : 400,
		    ex->parser.error_reason, 0, ctx->now);
	else
		endpoint_plan(&ex->parser.req, ctx, &ex->plan);
	ex->active = 1;
	if (stats != NULL)
		stats_add(&stats->plans_inflight, 1);
}

/* WAIT, STREAM, FETCH and BURN each have a gauge; writing counts under none. */
void
exchange_step(struct exchange *ex, struct stats *stats, enum plan_step_kind kind)
{
	uint64_t	*gauge = NULL;

	if (stats == NULL)
		return;
	switch (kind) {
	case PLAN_WAIT:
		gauge = &stats->wait_timer;
		break;
	case PLAN_STREAM:
		gauge = &stats->wait_stream;
		break;
	case PLAN_FETCH:
		gauge = &stats->wait_fetch;
		break;
	case PLAN_BURN:
		gauge = &stats->wait_cpu;
		break;
	default:
		break;
	}
	if (gauge == ex->waiting)
		return;
	if (ex->waiting != NULL)
		stats_sub(ex->waiting, 1);
	if (gauge != NULL)
		stats_add(gauge, 1);
	ex->waiting = gauge;
}

/* Indexed by enum exchange_end; the words the access log and close logs use. */
static const char *const exchange_end_names[EXCHANGE_END_COUNT] = {
	[EXCHANGE_DONE] = "done",
	[EXCHANGE_CLIENT_GONE] = "client-gone",
	[EXCHANGE_CLIENT_CLOSED] = "client-closed",
	[EXCHANGE_CLIENT_CLOSED_MID] = "client-closed-mid-request",
	[EXCHANGE_SOCKET_ERROR] = "socket-error",
	[EXCHANGE_KEEPALIVE_TIMEOUT] = "keepalive-timeout",
	[EXCHANGE_TIMEOUT_HEADER] = "header-timeout",
	[EXCHANGE_TIMEOUT_BODY] = "body-timeout",
	[EXCHANGE_TIMEOUT_HANDSHAKE] = "tls-handshake-timeout",
	[EXCHANGE_WRITE_TIMEOUT] = "write-timeout",
	[EXCHANGE_REFUSED_CAP] = "refused-cap",
	[EXCHANGE_DRAIN_IDLE] = "drain-idle",
	[EXCHANGE_DRAIN_DEADLINE] = "drain-deadline",
	[EXCHANGE_SERVER_STOP] = "server-stopping",
	[EXCHANGE_OOM] = "out-of-memory",
	[EXCHANGE_CLOSED] = "closed",
};

/* An out-of-range end is a bug, but must not crash a log line. */
const char *
exchange_end_name(enum exchange_end end)
{
	if ((unsigned int)end >= EXCHANGE_END_COUNT || exchange_end_names[end] == NULL)
		return ("unknown");
	return (exchange_end_names[end]);
}

#define EXCHANGE_CONTINUE	"HTTP/1.1 100 Continue\r\n\r\n"

/*
 * "Expect: 100-continue": the interim answer goes out only while the body is
 * still awaited; a request already complete (or refused) gets its final one.
 */
size_t
exchange_continue_bytes(struct exchange *ex, enum http_parse_result r,
    const char **bytes)
{
	if (!ex->parser.want_continue)
		return (0);
	ex->parser.want_continue = 0;
	if (r != HTTP_PARSE_NEED_MORE)
		return (0);
	*bytes = EXCHANGE_CONTINUE;
	return (sizeof(EXCHANGE_CONTINUE) - 1);
}

/* A read deadline before the head is whole is the head's; after, the body's. */
enum exchange_end
exchange_timeout_end(const struct exchange *ex)
{
	return (http_parser_head_done(&ex->parser) ?
	    EXCHANGE_TIMEOUT_BODY : EXCHANGE_TIMEOUT_HEADER);
}

/* Errors the server decides on: always the last answer on the connection. */
void
exchange_plan_error(struct exchange *ex, int status, const char *reason,
    enum exchange_end end, const struct endpoint_ctx *ctx, struct stats *stats)
{
	endpoint_plan_error(&ex->plan, exchange_version(ex), status, reason, 0, ctx->now);
	/* It may replace a plan that failed to build: count the request once. */
	if (!ex->active && stats != NULL)
		stats_add(&stats->plans_inflight, 1);
	ex->active = 1;
	ex->planned_end = end;
}

/* Both executors' 408: the same reason for the same parser state. */
void
exchange_plan_timeout(struct exchange *ex, const struct endpoint_ctx *ctx,
    struct stats *stats)
{
	enum exchange_end	 end = exchange_timeout_end(ex);

	exchange_plan_error(ex, 408, end == EXCHANGE_TIMEOUT_BODY ?
	    "request body timeout (body_timeout_ms)" :
	    "request header timeout (header_timeout_ms)", end, ctx, stats);
}

/* The refusal is one plan like any other, so it is counted and logged like one. */
void
exchange_reject(struct exchange *ex, const char *reason,
    const struct endpoint_ctx *ctx, struct stats *stats,
    long (*send)(void *arg, const char *, size_t), void *arg)
{
	enum exchange_end	 end = EXCHANGE_DONE;
	struct buf		 out;
	long			 n;

	exchange_plan_error(ex, 503, reason, EXCHANGE_REFUSED_CAP, ctx, stats);
	buf_init(&out);
	if (!plan_failed(&ex->plan))
		plan_render(&ex->plan, 0, &out);
	if (plan_failed(&ex->plan) || out.oom)
		end = EXCHANGE_OOM;
	else {
		if ((n = send(arg, out.data, out.len)) > 0)
			ex->bytes_sent += (unsigned long long)n;
		if (n < 0 || (size_t)n < out.len)
			end = EXCHANGE_CLIENT_GONE;
	}
	buf_free(&out);
	exchange_finish(ex, stats, ctx, end);
}

/* "1.2.3.4:5678" or "[::1]:5678" for the access log, then a NUL. */
static void
exchange_client(struct buf *out, const struct endpoint_ctx *ctx)
{
	int	 v6;

	if (ctx == NULL || ctx->client_ip == NULL) {
		buf_append(out, "-", 2);
		return;
	}
	v6 = strchr(ctx->client_ip, ':') != NULL;
	if (v6)
		buf_append_char(out, '[');
	buf_append_str(out, ctx->client_ip);
	buf_append(out, v6 ? "]:" : ":", v6 ? 2 : 1);
	buf_append_uint(out, ctx->client_port);
	buf_append_char(out, '\0');
}

/* A slice copied into b with its NUL; its offset there, or -1 when it is empty. */
static long
exchange_text(struct buf *b, const char *p, size_t len)
{
	size_t	 off = b->len;

	if (len == 0)
		return (-1);
	buf_append(b, p, len);
	buf_append_char(b, '\0');
	return ((long)off);
}

/* A request header's value copied into b (see exchange_text), or -1 when it was not sent. */
static long
exchange_header(const struct exchange *ex, const char *name, struct buf *b)
{
	const struct http_header	*h;
	size_t				 off = b->len;

	if ((h = http_header_find(&ex->parser.req, name)) == NULL)
		return (-1);
	buf_append(b, h->value.p, h->value.len);
	buf_append_char(b, '\0');
	return ((long)off);
}

/* The C string at off in b, or dflt for -1. */
static const char *
exchange_at(const struct buf *b, long off, const char *dflt)
{
	return (off < 0 ? dflt : b->data + off);
}

/*
 * One access-log line; slices are copied out because the log wants C
 * strings, all into one buffer, so a line costs one allocation.
 */
static void
exchange_log(struct exchange *ex, const struct endpoint_ctx *ctx, int status,
    enum exchange_end end)
{
	struct access_entry	 e;
	struct buf		 t;
	long			 method = -1, target = -1, referer = -1, agent = -1;
	int			 parsed = http_parser_head_done(&ex->parser);

	buf_init(&t);
	exchange_client(&t, ctx);
	memset(&e, 0, sizeof(e));
	if (parsed) {
		method = exchange_text(&t, ex->parser.req.method_name.p,
		    ex->parser.req.method_name.len);
		target = exchange_text(&t, ex->parser.req.target.p,
		    ex->parser.req.target.len);
		referer = exchange_header(ex, "Referer", &t);
		agent = exchange_header(ex, "User-Agent", &t);
		e.version = ex->parser.req.version;
	}
	if (t.oom) {
		buf_free(&t);
		return;
	}
	/* Pointers only now: the appends above may have moved the data. */
	e.client = t.data;
	e.referer = exchange_at(&t, referer, NULL);
	e.user_agent = exchange_at(&t, agent, NULL);
	e.host = ctx->client_ip;
	e.method = exchange_at(&t, method, "-");
	e.target = exchange_at(&t, target, "-");
	e.status = status;
	e.bytes = ex->bytes_sent;
	e.duration_ms = ex->started ?
	    (double)(time_now_us() - ex->started_us) / 1000.0 : 0.0;
	e.note = end != EXCHANGE_DONE ? exchange_end_name(end) : NULL;
	log_access(&e);
	buf_free(&t);
}

/*
 * Count, log, and make the connection ready for its next request. An answer
 * the server made itself counts under no endpoint, by its status.
 */
void
exchange_finish(struct exchange *ex, struct stats *stats, const struct endpoint_ctx *ctx,
    enum exchange_end cut)
{
	enum exchange_end	 end = cut != EXCHANGE_DONE ? cut : ex->planned_end;
	int			 status, endpoint;

	if (ex->active) {
		status = end == EXCHANGE_CLIENT_GONE ? 499 : ex->plan.status;
		endpoint = ex->planned_end != EXCHANGE_DONE ? STATS_NO_ENDPOINT :
		    ex->plan.endpoint;
		if (stats != NULL) {
			stats_sub(&stats->plans_inflight, 1);
			if (ex->waiting != NULL)
				stats_sub(ex->waiting, 1);
			stats_count_request(stats, endpoint, status);
			if (ex->started_us != 0)
				stats_count_latency(stats,
				    time_now_us() - ex->started_us);
			stats_add(&stats->bytes_out, ex->bytes_sent);
		}
		if (log_access_enabled())
			exchange_log(ex, ctx, status, end);
	}
	exchange_reset(ex);
}

/* Ready for the next request on the same connection, buffers kept. */
void
exchange_reset(struct exchange *ex)
{
	http_parser_reset(&ex->parser);
	plan_reset(&ex->plan);
	ex->started_ms = 0;
	ex->started_us = 0;
	ex->waiting = NULL;
	ex->started = 0;
	ex->bytes_sent = 0;
	ex->active = 0;
	ex->planned_end = EXCHANGE_DONE;
}
