/* endpoint: the endpoints that answer at once: index, echo, anything, headers, status, stats. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/http.h"
#include "util/json.h"
#include "core/plan.h"
#include "core/stats.h"

struct endpoint_index_line {
	const char	*method;
	const char	*path;
	const char	*about;
};

/* What / lists, text and JSON alike. */
static const struct endpoint_index_line endpoint_index[] = {
	{ "GET", "/", "this index; /?format=json for JSON" },
	{ "ANY", "/echo", "the request body back, raw" },
	{ "ANY", "/anything", "the request as JSON: args, data, files, form, headers, json, method, origin, url" },
	{ "GET", "/headers", "the request headers as JSON" },
	{ "GET", "/ip", "the client address as JSON" },
	{ "GET", "/user-agent", "the User-Agent header as JSON" },
	{ "GET", "/delay?ms=N", "wait N ms, then answer" },
	{ "GET", "/delay/{seconds}", "wait that many seconds (up to 3 decimals), then answer" },
	{ "GET", "/drip?numbytes=N&duration=S&delay=S&code=C",
	    "wait delay s, then send N '*' bytes spread over duration s" },
	{ "GET", "/stream/{n}?interval_ms=T", "n JSON lines, one every T ms, chunked" },
	{ "GET", "/bytes/{n}?seed=S", "n pseudo-random bytes; the same seed gives the same bytes" },
	{ "ANY", "/status/{codes}", "that status with an empty body; 200:3,500:1 picks by weight" },
	{ "GET", "/cpu?ms=N", "burn N ms of CPU on the serving thread, then answer" },
	{ "GET", "/stats", "counters as JSON" },
	{ "GET", "/metrics", "counters in Prometheus text format" },
	{ "GET", "/health", "200 {\"status\":\"ok\"} while serving, 503 once draining" },
	{ "GET", "/fetch?url=U", "fetch U upstream and stream its answer through" },
	{ "GET", "/gather?url=A&url=B", "fetch every url at once; JSON with each one's status and time" },
	{ "GET", "/chain?url=A&url=B", "fetch the urls one after another; the same JSON" },
	{ "GET", "/get", "httpbin's /get: args, headers, origin, url" },
	{ "POST", "/post", "httpbin's /post: args, data, files, form, headers, json, origin, url" },
	{ "PUT", "/put", "as /post" },
	{ "PATCH", "/patch", "as /post" },
	{ "DELETE", "/delete", "as /post" },
	{ "GET", "/uuid", "a random version 4 UUID as JSON" },
	{ "GET", "/base64/{value}", "the value base64-decoded" },
	{ "GET", "/json", "a sample JSON document" },
	{ "GET", "/xml", "a sample XML document" },
	{ "GET", "/html", "a small HTML page" },
	{ "GET", "/robots.txt", "a robots.txt" },
	{ "GET", "/encoding/utf8", "UTF-8 text" },
	{ "OPTIONS", "{any}", "a CORS preflight answer for every endpoint" },
	{ "GET", "/redirect/{n}?absolute=true", "302 n times, then to /get" },
	{ "GET", "/relative-redirect/{n}", "302 n times with relative Locations" },
	{ "GET", "/absolute-redirect/{n}", "302 n times with absolute Locations" },
	{ "ANY", "/redirect-to?url=U&status_code=C", "a 3xx (302 unless C) to U" },
	{ "GET", "/cookies", "the request's cookies as JSON" },
	{ "GET", "/cookies/set?k=v", "set cookies, then 302 to /cookies" },
	{ "GET", "/cookies/set/{name}/{value}", "set one cookie, then 302 to /cookies" },
	{ "GET", "/cookies/delete?k", "expire cookies, then 302 to /cookies" },
	{ "GET", "/basic-auth/{user}/{password}", "200 with those Basic credentials, else 401" },
	{ "GET", "/hidden-basic-auth/{user}/{password}", "the same, but 404 instead of 401" },
	{ "GET", "/bearer", "200 with any Bearer token, else 401" },
	{ "GET", "/gzip", "the request as JSON, gzip-encoded" },
	{ "GET", "/deflate", "the request as JSON, deflate-encoded" },
	{ "GET", "/response-headers?k=v", "each k=v a response header; POST too" },
	{ "GET", "/cache", "304 if the request is conditional, else JSON with ETag" },
	{ "GET", "/cache/{n}", "JSON with Cache-Control: public, max-age=n" },
	{ "GET", "/etag/{etag}", "If-None-Match gives 304, a failing If-Match 412" },
	{ "GET", "/range/{n}", "n letters; one Range honoured (206, 416)" },
	{ "GET", "/links/{n}/{offset}", "an HTML page of n links" },
	{ "GET", "/stream-bytes/{n}?seed=S&chunk_size=C", "n pseudo-random bytes, chunked" },
	{ "GET", "/sse?count=N&duration=S&delay=S", "N server-sent events over S seconds" },
	{ "GET", "/websocket/echo", "WebSocket (RFC 6455): every message echoed back" },
	{ "GET", "/events", "the counters as Server-Sent Events, a few a second" },
	{ "GET", "/dashboard", "live charts of /events; ?watch=host:port,... for several" },
};

