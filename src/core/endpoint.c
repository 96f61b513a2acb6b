/* endpoint: the router, parameters, and the error and response helpers endpoints share. */
#include "autoconfig.h"

#include <string.h>

#include "util/buf.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/endpoint_more.h"
#include "core/fetch.h"
#include "core/http.h"
#include "util/json.h"
#include "core/plan.h"
#include "core/response.h"
#include "util/num.h"

/* Limits when an endpoint runs without a config (tests, tools). */
#define ENDPOINT_DELAY_MAX_DEFAULT	10000
#define ENDPOINT_CPU_MAX_DEFAULT	10000
#define ENDPOINT_BYTES_MAX_DEFAULT	(10ULL * 1024 * 1024)
#define ENDPOINT_STREAM_MAX_DEFAULT	100

enum endpoint_match {
	ENDPOINT_EXACT = 0,	/* the path itself */
	ENDPOINT_SEGMENT,	/* prefix + one segment without '/' */
	ENDPOINT_TREE,		/* the path itself, or prefix + '/' + anything */
};

struct endpoint_route {
	const char	*path;
	enum endpoint_match match;
	enum endpoint_id id;
	int		 any_method;
	void		(*run)(struct endpoint_call *);
};

/* Order matters only between "/delay" and "/delay/". */
static const struct endpoint_route endpoint_routes[] = {
	{ "/", ENDPOINT_EXACT, EP_ROOT, 0, endpoint_root },
	{ "/echo", ENDPOINT_EXACT, EP_ECHO, 1, endpoint_echo },
	{ "/anything", ENDPOINT_TREE, EP_ANYTHING, 1, endpoint_anything },
	{ "/headers", ENDPOINT_EXACT, EP_HEADERS, 0, endpoint_headers },
	{ "/ip", ENDPOINT_EXACT, EP_IP, 0, endpoint_ip },
	{ "/user-agent", ENDPOINT_EXACT, EP_USER_AGENT, 0, endpoint_user_agent },
	{ "/delay", ENDPOINT_EXACT, EP_DELAY, 0, endpoint_delay },
	{ "/delay/", ENDPOINT_SEGMENT, EP_DELAY, 0, endpoint_delay },
	{ "/drip", ENDPOINT_EXACT, EP_DRIP, 0, endpoint_drip },
	{ "/stream/", ENDPOINT_SEGMENT, EP_STREAM, 0, endpoint_stream_lines },
	{ "/bytes/", ENDPOINT_SEGMENT, EP_BYTES, 0, endpoint_bytes },
	{ "/status/", ENDPOINT_SEGMENT, EP_STATUS, 1, endpoint_status },
	{ "/cpu", ENDPOINT_EXACT, EP_CPU, 0, endpoint_cpu },
	{ "/stats", ENDPOINT_EXACT, EP_STATS, 0, endpoint_stats },
	{ "/metrics", ENDPOINT_EXACT, EP_METRICS, 0, endpoint_metrics },
	{ "/fetch", ENDPOINT_EXACT, EP_FETCH, 0, endpoint_fetch },
	{ "/gather", ENDPOINT_EXACT, EP_GATHER, 0, endpoint_gather },
	{ "/chain", ENDPOINT_EXACT, EP_CHAIN, 0, endpoint_chain },
	{ "/get", ENDPOINT_EXACT, EP_METHODS, 1, endpoint_methods },
	{ "/post", ENDPOINT_EXACT, EP_METHODS, 1, endpoint_methods },
	{ "/put", ENDPOINT_EXACT, EP_METHODS, 1, endpoint_methods },
	{ "/patch", ENDPOINT_EXACT, EP_METHODS, 1, endpoint_methods },
	{ "/delete", ENDPOINT_EXACT, EP_METHODS, 1, endpoint_methods },
	{ "/uuid", ENDPOINT_EXACT, EP_UUID, 0, endpoint_uuid },
	{ "/base64/", ENDPOINT_SEGMENT, EP_BASE64, 0, endpoint_base64 },
	{ "/json", ENDPOINT_EXACT, EP_DOCUMENT, 0, endpoint_document },
	{ "/xml", ENDPOINT_EXACT, EP_DOCUMENT, 0, endpoint_document },
	{ "/html", ENDPOINT_EXACT, EP_DOCUMENT, 0, endpoint_document },
	{ "/robots.txt", ENDPOINT_EXACT, EP_DOCUMENT, 0, endpoint_document },
	{ "/encoding/utf8", ENDPOINT_EXACT, EP_DOCUMENT, 0, endpoint_document },
	{ "/redirect/", ENDPOINT_SEGMENT, EP_REDIRECT, 0, endpoint_redirect },
	{ "/relative-redirect/", ENDPOINT_SEGMENT, EP_REDIRECT, 0, endpoint_redirect },
	{ "/absolute-redirect/", ENDPOINT_SEGMENT, EP_REDIRECT, 0, endpoint_redirect },
	{ "/redirect-to", ENDPOINT_EXACT, EP_REDIRECT, 1, endpoint_redirect_to },
	{ "/cookies", ENDPOINT_TREE, EP_COOKIES, 0, endpoint_cookies },
	{ "/basic-auth", ENDPOINT_TREE, EP_AUTH, 0, endpoint_basic_auth },
	{ "/hidden-basic-auth", ENDPOINT_TREE, EP_AUTH, 0, endpoint_basic_auth },
	{ "/bearer", ENDPOINT_EXACT, EP_AUTH, 0, endpoint_bearer },
	{ "/links", ENDPOINT_TREE, EP_LINKS, 0, endpoint_links },
	{ "/gzip", ENDPOINT_EXACT, EP_ENCODED, 0, endpoint_gzip },
	{ "/deflate", ENDPOINT_EXACT, EP_ENCODED, 0, endpoint_gzip },
	{ "/response-headers", ENDPOINT_EXACT, EP_RESPONSE_HEADERS, 1,
	    endpoint_response_headers },
	{ "/cache", ENDPOINT_EXACT, EP_CACHE, 0, endpoint_cache },
	{ "/cache/", ENDPOINT_SEGMENT, EP_CACHE, 0, endpoint_cache },
	{ "/etag/", ENDPOINT_SEGMENT, EP_CACHE, 0, endpoint_etag },
	{ "/range/", ENDPOINT_SEGMENT, EP_RANGE, 0, endpoint_range },
	{ "/stream-bytes/", ENDPOINT_SEGMENT, EP_STREAM_BYTES, 0, endpoint_stream_bytes },
	{ "/sse", ENDPOINT_EXACT, EP_SSE, 0, endpoint_sse },
	{ "/health", ENDPOINT_EXACT, EP_HEALTH, 0, endpoint_health },
	{ "/websocket/echo", ENDPOINT_EXACT, EP_WEBSOCKET, 0, endpoint_websocket },
	{ "/events", ENDPOINT_EXACT, EP_EVENTS, 0, endpoint_events },
	{ "/dashboard", ENDPOINT_EXACT, EP_DASHBOARD, 0, endpoint_dashboard },
};

