/* stats: counters both executors keep, rendered as JSON and Prometheus text. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/endpoint.h"
#include "util/json.h"
#include "core/stats.h"

/* stats_merge walks the struct as an array of counters. */
_Static_assert(sizeof(struct stats) % sizeof(uint64_t) == 0,
    "struct stats must hold only uint64_t counters");

struct stats_counter;

static uint64_t	stats_load(const uint64_t *);
static uint64_t	stats_counter(const struct stats *, const struct stats_counter *);
static const char *stats_endpoint(int);
static void	stats_json_requests(struct json *, const struct stats *);
static void	stats_prom_sample(struct buf *, const char *, const char *,
		    uint64_t);
static void	stats_prom_metric(struct buf *, const char *, const char *,
		    const char *, const char *, uint64_t);
static void	stats_prom_label(struct buf *, const char *);
static void	stats_prom_requests(struct buf *, const struct stats *);

/*
 * The plain counters, in the order /stats and /metrics show them: the JSON
 * object and key, then the Prometheus metric (NULL: JSON only), its labels,
 * type and help. Rows of one metric with different labels stand together.
 */
struct stats_counter {
	size_t		 sc_off;
	const char	*sc_group;
	const char	*sc_key;
	const char	*sc_metric;
	const char	*sc_label;
	const char	*sc_type;
	const char	*sc_help;
};

#define STATS_ROW(field, group, key, metric, label, type, help)		\
	{ offsetof(struct stats, field), group, key, metric, label, type, help }

static const struct stats_counter stats_counters[] = {
	STATS_ROW(conns_open, "connections", "open",
	    "echofetch_connections_open", NULL, "gauge",
	    "HTTP connections open now."),
	STATS_ROW(conns_total, "connections", "total",
	    "echofetch_connections_total", NULL, "counter",
	    "HTTP connections accepted."),
	STATS_ROW(conns_rejected, "connections", "rejected",
	    "echofetch_connections_rejected_total", NULL, "counter",
	    "HTTP connections refused over max_connections."),
	STATS_ROW(conns_buffered, "connections", "buffered",
	    "echofetch_connections_buffered", NULL, "gauge",
	    "HTTP connections holding read and write buffers now."),
	STATS_ROW(requests_total, "requests", "total", NULL, NULL, NULL, NULL),
	STATS_ROW(plans_inflight, "requests", "in_flight",
	    "echofetch_requests_in_flight", NULL, "gauge",
	    "Request plans running now."),
	STATS_ROW(wait_timer, "requests", "waiting_timer",
	    "echofetch_requests_waiting", "on=\"timer\"", "gauge",
	    "Requests in flight by what they wait on."),
	STATS_ROW(wait_stream, "requests", "waiting_stream",
	    "echofetch_requests_waiting", "on=\"stream\"", "gauge",
	    "Requests in flight by what they wait on."),
	STATS_ROW(wait_fetch, "requests", "waiting_fetch",
	    "echofetch_requests_waiting", "on=\"fetch\"", "gauge",
	    "Requests in flight by what they wait on."),
	STATS_ROW(wait_cpu, "requests", "waiting_cpu",
	    "echofetch_requests_waiting", "on=\"cpu\"", "gauge",
	    "Requests in flight by what they wait on."),
	STATS_ROW(bytes_in, "bytes", "in",
	    "echofetch_bytes_received_total", NULL, "counter",
	    "Bytes read from HTTP clients."),
	STATS_ROW(bytes_out, "bytes", "out",
	    "echofetch_bytes_sent_total", NULL, "counter",
	    "Bytes written to HTTP clients."),
	STATS_ROW(echo_conns_open, "echo", "connections_open",
	    "echofetch_echo_connections_open", NULL, "gauge",
	    "TCP echo connections open now."),
	STATS_ROW(echo_conns_total, "echo", "connections_total",
	    "echofetch_echo_connections_total", NULL, "counter",
	    "TCP echo connections accepted."),
	STATS_ROW(echo_bytes, "echo", "bytes",
	    "echofetch_echo_bytes_total", NULL, "counter",
	    "Bytes echoed back over TCP and UDP."),
	STATS_ROW(udp_datagrams, "echo", "udp_datagrams",
	    "echofetch_echo_udp_datagrams_total", NULL, "counter",
	    "UDP datagrams echoed."),
	STATS_ROW(udp_dropped_reflect, "echo", "udp_dropped_reflect",
	    "echofetch_echo_udp_dropped_total", "reason=\"reflect\"", "counter",
	    "UDP datagrams not echoed, by reason."),
	STATS_ROW(udp_dropped_rate, "echo", "udp_dropped_rate",
	    "echofetch_echo_udp_dropped_total", "reason=\"rate\"", "counter",
	    "UDP datagrams not echoed, by reason."),
	STATS_ROW(fetch_active, "fetch", "active",
	    "echofetch_fetch_active", NULL, "gauge",
	    "Outbound fetches running now."),
	STATS_ROW(fetch_queued, "fetch", "queued",
	    "echofetch_fetch_queued", NULL, "gauge",
	    "Outbound fetches waiting for a slot."),
	STATS_ROW(fetch_total, "fetch", "total",
	    "echofetch_fetch_total", NULL, "counter",
	    "Outbound fetches started."),
	STATS_ROW(fetch_rejected, "fetch", "rejected",
	    "echofetch_fetch_rejected_total", NULL, "counter",
	    "Outbound fetches refused by policy or limits."),
	STATS_ROW(fetch_wait_ms_total, "fetch", "wait_ms_total",
	    "echofetch_fetch_wait_milliseconds_total", NULL, "counter",
	    "Milliseconds fetches spent queued."),
	STATS_ROW(ws_conns_open, "websocket", "connections_open",
	    "echofetch_websocket_connections_open", NULL, "gauge",
	    "WebSocket connections open now."),
	STATS_ROW(ws_conns_total, "websocket", "connections_total",
	    "echofetch_websocket_connections_total", NULL, "counter",
	    "WebSocket connections upgraded."),
	STATS_ROW(ws_messages, "websocket", "messages",
	    "echofetch_websocket_messages_total", NULL, "counter",
	    "WebSocket messages echoed."),
	STATS_ROW(ws_closes[0], "websocket", "closes_1000",
	    "echofetch_websocket_closes_total", "code=\"1000\"", "counter",
	    "WebSocket connections closed, by close code."),
	STATS_ROW(ws_closes[1], "websocket", "closes_1001",
	    "echofetch_websocket_closes_total", "code=\"1001\"", "counter",
	    "WebSocket connections closed, by close code."),
	STATS_ROW(ws_closes[2], "websocket", "closes_1002",
	    "echofetch_websocket_closes_total", "code=\"1002\"", "counter",
	    "WebSocket connections closed, by close code."),
	STATS_ROW(ws_closes[3], "websocket", "closes_1006",
	    "echofetch_websocket_closes_total", "code=\"1006\"", "counter",
	    "WebSocket connections closed, by close code."),
	STATS_ROW(ws_closes[4], "websocket", "closes_1007",
	    "echofetch_websocket_closes_total", "code=\"1007\"", "counter",
	    "WebSocket connections closed, by close code."),
	STATS_ROW(ws_closes[5], "websocket", "closes_1009",
	    "echofetch_websocket_closes_total", "code=\"1009\"", "counter",
	    "WebSocket connections closed, by close code."),
	STATS_ROW(ws_closes[6], "websocket", "closes_1011",
	    "echofetch_websocket_closes_total", "code=\"1011\"", "counter",
	    "WebSocket connections closed, by close code."),
	STATS_ROW(ws_closes[7], "websocket", "closes_other",
	    "echofetch_websocket_closes_total", "code=\"other\"", "counter",
	    "WebSocket connections closed, by close code."),
};

