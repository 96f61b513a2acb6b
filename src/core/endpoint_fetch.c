/* endpoint: /fetch, /gather and /chain, and the responses their FETCH steps end with. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/fetch.h"
#include "core/fetch_policy.h"
#include "core/http.h"
#include "util/json.h"
#include "core/plan.h"
#include "core/response.h"

#define ENDPOINT_FETCH_URLS_DEFAULT	16
#define ENDPOINT_FETCH_HOPS_DEFAULT	2

/* Most url= a /gather or /chain takes. */
static unsigned int
endpoint_fetch_urls_max(const struct endpoint_call *call)
{
	unsigned int	 max = ENDPOINT_FETCH_URLS_DEFAULT;

	if (call->ctx->cfg != NULL)
		max = call->ctx->cfg->fetch_urls_max;
	if (max < 1)
		max = 1;
	if (max > PLAN_FETCH_URLS_MAX)
		max = PLAN_FETCH_URLS_MAX;
	return (max);
}

/* 1 if query pair i is a url= parameter. */
static int
endpoint_fetch_is_url(const struct endpoint_call *call, unsigned int i)
{
	const char	*name;
	size_t		 len;

	name = endpoint_query_name(&call->query, i, &len);
	return (len == 3 && memcmp(name, "url", 3) == 0);
}

/* Count the url= parameters; 400 (and -1) if there are none or too many. */
static int
endpoint_fetch_count(struct endpoint_call *call, enum plan_fetch_mode mode,
    unsigned int *count)
{
	unsigned int	 i, n = 0, max;

	max = mode == PLAN_FETCH_ONE ? 1 : endpoint_fetch_urls_max(call);
	for (i = 0; i < call->query.n; i++)
		n += (unsigned int)endpoint_fetch_is_url(call, i);
	if (n == 0) {
		endpoint_fail(call, 400, "url is required", NULL);
		return (-1);
	}
	if (n > max) {
		buf_reset(call->reason);
		if (mode == PLAN_FETCH_ONE)
			buf_append_str(call->reason, "fetch takes one url "
			    "(use /gather or /chain for more)");
		else
			buf_appendf(call->reason, "at most %u url parameters", max);
		endpoint_fail_reason(call);
		return (-1);
	}
	*count = n;
	return (0);
}

/* Keep each URL in the plan and check it now, so a refusal costs no transfer. */
static int
endpoint_fetch_store(struct endpoint_call *call, const struct fetch_policy *pol)
{
	const char	*v, *url;
	char		 why[FETCH_REASON_MAX];
	size_t		 vlen;
	unsigned int	 i;
	int		 status = 400;

	for (i = 0; i < call->query.n; i++) {
		if (!endpoint_fetch_is_url(call, i))
			continue;
		v = endpoint_query_value(&call->query, i, &vlen);
		if (vlen == 0 || memchr(v, '\0', vlen) != NULL) {
			snprintf(why, sizeof(why), vlen == 0 ? "url is required" :
			    "url must not contain NUL bytes");
			goto fail;
		}
		if ((url = plan_fetch_url(call->plan, v, vlen)) == NULL)
			return (-1);
		switch (fetch_policy_check_url(pol, url, why, sizeof(why))) {
		case 0:
			break;
		case FETCH_POLICY_MALFORMED:
			status = 400;
			goto fail;
		default:
			fetch_policy_hint(why, sizeof(why));
			status = 403;
			goto fail;
		}
	}
	return (0);
fail:
	endpoint_fail(call, status, why, NULL);
	return (-1);
}

/*
 * Hops the request came through: the members of its Via headers (RFC 9110
 * 7.6.3), each fetch adds one. Commas inside a (comment) do not count.
 */
static unsigned int
endpoint_fetch_hops(const struct http_request *req)
{
	const struct http_header	*h;
	unsigned int			 i, n = 0;
	size_t				 k;
	int				 depth, member;

	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		if (!http_slice_caseeq(h->name, "via"))
			continue;
		depth = member = 0;
		for (k = 0; k < h->value.len; k++) {
			char	 ch = h->value.p[k];

			if (ch == '(')
				depth++;
			else if (ch == ')' && depth > 0)
				depth--;
			else if (ch == ',' && depth == 0) {
				n += (unsigned int)member;
				member = 0;
			} else if (ch != ' ' && ch != '\t')
				member = 1;
		}
		n += (unsigned int)member;
	}
	return (n);
}

/* 508 for a request past fetch_max_hops: most likely a fetch of itself, round and round. */
static int
endpoint_fetch_loop(struct endpoint_call *call, unsigned int hops)
{
	unsigned int	 max = ENDPOINT_FETCH_HOPS_DEFAULT;

	if (call->ctx->cfg != NULL)
		max = call->ctx->cfg->fetch_max_hops;
	if (hops <= max)
		return (0);
	buf_reset(call->reason);
	buf_appendf(call->reason, "fetch loop: the request came through %u "
	    "fetches (Via), fetch_max_hops is %u; do not point fetch URLs "
	    "back at this server", hops, max);
	endpoint_fail(call, 508, buf_cstr(call->reason), NULL);
	return (-1);
}

