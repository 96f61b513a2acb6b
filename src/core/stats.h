/* stats: counters both executors keep, rendered as JSON and Prometheus text. */
#ifndef EF_STATS_H
#define EF_STATS_H

#include <stdint.h>
#include <time.h>

#include "util/buf.h"
#include "core/endpoint.h"

#define STATS_STATUS_MIN	100
#define STATS_STATUS_SLOTS	500	/* 100..599 */
#define STATS_CLASSES		5	/* 1xx..5xx */
/* Answers the server made itself (408, 503, 500 out of memory): no endpoint ran. */
#define STATS_NO_ENDPOINT	ENDPOINT_COUNT
#define STATS_ENDPOINTS		(ENDPOINT_COUNT + 1)
/* WebSocket closes: 1000 1001 1002 1006 1007 1009 1011, then any other code. */
#define STATS_WS_CODES		8
/* Latency buckets: upper bounds in us (stats_latency_bounds), the last open. */
#define STATS_LATENCY_BUCKETS	16

/*
 * One struct per worker (or one in shared memory for the fork model). Writers
 * use the stats_* functions, which add with relaxed atomics so a shared
 * mapping stays consistent; readers take a snapshot with stats_merge.
 */
struct stats {
	uint64_t	 conns_open;
	uint64_t	 conns_total;
	uint64_t	 conns_rejected;	/* over max_connections */
	uint64_t	 conns_buffered;	/* holding I/O buffers (echofetchd) */
	uint64_t	 plans_inflight;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	uint64_t	 echo_conns_open;
	uint64_t	 echo_conns_total;
	uint64_t	 echo_bytes;
	uint64_t	 udp_datagrams;
	uint64_t	 udp_dropped_reflect;	/* forged or looping source: no reply */
	uint64_t	 udp_dropped_rate;	/* over udp_echo_rate or udp_echo_rate_global */
	uint64_t	 requests_total;
	uint64_t	 requests[STATS_ENDPOINTS][STATS_STATUS_SLOTS];
	uint64_t	 requests_class[STATS_CLASSES];	/* by status class, 1xx first */
	uint64_t	 fetch_active;
	uint64_t	 fetch_queued;
	uint64_t	 fetch_total;
	uint64_t	 fetch_rejected;
	uint64_t	 fetch_wait_ms_total;
	uint64_t	 ws_conns_open;
	uint64_t	 ws_conns_total;
	uint64_t	 ws_messages;		/* WebSocket messages echoed */
	uint64_t	 ws_closes[STATS_WS_CODES];	/* by close code: stats_count_ws_close */
	/* plans in flight by the step they are on (the rest are writing) */
	uint64_t	 wait_timer;
	uint64_t	 wait_stream;
	uint64_t	 wait_fetch;
	uint64_t	 wait_cpu;
	uint64_t	 latency[STATS_LATENCY_BUCKETS];	/* first byte to last, by bucket */
};

/* Who is reporting, for /stats and /metrics. */
struct stats_info {
	const char	*server;	/* "echofetchd" or "echofetchd-blocking" */
	const char	*model;		/* "event", "sequential", "thread", "fork", "pool" */
	unsigned int	 workers;
	time_t		 started;
	time_t		 now;
	/* for /events; 0 or NULL where the executor cannot tell */
	uint64_t	 queued;	/* connections waiting in the accept queue */
	uint64_t	 rss_bytes;
	/* per-worker counters where there are several: fill worker i's */
	void		(*worker)(void *arg, unsigned int i, struct stats *out);
	void		*worker_arg;
};

void	stats_init(struct stats *);
void	stats_add(uint64_t *, uint64_t);
void	stats_sub(uint64_t *, uint64_t);
/* One answered request: endpoint is an enum endpoint_id or STATS_NO_ENDPOINT. */
void	stats_count_request(struct stats *, int endpoint, int status);
/* A WebSocket ended with this close code (1006: no close frame at all). */
void	stats_count_ws_close(struct stats *, int code);
/* One answered request took us microseconds, first byte to last. */
void	stats_count_latency(struct stats *, uint64_t us);
/* The upper bound (us) of the bucket holding quantile q of counts; 0 if none. */
uint64_t stats_latency_quantile(const uint64_t counts[STATS_LATENCY_BUCKETS], double q);
/* Add every counter of src into dst (a snapshot across workers). */
void	stats_merge(struct stats *dst, const struct stats *src);
void	stats_render_json(const struct stats *, const struct stats_info *, struct buf *);
void	stats_render_prometheus(const struct stats *, const struct stats_info *, struct buf *);

#endif
