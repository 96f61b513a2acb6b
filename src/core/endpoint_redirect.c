/* endpoint: httpbin's redirects, cookies, authentication and link pages. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/endpoint_more.h"
#include "core/http.h"
#include "util/json.h"
#include "core/plan.h"

#define ENDPOINT_HTML		"text/html; charset=utf-8"
#define ENDPOINT_COOKIE_GONE	"=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"

/* "http://host" from the scheme and the Host header, for absolute Locations. */
static void
endpoint_redirect_origin(struct endpoint_call *call, struct buf *out)
{
	const struct http_header	*host;

	buf_append_str(out, call->ctx->tls ? "https://" : "http://");
	if ((host = http_header_find(call->req, "Host")) != NULL &&
	    endpoint_parse_header_safe(host->value.p, host->value.len))
		buf_append(out, host->value.p, host->value.len);
	else
		buf_append_str(out, "localhost");
}

/* A 3xx with an empty body; `where` is the Location, already checked for line breaks. */
static void
endpoint_redirect_send(struct endpoint_call *call, int status, const char *where,
    size_t len, const char *more)
{
	buf_reset(call->reason);
	buf_append_str(call->reason, "Location: ");
	buf_append(call->reason, where, len);
	buf_append_str(call->reason, "\r\n");
	if (more != NULL)
		buf_append_str(call->reason, more);
	endpoint_respond(call, status, ENDPOINT_HTML, buf_cstr(call->reason), NULL, 0);
}

/*
 * /redirect/n (relative unless ?absolute=true), /relative-redirect/n and
 * /absolute-redirect/n: a 302 to the next hop down, and from 1 to /get.
 */
void
endpoint_redirect(struct endpoint_call *call)
{
	struct buf		*loc = call->body;
	const char		*abs, *p = call->path->data;
	unsigned long long	 n;
	size_t			 len;
	int			 absolute;

	if (endpoint_rest_uint(call, "n", 1, ENDPOINT_REDIRECT_MAX, &n) == -1)
		return;
	if (strncmp(p, "/absolute-", 10) == 0)
		absolute = 1;
	else if (strncmp(p, "/relative-", 10) == 0)
		absolute = 0;
	else {
		abs = endpoint_query_find(&call->query, "absolute", &len);
		absolute = abs != NULL && len == 4 && strncasecmp(abs, "true", 4) == 0;
	}
	buf_reset(loc);
	if (absolute)
		endpoint_redirect_origin(call, loc);
	if (n == 1)
		buf_append_str(loc, "/get");
	else
		buf_appendf(loc, "/%s-redirect/%llu", absolute ? "absolute" : "relative",
		    n - 1);
	if (loc->oom) {
		plan_fail(call->plan);
		return;
	}
	endpoint_redirect_send(call, 302, loc->data, loc->len, NULL);
}

/* /redirect-to?url=U&status_code=C: Location is U exactly as given. */
void
endpoint_redirect_to(struct endpoint_call *call)
{
	unsigned long long	 code = 302;
	const char		*url;
	size_t			 len;

	if ((url = endpoint_query_find(&call->query, "url", &len)) == NULL ||
	    len == 0 || !endpoint_parse_header_safe(url, len)) {
		endpoint_fail(call, 400, "url is required, without control characters", NULL);
		return;
	}
	if (endpoint_arg_uint(call, "status_code", 0, 300, 399, &code) == -1) {
		endpoint_fail_reason(call);
		return;
	}
	buf_reset(call->body);
	buf_append(call->body, url, len);
	endpoint_redirect_send(call, (int)code, call->body->data, call->body->len, NULL);
}

/* A cookie name is a token; a value is cookie-octets (RFC 6265 4.1.1). */
static int
endpoint_cookie_ok(const char *s, size_t len, int name)
{
	size_t		 i;
	unsigned char	 c;

	if (name && len == 0)
		return (0);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' ||
		    c == '\\' || (name && strchr("()<>@:/[]?={}", c) != NULL))
			return (0);
	}
	return (1);
}

