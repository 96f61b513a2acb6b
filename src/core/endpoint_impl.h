/* endpoint: what endpoint.c and the endpoint_*.c files share; private to them. */
#ifndef EF_ENDPOINT_IMPL_H
#define EF_ENDPOINT_IMPL_H

#include <stddef.h>

#include "util/buf.h"
#include "core/endpoint.h"
#include "core/response.h"

struct json;

#define ENDPOINT_QUERY_MAX	100	/* name=value pairs in a query or form body */

#define ENDPOINT_JSON		"application/json"
#define ENDPOINT_OCTETS		"application/octet-stream"

/* Decoded name=value pairs; the text lives in `store`, so pairs hold offsets. */
struct endpoint_pair {
	size_t		 name_off;
	size_t		 name_len;
	size_t		 value_off;
	size_t		 value_len;
};

struct endpoint_query {
	struct buf	*store;		/* the pairs' text, the caller's */
	struct endpoint_pair pairs[ENDPOINT_QUERY_MAX];
	unsigned int	 n;
};

/* One request on its way to a plan; the buffers are the plan's scratch. */
struct endpoint_call {
	const struct http_request *req;
	const struct endpoint_ctx *ctx;
	struct plan	*plan;
	enum endpoint_id id;
	struct buf	*path;		/* percent-decoded path */
	const char	*rest;		/* decoded path after the route's prefix ("/status/" ...) */
	size_t		 restlen;
	struct endpoint_query query;
	struct buf	*body;		/* the response body being built */
	struct buf	*reason;	/* a 400 reason */
	struct buf	*extra;		/* the head's extra lines and CORS */
	int		 head_only;	/* HEAD: everything GET does but the body */
	int		 keep_alive;
};

/*
 * endpoint.c: a call on the plan's scratch, as endpoint_plan makes one (tests
 * use these to run a single endpoint); end finishes the plan.
 */
void	endpoint_call_begin(struct endpoint_call *, const struct http_request *,
	    const struct endpoint_ctx *, struct plan *);
void	endpoint_call_end(struct endpoint_call *);

/* endpoint.c: queries and parameters */
void	endpoint_query_init(struct endpoint_query *, struct buf *store);
/* Split "a=1&b=2" (form decoding). -1 with why on bad %XX or too many pairs. */
int	endpoint_query_parse(struct endpoint_query *, const char *, size_t, const char **why);
/* Add a pair as it is (no decoding); -1 with why when full. */
int	endpoint_query_push(struct endpoint_query *, const char *, size_t,
	    const char *, size_t, const char **why);
const char *endpoint_query_name(const struct endpoint_query *, unsigned int, size_t *);
const char *endpoint_query_value(const struct endpoint_query *, unsigned int, size_t *);
/* The first value for a name, or NULL. */
const char *endpoint_query_find(const struct endpoint_query *, const char *, size_t *);
/* Digits only, no sign; -1 when empty, not a number, or out of min..max. */
int	endpoint_parse_uint(const char *, size_t, unsigned long long min,
	    unsigned long long max, unsigned long long *);
/* "1", "0.25", "2.125": decimal seconds with up to 3 decimals, to ms; -1 beyond max_ms. */
int	endpoint_parse_seconds(const char *, size_t, unsigned int max_ms, unsigned int *ms);
/* "ms must be an integer 0..10000" into call->reason. */
void	endpoint_reason_uint(struct endpoint_call *, const char *name,
	    unsigned long long min, unsigned long long max);
/* "duration must be a number of seconds 0..10" into call->reason. */
void	endpoint_reason_seconds(struct endpoint_call *, const char *name, unsigned int max_ms);
/*
 * Read an integer parameter; *v holds the default on entry. -1 (reason set)
 * when present but bad, or absent and required.
 */
int	endpoint_arg_uint(struct endpoint_call *, const char *name, int required,
	    unsigned long long min, unsigned long long max, unsigned long long *v);