/* httpbin's shape: a name given once is a string, given again an array, in first-seen order. */
void
endpoint_json_args(struct json *j, const struct endpoint_query *q)
{
	const char	*n, *m, *v;
	size_t		 nlen, mlen, vlen;
	unsigned int	 i, k, count;

	json_object_begin(j);
	for (i = 0; i < q->n; i++) {
		n = endpoint_query_name(q, i, &nlen);
		for (k = 0, count = 0; k < q->n; k++) {
			m = endpoint_query_name(q, k, &mlen);
			if (mlen == nlen && memcmp(m, n, nlen) == 0) {
				if (k < i)
					break;
				count++;
			}
		}
		if (k < q->n && k < i)
			continue;	/* shown with its first occurrence */
		json_key_bytes(j, n, nlen);
		if (count > 1)
			json_array_begin(j);
		for (k = i; k < q->n; k++) {
			m = endpoint_query_name(q, k, &mlen);
			if (mlen != nlen || memcmp(m, n, nlen) != 0)
				continue;
			v = endpoint_query_value(q, k, &vlen);
			json_string(j, v, vlen);
		}
		if (count > 1)
			json_array_end(j);
	}
	json_object_end(j);
}

/*
 * "x-forwarded-FOR" is shown as "X-Forwarded-For", as httpbin does: a letter
 * after anything but a letter is upper case ("x-1abc" is "X-1Abc").
 */
