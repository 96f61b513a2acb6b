/* endpoint: the endpoints that answer at once: index, echo, anything, headers, status, stats. */
#include "autoconfig.h"

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
	{ "ANY", "/anything", "the request as JSON: args, data, form, headers, json, method, origin, url" },
	{ "GET", "/headers", "the request headers as JSON" },
	{ "GET", "/ip", "the client address as JSON" },
	{ "GET", "/user-agent", "the User-Agent header as JSON" },
	{ "GET", "/delay?ms=N", "wait N ms, then answer" },
	{ "GET", "/delay/{seconds}", "wait that many seconds (up to 3 decimals), then answer" },
	{ "GET", "/drip?numbytes=N&duration=S&delay=S&code=C",
	    "wait delay s, then send N '*' bytes spread over duration s" },
	{ "GET", "/stream/{n}?interval_ms=T", "n JSON lines, one every T ms, chunked" },
	{ "GET", "/bytes/{n}?seed=S", "n pseudo-random bytes; the same seed gives the same bytes" },
	{ "ANY", "/status/{code}", "that status with an empty body" },
	{ "GET", "/cpu?ms=N", "burn N ms of CPU on the serving thread, then answer" },
	{ "GET", "/stats", "counters as JSON" },
	{ "GET", "/metrics", "counters in Prometheus text format" },
	{ "GET", "/fetch?url=U", "fetch U upstream and stream its answer through" },
	{ "GET", "/gather?url=A&url=B", "fetch every url at once; JSON with each one's status and time" },
	{ "GET", "/chain?url=A&url=B", "fetch the urls one after another; the same JSON" },
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

/* "x-forwarded-FOR" is shown as "X-Forwarded-For", as httpbin does. */
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
		up = c == '-';
		buf_append_char(out, c);
	}
}