/* The one plan all three endpoints make: the URLs and a FETCH step. */
static void
endpoint_fetch_plan(struct endpoint_call *call, enum plan_fetch_mode mode)
{
	static const struct fetch_policy	 deny_private;
	const struct fetch_policy		*pol = call->ctx->fetch_policy;
	unsigned int				 n, hops;

	if (pol == NULL)
		pol = &deny_private;
	hops = endpoint_fetch_hops(call->req);
	if (endpoint_fetch_loop(call, hops) == -1 ||
	    endpoint_fetch_count(call, mode, &n) == -1 ||
	    endpoint_fetch_store(call, pol) == -1)
		return;
	plan_fetch(call->plan, mode, call->req->version, call->head_only, hops);
	/* An HTTP/1.0 client gets the streamed body until close. */
	if (mode == PLAN_FETCH_ONE && call->req->version == 10)
		call->keep_alive = 0;
}

/* GET /fetch?url=U: the upstream response, streamed through. */
void
endpoint_fetch(struct endpoint_call *call)
{
	endpoint_fetch_plan(call, PLAN_FETCH_ONE);
}

/* GET /gather?url=A&url=B: all at once, then a summary. */
void
endpoint_gather(struct endpoint_call *call)
{
	endpoint_fetch_plan(call, PLAN_FETCH_GATHER);
}

/* GET /chain?url=A&url=B: one after another, then a summary. */
void
endpoint_chain(struct endpoint_call *call)
{
	endpoint_fetch_plan(call, PLAN_FETCH_CHAIN);
}

/* A status that never carries a body. */
static int
fetch_response_bodiless(const struct fetch_transfer *t)
{
	int	 s = t->upstream_status;

	return (s < 200 || s == 204 || s == 304);
}

/*
 * Statuses that never carry a body get Content-Length: 0; a body whose
 * length the upstream stated (and the cap allows) keeps it, as the bytes
 * pass unchanged; others stream chunked (or until close for HTTP/1.0).
 */
enum response_framing
fetch_response_framing(const struct fetch_job *job, const struct fetch_transfer *t)
{
	if (fetch_response_bodiless(t))
		return (RESPONSE_LENGTH);
	if (!job->head_only && t->content_length >= 0 &&
	    (unsigned long long)t->content_length <= t->settings->body_max)
		return (RESPONSE_LENGTH);
	return (job->version == 10 ? RESPONSE_UNTIL_CLOSE :
	    RESPONSE_CHUNKED);
}

/* The upstream's status and type, our framing, and how long the upstream took. */
void
fetch_response_head(const struct fetch_job *job, const struct fetch_transfer *t,
    time_t now, struct buf *out)
{
	struct response_head	 h;
	char			 extra[64];
	uint64_t		 ms;

	ms = t->head_ms > t->start_ms ? t->head_ms - t->start_ms : 0;
	snprintf(extra, sizeof(extra), "X-Upstream-Time: %llums\r\n",
	    (unsigned long long)ms);
	memset(&h, 0, sizeof(h));
	h.status = t->upstream_status;
	h.version = job->version;
	h.content_type = t->content_type[0] != '\0' ? t->content_type : NULL;
	h.framing = fetch_response_framing(job, t);
	h.content_length = h.framing == RESPONSE_LENGTH && !fetch_response_bodiless(t) ?
	    (unsigned long long)t->content_length : 0;
	h.keep_alive = job->keep_alive;
	h.extra = extra;
	response_write_head(out, &h, now);
}

/* A body piece framed for the client; nothing for HEAD or bodiless statuses. */
void
fetch_response_chunk(const struct fetch_job *job, const char *data, size_t len,
    struct buf *out)
{
	enum response_framing	 f = fetch_response_framing(job, &job->t[0]);

	if (len == 0 || job->head_only || fetch_response_bodiless(&job->t[0]))
		return;
	if (f == RESPONSE_CHUNKED)
		buf_appendf(out, "%zx\r\n", len);
	buf_append(out, data, len);
	if (f == RESPONSE_CHUNKED)
		buf_append(out, "\r\n", 2);
}

/* {"mode":..,"total_ms":..,"results":[{"url","status","bytes","time_ms","error"}]} */
void
fetch_render_summary(const struct fetch_job *job, uint64_t total_ms, struct buf *out)
{
	const struct fetch_transfer	*t;
	struct json			 j;
	unsigned int			 i;

	json_init(&j, out, 1);
	json_object_begin(&j);
	json_key(&j, "mode");
	json_cstring(&j, job->mode == PLAN_FETCH_CHAIN ? "chain" :
	    job->mode == PLAN_FETCH_GATHER ? "gather" : "fetch");
	json_key(&j, "total_ms");
	json_uint(&j, total_ms);
	json_key(&j, "results");
	json_array_begin(&j);
	for (i = 0; i < job->n; i++) {
		t = &job->t[i];
		json_object_begin(&j);
		json_key(&j, "url");
		json_cstring(&j, t->url != NULL ? t->url : "");
		json_key(&j, "status");
		json_int(&j, t->status);
		json_key(&j, "bytes");
		json_uint(&j, t->body_bytes);
		json_key(&j, "time_ms");
		json_uint(&j, t->end_ms > t->start_ms ? t->end_ms - t->start_ms : 0);
		json_key(&j, "error");
		if (t->failed)
			json_cstring(&j, t->reason);
		else
			json_null(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	buf_append_char(out, '\n');
}

