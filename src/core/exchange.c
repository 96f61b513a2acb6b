/* exchange: one request and its response, from the first byte to the access-log line. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/endpoint.h"
#include "core/exchange.h"
#include "core/http.h"
#include "core/log.h"
#include "core/plan.h"
#include "core/stats.h"

/* Wall-clock jumps must not stretch timeouts or durations. */
uint64_t
exchange_now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/*
 * Monotonic microseconds: the access log's durations, and the clock a
 * WAIT's due time is kept on, so a logged wait is never shorter than asked.
 */
uint64_t
exchange_now_us(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

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
		ex->started_us = exchange_now_us();
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

/* Errors the executor decides on (408, 503): always the last answer on the connection. */
void
exchange_plan_error(struct exchange *ex, int status, const char *reason,
    const struct endpoint_ctx *ctx, struct stats *stats)
{
	endpoint_plan_error(&ex->plan, exchange_version(ex), status, reason, 0, ctx->now);
	/* It may replace a plan that failed to build: count the request once. */
	if (!ex->active && stats != NULL)
		stats_add(&stats->plans_inflight, 1);
	ex->active = 1;
}

/* "1.2.3.4:5678" or "[::1]:5678" for the access log. */
static void
exchange_client(char *out, size_t len, const struct endpoint_ctx *ctx)
{
	if (ctx == NULL || ctx->client_ip == NULL)
		snprintf(out, len, "-");
	else if (strchr(ctx->client_ip, ':') != NULL)
		snprintf(out, len, "[%s]:%u", ctx->client_ip, ctx->client_port);
	else
		snprintf(out, len, "%s:%u", ctx->client_ip, ctx->client_port);
}

/* One access-log line; slices are copied out because the log wants C strings. */
static void
exchange_log(struct exchange *ex, const struct endpoint_ctx *ctx, int status,
    const char *note)
{
	struct access_entry	 e;
	struct buf		 method, target;
	char			 client[96];
	int			 parsed = http_parser_head_done(&ex->parser);

	buf_init(&method);
	buf_init(&target);
	exchange_client(client, sizeof(client), ctx);
	if (parsed) {
		buf_append(&method, ex->parser.req.method_name.p,
		    ex->parser.req.method_name.len);
		buf_append(&target, ex->parser.req.target.p, ex->parser.req.target.len);
	}
	memset(&e, 0, sizeof(e));
	e.client = client;
	e.method = parsed && method.len > 0 ? buf_cstr(&method) : "-";
	e.target = parsed && target.len > 0 ? buf_cstr(&target) : "-";
	e.status = status;
	e.bytes = ex->bytes_sent;
	e.duration_ms = ex->started ?
	    (double)(exchange_now_us() - ex->started_us) / 1000.0 : 0.0;
	e.note = note;
	log_access(&e);
	buf_free(&method);
	buf_free(&target);
}

/* Count, log, and make the connection ready for its next request. */
void
exchange_finish(struct exchange *ex, struct stats *stats, const struct endpoint_ctx *ctx,
    const char *note)
{
	int	 status;

	if (ex->active) {
		status = ex->plan.status;
		if (note != NULL && strcmp(note, "client-gone") == 0)
			status = 499;
		if (stats != NULL) {
			stats_sub(&stats->plans_inflight, 1);
			stats_count_request(stats, ex->plan.endpoint, status);
			stats_add(&stats->bytes_out, ex->bytes_sent);
		}
		if (log_access_enabled())
			exchange_log(ex, ctx, status, note);
	}
	http_parser_reset(&ex->parser);
	plan_reset(&ex->plan);
	ex->started_ms = 0;
	ex->started_us = 0;
	ex->started = 0;
	ex->bytes_sent = 0;
	ex->active = 0;
}