static const char *endpoint_names[ENDPOINT_COUNT] = {
	[EP_NOT_FOUND] = "not_found",
	[EP_BAD_REQUEST] = "bad_request",
	[EP_ROOT] = "root",
	[EP_ECHO] = "echo",
	[EP_ANYTHING] = "anything",
	[EP_HEADERS] = "headers",
	[EP_IP] = "ip",
	[EP_USER_AGENT] = "user_agent",
	[EP_DELAY] = "delay",
	[EP_DRIP] = "drip",
	[EP_STREAM] = "stream",
	[EP_BYTES] = "bytes",
	[EP_STATUS] = "status",
	[EP_CPU] = "cpu",
	[EP_STATS] = "stats",
	[EP_METRICS] = "metrics",
	[EP_FETCH] = "fetch",
	[EP_GATHER] = "gather",
	[EP_CHAIN] = "chain",
	[EP_METHODS] = "methods",
	[EP_UUID] = "uuid",
	[EP_BASE64] = "base64",
	[EP_DOCUMENT] = "document",
	[EP_PREFLIGHT] = "preflight",
	[EP_REDIRECT] = "redirect",
	[EP_COOKIES] = "cookies",
	[EP_AUTH] = "auth",
	[EP_LINKS] = "links",
	[EP_ENCODED] = "encoded",
	[EP_RESPONSE_HEADERS] = "response_headers",
	[EP_CACHE] = "cache",
	[EP_RANGE] = "range",
	[EP_STREAM_BYTES] = "stream_bytes",
	[EP_SSE] = "sse",
	[EP_HEALTH] = "health",
	[EP_WEBSOCKET] = "websocket",
	[EP_EVENTS] = "events",
	[EP_DASHBOARD] = "dashboard",
};

