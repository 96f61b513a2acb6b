/* test_stats: counting, merging, and the /stats and /metrics renderings. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "core/endpoint.h"
#include "core/events.h"
#include "util/json.h"
#include "core/stats.h"

#define STATS_TEST_THREADS	4
#define STATS_TEST_ADDS		100000

/* Heap-allocated: a struct stats is ~76 KiB, too big for comfort on a stack. */
static struct stats *
stats_test_new(void)
{
	struct stats	*s;

	s = malloc(sizeof(*s));
	assert_non_null(s);
	memset(s, 0xa5, sizeof(*s));
	stats_init(s);
	return (s);
}

/* Latency lands in 1-2-5 buckets with a tenth to spare; quantiles name bounds. */
static void
test_stats_latency(void **state)
{
	struct stats	*s = stats_test_new();
	int		 i;

	(void)state;
	assert_int_equal(stats_latency_quantile(s->latency, 0.5), 0);
	for (i = 0; i < 98; i++)
		stats_count_latency(s, 300);		/* 0.3 ms */
	stats_count_latency(s, 1001000);		/* a /delay/1 */
	stats_count_latency(s, 99000000);		/* past the last bound */
	assert_int_equal(s->latency[0], 98);
	assert_int_equal(s->latency[9], 1);
	assert_int_equal(s->latency[STATS_LATENCY_BUCKETS - 1], 1);
	assert_int_equal(stats_latency_quantile(s->latency, 0.5), 1100);
	assert_int_equal(stats_latency_quantile(s->latency, 0.99), 1100000);
	assert_int_equal(stats_latency_quantile(s->latency, 1.0), 60000000);
	free(s);
}

/* The counters a fake server reports; each call answers 10 more requests. */
static void
stats_test_snapshot(void *arg, struct stats *out, struct stats_info *info)
{
	struct stats	*s = arg;
	int		 i;

	for (i = 0; i < 10; i++) {
		stats_count_request(s, EP_DELAY, 200);
		stats_count_latency(s, 1001000);
	}
	stats_add(&s->wait_timer, 1);
	stats_merge(out, s);
	info->server = "echofetchd";
	info->model = "event";
	info->workers = 1;
	info->rss_bytes = 4096;
	info->queued = 3;
}

/* /events: retry first, then rates and percentiles over the last interval. */
static void
test_stats_events(void **state)
{
	struct stats	*s = stats_test_new();
	struct events	*ev;
	struct buf	 b;

	(void)state;
	buf_init(&b);
	ev = events_new(stats_test_snapshot, s, 500);
	assert_non_null(ev);
	events_next(ev, 1000, &b);
	assert_non_null(strstr(buf_cstr(&b), "retry: 1000\ndata: {\"seq\":0,"));
	assert_non_null(strstr(buf_cstr(&b), "\"requests_per_s\":0,"));
	assert_non_null(strstr(buf_cstr(&b), "\"timer\":1,"));
	assert_non_null(strstr(buf_cstr(&b), "\"queued\":3}"));
	assert_non_null(strstr(buf_cstr(&b), "\"rss_bytes\":4096,"));
	assert_string_equal(b.data + b.len - 2, "\n\n");
	buf_reset(&b);
	events_next(ev, 1500, &b);
	assert_null(strstr(buf_cstr(&b), "retry:"));
	assert_non_null(strstr(buf_cstr(&b), "\"seq\":1,"));
	assert_non_null(strstr(buf_cstr(&b), "\"requests_total\":20,"));
	assert_non_null(strstr(buf_cstr(&b), "\"requests_per_s\":20,"));
	assert_non_null(strstr(buf_cstr(&b),
	    "\"latency_ms\":{\"p50\":1100,\"p99\":1100}"));
	assert_int_equal(json_validate(b.data + 6, b.len - 8), 1);
	events_free(ev);
	buf_free(&b);
	free(s);
}

