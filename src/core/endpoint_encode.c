/* endpoint: httpbin's encodings, caching, ranges, response headers and event streams. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "util/buf.h"
#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/endpoint_more.h"
#include "core/http.h"
#include "util/json.h"
#include "core/plan.h"
#include "core/response.h"

#define ENDPOINT_CHUNK_DEFAULT	10240	/* /stream-bytes chunk_size, as httpbin */
#define ENDPOINT_SSE_COUNT	10
#define ENDPOINT_SSE_DURATION	5000	/* ms over all events, as go-httpbin */
#define ENDPOINT_MAXAGE_MAX	2147483647ULL	/* RFC 9111 1.2.2: delta-seconds cap */

enum endpoint_coding {
	ENDPOINT_IDENTITY = 0,
	ENDPOINT_GZIP,
	ENDPOINT_DEFLATE,	/* the zlib format, which is what "deflate" means (RFC 9110 8.4.1.2) */
};

/* Compress in into out whole; the bodies given here are a request's echo, so small. */
static int
endpoint_encode_zlib(const char *in, size_t len, enum endpoint_coding coding,
    struct buf *out)
{
	z_stream	 z;
	uLong		 bound;
	int		 rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
	    coding == ENDPOINT_GZIP ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return (-1);
	bound = deflateBound(&z, (uLong)len) + 32;
	if (buf_reserve(out, bound) == -1) {
		deflateEnd(&z);
		return (-1);
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	if (rc == Z_STREAM_END)
		out->len += bound - z.avail_out;
	deflateEnd(&z);
	return (rc == Z_STREAM_END ? 0 : -1);
}

/* Send call->body with its coding; more holds header lines of the caller's, or NULL. */
static void
endpoint_encode_respond(struct endpoint_call *call, enum endpoint_coding coding,
    int vary, const char *more)
{
	struct buf	 z, extra;

	if (call->body->oom) {
		plan_fail(call->plan);
		return;
	}
	buf_init(&z);
	buf_init(&extra);
	if (more != NULL)
		buf_append_str(&extra, more);
	if (vary)
		buf_append_str(&extra, "Vary: Accept-Encoding\r\n");
	if (coding != ENDPOINT_IDENTITY) {
		buf_append_str(&extra, coding == ENDPOINT_GZIP ?
		    "Content-Encoding: gzip\r\n" : "Content-Encoding: deflate\r\n");
		if (endpoint_encode_zlib(call->body->data, call->body->len, coding, &z) == -1)
			z.oom = 1;
	}
	if (z.oom || extra.oom)
		plan_fail(call->plan);
	else if (coding != ENDPOINT_IDENTITY)
		endpoint_respond(call, 200, ENDPOINT_JSON, buf_cstr(&extra), z.data, z.len);
	else
		endpoint_respond(call, 200, ENDPOINT_JSON,
		    extra.len > 0 ? buf_cstr(&extra) : NULL, call->body->data, call->body->len);
	buf_free(&z);
	buf_free(&extra);
}

/* /gzip and /deflate: the request described, always encoded. */
void
endpoint_gzip(struct endpoint_call *call)
{
	int		 gz = call->path->data[1] == 'g';
	struct json	 j;

	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, gz ? "gzipped" : "deflated");
	json_bool(&j, 1);
	json_key(&j, "headers");
	endpoint_json_headers(&j, call->req);
	json_key(&j, "method");
	json_string(&j, call->req->method_name.p, call->req->method_name.len);
	json_key(&j, "origin");
	endpoint_json_origin(&j, call);
	json_object_end(&j);
	buf_append_char(call->body, '\n');
	endpoint_encode_respond(call, gz ? ENDPOINT_GZIP : ENDPOINT_DEFLATE, 0, NULL);
}

/*
 * httpbin's /get answer (args, headers, origin, url), gzip-encoded when the
 * client accepts it: the one place echofetch honours Accept-Encoding.
 */