int	endpoint_arg_seconds(struct endpoint_call *, const char *name, int required,
	    unsigned int max_ms, unsigned int *ms);

/* The route's last segment as an integer min..max; -1 after answering 400. */
int	endpoint_rest_uint(struct endpoint_call *, const char *name,
	    unsigned long long min, unsigned long long max, unsigned long long *v);

/* endpoint.c: limits, with built-in defaults when there is no config */
unsigned int endpoint_delay_max(const struct endpoint_call *);
unsigned int endpoint_cpu_max(const struct endpoint_call *);
unsigned long long endpoint_bytes_max(const struct endpoint_call *);
unsigned int endpoint_stream_max(const struct endpoint_call *);

/* endpoint.c: responses */
/* A HEAD step for the call (UNTIL_CLOSE turns keep-alive off). */
void	endpoint_head(struct endpoint_call *, int status, const char *ctype,
	    enum response_framing, unsigned long long length, const char *extra);
/* A 200 head for a stream: chunked on HTTP/1.1 (returns 1), until close on 1.0 (0). */
int	endpoint_head_stream(struct endpoint_call *, const char *ctype, const char *extra);
/* Head plus body with Content-Length; HEAD leaves the body out. */
void	endpoint_respond(struct endpoint_call *, int status, const char *ctype,
	    const char *extra, const void *, size_t);
/* call->body as the body. */
void	endpoint_respond_body(struct endpoint_call *, int status, const char *ctype);
/* A compact JSON error from an endpoint (keeps the connection). */
void	endpoint_fail(struct endpoint_call *, int status, const char *reason, const char *extra);
/* The 400 for a bad parameter, from call->reason. */
void	endpoint_fail_reason(struct endpoint_call *);

/* endpoint_basic.c: pieces of the request echoed back */
void	endpoint_json_args(struct json *, const struct endpoint_query *);
void	endpoint_json_headers(struct json *, const struct http_request *);
void	endpoint_json_url(struct json *, const struct endpoint_call *);
void	endpoint_json_origin(struct json *, const struct endpoint_call *);
/* "args", "headers", "origin": the three above as members, in that order. */
void	endpoint_json_seen(struct json *, const struct endpoint_call *);
/* call->body plus a newline, sent as a 200 JSON answer. */
void	endpoint_json_done(struct endpoint_call *);

/* endpoint_basic.c */
void	endpoint_root(struct endpoint_call *);
void	endpoint_echo(struct endpoint_call *);
void	endpoint_headers(struct endpoint_call *);
void	endpoint_ip(struct endpoint_call *);
void	endpoint_user_agent(struct endpoint_call *);
void	endpoint_stats(struct endpoint_call *);
void	endpoint_metrics(struct endpoint_call *);
void	endpoint_health(struct endpoint_call *);

/* endpoint_httpbin.c */
/* Access-Control-* lines for the call's response (preflight ones for OPTIONS). */
void	endpoint_cors(struct endpoint_call *, struct buf *);
void	endpoint_preflight(struct endpoint_call *);
void	endpoint_anything(struct endpoint_call *);
void	endpoint_methods(struct endpoint_call *);
void	endpoint_uuid(struct endpoint_call *);
void	endpoint_base64(struct endpoint_call *);
void	endpoint_document(struct endpoint_call *);
void	endpoint_status(struct endpoint_call *);

/* endpoint_timed.c */
void	endpoint_delay(struct endpoint_call *);
void	endpoint_drip(struct endpoint_call *);
void	endpoint_stream_lines(struct endpoint_call *);
void	endpoint_bytes(struct endpoint_call *);
void	endpoint_cpu(struct endpoint_call *);

/* endpoint_ws.c */
void	endpoint_websocket(struct endpoint_call *);
/* endpoint_live.c */
void	endpoint_events(struct endpoint_call *);
void	endpoint_dashboard(struct endpoint_call *);

#endif