/* Stats labels and log lines name endpoints the same way everywhere. */
const char *
endpoint_name(enum endpoint_id id)
{
	if ((int)id < 0 || id >= ENDPOINT_COUNT || endpoint_names[id] == NULL)
		return ("unknown");
	return (endpoint_names[id]);
}

/* Ready an empty set of pairs whose text goes into store (the caller's). */
void
endpoint_query_init(struct endpoint_query *q, struct buf *store)
{
	q->store = store;
	q->n = 0;
}

/* Pairs from other sources (multipart parts) join a query as they are. */
int
endpoint_query_push(struct endpoint_query *q, const char *name, size_t nlen,
    const char *value, size_t vlen, const char **why)
{
	struct endpoint_pair	*pr;

	if (q->n >= ENDPOINT_QUERY_MAX) {
		*why = "too many parameters (at most 100)";
		return (-1);
	}
	pr = &q->pairs[q->n++];
	pr->name_off = q->store->len;
	pr->name_len = nlen;
	buf_append(q->store, name, nlen);
	pr->value_off = q->store->len;
	pr->value_len = vlen;
	buf_append(q->store, value, vlen);
	return (0);
}

/* Decode one "name=value" piece into the next pair. */
static int
endpoint_query_add(struct endpoint_query *q, const char *s, size_t len, const char **why)
{
	struct endpoint_pair	*pr;
	const char		*eq;
	size_t			 nlen;

	if (q->n >= ENDPOINT_QUERY_MAX) {
		*why = "too many parameters (at most 100)";
		return (-1);
	}
	pr = &q->pairs[q->n];
	eq = memchr(s, '=', len);
	nlen = eq != NULL ? (size_t)(eq - s) : len;
	pr->name_off = q->store->len;
	if (http_percent_decode(q->store, s, nlen, 1) == -1)
		goto bad;
	pr->name_len = q->store->len - pr->name_off;
	pr->value_off = q->store->len;
	if (eq != NULL &&
	    http_percent_decode(q->store, eq + 1, len - nlen - 1, 1) == -1)
		goto bad;
	pr->value_len = q->store->len - pr->value_off;
	q->n++;
	return (0);
bad:
	*why = q->store->oom ? "out of memory" : "bad percent-encoding in parameters";
	return (-1);
}

/* Parameters arrive form-encoded ("+" is a space); empty pieces ("a=1&&b=2") are skipped. */
int
endpoint_query_parse(struct endpoint_query *q, const char *s, size_t len, const char **why)
{
	const char	*amp;
	size_t		 pos = 0, seg;

	q->n = 0;
	buf_reset(q->store);
	while (pos < len) {
		amp = memchr(s + pos, '&', len - pos);
		seg = amp != NULL ? (size_t)(amp - (s + pos)) : len - pos;
		if (seg > 0 && endpoint_query_add(q, s + pos, seg, why) == -1)
			return (-1);
		pos += seg + 1;
	}
	return (0);
}