/* Requests count by endpoint and status; odd statuses only in the total. */
static void
test_stats_count(void **state)
{
	struct stats	*s = stats_test_new();

	assert_int_equal(s->requests_total, 0);
	assert_int_equal(s->requests[EP_DELAY][100], 0);
	stats_count_request(s, EP_DELAY, 200);
	stats_count_request(s, EP_DELAY, 200);
	stats_count_request(s, EP_DELAY, 499);
	stats_count_request(s, EP_NOT_FOUND, 100);
	stats_count_request(s, EP_CHAIN, 599);
	stats_count_request(s, EP_DELAY, 99);
	stats_count_request(s, EP_DELAY, 600);
	stats_count_request(s, -1, 200);
	stats_count_request(s, STATS_ENDPOINTS, 200);
	stats_count_request(s, STATS_NO_ENDPOINT, 503);
	assert_int_equal(s->requests_total, 10);
	assert_int_equal(s->requests[STATS_NO_ENDPOINT][503 - STATS_STATUS_MIN], 1);
	/* every status in 100..599 has a class, even without a known endpoint */
	assert_int_equal(s->requests_class[0], 1);
	assert_int_equal(s->requests_class[1], 4);
	assert_int_equal(s->requests_class[2], 0);
	assert_int_equal(s->requests_class[3], 1);
	assert_int_equal(s->requests_class[4], 2);
	assert_int_equal(s->requests[EP_DELAY][200 - STATS_STATUS_MIN], 2);
	assert_int_equal(s->requests[EP_DELAY][499 - STATS_STATUS_MIN], 1);
	assert_int_equal(s->requests[EP_NOT_FOUND][0], 1);
	assert_int_equal(s->requests[EP_CHAIN][STATS_STATUS_SLOTS - 1], 1);
	stats_add(&s->conns_open, 5);
	stats_sub(&s->conns_open, 2);
	assert_int_equal(s->conns_open, 3);
	free(s);
}

/* Every field, whatever it is, is summed by merge. */
static void
test_stats_merge(void **state)
{
	struct stats	*a = stats_test_new(), *b = stats_test_new();
	struct stats	*dst = stats_test_new();
	uint64_t	*wa = (uint64_t *)a, *wb = (uint64_t *)b;
	uint64_t	*wd = (uint64_t *)dst;
	size_t		 i, n = sizeof(struct stats) / sizeof(uint64_t);

	for (i = 0; i < n; i++) {
		wa[i] = i + 1;
		wb[i] = 1000000 + i;
	}
	stats_merge(dst, a);
	stats_merge(dst, b);
	stats_merge(dst, a);
	for (i = 0; i < n; i++)
		if (wd[i] != 2 * (i + 1) + 1000000 + i)
			fail_msg("word %zu: %llu", i, (unsigned long long)wd[i]);
	assert_int_equal(dst->fetch_wait_ms_total,
	    2 * a->fetch_wait_ms_total + b->fetch_wait_ms_total);
	free(a);
	free(b);
	free(dst);
}

/* Hammer one counter from several threads. */
static void *
stats_test_adder(void *arg)
{
	struct stats	*s = arg;
	int		 i;

	for (i = 0; i < STATS_TEST_ADDS; i++) {
		stats_add(&s->bytes_out, 3);
		stats_count_request(s, EP_ECHO, 200);
		stats_add(&s->conns_open, 1);
		stats_sub(&s->conns_open, 1);
	}
	return (NULL);
}

/* Relaxed atomics lose no update under contention. */
static void
test_stats_threads(void **state)
{
	struct stats	*s = stats_test_new();
	pthread_t	 t[STATS_TEST_THREADS];
	int		 i;

	for (i = 0; i < STATS_TEST_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stats_test_adder,
		    s), 0);
	for (i = 0; i < STATS_TEST_THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(s->bytes_out, 3ULL * STATS_TEST_THREADS *
	    STATS_TEST_ADDS);
	assert_int_equal(s->requests_total, STATS_TEST_THREADS *
	    STATS_TEST_ADDS);
	assert_int_equal(s->requests[EP_ECHO][100],
	    STATS_TEST_THREADS * STATS_TEST_ADDS);
	assert_int_equal(s->conns_open, 0);
	free(s);
}

