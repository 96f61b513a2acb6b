/* stats: counters both executors keep, rendered as JSON and Prometheus text. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/endpoint.h"
#include "util/json.h"
#include "core/stats.h"

/* stats_merge walks the struct as an array of counters. */
_Static_assert(sizeof(struct stats) % sizeof(uint64_t) == 0,
    "struct stats must hold only uint64_t counters");

static uint64_t	stats_load(const uint64_t *);
static const char *stats_endpoint(int);
static void	stats_json_requests(struct json *, const struct stats *);
static void	stats_prom_metric(struct buf *, const char *, const char *,
		    const char *, uint64_t);
static void	stats_prom_label(struct buf *, const char *);

/* All counters start at zero. */
void
stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
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

/* "requests": totals, then non-zero counts by endpoint and by status. */
static void
stats_json_requests(struct json *j, const struct stats *s)
{
	char		 code[8];
	uint64_t	 v;
	int		 ep, st, any;

	json_key(j, "requests");
	json_object_begin(j);
	json_key(j, "total");
	json_uint(j, stats_load(&s->requests_total));
	json_key(j, "in_flight");
	json_uint(j, stats_load(&s->plans_inflight));
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
	json_object_end(j);
}

/* /stats: pretty JSON, no trailing newline (the endpoint adds it). */
void
stats_render_json(const struct stats *s, const struct stats_info *info,
    struct buf *out)
{
	struct json	 j;

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
	json_key(&j, "connections");
	json_object_begin(&j);
	json_key(&j, "open");
	json_uint(&j, stats_load(&s->conns_open));
	json_key(&j, "total");
	json_uint(&j, stats_load(&s->conns_total));
	json_key(&j, "rejected");
	json_uint(&j, stats_load(&s->conns_rejected));
	json_object_end(&j);
	stats_json_requests(&j, s);
	json_key(&j, "bytes");
	json_object_begin(&j);
	json_key(&j, "in");
	json_uint(&j, stats_load(&s->bytes_in));
	json_key(&j, "out");
	json_uint(&j, stats_load(&s->bytes_out));
	json_object_end(&j);
	json_key(&j, "echo");
	json_object_begin(&j);
	json_key(&j, "connections_open");
	json_uint(&j, stats_load(&s->echo_conns_open));
	json_key(&j, "connections_total");
	json_uint(&j, stats_load(&s->echo_conns_total));
	json_key(&j, "bytes");
	json_uint(&j, stats_load(&s->echo_bytes));
	json_key(&j, "udp_datagrams");
	json_uint(&j, stats_load(&s->udp_datagrams));
	json_key(&j, "udp_dropped_reflect");
	json_uint(&j, stats_load(&s->udp_dropped_reflect));
	json_key(&j, "udp_dropped_rate");
	json_uint(&j, stats_load(&s->udp_dropped_rate));
	json_object_end(&j);
	json_key(&j, "fetch");
	json_object_begin(&j);
	json_key(&j, "active");
	json_uint(&j, stats_load(&s->fetch_active));
	json_key(&j, "queued");
	json_uint(&j, stats_load(&s->fetch_queued));
	json_key(&j, "total");
	json_uint(&j, stats_load(&s->fetch_total));
	json_key(&j, "rejected");
	json_uint(&j, stats_load(&s->fetch_rejected));
	json_key(&j, "wait_ms_total");
	json_uint(&j, stats_load(&s->fetch_wait_ms_total));
	json_object_end(&j);
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

/* One unlabelled metric with its HELP and TYPE lines. */
static void
stats_prom_metric(struct buf *b, const char *name, const char *type,
    const char *help, uint64_t v)
{
	buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n%s ", name, help, name,
	    type, name);
	buf_append_uint(b, v);
	buf_append_char(b, '\n');
}

/* /metrics: Prometheus text exposition format 0.0.4. */
void
stats_render_prometheus(const struct stats *s, const struct stats_info *info,
    struct buf *b)
{
	uint64_t	 v;
	int		 ep, st;

	stats_prom_metric(b, "echofetch_up", "gauge",
	    "1 while the server answers.", 1);
	stats_prom_metric(b, "echofetch_uptime_seconds", "gauge",
	    "Seconds since the server started.", info->now > info->started ?
	    (uint64_t)(info->now - info->started) : 0);
	stats_prom_metric(b, "echofetch_connections_open", "gauge",
	    "HTTP connections open now.", stats_load(&s->conns_open));
	stats_prom_metric(b, "echofetch_connections_total", "counter",
	    "HTTP connections accepted.", stats_load(&s->conns_total));
	stats_prom_metric(b, "echofetch_connections_rejected_total", "counter",
	    "HTTP connections refused over max_connections.",
	    stats_load(&s->conns_rejected));
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
	stats_prom_metric(b, "echofetch_requests_in_flight", "gauge",
	    "Request plans running now.", stats_load(&s->plans_inflight));
	stats_prom_metric(b, "echofetch_bytes_received_total", "counter",
	    "Bytes read from HTTP clients.", stats_load(&s->bytes_in));
	stats_prom_metric(b, "echofetch_bytes_sent_total", "counter",
	    "Bytes written to HTTP clients.", stats_load(&s->bytes_out));
	stats_prom_metric(b, "echofetch_echo_connections_open", "gauge",
	    "TCP echo connections open now.", stats_load(&s->echo_conns_open));
	stats_prom_metric(b, "echofetch_echo_connections_total", "counter",
	    "TCP echo connections accepted.", stats_load(&s->echo_conns_total));
	stats_prom_metric(b, "echofetch_echo_bytes_total", "counter",
	    "Bytes echoed back over TCP and UDP.", stats_load(&s->echo_bytes));
	stats_prom_metric(b, "echofetch_echo_udp_datagrams_total", "counter",
	    "UDP datagrams echoed.", stats_load(&s->udp_datagrams));
	buf_appendf(b, "# HELP echofetch_echo_udp_dropped_total UDP datagrams not "
	    "echoed, by reason.\n# TYPE echofetch_echo_udp_dropped_total counter\n"
	    "echofetch_echo_udp_dropped_total{reason=\"reflect\"} %llu\n"
	    "echofetch_echo_udp_dropped_total{reason=\"rate\"} %llu\n",
	    (unsigned long long)stats_load(&s->udp_dropped_reflect),
	    (unsigned long long)stats_load(&s->udp_dropped_rate));
	stats_prom_metric(b, "echofetch_fetch_active", "gauge",
	    "Outbound fetches running now.", stats_load(&s->fetch_active));
	stats_prom_metric(b, "echofetch_fetch_queued", "gauge",
	    "Outbound fetches waiting for a slot.", stats_load(&s->fetch_queued));
	stats_prom_metric(b, "echofetch_fetch_total", "counter",
	    "Outbound fetches started.", stats_load(&s->fetch_total));
	stats_prom_metric(b, "echofetch_fetch_rejected_total", "counter",
	    "Outbound fetches refused by policy or limits.",
	    stats_load(&s->fetch_rejected));
	stats_prom_metric(b, "echofetch_fetch_wait_milliseconds_total",
	    "counter", "Milliseconds fetches spent queued.",
	    stats_load(&s->fetch_wait_ms_total));
	buf_append_str(b, "# HELP echofetch_info Which server, model and "
	    "worker count answer.\n# TYPE echofetch_info gauge\n"
	    "echofetch_info{server=\"");
	stats_prom_label(b, info->server);
	buf_append_str(b, "\",model=\"");
	stats_prom_label(b, info->model);
	buf_appendf(b, "\",workers=\"%u\"} 1\n", info->workers);
}