/* Pairs keep offsets because the store may move as it grows. */
const char *
endpoint_query_name(const struct endpoint_query *q, unsigned int i, size_t *len)
{
	*len = q->pairs[i].name_len;
	return (q->store->data != NULL ? q->store->data + q->pairs[i].name_off : "");
}

/* The decoded value of pair i. */
const char *
endpoint_query_value(const struct endpoint_query *q, unsigned int i, size_t *len)
{
	*len = q->pairs[i].value_len;
	return (q->store->data != NULL ? q->store->data + q->pairs[i].value_off : "");
}

/* The contract says the first of repeated parameters wins. */
const char *
endpoint_query_find(const struct endpoint_query *q, const char *name, size_t *len)
{
	const char	*n;
	size_t		 nlen, want = strlen(name);
	unsigned int	 i;

	for (i = 0; i < q->n; i++) {
		n = endpoint_query_name(q, i, &nlen);
		if (nlen == want && memcmp(n, name, want) == 0)
			return (endpoint_query_value(q, i, len));
	}
	return (NULL);
}

/* Strict digits: "+5", " 5", "5x" and "" are all refused rather than guessed at. */
int
endpoint_parse_uint(const char *s, size_t len, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	uint64_t		 v;

	if (num_parse_u64(s, len, max, &v) == -1 || v < min)
		return (-1);
	*out = v;
	return (0);
}

/* Exact decimal to ms, no floating point, so "0.1" is 100 ms on every machine. */
int
endpoint_parse_seconds(const char *s, size_t len, unsigned int max_ms, unsigned int *ms)
{
	unsigned long long	 secs = 0, frac = 0;
	size_t			 i = 0, nfrac = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		secs = secs * 10 + (unsigned long long)(s[i] - '0');
		if (secs > max_ms / 1000 + 1)
			return (-1);
		i++;
	}
	if (i == 0)
		return (-1);
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (++nfrac > 3)
				return (-1);
			frac = frac * 10 + (unsigned long long)(s[i] - '0');
		}
		if (nfrac == 0)
			return (-1);
	}
	if (i != len)
		return (-1);
	for (; nfrac < 3; nfrac++)
		frac *= 10;
	if (secs * 1000 + frac > max_ms)
		return (-1);
	*ms = (unsigned int)(secs * 1000 + frac);
	return (0);
}

/* Errors name the parameter and its range, so nothing is silently clamped. */
void
endpoint_reason_uint(struct endpoint_call *call, const char *name,
    unsigned long long min, unsigned long long max)
{
	buf_reset(call->reason);
	buf_appendf(call->reason, "%s must be an integer %llu..%llu", name, min, max);
}

/* Seconds ranges print as seconds: 10000 ms is "0..10", 2500 ms is "0..2.5". */
void
endpoint_reason_seconds(struct endpoint_call *call, const char *name, unsigned int max_ms)
{
	unsigned int	 frac = max_ms % 1000;

	buf_reset(call->reason);
	buf_appendf(call->reason, "%s must be a number of seconds 0..%u", name,
	    max_ms / 1000);
	if (frac != 0) {
		while (frac % 10 == 0)
			frac /= 10;
		buf_appendf(call->reason, ".%0*u", max_ms % 100 == 0 ? 1 :
		    max_ms % 10 == 0 ? 2 : 3, frac);
	}
}

/* One call per parameter keeps every endpoint's validation to a line. */
int
endpoint_arg_uint(struct endpoint_call *call, const char *name, int required,
    unsigned long long min, unsigned long long max, unsigned long long *v)
{
	const char	*s;
	size_t		 len;

	if ((s = endpoint_query_find(&call->query, name, &len)) == NULL) {
		if (!required)
			return (0);
	} else if (endpoint_parse_uint(s, len, min, max, v) == 0)
		return (0);
	endpoint_reason_uint(call, name, min, max);
	return (-1);
}