/*
 * Bucket bounds in us: 1-2-5 steps with a tenth to spare, so a /delay/1 of
 * 1.001 s reads as "at most 1100 ms", not 2000; then a minute, then the rest.
 */
static const uint64_t stats_latency_bounds[STATS_LATENCY_BUCKETS] = {
	1100, 2200, 5500, 11000, 22000, 55000, 110000, 220000, 550000,
	1100000, 2200000, 5500000, 11000000, 30000000, 60000000, UINT64_MAX,
};
#define STATS_NCOUNTERS	(sizeof(stats_counters) / sizeof(stats_counters[0]))

/* All counters start at zero. */
void
stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
}

/* The slot of ws_closes a close code counts in: the codes a server meets most, or "other". */
void
stats_count_ws_close(struct stats *s, int code)
{
	static const int	 codes[STATS_WS_CODES - 1] = {
		1000, 1001, 1002, 1006, 1007, 1009, 1011,
	};
	size_t			 i;

	for (i = 0; i < STATS_WS_CODES - 1; i++)
		if (codes[i] == code)
			break;
	stats_add(&s->ws_closes[i], 1);
}

/* Relaxed is enough: counters need no ordering, only no lost updates. */
void
stats_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* The gauge side of stats_add. */
void
stats_sub(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_sub(counter, n, __ATOMIC_RELAXED);
}

/* A counter read while other threads or processes may add to it. */
static uint64_t
stats_load(const uint64_t *counter)
{
	return (__atomic_load_n(counter, __ATOMIC_RELAXED));
}

/* The counter a table row names, read as stats_load does. */
static uint64_t
stats_counter(const struct stats *s, const struct stats_counter *c)
{
	return (stats_load((const uint64_t *)(const void *)
	    ((const char *)s + c->sc_off)));
}