/* {"cookies":{...}}: every Cookie header, the first of a repeated name wins. */
static void
endpoint_cookies_show(struct endpoint_call *call)
{
	const struct http_request	*req = call->req;
	struct http_slice		 seen[ENDPOINT_QUERY_MAX], name;
	const char			*v;
	size_t				 vlen, pos;
	unsigned int			 i, k, nseen = 0;
	struct json			 j;

	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, "cookies");
	json_object_begin(&j);
	for (i = 0; i < req->nheaders; i++) {
		if (!http_slice_caseeq(req->headers[i].name, "Cookie"))
			continue;
		pos = 0;
		while (endpoint_parse_cookie(req->headers[i].value.p,
		    req->headers[i].value.len, &pos, &name.p, &name.len, &v, &vlen)) {
			for (k = 0; k < nseen; k++)
				if (seen[k].len == name.len &&
				    memcmp(seen[k].p, name.p, name.len) == 0)
					break;
			if (k < nseen)
				continue;
			if (nseen == ENDPOINT_QUERY_MAX) {
				endpoint_fail(call, 400, "too many cookies (at most 100)", NULL);
				return;
			}
			seen[nseen++] = name;
			json_key_bytes(&j, name.p, name.len);
			json_string(&j, v, vlen);
		}
	}
	json_object_end(&j);
	json_object_end(&j);
	buf_append_char(call->body, '\n');
	endpoint_respond_body(call, 200, ENDPOINT_JSON);
}

/* One Set-Cookie line; a deletion when value is NULL. */
static int
endpoint_cookie_line(struct endpoint_call *call, struct buf *out, const char *n,
    size_t nlen, const char *v, size_t vlen)
{
	if (!endpoint_cookie_ok(n, nlen, 1) ||
	    (v != NULL && !endpoint_cookie_ok(v, vlen, 0))) {
		buf_reset(call->reason);
		buf_append_str(call->reason, "cookie names must be tokens and values "
		    "cookie-octets (no space, quote, comma, semicolon or backslash)");
		return (-1);
	}
	buf_append_str(out, "Set-Cookie: ");
	buf_append(out, n, nlen);
	if (v != NULL) {
		buf_append_char(out, '=');
		buf_append(out, v, vlen);
	} else
		buf_append_str(out, ENDPOINT_COOKIE_GONE);
	buf_append_str(out, call->ctx->tls ? "; Secure; Path=/\r\n" : "; Path=/\r\n");
	return (0);
}

/*
 * /cookies, /cookies/set?k=v, /cookies/set/name/value, /cookies/delete?k:
 * the setters answer 302 to /cookies with their Set-Cookie lines.
 */
void
endpoint_cookies(struct endpoint_call *call)
{
	const char	*p = call->path->data, *n, *v, *slash;
	size_t		 len = call->path->len, nlen, vlen;
	unsigned int	 i;
	int		 del = 0, bad = 0;

	if (len == 8) {
		endpoint_cookies_show(call);
		return;
	}
	buf_reset(call->body);
	if (len == 12 && memcmp(p, "/cookies/set", 12) == 0)
		;
	else if (len == 15 && memcmp(p, "/cookies/delete", 15) == 0)
		del = 1;
	else if (len > 13 && memcmp(p, "/cookies/set/", 13) == 0 &&
	    (slash = memchr(p + 13, '/', len - 13)) != NULL &&
	    memchr(slash + 1, '/', (size_t)(p + len - slash - 1)) == NULL) {
		bad = endpoint_cookie_line(call, call->body, p + 13,
		    (size_t)(slash - p - 13), slash + 1, (size_t)(p + len - slash - 1));
		goto done;
	} else {
		buf_reset(call->reason);
		buf_append_str(call->reason, "no such endpoint: ");
		buf_append(call->reason, call->req->path.p, call->req->path.len);
		endpoint_fail(call, 404, buf_cstr(call->reason), NULL);
		return;
	}
	for (i = 0; i < call->query.n && !bad; i++) {
		n = endpoint_query_name(&call->query, i, &nlen);
		v = endpoint_query_value(&call->query, i, &vlen);
		bad = endpoint_cookie_line(call, call->body, n, nlen, del ? NULL : v, vlen);
	}
done:
	if (bad) {
		endpoint_fail_reason(call);
		return;
	}
	if (call->body->oom) {
		plan_fail(call->plan);
		return;
	}
	endpoint_redirect_send(call, 302, "/cookies", 8, buf_cstr(call->body));
}

/* {"authenticated":true,key:value}: who the credentials said the client is. */
static void
endpoint_redirect_authenticated(struct endpoint_call *call, const char *key,
    const char *v, size_t len)
{
	struct json	 j;

	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, "authenticated");
	json_bool(&j, 1);
	json_key(&j, key);
	json_string(&j, v, len);
	json_object_end(&j);
	buf_append_char(call->body, '\n');
	endpoint_respond_body(call, 200, ENDPOINT_JSON);
}