/* As endpoint_arg_uint, for decimal seconds. */
int
endpoint_arg_seconds(struct endpoint_call *call, const char *name, int required,
    unsigned int max_ms, unsigned int *ms)
{
	const char	*s;
	size_t		 len;

	if ((s = endpoint_query_find(&call->query, name, &len)) == NULL) {
		if (!required)
			return (0);
	} else if (endpoint_parse_seconds(s, len, max_ms, ms) == 0)
		return (0);
	endpoint_reason_seconds(call, name, max_ms);
	return (-1);
}

/* A number that is the route's last path segment ("/range/{n}"); -1 after the 400. */
int
endpoint_rest_uint(struct endpoint_call *call, const char *name,
    unsigned long long min, unsigned long long max, unsigned long long *v)
{
	if (endpoint_parse_uint(call->rest, call->restlen, min, max, v) == 0)
		return (0);
	endpoint_reason_uint(call, name, min, max);
	endpoint_fail_reason(call);
	return (-1);
}

/* The head of a stream of unknown length: chunked on HTTP/1.1, until close on 1.0; 1 if chunked. */
int
endpoint_head_stream(struct endpoint_call *call, const char *ctype, const char *extra)
{
	int	 chunked = call->req->version != 10;

	endpoint_head(call, 200, ctype, chunked ? RESPONSE_CHUNKED : RESPONSE_UNTIL_CLOSE,
	    0, extra);
	return (chunked);
}

/* Longest /delay and /drip timing. */
unsigned int
endpoint_delay_max(const struct endpoint_call *call)
{
	return (call->ctx->cfg != NULL ? call->ctx->cfg->delay_max_ms :
	    ENDPOINT_DELAY_MAX_DEFAULT);
}

/* Longest /cpu burn. */
unsigned int
endpoint_cpu_max(const struct endpoint_call *call)
{
	return (call->ctx->cfg != NULL ? call->ctx->cfg->cpu_max_ms :
	    ENDPOINT_CPU_MAX_DEFAULT);
}

/* Largest /bytes and /drip body. */
unsigned long long
endpoint_bytes_max(const struct endpoint_call *call)
{
	return (call->ctx->cfg != NULL ? call->ctx->cfg->bytes_max :
	    ENDPOINT_BYTES_MAX_DEFAULT);
}

/* Most /stream lines. */
unsigned int
endpoint_stream_max(const struct endpoint_call *call)
{
	return (call->ctx->cfg != NULL ? call->ctx->cfg->stream_max :
	    ENDPOINT_STREAM_MAX_DEFAULT);
}

/* Put the head in the plan as fields; a body that ends at close cannot keep the connection. */
void
endpoint_head(struct endpoint_call *call, int status, const char *ctype,
    enum response_framing framing, unsigned long long length, const char *extra)
{
	struct response_head	 h;

	if (framing == RESPONSE_UNTIL_CLOSE)
		call->keep_alive = 0;
	h.status = status;
	h.version = call->req->version;
	h.content_type = ctype;
	h.framing = framing;
	h.content_length = length;
	h.keep_alive = call->keep_alive;
	buf_reset(call->extra);
	if (extra != NULL)
		buf_append_str(call->extra, extra);
	endpoint_cors(call, call->extra);
	h.extra = buf_cstr(call->extra);
	plan_head(call->plan, &h, call->ctx->now);
}

/* A whole response with a known length; HEAD gets the same head and no body. */
void
endpoint_respond(struct endpoint_call *call, int status, const char *ctype,
    const char *extra, const void *body, size_t len)
{
	endpoint_head(call, status, ctype, RESPONSE_LENGTH, len, extra);
	if (!call->head_only)
		plan_write(call->plan, body, len);
}

/* Send what the endpoint built in call->body-> */
void
endpoint_respond_body(struct endpoint_call *call, int status, const char *ctype)
{
	if (call->body->oom) {
		plan_fail(call->plan);
		return;
	}
	endpoint_respond(call, status, ctype, NULL, call->body->data, call->body->len);
}

