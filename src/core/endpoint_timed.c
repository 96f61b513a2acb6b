/* endpoint: the endpoints whose plans take time: delay, drip, stream, bytes, cpu. */
#include "autoconfig.h"

#include <string.h>

#include "util/buf.h"
#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/http.h"
#include "util/json.h"
#include "core/plan.h"

#define ENDPOINT_DRIP_PIECES_MAX	1000

/* Wait, then describe the request, as httpbin's /delay does. */
void
endpoint_delay(struct endpoint_call *call)
{
	const struct http_request	*req = call->req;
	unsigned long long		 v = 0;
	unsigned int			 ms = 0, max = endpoint_delay_max(call);
	struct json			 j;

	if (call->rest != NULL) {
		/* /delay/{seconds} */
		if (endpoint_parse_seconds(call->rest, call->restlen, max, &ms) == -1) {
			endpoint_reason_seconds(call, "delay", max);
			endpoint_fail_reason(call);
			return;
		}
	} else {
		if (endpoint_arg_uint(call, "ms", 1, 0, max, &v) == -1) {
			endpoint_fail_reason(call);
			return;
		}
		ms = (unsigned int)v;
	}
	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, "args");
	endpoint_json_args(&j, &call->query);
	json_key(&j, "data");
	json_string(&j, req->body.data != NULL ? req->body.data : "", req->body.len);
	json_key(&j, "delay_ms");
	json_uint(&j, ms);
	json_key(&j, "headers");
	endpoint_json_headers(&j, req);
	json_key(&j, "origin");
	endpoint_json_origin(&j, call);
	json_key(&j, "url");
	endpoint_json_url(&j, call);
	json_object_end(&j);
	buf_append_char(call->body, '\n');
	plan_wait(call->plan, ms);
	endpoint_respond_body(call, 200, ENDPOINT_JSON);
}

/* N '*' bytes spread over a duration: a slow server, made to order. */
void
endpoint_drip(struct endpoint_call *call)
{
	struct plan		*plan = call->plan;
	unsigned long long	 numbytes = 10, code = 200;
	unsigned int		 duration = 2000, delay = 0, pieces, max;

	max = endpoint_delay_max(call);
	if (endpoint_arg_uint(call, "numbytes", 0, 0, endpoint_bytes_max(call),
	    &numbytes) == -1 ||
	    endpoint_arg_seconds(call, "duration", 0, max, &duration) == -1 ||
	    endpoint_arg_seconds(call, "delay", 0, max, &delay) == -1 ||
	    endpoint_arg_uint(call, "code", 0, 200, 599, &code) == -1) {
		endpoint_fail_reason(call);
		return;
	}
	pieces = numbytes < ENDPOINT_DRIP_PIECES_MAX ? (unsigned int)numbytes :
	    ENDPOINT_DRIP_PIECES_MAX;
	if (delay > 0)
		plan_wait(plan, delay);
	endpoint_head(call, (int)code, ENDPOINT_OCTETS, RESPONSE_LENGTH, numbytes, NULL);
	if (!call->head_only && pieces > 0)
		plan_stream_drip(plan, numbytes, pieces, duration / pieces, 0);
}

/* The compact line every /stream piece repeats, with "@ID@" where its number goes. */
static void
endpoint_stream_line(struct endpoint_call *call, struct buf *line)
{
	struct json	 j;

	json_init(&j, line, 0);
	json_object_begin(&j);
	json_key(&j, "id");
	json_raw(&j, "@ID@", 4);
	json_key(&j, "url");
	endpoint_json_url(&j, call);
	endpoint_json_seen(&j, call);
	json_object_end(&j);
	buf_append_char(line, '\n');
}

/* n JSON lines, one every interval_ms; chunked on HTTP/1.1, until close on HTTP/1.0. */
void
endpoint_stream_lines(struct endpoint_call *call)
{
	unsigned long long	 n = 0, interval = 0;
	int			 chunked;

	if (endpoint_rest_uint(call, "n", 1, endpoint_stream_max(call), &n) == -1)
		return;
	if (endpoint_arg_uint(call, "interval_ms", 0, 0, endpoint_delay_max(call),
	    &interval) == -1) {
		endpoint_fail_reason(call);
		return;
	}
	chunked = endpoint_head_stream(call, ENDPOINT_JSON, NULL);
	if (call->head_only)
		return;
	buf_reset(call->body);
	endpoint_stream_line(call, call->body);
	if (call->body->oom) {
		plan_fail(call->plan);
		return;
	}
	plan_stream_lines(call->plan, call->body->data, call->body->len, (unsigned int)n,
	    (unsigned int)interval, chunked);
}

/* n reproducible pseudo-random bytes, made piece by piece so 10 MiB is never held. */
void
endpoint_bytes(struct endpoint_call *call)
{
	unsigned long long	 n = 0, seed = 0, max = endpoint_bytes_max(call);

	if (endpoint_parse_uint(call->rest, call->restlen, 0, max, &n) == -1) {
		endpoint_reason_uint(call, "n", 0, max);
		endpoint_fail_reason(call);
		return;
	}
	if (endpoint_arg_uint(call, "seed", 0, 0, ~0ULL, &seed) == -1) {
		endpoint_fail_reason(call);
		return;
	}
	endpoint_head(call, 200, ENDPOINT_OCTETS, RESPONSE_LENGTH, n, NULL);
	if (!call->head_only)
		plan_stream_bytes(call->plan, n, seed, 0);
}

/* Burn the serving thread on purpose: what a blocking handler costs everyone else. */
void
endpoint_cpu(struct endpoint_call *call)
{
	unsigned long long	 ms = 0;
	unsigned int		 max = endpoint_cpu_max(call);
	struct json		 j;

	if (endpoint_arg_uint(call, "ms", 1, 0, max, &ms) == -1) {
		endpoint_fail_reason(call);
		return;
	}
	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, "burned_ms");
	json_uint(&j, ms);
	json_object_end(&j);
	buf_append_char(call->body, '\n');
	plan_burn(call->plan, (unsigned int)ms);
	endpoint_respond_body(call, 200, ENDPOINT_JSON);
}