static void
endpoint_canonical_name(struct buf *out, struct http_slice name)
{
	size_t	 i;
	int	 up = 1;
	char	 c;

	buf_reset(out);
	for (i = 0; i < name.len; i++) {
		c = name.p[i];
		if (up && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!up && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		up = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
		buf_append_char(out, c);
	}
}

/* The "args", "headers" and "origin" members, in httpbin's (sorted) order. */
void
endpoint_json_seen(struct json *j, const struct endpoint_call *call)
{
	json_key(j, "args");
	endpoint_json_args(j, &call->query);
	json_key(j, "headers");
	endpoint_json_headers(j, call->req);
	json_key(j, "origin");
	endpoint_json_origin(j, call);
}

/* Headers in the order sent, canonical names, repeats joined with ", ". */
void
endpoint_json_headers(struct json *j, const struct http_request *req)
{
	struct buf	 name, value;
	unsigned int	 i, k;

	buf_init(&name);
	buf_init(&value);
	json_object_begin(j);
	for (i = 0; i < req->nheaders; i++) {
		for (k = 0; k < i; k++)
			if (http_slices_caseeq(req->headers[k].name, req->headers[i].name))
				break;
		if (k < i)
			continue;	/* joined into its first occurrence */
		buf_reset(&value);
		for (k = i; k < req->nheaders; k++) {
			if (!http_slices_caseeq(req->headers[k].name, req->headers[i].name))
				continue;
			if (k != i)
				buf_append(&value, ", ", 2);
			buf_append(&value, req->headers[k].value.p, req->headers[k].value.len);
		}
		endpoint_canonical_name(&name, req->headers[i].name);
		json_key_bytes(j, name.data != NULL ? name.data : "", name.len);
		json_string(j, value.data != NULL ? value.data : "", value.len);
	}
	json_object_end(j);
	if (name.oom || value.oom)
		j->out->oom = 1;
	buf_free(&name);
	buf_free(&value);
}

/* The URL as the client asked for it: scheme, its Host header, the target as sent. */
void
endpoint_json_url(struct json *j, const struct endpoint_call *call)
{
	const struct http_header	*host;
	struct buf			 url;

	buf_init(&url);
	buf_append_str(&url, call->ctx->tls ? "https://" : "http://");
	if ((host = http_header_find(call->req, "Host")) != NULL)
		buf_append(&url, host->value.p, host->value.len);
	else
		buf_append_str(&url, "localhost");
	buf_append(&url, call->req->target.p, call->req->target.len);
	json_string(j, buf_cstr(&url), url.len);
	if (url.oom)
		j->out->oom = 1;
	buf_free(&url);
}

/* The client's address. */
void
endpoint_json_origin(struct json *j, const struct endpoint_call *call)
{
	json_cstring(j, call->ctx->client_ip != NULL ? call->ctx->client_ip : "");
}

/* A pretty JSON body ends with a newline, as the contract says. */
void
endpoint_json_done(struct endpoint_call *call)
{
	buf_append_char(call->body, '\n');
	endpoint_respond_body(call, 200, ENDPOINT_JSON);
}

/* The index as text, one "METHOD  PATH  ABOUT" line per endpoint. */
static void
endpoint_index_text(struct buf *out)
{
	size_t	 i, n = sizeof(endpoint_index) / sizeof(endpoint_index[0]);

	for (i = 0; i < n; i++) {
		buf_append_str(out, endpoint_index[i].method);
		buf_append(out, "  ", 2);
		buf_append_str(out, endpoint_index[i].path);
		buf_append(out, "  ", 2);
		buf_append_str(out, endpoint_index[i].about);
		buf_append_char(out, '\n');
	}
}

/* The index as JSON, without the final newline. */
static void
endpoint_index_json(struct buf *out)
{
	struct json	 j;
	size_t		 i, n = sizeof(endpoint_index) / sizeof(endpoint_index[0]);

	json_init(&j, out, 1);
	json_object_begin(&j);
	json_key(&j, "endpoints");
	json_array_begin(&j);
	for (i = 0; i < n; i++) {
		json_object_begin(&j);
		json_key(&j, "method");
		json_cstring(&j, endpoint_index[i].method);
		json_key(&j, "path");
		json_cstring(&j, endpoint_index[i].path);
		json_key(&j, "about");
		json_cstring(&j, endpoint_index[i].about);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
}

/* Both forms of the index never change: made once for every worker, then copied. */
static struct buf	 endpoint_index_cache[2];
static pthread_once_t	 endpoint_index_once = PTHREAD_ONCE_INIT;

/* Fill the cache; the JSON form ends with its newline, as endpoint_json_done's do. */
static void
endpoint_index_build(void)
{
	buf_init(&endpoint_index_cache[0]);
	buf_init(&endpoint_index_cache[1]);
	endpoint_index_text(&endpoint_index_cache[0]);
	endpoint_index_json(&endpoint_index_cache[1]);
	buf_append_char(&endpoint_index_cache[1], '\n');
}

/* The index in text, or JSON with ?format=json. */
void
endpoint_root(struct endpoint_call *call)
{
	const struct buf	*c;
	const char		*fmt;
	size_t			 len;
	int			 json;

	fmt = endpoint_query_find(&call->query, "format", &len);
	if (fmt != NULL && !(len == 4 && memcmp(fmt, "json", 4) == 0) &&
	    !(len == 4 && memcmp(fmt, "text", 4) == 0)) {
		endpoint_fail(call, 400, "format must be text or json", NULL);
		return;
	}
	json = fmt != NULL && memcmp(fmt, "json", 4) == 0;
	(void)pthread_once(&endpoint_index_once, endpoint_index_build);
	c = &endpoint_index_cache[json];
	if (!c->oom && c->len > 0)
		endpoint_respond(call, 200, json ? ENDPOINT_JSON :
		    "text/plain; charset=utf-8", NULL, c->data, c->len);
	else if (json) {
		/* the cache ran out of memory: make this one */
		endpoint_index_json(call->body);
		endpoint_json_done(call);
	} else {
		endpoint_index_text(call->body);
		endpoint_respond_body(call, 200, "text/plain; charset=utf-8");
	}
}

/* The body back as sent, typed as the client typed it. */
void
endpoint_echo(struct endpoint_call *call)
{
	const struct http_header	*ct;
	const struct http_request	*req = call->req;

	buf_reset(call->reason);
	if ((ct = http_header_find(req, "Content-Type")) != NULL && ct->value.len > 0)
		buf_append(call->reason, ct->value.p, ct->value.len);
	else
		buf_append_lit(call->reason, ENDPOINT_OCTETS);
	endpoint_respond(call, 200, buf_cstr(call->reason), NULL, req->body.data,
	    req->body.len);
}

/* {"headers":{...}} */
void
endpoint_headers(struct endpoint_call *call)
{
	struct json	 j;

	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, "headers");
	endpoint_json_headers(&j, call->req);
	json_object_end(&j);
	endpoint_json_done(call);
}

/* {"origin":"127.0.0.1"} */
void
endpoint_ip(struct endpoint_call *call)
{
	struct json	 j;

	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, "origin");
	endpoint_json_origin(&j, call);
	json_object_end(&j);
	endpoint_json_done(call);
}