static void
endpoint_encode_get(struct endpoint_call *call, const char *more)
{
	const struct http_header	*ae;
	struct json			 j;
	enum endpoint_coding		 coding = ENDPOINT_IDENTITY;

	ae = http_header_find(call->req, "Accept-Encoding");
	if (ae != NULL && endpoint_parse_accepts_gzip(ae->value.p, ae->value.len))
		coding = ENDPOINT_GZIP;
	buf_reset(call->body);
	json_init(&j, call->body, 1);
	json_object_begin(&j);
	endpoint_json_seen(&j, call);
	json_key(&j, "url");
	endpoint_json_url(&j, call);
	json_object_end(&j);
	buf_append_char(call->body, '\n');
	endpoint_encode_respond(call, coding, 1, more);
}

/* A 32-hex-digit tag that changes with the second and the client (httpbin uses a UUID). */
static void
endpoint_encode_tag(struct endpoint_call *call, struct buf *out)
{
	uint64_t	 z = (uint64_t)call->ctx->now * 0x9e3779b97f4a7c15ULL ^
			    call->ctx->client_port;
	int		 i;

	for (i = 0; i < 2; i++) {
		z += 0x9e3779b97f4a7c15ULL;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		buf_appendf(out, "%016llx", (unsigned long long)(z ^ (z >> 31)));
	}
}

/* /cache: 304 to any conditional request; /cache/n: Cache-Control max-age=n. */
void
endpoint_cache(struct endpoint_call *call)
{
	unsigned long long	 n;

	if (call->rest != NULL) {
		if (endpoint_rest_uint(call, "n", 0, ENDPOINT_MAXAGE_MAX, &n) == -1)
			return;
		buf_reset(call->reason);
		buf_appendf(call->reason, "Cache-Control: public, max-age=%llu\r\n", n);
		endpoint_encode_get(call, buf_cstr(call->reason));
		return;
	}
	if (http_header_find(call->req, "If-Modified-Since") != NULL ||
	    http_header_find(call->req, "If-None-Match") != NULL) {
		endpoint_respond(call, 304, NULL, NULL, NULL, 0);
		return;
	}
	buf_reset(call->reason);
	buf_appendf(call->reason, "Last-Modified: %s\r\nETag: ",
	    response_date(call->ctx->now));
	endpoint_encode_tag(call, call->reason);
	buf_append_str(call->reason, "\r\n");
	endpoint_encode_get(call, buf_cstr(call->reason));
}

/* /etag/tag: If-None-Match naming it is 304, If-Match not naming it is 412. */
void
endpoint_etag(struct endpoint_call *call)
{
	const struct http_header	*inm, *im;

	if (call->restlen == 0 || !endpoint_parse_header_safe(call->rest, call->restlen)) {
		endpoint_fail(call, 400, "etag must be non-empty, without control characters",
		    NULL);
		return;
	}
	buf_reset(call->reason);
	buf_append_str(call->reason, "ETag: ");
	buf_append(call->reason, call->rest, call->restlen);
	buf_append_str(call->reason, "\r\n");
	inm = http_header_find(call->req, "If-None-Match");
	im = http_header_find(call->req, "If-Match");
	if (inm != NULL && inm->value.len > 0) {
		if (endpoint_parse_etag_match(inm->value.p, inm->value.len, call->rest,
		    call->restlen)) {
			endpoint_respond(call, 304, NULL, buf_cstr(call->reason), NULL, 0);
			return;
		}
	} else if (im != NULL && im->value.len > 0 &&
	    !endpoint_parse_etag_match(im->value.p, im->value.len, call->rest,
	    call->restlen)) {
		endpoint_fail(call, 412, "If-Match does not name this etag", NULL);
		return;
	}
	endpoint_encode_get(call, buf_cstr(call->reason));
}