/* {"error":"...","status":N}\n, the one error shape clients can rely on. */
static void
endpoint_error_body(struct buf *out, int status, const char *reason)
{
	buf_append_str(out, "{\"error\":\"");
	json_escape(out, reason, strlen(reason));
	buf_appendf(out, "\",\"status\":%d}\n", status);
}

/* An error from an endpoint: the request was fine as HTTP, so keep-alive stays. */
void
endpoint_fail(struct endpoint_call *call, int status, const char *reason, const char *extra)
{
	buf_reset(call->body);
	endpoint_error_body(call->body, status, reason);
	endpoint_respond(call, status, ENDPOINT_JSON, extra, call->body->data, call->body->len);
	if (call->body->oom)
		plan_fail(call->plan);
}

/* The 400 for the parameter an endpoint_arg_* call refused. */
void
endpoint_fail_reason(struct endpoint_call *call)
{
	endpoint_fail(call, 400, buf_cstr(call->reason), NULL);
}

/* Errors outside any endpoint (parser refusals, timeouts, overload). */
void
endpoint_plan_error(struct plan *plan, int version, int status, const char *reason,
    int keep_alive, time_t now)
{
	struct response_head	 h;
	struct buf		 body;

	plan_reset(plan);
	if (reason == NULL)
		reason = response_status_text(status);
	buf_init(&body);
	endpoint_error_body(&body, status, reason);
	h.status = status;
	h.version = version == 10 ? 10 : 11;
	h.content_type = ENDPOINT_JSON;
	h.framing = RESPONSE_LENGTH;
	h.content_length = body.len;
	h.keep_alive = keep_alive;
	h.extra = NULL;
	plan_head(plan, &h, now);
	plan_write(plan, body.data, body.len);
	if (body.oom)
		plan_fail(plan);
	buf_free(&body);
	plan_set_endpoint(plan, EP_BAD_REQUEST);
	plan_finish(plan, keep_alive);
}

/* Match the decoded path against one route; sets call->rest for segment routes. */
static int
endpoint_route_match(const struct endpoint_route *r, struct endpoint_call *call)
{
	const char	*p = call->path->data;
	size_t		 len = call->path->len, plen = strlen(r->path);

	call->rest = NULL;
	call->restlen = 0;
	switch (r->match) {
	case ENDPOINT_EXACT:
		return (len == plen && memcmp(p, r->path, plen) == 0);
	case ENDPOINT_SEGMENT:
		if (len < plen || memcmp(p, r->path, plen) != 0 ||
		    memchr(p + plen, '/', len - plen) != NULL)
			return (0);
		call->rest = p + plen;
		call->restlen = len - plen;
		return (1);
	case ENDPOINT_TREE:
		if (len < plen || memcmp(p, r->path, plen) != 0)
			return (0);
		return (len == plen || p[plen] == '/');
	}
	return (0);
}

/* The route for the decoded path, or NULL. */
static const struct endpoint_route *
endpoint_route_find(struct endpoint_call *call)
{
	size_t	 i;

	for (i = 0; i < sizeof(endpoint_routes) / sizeof(endpoint_routes[0]); i++)
		if (endpoint_route_match(&endpoint_routes[i], call))
			return (&endpoint_routes[i]);
	return (NULL);
}

/* 404 names the path as the client sent it. */
static void
endpoint_not_found(struct endpoint_call *call)
{
	buf_reset(call->reason);
	buf_append_str(call->reason, "no such endpoint: ");
	buf_append(call->reason, call->req->path.p, call->req->path.len);
	plan_set_endpoint(call->plan, EP_NOT_FOUND);
	endpoint_fail(call, 404, buf_cstr(call->reason), NULL);
}