/* The Basic credentials match the two path segments. */
static int
endpoint_basic_ok(struct endpoint_call *call, const char *user, size_t ulen,
    const char *pass, size_t plen)
{
	const struct http_header	*auth;
	struct buf			 dec;
	size_t				 dlen;
	int				 ok;

	if ((auth = http_header_find(call->req, "Authorization")) == NULL)
		return (0);
	buf_init(&dec);
	ok = endpoint_parse_basic(auth->value.p, auth->value.len, &dec, &dlen) == 0 &&
	    dlen == ulen && dec.len == ulen + 1 + plen && memcmp(dec.data, user, ulen) == 0 &&
	    memcmp(dec.data + ulen + 1, pass, plen) == 0;
	buf_free(&dec);
	return (ok);
}

/* /basic-auth/u/p (401 and a challenge on failure) and /hidden-basic-auth/u/p (404). */
void
endpoint_basic_auth(struct endpoint_call *call)
{
	const char	*p = call->path->data, *u, *slash;
	size_t		 len = call->path->len, ulen, plen;
	int		 hidden = p[1] == 'h';

	u = memchr(p + 1, '/', len - 1);
	if (u == NULL || (slash = memchr(u + 1, '/', (size_t)(p + len - u - 1))) == NULL ||
	    memchr(slash + 1, '/', (size_t)(p + len - slash - 1)) != NULL) {
		endpoint_fail(call, 404, "the path must be /basic-auth/{user}/{password}", NULL);
		return;
	}
	u++;
	ulen = (size_t)(slash - u);
	plen = (size_t)(p + len - slash - 1);
	if (!endpoint_basic_ok(call, u, ulen, slash + 1, plen)) {
		if (hidden)
			endpoint_fail(call, 404, "not found", NULL);
		else
			endpoint_fail(call, 401, "authorization required",
			    "WWW-Authenticate: Basic realm=\"Fake Realm\"\r\n");
		return;
	}
	endpoint_redirect_authenticated(call, "user", u, ulen);
}

/* /bearer: any "Bearer <token>" passes; the token is shown back. */
void
endpoint_bearer(struct endpoint_call *call)
{
	const struct http_header	*auth;

	auth = http_header_find(call->req, "Authorization");
	if (auth == NULL || auth->value.len < 7 ||
	    strncasecmp(auth->value.p, "Bearer ", 7) != 0) {
		endpoint_fail(call, 401, "a bearer token is required", "WWW-Authenticate: Bearer\r\n");
		return;
	}
	endpoint_redirect_authenticated(call, "token", auth->value.p + 7,
	    auth->value.len - 7);
}

/* /links/n redirects to /links/n/0; /links/n/offset is a page of n links but itself. */
void
endpoint_links(struct endpoint_call *call)
{
	const char		*p = call->path->data + 7, *slash;
	size_t			 len = call->path->len - 7, nlen;
	unsigned long long	 n, off, i;
	char			 where[48];

	slash = call->path->len > 7 ? memchr(p, '/', len) : NULL;
	nlen = slash != NULL ? (size_t)(slash - p) : len;
	if (call->path->len <= 7 || p[-1] != '/' ||
	    endpoint_parse_uint(p, nlen, 1, ENDPOINT_LINKS_MAX, &n) == -1) {
		endpoint_reason_uint(call, "n", 1, ENDPOINT_LINKS_MAX);
		endpoint_fail_reason(call);
		return;
	}
	if (slash == NULL) {
		snprintf(where, sizeof(where), "/links/%llu/0", n);
		endpoint_redirect_send(call, 302, where, strlen(where), NULL);
		return;
	}
	if (endpoint_parse_uint(slash + 1, (size_t)(p + len - slash - 1), 0, n - 1, &off) == -1) {
		endpoint_reason_uint(call, "offset", 0, n - 1);
		endpoint_fail_reason(call);
		return;
	}
	buf_reset(call->body);
	buf_append_str(call->body, "<html><head><title>Links</title></head><body>");
	for (i = 0; i < n; i++) {
		if (i == off)
			buf_appendf(call->body, "%llu ", i);
		else
			buf_appendf(call->body, "<a href='/links/%llu/%llu'>%llu</a> ", n, i, i);
	}
	buf_append_str(call->body, "</body></html>");
	endpoint_respond_body(call, 200, ENDPOINT_HTML);
}