/* /range/n: "abc..." n bytes that never change, one Range honoured (206), 416 beyond. */
void
endpoint_range(struct endpoint_call *call)
{
	const struct http_header	*rh;
	struct endpoint_range		 r;
	unsigned long long		 n, i, max = endpoint_bytes_max(call);
	int				 got = 0;

	if (max > ENDPOINT_RANGE_MAX)
		max = ENDPOINT_RANGE_MAX;
	if (endpoint_rest_uint(call, "n", 1, max, &n) == -1)
		return;
	buf_reset(call->reason);
	buf_appendf(call->reason, "ETag: range%llu\r\nAccept-Ranges: bytes\r\n", n);
	r.first = 0;
	r.last = n - 1;
	if ((rh = http_header_find(call->req, "Range")) != NULL)
		got = endpoint_parse_range(rh->value.p, rh->value.len, n, &r);
	if (got == -1) {
		buf_appendf(call->reason, "Content-Range: bytes */%llu\r\n", n);
		endpoint_fail(call, 416, "Range is outside the body (see Content-Range)",
		    buf_cstr(call->reason));
		return;
	}
	buf_appendf(call->reason, "Content-Range: bytes %llu-%llu/%llu\r\n", r.first,
	    r.last, n);
	buf_reset(call->body);
	if (buf_reserve(call->body, (size_t)(r.last - r.first + 1)) == 0)
		for (i = r.first; i <= r.last; i++)
			call->body->data[call->body->len++] = (char)('a' + i % 26);
	if (call->body->oom || call->reason->oom) {
		plan_fail(call->plan);
		return;
	}
	endpoint_respond(call, r.first == 0 && r.last == n - 1 ? 200 : 206, ENDPOINT_OCTETS,
	    buf_cstr(call->reason), call->body->data, call->body->len);
}

/* A header a client may not set here: it would break the framing. */
static int
endpoint_encode_framing(const char *n, size_t len)
{
	static const char	*names[] = { "content-length", "transfer-encoding",
				    "connection", "date", "server", NULL };
	size_t			 i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == len && strncasecmp(names[i], n, len) == 0)
			return (1);
	return (0);
}

/* The body of /response-headers with Content-Length clen: every header it sets. */
static void
endpoint_encode_headers_json(struct endpoint_call *call, int own_type,
    unsigned long long clen, struct buf *args)
{
	buf_reset(call->body);
	buf_appendf(call->body, "{\"Content-Length\":\"%llu\"", clen);
	if (own_type)
		buf_append_str(call->body, ",\"Content-Type\":\"" ENDPOINT_JSON "\"");
	/* the query's pairs, repeats as arrays, after the two the server sets */
	if (args->len > 2) {
		buf_append_char(call->body, ',');
		buf_append(call->body, args->data + 1, args->len - 1);
	} else
		buf_append_char(call->body, '}');
	buf_append_char(call->body, '\n');
}

/* The query's pairs as header lines; -1 (reason set) for a name or value not allowed. */
static int
endpoint_encode_header_lines(struct endpoint_call *call, struct buf *out,
    const char **ctype)
{
	const char	*n, *v;
	size_t		 nlen, vlen, i;
	unsigned int	 k;

	*ctype = NULL;
	for (k = 0; k < call->query.n; k++) {
		n = endpoint_query_name(&call->query, k, &nlen);
		v = endpoint_query_value(&call->query, k, &vlen);
		for (i = 0; i < nlen; i++)
			if (strchr("()<>@,;:\\\"/[]?={} \t", n[i]) != NULL ||
			    (unsigned char)n[i] <= 0x20 || (unsigned char)n[i] >= 0x7f)
				break;
		if (nlen == 0 || i < nlen || !endpoint_parse_header_safe(v, vlen) ||
		    endpoint_encode_framing(n, nlen) ||
		    (*ctype != NULL && nlen == 12 && strncasecmp(n, "Content-Type", 12) == 0)) {
			buf_reset(call->reason);
			buf_append_str(call->reason, "header names must be tokens, values "
			    "without control characters, one Content-Type, and none of "
			    "Content-Length, Transfer-Encoding, Connection, Date, Server");
			return (-1);
		}
		if (nlen == 12 && strncasecmp(n, "Content-Type", 12) == 0) {
			*ctype = v;
			continue;
		}
		buf_append(out, n, nlen);
		buf_append_str(out, ": ");
		buf_append(out, v, vlen);
		buf_append_str(out, "\r\n");
	}
	return (0);
}