/* 405 names the method; Allow says what would work. */
static void
endpoint_not_allowed(struct endpoint_call *call)
{
	buf_reset(call->reason);
	buf_append_str(call->reason, "method not allowed: ");
	buf_append(call->reason, call->req->method_name.p, call->req->method_name.len);
	endpoint_fail(call, 405, buf_cstr(call->reason), "Allow: GET, HEAD\r\n");
}

/* Route, check the method, decode the query, then let the endpoint fill the plan. */
static void
endpoint_dispatch(struct endpoint_call *call)
{
	const struct endpoint_route	*r;
	const struct http_request	*req = call->req;
	const char			*why = NULL;

	if (http_percent_decode(call->path, req->path.p, req->path.len, 0) == -1) {
		plan_set_endpoint(call->plan, EP_BAD_REQUEST);
		endpoint_fail(call, 400, "bad percent-encoding in path", NULL);
		return;
	}
	if ((r = endpoint_route_find(call)) == NULL) {
		endpoint_not_found(call);
		return;
	}
	call->id = r->id;
	plan_set_endpoint(call->plan, r->id);
	if (req->method == HTTP_OPTIONS) {
		plan_set_endpoint(call->plan, EP_PREFLIGHT);
		endpoint_preflight(call);
		return;
	}
	if (!r->any_method && req->method != HTTP_GET && req->method != HTTP_HEAD) {
		endpoint_not_allowed(call);
		return;
	}
	if (endpoint_query_parse(&call->query, req->query.p, req->query.len, &why) == -1) {
		endpoint_fail(call, 400, why, NULL);
		return;
	}
	r->run(call);
}

/* Do the same to each of the scratch buffers. */
static void
endpoint_scratch_each(struct endpoint_scratch *sc, void (*fn)(struct buf *))
{
	fn(&sc->path);
	fn(&sc->query);
	fn(&sc->body);
	fn(&sc->reason);
	fn(&sc->extra);
}

/* Empty buffers, no memory yet. */
void
endpoint_scratch_init(struct endpoint_scratch *sc)
{
	endpoint_scratch_each(sc, buf_init);
}

/* Give the buffers back; the scratch is empty and usable afterwards. */
void
endpoint_scratch_free(struct endpoint_scratch *sc)
{
	endpoint_scratch_each(sc, buf_free);
}

/*
 * Ready a call on an emptied plan, its working buffers borrowed from the
 * plan's scratch. Field by field: a memset of the call (its query pairs)
 * and mallocs per request were the hot path's busywork.
 */
void
endpoint_call_begin(struct endpoint_call *call, const struct http_request *req,
    const struct endpoint_ctx *ctx, struct plan *plan)
{
	struct endpoint_scratch	*sc = &plan->scratch;

	plan_reset(plan);
	call->req = req;
	call->ctx = ctx;
	call->plan = plan;
	call->id = EP_NOT_FOUND;
	call->rest = NULL;
	call->restlen = 0;
	call->head_only = req->method == HTTP_HEAD;
	call->keep_alive = req->keep_alive && !ctx->draining;
	call->path = &sc->path;
	call->body = &sc->body;
	call->reason = &sc->reason;
	call->extra = &sc->extra;
	endpoint_query_init(&call->query, &sc->query);
	endpoint_scratch_each(sc, buf_reset);
}

/* Close the call's plan; a working buffer that ran out of memory fails it. */
void
endpoint_call_end(struct endpoint_call *call)
{
	plan_finish(call->plan, call->keep_alive);
	if (call->path->oom || call->query.store->oom || call->reason->oom ||
	    call->extra->oom)
		plan_fail(call->plan);
}

/* Every request, good or bad, leaves here as a plan. */
void
endpoint_plan(const struct http_request *req, const struct endpoint_ctx *ctx,
    struct plan *plan)
{
	struct endpoint_call	 call;

	endpoint_call_begin(&call, req, ctx, plan);
	endpoint_dispatch(&call);
	endpoint_call_end(&call);
}
