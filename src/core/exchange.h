/* exchange: one request and its response, from the first byte to the access-log line. */
#ifndef EF_EXCHANGE_H
#define EF_EXCHANGE_H

#include <stdint.h>

#include "core/endpoint.h"
#include "core/http.h"
#include "core/plan.h"

struct stats;

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
	uint64_t		 started_us;	/* monotonic; finer start, for the access log */
};

/* Monotonic milliseconds, for deadlines and durations. */
uint64_t exchange_now_ms(void);
/* Monotonic microseconds, the access log's clock (WAITs are timed on it too). */
uint64_t exchange_now_us(void);
void	exchange_init(struct exchange *, const struct http_limits *);
void	exchange_free(struct exchange *);
/* Feed bytes to the parser; marks the start time at the first byte. */
enum http_parse_result exchange_feed(struct exchange *, const char *, size_t, size_t *consumed);
/* 1 if any byte of a request has arrived (a timeout then answers 408, else closes quietly). */
int	exchange_started(const struct exchange *);
/* Make the plan for a parsed request, or the error plan if the parser refused it. */
void	exchange_plan(struct exchange *, const struct endpoint_ctx *, struct stats *);
/* Make an error plan (e.g. 408 on a timeout, 503 when full); always closes. */
void	exchange_plan_error(struct exchange *, int status, const char *reason,
	    const struct endpoint_ctx *, struct stats *);
/*
 * The plan ran (or was cut short: note says why, e.g. "client-gone" logs 499).
 * Writes the access-log line, counts the request, resets for the next one.
 */
void	exchange_finish(struct exchange *, struct stats *, const struct endpoint_ctx *,
	    const char *note);

#endif