/* /response-headers?k=v: each pair a response header, and the body lists them all. */
void
endpoint_response_headers(struct endpoint_call *call)
{
	struct buf		 lines, args, type;
	struct json		 j;
	const char		*ctype;
	unsigned long long	 clen = 0;
	int			 i;

	if (call->req->method != HTTP_GET && call->req->method != HTTP_HEAD &&
	    call->req->method != HTTP_POST) {
		endpoint_fail(call, 405, "method not allowed: use GET or POST",
		    "Allow: GET, HEAD, POST\r\n");
		return;
	}
	buf_init(&lines);
	buf_init(&args);
	buf_init(&type);
	if (endpoint_encode_header_lines(call, &lines, &ctype) == -1) {
		endpoint_fail_reason(call);
		goto out;
	}
	buf_append_str(&type, ctype != NULL ? ctype : ENDPOINT_JSON);
	json_init(&j, &args, 0);
	endpoint_json_args(&j, &call->query);
	/* the length is in the body it measures: a few rounds reach a fixed point */
	for (i = 0; i < 4; i++) {
		endpoint_encode_headers_json(call, ctype == NULL, clen, &args);
		if (call->body->len == clen)
			break;
		clen = call->body->len;
	}
	if (lines.oom || args.oom || type.oom || call->body->oom)
		plan_fail(call->plan);
	else
		endpoint_respond(call, 200, buf_cstr(&type), lines.len > 0 ?
		    buf_cstr(&lines) : NULL, call->body->data, call->body->len);
out:
	buf_free(&lines);
	buf_free(&args);
	buf_free(&type);
}

/* /stream-bytes/n?seed=S&chunk_size=C: /bytes's bytes, chunked, C bytes a chunk. */
void
endpoint_stream_bytes(struct endpoint_call *call)
{
	unsigned long long	 n = 0, seed = 0, chunk = ENDPOINT_CHUNK_DEFAULT;
	int			 chunked;

	if (endpoint_rest_uint(call, "n", 0, endpoint_bytes_max(call), &n) == -1)
		return;
	if (endpoint_arg_uint(call, "seed", 0, 0, ~0ULL, &seed) == -1 ||
	    endpoint_arg_uint(call, "chunk_size", 0, 1, PLAN_PIECE_BYTES, &chunk) == -1) {
		endpoint_fail_reason(call);
		return;
	}
	chunked = endpoint_head_stream(call, ENDPOINT_OCTETS, NULL);
	if (call->head_only)
		return;
	if (n == 0 && chunked)
		plan_write(call->plan, "0\r\n\r\n", 5);
	else
		plan_stream_bytes_sized(call->plan, n, seed, chunked, (unsigned int)chunk);
}

/* /sse?count=N&duration=S&delay=S: N "ping" events spread over S seconds. */
void
endpoint_sse(struct endpoint_call *call)
{
	unsigned long long	 count = ENDPOINT_SSE_COUNT;
	unsigned int		 max = endpoint_delay_max(call), smax = endpoint_stream_max(call);
	unsigned int		 duration = ENDPOINT_SSE_DURATION, delay = 0;
	int			 chunked;
	static const char	 event[] = "id: @ID@\nevent: ping\ndata: ping\n\n";

	if (duration > max)
		duration = max;
	if (endpoint_arg_uint(call, "count", 0, 1, smax, &count) == -1 ||
	    endpoint_arg_seconds(call, "duration", 0, max, &duration) == -1 ||
	    endpoint_arg_seconds(call, "delay", 0, max, &delay) == -1) {
		endpoint_fail_reason(call);
		return;
	}
	if (delay > 0)
		plan_wait(call->plan, delay);
	chunked = endpoint_head_stream(call, "text/event-stream", "Cache-Control: no-cache\r\n");
	if (!call->head_only)
		plan_stream_lines(call->plan, event, sizeof(event) - 1, (unsigned int)count,
		    duration / (unsigned int)count, chunked);
}