/*
 * Statuses outside 100..599 count in the total only, an unknown endpoint in
 * the total and its class.
 */
void
stats_count_request(struct stats *s, int endpoint, int status)
{
	stats_add(&s->requests_total, 1);
	if (status < STATS_STATUS_MIN ||
	    status >= STATS_STATUS_MIN + STATS_STATUS_SLOTS)
		return;
	stats_add(&s->requests_class[status / 100 - 1], 1);
	if (endpoint < 0 || endpoint >= STATS_ENDPOINTS)
		return;
	stats_add(&s->requests[endpoint][status - STATS_STATUS_MIN], 1);
}

/* A bucket per request: enough for live percentiles, no sample kept. */
void
stats_count_latency(struct stats *s, uint64_t us)
{
	size_t	 i;

	for (i = 0; i + 1 < STATS_LATENCY_BUCKETS; i++)
		if (us <= stats_latency_bounds[i])
			break;
	stats_add(&s->latency[i], 1);
}

/* In us; the open last bucket reports its lower bound, the best it knows. */
uint64_t
stats_latency_quantile(const uint64_t counts[STATS_LATENCY_BUCKETS], double q)
{
	uint64_t	 total = 0, seen = 0, want;
	size_t		 i;

	for (i = 0; i < STATS_LATENCY_BUCKETS; i++)
		total += counts[i];
	if (total == 0)
		return (0);
	want = (uint64_t)(q * (double)total + 0.999999);
	if (want == 0)
		want = 1;
	for (i = 0; i < STATS_LATENCY_BUCKETS; i++) {
		seen += counts[i];
		if (seen >= want)
			break;
	}
	if (i + 1 >= STATS_LATENCY_BUCKETS)
		return (stats_latency_bounds[STATS_LATENCY_BUCKETS - 2]);
	return (stats_latency_bounds[i]);
}

/* Every field is a counter, so a snapshot is an element-wise sum. */
void
stats_merge(struct stats *dst, const struct stats *src)
{
	uint64_t	*d = (uint64_t *)dst;
	const uint64_t	*s = (const uint64_t *)src;
	size_t		 i, n = sizeof(struct stats) / sizeof(uint64_t);

	for (i = 0; i < n; i++)
		d[i] += stats_load(&s[i]);
}

/* endpoint_name lives with the router; guard against a gap in its table. */
static const char *
stats_endpoint(int ep)
{
	const char	*name;

	if (ep == STATS_NO_ENDPOINT)
		return ("none");
	name = endpoint_name((enum endpoint_id)ep);

	return (name != NULL ? name : "unknown");
}

/* The rest of "requests": non-zero counts by endpoint, by status, by class. */
static void
stats_json_requests(struct json *j, const struct stats *s)
{
	char		 code[8];
	uint64_t	 v;
	int		 ep, st, any;

	json_key(j, "by_endpoint");
	json_object_begin(j);
	for (ep = 0; ep < STATS_ENDPOINTS; ep++) {
		any = 0;
		for (st = 0; st < STATS_STATUS_SLOTS; st++) {
			if ((v = stats_load(&s->requests[ep][st])) == 0)
				continue;
			if (!any) {
				json_key(j, stats_endpoint(ep));
				json_object_begin(j);
				any = 1;
			}
			snprintf(code, sizeof(code), "%d", st + STATS_STATUS_MIN);
			json_key(j, code);
			json_uint(j, v);
		}
		if (any)
			json_object_end(j);
	}
	json_object_end(j);
	json_key(j, "by_status");
	json_object_begin(j);
	for (st = 0; st < STATS_STATUS_SLOTS; st++) {
		for (v = 0, ep = 0; ep < STATS_ENDPOINTS; ep++)
			v += stats_load(&s->requests[ep][st]);
		if (v == 0)
			continue;
		snprintf(code, sizeof(code), "%d", st + STATS_STATUS_MIN);
		json_key(j, code);
		json_uint(j, v);
	}
	json_object_end(j);
	json_key(j, "by_class");
	json_object_begin(j);
	for (st = 0; st < STATS_CLASSES; st++) {
		snprintf(code, sizeof(code), "%dxx", st + 1);
		json_key(j, code);
		json_uint(j, stats_load(&s->requests_class[st]));
	}
	json_object_end(j);
}

/* /stats: pretty JSON, no trailing newline (the endpoint adds it). */
void
stats_render_json(const struct stats *s, const struct stats_info *info,
    struct buf *out)
{
	const struct stats_counter	*c;
	struct json			 j;
	size_t				 i;