/* A small, fully known state for the exact renderings. */
static struct stats *
stats_test_small(struct stats_info *info)
{
	struct stats	*s = stats_test_new();

	stats_count_request(s, EP_DELAY, 200);
	stats_count_request(s, EP_DELAY, 200);
	stats_count_request(s, EP_DELAY, 200);
	stats_count_request(s, EP_DELAY, 499);
	stats_count_request(s, EP_ECHO, 200);
	stats_count_request(s, EP_DELAY, 999);
	stats_count_request(s, STATS_NO_ENDPOINT, 503);
	s->conns_open = 2;
	s->conns_total = 10;
	s->conns_rejected = 1;
	s->plans_inflight = 1;
	s->bytes_in = 1234;
	s->bytes_out = 5678;
	s->echo_conns_open = 1;
	s->echo_conns_total = 3;
	s->echo_bytes = 42;
	s->udp_datagrams = 7;
	s->udp_dropped_reflect = 3;
	s->udp_dropped_rate = 9;
	s->fetch_active = 1;
	s->fetch_queued = 2;
	s->fetch_total = 5;
	s->fetch_rejected = 1;
	s->fetch_wait_ms_total = 250;
	s->ws_conns_open = 1;
	s->ws_conns_total = 4;
	s->ws_messages = 12;
	stats_count_ws_close(s, 1000);
	stats_count_ws_close(s, 1000);
	stats_count_ws_close(s, 1009);
	stats_count_ws_close(s, 4000);
	info->server = "echofetchd";
	info->model = "event";
	info->workers = 2;
	info->started = 1000;
	info->now = 1065;
	return (s);
}

/* /stats: exact pretty JSON; only non-zero request cells appear. */
static void
test_stats_json(void **state)
{
	static const char	 want[] =
	    "{\n"
	    "  \"server\": \"echofetchd\",\n"
	    "  \"model\": \"event\",\n"
	    "  \"workers\": 2,\n"
	    "  \"uptime_s\": 65,\n"
	    "  \"connections\": {\n"
	    "    \"open\": 2,\n"
	    "    \"total\": 10,\n"
	    "    \"rejected\": 1,\n"
	    "    \"buffered\": 0\n"
	    "  },\n"
	    "  \"requests\": {\n"
	    "    \"total\": 7,\n"
	    "    \"in_flight\": 1,\n"
	    "    \"waiting_timer\": 0,\n"
	    "    \"waiting_stream\": 0,\n"
	    "    \"waiting_fetch\": 0,\n"
	    "    \"waiting_cpu\": 0,\n"
	    "    \"by_endpoint\": {\n"
	    "      \"echo\": {\n"
	    "        \"200\": 1\n"
	    "      },\n"
	    "      \"delay\": {\n"
	    "        \"200\": 3,\n"
	    "        \"499\": 1\n"
	    "      },\n"
	    "      \"none\": {\n"
	    "        \"503\": 1\n"
	    "      }\n"
	    "    },\n"
	    "    \"by_status\": {\n"
	    "      \"200\": 4,\n"
	    "      \"499\": 1,\n"
	    "      \"503\": 1\n"
	    "    },\n"
	    "    \"by_class\": {\n"
	    "      \"1xx\": 0,\n"
	    "      \"2xx\": 4,\n"
	    "      \"3xx\": 0,\n"
	    "      \"4xx\": 1,\n"
	    "      \"5xx\": 1\n"
	    "    }\n"
	    "  },\n"
	    "  \"bytes\": {\n"
	    "    \"in\": 1234,\n"
	    "    \"out\": 5678\n"
	    "  },\n"
	    "  \"echo\": {\n"
	    "    \"connections_open\": 1,\n"
	    "    \"connections_total\": 3,\n"
	    "    \"bytes\": 42,\n"
	    "    \"udp_datagrams\": 7,\n"
	    "    \"udp_dropped_reflect\": 3,\n"
	    "    \"udp_dropped_rate\": 9\n"
	    "  },\n"
	    "  \"fetch\": {\n"
	    "    \"active\": 1,\n"
	    "    \"queued\": 2,\n"
	    "    \"total\": 5,\n"
	    "    \"rejected\": 1,\n"
	    "    \"wait_ms_total\": 250\n"
	    "  },\n"
	    "  \"websocket\": {\n"
	    "    \"connections_open\": 1,\n"
	    "    \"connections_total\": 4,\n"
	    "    \"messages\": 12,\n"
	    "    \"closes_1000\": 2,\n"
	    "    \"closes_1001\": 0,\n"
	    "    \"closes_1002\": 0,\n"
	    "    \"closes_1006\": 0,\n"
	    "    \"closes_1007\": 0,\n"
	    "    \"closes_1009\": 1,\n"
	    "    \"closes_1011\": 0,\n"
	    "    \"closes_other\": 1\n"
	    "  }\n"
	    "}";
	struct stats_info	 info;
	struct stats		*s = stats_test_small(&info);
	struct buf		 b;

	buf_init(&b);
	stats_render_json(s, &info, &b);
	assert_string_equal(buf_cstr(&b), want);
	assert_int_equal(json_validate(b.data, b.len), 1);
	/* a clock that went backwards never reports negative uptime */
	buf_reset(&b);
	info.now = 10;
	stats_init(s);
	stats_render_json(s, &info, &b);
	assert_non_null(strstr(buf_cstr(&b), "\"uptime_s\": 0,\n"));
	assert_non_null(strstr(b.data, "\"by_endpoint\": {},\n"));
	assert_non_null(strstr(b.data, "\"by_status\": {},\n"));
	assert_non_null(strstr(b.data, "\"5xx\": 0\n"));
	buf_free(&b);
	free(s);
}

