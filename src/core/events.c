/* events: the /events stream, one JSON message per tick from stats snapshots. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "core/stats.h"
#include "util/json.h"
#include "util/time.h"

struct events {
	events_snapshot_fn	 ev_snapshot;
	void			*ev_arg;
	unsigned int		 ev_interval_ms;
	unsigned int		 ev_seq;
	uint64_t		 ev_prev_ms;	/* 0: no tick yet */
	struct stats		*ev_prev;	/* the last tick's counters */
	struct stats		*ev_cur;
	struct stats		*ev_worker;	/* scratch for one worker's counters */
};

static void	events_json_flight(struct json *, const struct stats *,
		    const struct stats_info *);
static void	events_json_workers(struct json *, struct events *,
		    const struct stats_info *);

/* NULL when out of memory. */
struct events *
events_new(events_snapshot_fn snapshot, void *arg, unsigned int interval_ms)
{
	struct events	*ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return (NULL);
	ev->ev_snapshot = snapshot;
	ev->ev_arg = arg;
	ev->ev_interval_ms = interval_ms;
	ev->ev_prev = malloc(sizeof(struct stats));
	ev->ev_cur = malloc(sizeof(struct stats));
	ev->ev_worker = malloc(sizeof(struct stats));
	if (ev->ev_prev == NULL || ev->ev_cur == NULL || ev->ev_worker == NULL) {
		events_free(ev);
		return (NULL);
	}
	stats_init(ev->ev_prev);
	return (ev);
}

/* Give back a stream's state. */
void
events_free(struct events *ev)
{
	if (ev == NULL)
		return;
	free(ev->ev_prev);
	free(ev->ev_cur);
	free(ev->ev_worker);
	free(ev);
}

/* "in_flight": the total and what the requests wait on. */
static void
events_json_flight(struct json *j, const struct stats *s,
    const struct stats_info *info)
{
	json_key(j, "in_flight");
	json_object_begin(j);
	json_key(j, "total");
	json_uint(j, s->plans_inflight);
	json_key(j, "timer");
	json_uint(j, s->wait_timer);
	json_key(j, "stream");
	json_uint(j, s->wait_stream);
	json_key(j, "fetch");
	json_uint(j, s->wait_fetch);
	json_key(j, "cpu");
	json_uint(j, s->wait_cpu);
	json_key(j, "queued");
	json_uint(j, info != NULL ? info->queued : 0);
	json_object_end(j);
}

/* "per_worker": each worker's own connections and requests, if several. */
static void
events_json_workers(struct json *j, struct events *ev,
    const struct stats_info *info)
{
	unsigned int	 i;

	json_key(j, "per_worker");
	json_array_begin(j);
	for (i = 0; info->worker != NULL && info->workers > 1 &&
	    i < info->workers; i++) {
		stats_init(ev->ev_worker);
		info->worker(info->worker_arg, i, ev->ev_worker);
		json_object_begin(j);
		json_key(j, "connections_open");
		json_uint(j, ev->ev_worker->conns_open);
		json_key(j, "requests_total");
		json_uint(j, ev->ev_worker->requests_total);
		events_json_flight(j, ev->ev_worker, NULL);
		json_object_end(j);
	}
	json_array_end(j);
}

/*
 * Rates and percentiles cover the time since the last message, so the page
 * shows now rather than the average since start.
 */
void
events_next(struct events *ev, uint64_t now_ms, struct buf *out)
{
	struct stats		*s = ev->ev_cur;
	struct stats_info	 info;
	struct json		 j;
	uint64_t		 lat[STATS_LATENCY_BUCKETS], span;
	size_t			 i;

	memset(&info, 0, sizeof(info));
	info.server = "echofetch";
	info.model = "unknown";
	stats_init(s);
	ev->ev_snapshot(ev->ev_arg, s, &info);
	for (i = 0; i < STATS_LATENCY_BUCKETS; i++)
		lat[i] = s->latency[i] - ev->ev_prev->latency[i];
	span = ev->ev_prev_ms != 0 && now_ms > ev->ev_prev_ms ?
	    now_ms - ev->ev_prev_ms : 0;
	if (ev->ev_seq == 0)
		buf_appendf(out, "retry: %u\n", EVENTS_RETRY_MS);
	buf_append_str(out, "data: ");
	json_init(&j, out, 0);
	json_object_begin(&j);
	json_key(&j, "seq");
	json_uint(&j, ev->ev_seq);
	json_key(&j, "server");
	json_cstring(&j, info.server);
	json_key(&j, "model");
	json_cstring(&j, info.model);
	json_key(&j, "workers");
	json_uint(&j, info.workers);
	json_key(&j, "uptime_s");
	json_int(&j, info.now > info.started ?
	    (long long)(info.now - info.started) : 0);
	json_key(&j, "interval_ms");
	json_uint(&j, ev->ev_interval_ms);
	json_key(&j, "connections_open");
	json_uint(&j, s->conns_open);
	events_json_flight(&j, s, &info);
	json_key(&j, "requests_total");
	json_uint(&j, s->requests_total);
	json_key(&j, "requests_per_s");
	json_double(&j, span == 0 ? 0.0 :
	    (double)(s->requests_total - ev->ev_prev->requests_total) *
	    1000.0 / (double)span);
	json_key(&j, "latency_ms");
	json_object_begin(&j);
	json_key(&j, "p50");
	json_double(&j, (double)stats_latency_quantile(lat, 0.50) / 1000.0);
	json_key(&j, "p99");
	json_double(&j, (double)stats_latency_quantile(lat, 0.99) / 1000.0);
	json_object_end(&j);
	json_key(&j, "fetch_queue");
	json_uint(&j, s->fetch_queued);
	json_key(&j, "fetch_active");
	json_uint(&j, s->fetch_active);
	json_key(&j, "rss_bytes");
	json_uint(&j, info.rss_bytes);
	events_json_workers(&j, ev, &info);
	json_object_end(&j);
	buf_append_str(out, "\n\n");
	memcpy(ev->ev_prev, s, sizeof(*s));
	ev->ev_prev_ms = now_ms;
	ev->ev_seq++;
}

/* The plan's producer: every piece is the next message, made when due. */
void
events_produce(void *arg, unsigned int i, struct buf *out)
{
	(void)i;
	events_next(arg, time_now_ms(), out);
}

/* The plan lets the stream's state go with it. */
void
events_produce_free(void *arg)
{
	events_free(arg);
}