	json_init(&j, out, 1);
	json_object_begin(&j);
	json_key(&j, "server");
	json_cstring(&j, info->server);
	json_key(&j, "model");
	json_cstring(&j, info->model);
	json_key(&j, "workers");
	json_uint(&j, info->workers);
	json_key(&j, "uptime_s");
	json_int(&j, info->now > info->started ?
	    (long long)(info->now - info->started) : 0);
	for (i = 0; i < STATS_NCOUNTERS; i++) {
		c = &stats_counters[i];
		if (i == 0 || strcmp(c->sc_group, c[-1].sc_group) != 0) {
			json_key(&j, c->sc_group);
			json_object_begin(&j);
		}
		json_key(&j, c->sc_key);
		json_uint(&j, stats_counter(s, c));
		if (i + 1 == STATS_NCOUNTERS ||
		    strcmp(c->sc_group, c[1].sc_group) != 0) {
			if (strcmp(c->sc_group, "requests") == 0)
				stats_json_requests(&j, s);
			json_object_end(&j);
		}
	}
	json_object_end(&j);
}

/* Label values escape backslash, quote and newline (exposition format). */
static void
stats_prom_label(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_append_char(b, '\\');
		if (*s == '\n')
			buf_append(b, "\\n", 2);
		else
			buf_append_char(b, *s);
	}
}

/* One sample: the metric, its labels if any, and the value. */
static void
stats_prom_sample(struct buf *b, const char *name, const char *label,
    uint64_t v)
{
	if (label != NULL)
		buf_appendf(b, "%s{%s} ", name, label);
	else
		buf_appendf(b, "%s ", name);
	buf_append_uint(b, v);
	buf_append_char(b, '\n');
}

/* A metric's HELP and TYPE lines, then its first sample. */
static void
stats_prom_metric(struct buf *b, const char *name, const char *type,
    const char *help, const char *label, uint64_t v)
{
	buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	stats_prom_sample(b, name, label, v);
}

/* The labelled request families: by endpoint and status, and by class. */
static void
stats_prom_requests(struct buf *b, const struct stats *s)
{
	uint64_t	 v;
	int		 ep, st;

	buf_append_str(b, "# HELP echofetch_requests_total Requests answered, "
	    "by endpoint and status code.\n"
	    "# TYPE echofetch_requests_total counter\n");
	for (ep = 0; ep < STATS_ENDPOINTS; ep++) {
		for (st = 0; st < STATS_STATUS_SLOTS; st++) {
			if ((v = stats_load(&s->requests[ep][st])) == 0)
				continue;
			buf_append_str(b, "echofetch_requests_total{endpoint=\"");
			stats_prom_label(b, stats_endpoint(ep));
			buf_appendf(b, "\",code=\"%d\"} ", st + STATS_STATUS_MIN);
			buf_append_uint(b, v);
			buf_append_char(b, '\n');
		}
	}
	buf_append_str(b, "# HELP echofetch_responses_total Requests answered, "
	    "by status class.\n# TYPE echofetch_responses_total counter\n");
	for (st = 0; st < STATS_CLASSES; st++)
		buf_appendf(b, "echofetch_responses_total{class=\"%dxx\"} %llu\n",
		    st + 1, (unsigned long long)stats_load(&s->requests_class[st]));
}

/* /metrics: Prometheus text exposition format 0.0.4. */
void
stats_render_prometheus(const struct stats *s, const struct stats_info *info,
    struct buf *b)
{
	const struct stats_counter	*c;
	size_t				 i;
	int				 requests_done = 0;

	stats_prom_metric(b, "echofetch_up", "gauge",
	    "1 while the server answers.", NULL, 1);
	stats_prom_metric(b, "echofetch_uptime_seconds", "gauge",
	    "Seconds since the server started.", NULL,
	    info->now > info->started ? (uint64_t)(info->now - info->started) : 0);
	for (i = 0; i < STATS_NCOUNTERS; i++) {
		c = &stats_counters[i];
		if (strcmp(c->sc_group, "requests") == 0 && !requests_done) {
			stats_prom_requests(b, s);
			requests_done = 1;
		}
		if (c->sc_metric == NULL)
			continue;
		if (i > 0 && c[-1].sc_metric != NULL &&
		    strcmp(c->sc_metric, c[-1].sc_metric) == 0)
			stats_prom_sample(b, c->sc_metric, c->sc_label,
			    stats_counter(s, c));
		else
			stats_prom_metric(b, c->sc_metric, c->sc_type,
			    c->sc_help, c->sc_label, stats_counter(s, c));
	}
	buf_append_str(b, "# HELP echofetch_info Which server, model and "
	    "worker count answer.\n# TYPE echofetch_info gauge\n"
	    "echofetch_info{server=\"");
	stats_prom_label(b, info->server);
	buf_append_str(b, "\",model=\"");
	stats_prom_label(b, info->model);
	buf_appendf(b, "\",workers=\"%u\"} 1\n", info->workers);
}
