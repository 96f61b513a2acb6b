/* exchange: one request and its response, from the first byte to the access-log line. */
#ifndef EF_EXCHANGE_H
#define EF_EXCHANGE_H

#include <stdint.h>

#include "core/endpoint.h"
#include "core/http.h"
#include "core/plan.h"

struct stats;

/*
 * How an exchange (or the connection carrying it) ended. One name each, for
 * the access log's last word and the executors' close logs; both builds end
 * every exchange through exchange_finish with one of these.
 */
enum exchange_end {
	EXCHANGE_DONE = 0,		/* the plan ran to its end */
	EXCHANGE_CLIENT_GONE,		/* left mid-plan: logged as 499 */
	EXCHANGE_CLIENT_CLOSED,		/* hung up between requests */
	EXCHANGE_CLIENT_CLOSED_MID,	/* hung up with a request half sent */
	EXCHANGE_SOCKET_ERROR,
	EXCHANGE_KEEPALIVE_TIMEOUT,	/* idle between requests: no answer */
	EXCHANGE_TIMEOUT_HEADER,	/* 408: the head took too long */
	EXCHANGE_TIMEOUT_BODY,		/* 408: the body stalled */
	EXCHANGE_TIMEOUT_HANDSHAKE,	/* a TLS handshake outlived header_timeout_ms */
	EXCHANGE_WRITE_TIMEOUT,		/* the client stopped reading */
	EXCHANGE_REFUSED_CAP,		/* 503 before any request: over a connection cap */
	EXCHANGE_DRAIN_IDLE,		/* idle when a drain began */
	EXCHANGE_DRAIN_DEADLINE,	/* cut at the end of a drain */
	EXCHANGE_SERVER_STOP,
	EXCHANGE_OOM,			/* out of memory: 500, or cut */
	EXCHANGE_CLOSED,		/* request state given back mid-plan */
	EXCHANGE_END_COUNT,
};

/*
 * Both executors keep one of these per connection and drive it the same way:
 *
 *	exchange_feed(...)            until DONE or ERROR (or a timeout)
 *	exchange_plan(...)            or exchange_plan_error(...) for a timeout
 *	  ... the executor runs ex->plan, counting bytes into ex->bytes_sent ...
 *	exchange_finish(...)          logs, counts, and resets for the next request
 */
struct exchange {
	struct http_parser	 parser;
	struct plan		 plan;
	uint64_t		 started_ms;	/* monotonic; first byte of this request */
	unsigned long long	 bytes_sent;	/* executor adds what it wrote */
	int			 active;	/* between exchange_plan and exchange_finish */
	int			 started;	/* a byte of this request has arrived */
	enum exchange_end	 planned_end;	/* set when the server itself answers (408, 503) */
	uint64_t		 started_us;	/* monotonic; finer start, for the access log */
	uint64_t		*waiting;	/* the stats gauge of the step running, or NULL */
};

void	exchange_init(struct exchange *, const struct http_limits *);
void	exchange_free(struct exchange *);
/* Feed bytes to the parser; marks the start time at the first byte. */
enum http_parse_result exchange_feed(struct exchange *, const char *, size_t, size_t *consumed);
/* 1 if any byte of a request has arrived (a timeout then answers 408, else closes quietly). */
int	exchange_started(const struct exchange *);
/* Make the plan for a parsed request, or the error plan if the parser refused it. */
void	exchange_plan(struct exchange *, const struct endpoint_ctx *, struct stats *);
/* The plan moves to a step of this kind: count it under what it waits on. */
void	exchange_step(struct exchange *, struct stats *, enum plan_step_kind);
/* The word an end is logged as: "client-gone", "header-timeout" ... */
const char *exchange_end_name(enum exchange_end);
/* Bytes to send now if the parser asked for 100 Continue (0 if none); clears the ask. */
size_t	exchange_continue_bytes(struct exchange *, enum http_parse_result,
	    const char **bytes);
/* Which 408 a read timeout is: the head took too long, or the body stalled. */
enum exchange_end exchange_timeout_end(const struct exchange *);
/*
 * Make an error plan the server decides on (500 out of memory, 408, 503);
 * always closes. `end` says why, for the stats and the access log.
 */
void	exchange_plan_error(struct exchange *, int status, const char *reason,
	    enum exchange_end, const struct endpoint_ctx *, struct stats *);
/* A read timed out mid-request: plan its 408 (the reason from exchange_timeout_end). */
void	exchange_plan_timeout(struct exchange *, const struct endpoint_ctx *, struct stats *);
/*
 * A connection refused before any request (over a connection cap, `reason`
 * naming the key): plan the 503, hand its bytes to send (which says how
 * many went out, -1 for none), then count and log it. Both executors' one
 * reject path.
 */
void	exchange_reject(struct exchange *, const char *reason,
	    const struct endpoint_ctx *, struct stats *,
	    long (*send)(void *arg, const char *, size_t), void *arg);
/*
 * The plan ran (end EXCHANGE_DONE) or was cut short (end says why, e.g.
 * EXCHANGE_CLIENT_GONE logs 499). Writes the access-log line, counts the
 * request, resets for the next one.
 */
void	exchange_finish(struct exchange *, struct stats *, const struct endpoint_ctx *,
	    enum exchange_end);
/* Forget the request in progress without counting it; keeps the buffers. */
void	exchange_reset(struct exchange *);

#endif