/* {"user-agent":"..."}, null when the client sent none. */
void
endpoint_user_agent(struct endpoint_call *call)
{
	const struct http_header	*ua;
	struct json			 j;

	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, "user-agent");
	if ((ua = http_header_find(call->req, "User-Agent")) != NULL)
		json_string(&j, ua->value.p, ua->value.len);
	else
		json_null(&j);
	json_object_end(&j);
	endpoint_json_done(call);
}

/*
 * For load balancers: 503 from the stop signal on, so they stop sending
 * here while the listeners are still open (drain_delay_ms).
 */
void
endpoint_health(struct endpoint_call *call)
{
	static const char	 ok[] = "{\"status\":\"ok\"}\n";
	static const char	 draining[] = "{\"status\":\"draining\"}\n";

	if (call->ctx->draining)
		endpoint_respond(call, 503, "application/json", NULL, draining,
		    sizeof(draining) - 1);
	else
		endpoint_respond(call, 200, "application/json", NULL, ok, sizeof(ok) - 1);
}

/* Ask the executor for merged counters; they are too big for a worker's stack. */
static struct stats *
endpoint_stats_snapshot(struct endpoint_call *call, struct stats_info *info)
{
	struct stats	*st;

	if (call->ctx->stats_snapshot == NULL) {
		endpoint_fail(call, 503, "stats are not available", NULL);
		return (NULL);
	}
	if ((st = malloc(sizeof(*st))) == NULL) {
		plan_fail(call->plan);
		return (NULL);
	}
	stats_init(st);
	memset(info, 0, sizeof(*info));
	info->server = "echofetch";
	info->model = "unknown";
	info->started = call->ctx->now;
	info->now = call->ctx->now;
	call->ctx->stats_snapshot(call->ctx->stats_arg, st, info);
	return (st);
}

/* Merged counters rendered by render, ending with a newline, typed ctype. */
static void
endpoint_stats_respond(struct endpoint_call *call,
    void (*render)(const struct stats *, const struct stats_info *, struct buf *),
    const char *ctype)
{
	struct stats		*st;
	struct stats_info	 info;

	if ((st = endpoint_stats_snapshot(call, &info)) == NULL)
		return;
	render(st, &info, call->body);
	free(st);
	if (call->body->len == 0 || call->body->data[call->body->len - 1] != '\n')
		buf_append_char(call->body, '\n');
	endpoint_respond_body(call, 200, ctype);
}

/* Counters as JSON. */
void
endpoint_stats(struct endpoint_call *call)
{
	endpoint_stats_respond(call, stats_render_json, ENDPOINT_JSON);
}

/* Counters for Prometheus. */
void
endpoint_metrics(struct endpoint_call *call)
{
	endpoint_stats_respond(call, stats_render_prometheus,
	    "text/plain; version=0.0.4");
}
