/* endpoint: the router and the endpoints that turn requests into plans. */
#ifndef EF_ENDPOINT_H
#define EF_ENDPOINT_H

#include <time.h>

#include "util/buf.h"

struct config;
struct fetch_policy;
struct http_request;
struct plan;
struct stats;
struct stats_info;

enum endpoint_id {
	EP_NOT_FOUND = 0,	/* no route: 404 */
	EP_BAD_REQUEST,		/* the parser refused it (400, 413, 414, 431, 501 ...) */
	EP_ROOT,
	EP_ECHO,
	EP_ANYTHING,
	EP_HEADERS,
	EP_IP,
	EP_USER_AGENT,
	EP_DELAY,
	EP_DRIP,
	EP_STREAM,
	EP_BYTES,
	EP_STATUS,
	EP_CPU,
	EP_STATS,
	EP_METRICS,
	EP_FETCH,
	EP_GATHER,
	EP_CHAIN,
	EP_METHODS,		/* /get /post /put /patch /delete */
	EP_UUID,
	EP_BASE64,
	EP_DOCUMENT,		/* /json /xml /html /robots.txt /encoding/utf8 */
	EP_PREFLIGHT,		/* OPTIONS on any endpoint */
	EP_REDIRECT,
	EP_COOKIES,
	EP_AUTH,
	EP_LINKS,
	EP_ENCODED,
	EP_RESPONSE_HEADERS,
	EP_CACHE,
	EP_RANGE,
	EP_STREAM_BYTES,
	EP_SSE,
	EP_HEALTH,
	EP_WEBSOCKET,
	EP_EVENTS,
	EP_DASHBOARD,
	ENDPOINT_COUNT,
};

/* What an endpoint may know about the world; no I/O handles. */
struct endpoint_ctx {
	const struct config *cfg;
	const struct fetch_policy *fetch_policy;	/* fetch_allow, parsed; NULL: none allowed */
	const char	*client_ip;	/* textual, no port */
	unsigned int	 client_port;
	int		 tls;		/* 1 when served over TLS */
	int		 draining;	/* shutting down: every response closes, /health 503 */
	time_t		 now;
	/* for /stats and /metrics: fill a merged snapshot */
	void		(*stats_snapshot)(void *arg, struct stats *out, struct stats_info *info);
	void		*stats_arg;
	int		 events_inline;	/* 1: this executor streams /events itself */
};

/*
 * The buffers endpoint_plan works in. The plan owns them so that their
 * memory serves every request on a connection; a call borrows them.
 */
struct endpoint_scratch {
	struct buf	 path;		/* percent-decoded path */
	struct buf	 query;		/* decoded query pairs */
	struct buf	 body;		/* the response body being built */
	struct buf	 reason;	/* a 400 reason */
	struct buf	 extra;		/* the head's extra lines and CORS */
};

void	endpoint_scratch_init(struct endpoint_scratch *);
void	endpoint_scratch_free(struct endpoint_scratch *);

const char *endpoint_name(enum endpoint_id);
/* Route the request and fill the plan (status, steps, keep_alive). Never fails: errors are plans too. */
void	endpoint_plan(const struct http_request *, const struct endpoint_ctx *, struct plan *);
/*
 * A JSON error response: {"error":"reason","status":N}. `version` is the
 * request's HTTP version (11 if unknown); keep_alive 0 adds Connection: close
 * and a CLOSE step.
 */
void	endpoint_plan_error(struct plan *, int version, int status, const char *reason,
	    int keep_alive, time_t now);

#endif