/* 1 if two header names are the same, ignoring ASCII case. */
static int
endpoint_name_caseeq(struct http_slice a, struct http_slice b)
{
	size_t	 i;
	char	 x, y;

	if (a.len != b.len)
		return (0);
	for (i = 0; i < a.len; i++) {
		x = a.p[i];
		y = b.p[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return (0);
	}
	return (1);
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
			if (endpoint_name_caseeq(req->headers[k].name, req->headers[i].name))
				break;
		if (k < i)
			continue;	/* joined into its first occurrence */
		buf_reset(&value);
		for (k = i; k < req->nheaders; k++) {
			if (!endpoint_name_caseeq(req->headers[k].name, req->headers[i].name))
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
static void
endpoint_json_done(struct endpoint_call *call)
{
	buf_append_char(&call->body, '\n');
	endpoint_respond_body(call, 200, ENDPOINT_JSON);
}

/* The index in text, or JSON with ?format=json. */
void
endpoint_root(struct endpoint_call *call)
{
	struct json	 j;
	const char	*fmt;
	size_t		 len, i, n = sizeof(endpoint_index) / sizeof(endpoint_index[0]);

	fmt = endpoint_query_find(&call->query, "format", &len);
	if (fmt != NULL && !(len == 4 && memcmp(fmt, "json", 4) == 0) &&
	    !(len == 4 && memcmp(fmt, "text", 4) == 0)) {
		endpoint_fail(call, 400, "format must be text or json", NULL);
		return;
	}
	if (fmt == NULL || memcmp(fmt, "text", 4) == 0) {
		for (i = 0; i < n; i++)
			buf_appendf(&call->body, "%s  %s  %s\n", endpoint_index[i].method,
			    endpoint_index[i].path, endpoint_index[i].about);
		endpoint_respond_body(call, 200, "text/plain; charset=utf-8");
		return;
	}
	json_init(&j, &call->body, 1);
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
	endpoint_json_done(call);
}

/* The body back as sent, typed as the client typed it. */
void
endpoint_echo(struct endpoint_call *call)
{
	const struct http_header	*ct;
	const struct http_request	*req = call->req;

	buf_reset(&call->reason);
	if ((ct = http_header_find(req, "Content-Type")) != NULL && ct->value.len > 0)
		buf_append(&call->reason, ct->value.p, ct->value.len);
	else
		buf_append_str(&call->reason, ENDPOINT_OCTETS);
	endpoint_respond(call, 200, buf_cstr(&call->reason), NULL, req->body.data,
	    req->body.len);
}

/* 1 if the request body is an HTML form (media type only; parameters ignored). */
static int
endpoint_is_form(const struct http_request *req)
{
	const struct http_header	*ct;
	struct http_slice		 t;

	if ((ct = http_header_find(req, "Content-Type")) == NULL)
		return (0);
	t = ct->value;
	for (t.len = 0; t.len < ct->value.len && t.p[t.len] != ';'; t.len++)
		;
	while (t.len > 0 && (t.p[t.len - 1] == ' ' || t.p[t.len - 1] == '\t'))
		t.len--;
	return (http_slice_caseeq(t, "application/x-www-form-urlencoded"));
}

/* A JSON body goes in as sent, minus the whitespace around it; anything else is null. */
static void
endpoint_json_body(struct json *j, const char *body, size_t len)
{
	while (len > 0 && (body[0] == ' ' || body[0] == '\t' || body[0] == '\r' ||
	    body[0] == '\n')) {
		body++;
		len--;
	}
	while (len > 0 && (body[len - 1] == ' ' || body[len - 1] == '\t' ||
	    body[len - 1] == '\r' || body[len - 1] == '\n'))
		len--;
	if (len > 0 && json_validate(body, len))
		json_raw(j, body, len);
	else
		json_null(j);
}

/* The request, described: httpbin's /anything with its keys in order. */
void
endpoint_anything(struct endpoint_call *call)
{
	const struct http_request	*req = call->req;
	struct endpoint_query		 form;
	struct json			 j;
	const char			*why = NULL;
	const char			*body = req->body.data != NULL ? req->body.data : "";

	endpoint_query_init(&form);
	if (endpoint_is_form(req) &&
	    endpoint_query_parse(&form, body, req->body.len, &why) == -1) {
		buf_reset(&call->reason);
		buf_appendf(&call->reason, "form body: %s", why);
		endpoint_query_free(&form);
		endpoint_fail_reason(call);
		return;
	}
	json_init(&j, &call->body, 1);
	json_object_begin(&j);
	json_key(&j, "args");
	endpoint_json_args(&j, &call->query);
	json_key(&j, "data");
	json_string(&j, body, req->body.len);
	json_key(&j, "files");
	json_object_begin(&j);
	json_object_end(&j);
	json_key(&j, "form");
	endpoint_json_args(&j, &form);
	json_key(&j, "headers");
	endpoint_json_headers(&j, req);
	json_key(&j, "json");
	endpoint_json_body(&j, body, req->body.len);
	json_key(&j, "method");
	json_string(&j, req->method_name.p, req->method_name.len);
	json_key(&j, "origin");
	endpoint_json_origin(&j, call);
	json_key(&j, "url");
	endpoint_json_url(&j, call);
	json_object_end(&j);
	endpoint_query_free(&form);
	endpoint_json_done(call);
}

/* {"headers":{...}} */
void
endpoint_headers(struct endpoint_call *call)
{
	struct json	 j;

	json_init(&j, &call->body, 1);
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

	json_init(&j, &call->body, 1);
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

	json_init(&j, &call->body, 1);
	json_object_begin(&j);
	json_key(&j, "user-agent");
	if ((ua = http_header_find(call->req, "User-Agent")) != NULL)
		json_string(&j, ua->value.p, ua->value.len);
	else
		json_null(&j);
	json_object_end(&j);
	endpoint_json_done(call);
}

/* Any status on demand, with the headers that status needs to make sense. */
void
endpoint_status(struct endpoint_call *call)
{
	unsigned long long	 code;
	const char		*extra = NULL;

	if (endpoint_parse_uint(call->rest, call->restlen, 200, 599, &code) == -1) {
		endpoint_reason_uint(call, "code", 200, 599);
		endpoint_fail_reason(call);
		return;
	}
	if (code >= 300 && code <= 399 && code != 304)
		extra = "Location: /\r\n";
	else if (code == 401)
		extra = "WWW-Authenticate: Basic realm=\"echofetch\"\r\n";
	endpoint_respond(call, (int)code, NULL, extra, NULL, 0);
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
	render(st, &info, &call->body);
	free(st);
	if (call->body.len == 0 || call->body.data[call->body.len - 1] != '\n')
		buf_append_char(&call->body, '\n');
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