/* The exposition text for stats_test_small, byte for byte. */
static const char stats_test_prom[] =
    "# HELP echofetch_up 1 while the server answers.\n"
    "# TYPE echofetch_up gauge\n"
    "echofetch_up 1\n"
    "# HELP echofetch_uptime_seconds Seconds since the server started.\n"
    "# TYPE echofetch_uptime_seconds gauge\n"
    "echofetch_uptime_seconds 65\n"
    "# HELP echofetch_connections_open HTTP connections open now.\n"
    "# TYPE echofetch_connections_open gauge\n"
    "echofetch_connections_open 2\n"
    "# HELP echofetch_connections_total HTTP connections accepted.\n"
    "# TYPE echofetch_connections_total counter\n"
    "echofetch_connections_total 10\n"
    "# HELP echofetch_connections_rejected_total HTTP connections "
    "refused over max_connections.\n"
    "# TYPE echofetch_connections_rejected_total counter\n"
    "echofetch_connections_rejected_total 1\n"
    "# HELP echofetch_connections_buffered HTTP connections holding read "
    "and write buffers now.\n"
    "# TYPE echofetch_connections_buffered gauge\n"
    "echofetch_connections_buffered 0\n"
    "# HELP echofetch_requests_total Requests answered, by endpoint "
    "and status code.\n"
    "# TYPE echofetch_requests_total counter\n"
    "echofetch_requests_total{endpoint=\"echo\",code=\"200\"} 1\n"
    "echofetch_requests_total{endpoint=\"delay\",code=\"200\"} 3\n"
    "echofetch_requests_total{endpoint=\"delay\",code=\"499\"} 1\n"
    "echofetch_requests_total{endpoint=\"none\",code=\"503\"} 1\n"
    "# HELP echofetch_responses_total Requests answered, by status "
    "class.\n"
    "# TYPE echofetch_responses_total counter\n"
    "echofetch_responses_total{class=\"1xx\"} 0\n"
    "echofetch_responses_total{class=\"2xx\"} 4\n"
    "echofetch_responses_total{class=\"3xx\"} 0\n"
    "echofetch_responses_total{class=\"4xx\"} 1\n"
    "echofetch_responses_total{class=\"5xx\"} 1\n"
    "# HELP echofetch_requests_in_flight Request plans running now.\n"
    "# TYPE echofetch_requests_in_flight gauge\n"
    "echofetch_requests_in_flight 1\n"
    "# HELP echofetch_requests_waiting Requests in flight by what they wait on.\n"
    "# TYPE echofetch_requests_waiting gauge\n"
    "echofetch_requests_waiting{on=\"timer\"} 0\n"
    "echofetch_requests_waiting{on=\"stream\"} 0\n"
    "echofetch_requests_waiting{on=\"fetch\"} 0\n"
    "echofetch_requests_waiting{on=\"cpu\"} 0\n"
    "# HELP echofetch_bytes_received_total Bytes read from HTTP "
    "clients.\n"
    "# TYPE echofetch_bytes_received_total counter\n"
    "echofetch_bytes_received_total 1234\n"
    "# HELP echofetch_bytes_sent_total Bytes written to HTTP clients.\n"
    "# TYPE echofetch_bytes_sent_total counter\n"
    "echofetch_bytes_sent_total 5678\n"
    "# HELP echofetch_echo_connections_open TCP echo connections open "
    "now.\n"
    "# TYPE echofetch_echo_connections_open gauge\n"
    "echofetch_echo_connections_open 1\n"
    "# HELP echofetch_echo_connections_total TCP echo connections "
    "accepted.\n"
    "# TYPE echofetch_echo_connections_total counter\n"
    "echofetch_echo_connections_total 3\n"
    "# HELP echofetch_echo_bytes_total Bytes echoed back over TCP and "
    "UDP.\n"
    "# TYPE echofetch_echo_bytes_total counter\n"
    "echofetch_echo_bytes_total 42\n"
    "# HELP echofetch_echo_udp_datagrams_total UDP datagrams echoed.\n"
    "# TYPE echofetch_echo_udp_datagrams_total counter\n"
    "echofetch_echo_udp_datagrams_total 7\n"
    "# HELP echofetch_echo_udp_dropped_total UDP datagrams not echoed, "
    "by reason.\n"
    "# TYPE echofetch_echo_udp_dropped_total counter\n"
    "echofetch_echo_udp_dropped_total{reason=\"reflect\"} 3\n"
    "echofetch_echo_udp_dropped_total{reason=\"rate\"} 9\n"
    "# HELP echofetch_fetch_active Outbound fetches running now.\n"
    "# TYPE echofetch_fetch_active gauge\n"
    "echofetch_fetch_active 1\n"
    "# HELP echofetch_fetch_queued Outbound fetches waiting for a "
    "slot.\n"
    "# TYPE echofetch_fetch_queued gauge\n"
    "echofetch_fetch_queued 2\n"
    "# HELP echofetch_fetch_total Outbound fetches started.\n"
    "# TYPE echofetch_fetch_total counter\n"
    "echofetch_fetch_total 5\n"
    "# HELP echofetch_fetch_rejected_total Outbound fetches refused by "
    "policy or limits.\n"
    "# TYPE echofetch_fetch_rejected_total counter\n"
    "echofetch_fetch_rejected_total 1\n"
    "# HELP echofetch_fetch_wait_milliseconds_total Milliseconds "
    "fetches spent queued.\n"
    "# TYPE echofetch_fetch_wait_milliseconds_total counter\n"
    "echofetch_fetch_wait_milliseconds_total 250\n"
    "# HELP echofetch_websocket_connections_open WebSocket connections "
    "open now.\n"
    "# TYPE echofetch_websocket_connections_open gauge\n"
    "echofetch_websocket_connections_open 1\n"
    "# HELP echofetch_websocket_connections_total WebSocket connections "
    "upgraded.\n"
    "# TYPE echofetch_websocket_connections_total counter\n"
    "echofetch_websocket_connections_total 4\n"
    "# HELP echofetch_websocket_messages_total WebSocket messages echoed.\n"
    "# TYPE echofetch_websocket_messages_total counter\n"
    "echofetch_websocket_messages_total 12\n"
    "# HELP echofetch_websocket_closes_total WebSocket connections closed, "
    "by close code.\n"
    "# TYPE echofetch_websocket_closes_total counter\n"
    "echofetch_websocket_closes_total{code=\"1000\"} 2\n"
    "echofetch_websocket_closes_total{code=\"1001\"} 0\n"
    "echofetch_websocket_closes_total{code=\"1002\"} 0\n"
    "echofetch_websocket_closes_total{code=\"1006\"} 0\n"
    "echofetch_websocket_closes_total{code=\"1007\"} 0\n"
    "echofetch_websocket_closes_total{code=\"1009\"} 1\n"
    "echofetch_websocket_closes_total{code=\"1011\"} 0\n"
    "echofetch_websocket_closes_total{code=\"other\"} 1\n"
    "# HELP echofetch_info Which server, model and worker count "
    "answer.\n"
    "# TYPE echofetch_info gauge\n"
    "echofetch_info{server=\"echofetchd\",model=\"event\","
    "workers=\"2\"} 1\n";

/* /metrics: exact exposition text for the same small state. */
static void
test_stats_prometheus(void **state)
{
	struct stats_info	 info;
	struct stats		*s = stats_test_small(&info);
	struct buf		 b;

	buf_init(&b);
	stats_render_prometheus(s, &info, &b);
	assert_string_equal(buf_cstr(&b), stats_test_prom);
	/* label values are escaped */
	buf_reset(&b);
	info.model = "a\"b\\c\nd";
	stats_render_prometheus(s, &info, &b);
	assert_non_null(strstr(buf_cstr(&b),
	    "model=\"a\\\"b\\\\c\\nd\",workers=\"2\"} 1\n"));
	buf_free(&b);
	free(s);
}

/* Run every stats test; cmocka prints TAP under make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_count),
		cmocka_unit_test(test_stats_merge),
		cmocka_unit_test(test_stats_threads),
		cmocka_unit_test(test_stats_latency),
		cmocka_unit_test(test_stats_events),
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_stats_prometheus),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
