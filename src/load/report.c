/* report: run counters and the summaries (text, JSON, progress line) made from them. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "load/args.h"
#include "load/hist.h"
#include "load/report.h"

static const char *const report_err_keys[LOAD_ERR_NKINDS] = {
	"connect", "connect_timeout", "timeout", "reset", "bad_response",
};
static const char *const report_err_names[LOAD_ERR_NKINDS] = {
	"connect", "connect-timeout", "timeout", "reset", "bad-response",
};

/* Zero counters and an empty histogram. */
void
report_init(struct load_stats *st)
{
	memset(st, 0, sizeof(*st));
	hist_init(&st->latency);
}

/* JSON keys avoid '-' so jq and python can use them as identifiers. */
const char *
report_err_key(enum load_err e)
{
	return (e < LOAD_ERR_NKINDS ? report_err_keys[e] : "unknown");
}

/* The spelling people read in the text summary. */
const char *
report_err_name(enum load_err e)
{
	return (e < LOAD_ERR_NKINDS ? report_err_names[e] : "unknown");
}

/* All error kinds together; non-2xx statuses are not errors. */
unsigned long long
report_errors_total(const struct load_stats *st)
{
	unsigned long long	n = 0;
	int			i;

	for (i = 0; i < LOAD_ERR_NKINDS; i++)
		n += st->errors[i];
	return (n);
}

/* Pick the unit that keeps the number short, as wrk does. */
void
report_format_us(char *out, size_t len, double us)
{
	if (us < 1000)
		snprintf(out, len, "%.0fus", us);
	else if (us < 1000000)
		snprintf(out, len, "%.2fms", us / 1000);
	else
		snprintf(out, len, "%.2fs", us / 1000000);
}

/* Requests per second over the wall time, 0 for an instant run. */
static double
report_rps(const struct load_stats *st)
{
	return (st->wall_s > 0 ? (double)st->responses / st->wall_s : 0);
}

/* How the load was shaped, in one line. */
static void
report_shape(FILE *f, const struct load_args *a)
{
	fprintf(f, "  %lu client%s, %s", a->clients, a->clients == 1 ? "" : "s",
	    a->keepalive ? "keep-alive" : "new connection per request");
	if (a->requests > 0)
		fprintf(f, ", %llu requests", a->requests);
	else
		fprintf(f, ", %.3gs", a->duration);
	if (a->rate > 0)
		fprintf(f, ", open loop at %.6g req/s", a->rate);
	else
		fprintf(f, ", closed loop");
	if (a->proto == ARGS_TCP)
		fprintf(f, ", %zu-byte echoes", a->payload);
	if (a->slow_send > 0)
		fprintf(f, ", slow send %.6g B/s", a->slow_send);
	fprintf(f, "\n");
}

/* The latency line: p50/p90/p99/max and mean. */
static void
report_latency(FILE *f, const struct hist *h)
{
	static const double	 pcts[] = { 50, 90, 99 };
	char			 tmp[32];
	size_t			 i;

	fprintf(f, "  Latency    ");
	if (hist_count(h) == 0) {
		fprintf(f, " (no responses)\n");
		return;
	}
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		report_format_us(tmp, sizeof(tmp), (double)hist_percentile(h, pcts[i]));
		fprintf(f, " p%.0f %-10s", pcts[i], tmp);
	}
	report_format_us(tmp, sizeof(tmp), (double)hist_max(h));
	fprintf(f, " max %-10s", tmp);
	report_format_us(tmp, sizeof(tmp), hist_mean(h));
	fprintf(f, " mean %s\n", tmp);
}

/* The wrk-like summary for people. */
void
report_text(FILE *f, const struct load_args *a, const struct load_stats *st)
{
	double	mb_in = (double)st->bytes_in / 1e6, mb_out = (double)st->bytes_out / 1e6;
	char	wall[32];
	int	i;

	fprintf(f, "echofetch-load %s\n", a->url);
	report_shape(f, a);
	report_format_us(wall, sizeof(wall), st->wall_s * 1e6);
	fprintf(f, "  %llu requests in %s, %llu errors, %.2f MB read, %.2f MB written, "
	    "%llu connections\n", st->responses, wall, report_errors_total(st), mb_in, mb_out,
	    st->connects);
	report_latency(f, &st->latency);
	if (a->proto == ARGS_HTTP)
		fprintf(f, "  Status      2xx %llu  3xx %llu  4xx %llu  5xx %llu\n",
		    st->status[2], st->status[3], st->status[4], st->status[5]);
	fprintf(f, "  Errors     ");
	for (i = 0; i < LOAD_ERR_NKINDS; i++) {
		fprintf(f, " %s %llu", report_err_name((enum load_err)i), st->errors[i]);
		if (st->errors[i] > 0 && st->first_errno[i] != 0)
			fprintf(f, " (%s)", strerror(st->first_errno[i]));
	}
	fprintf(f, "\n");
	if (st->reconnects > 0)
		fprintf(f, "  Retried    %llu requests after the server closed a keep-alive "
		    "connection\n", st->reconnects);
	if (st->interrupted)
		fprintf(f, "  Interrupted: %llu requests in flight were dropped\n",
		    st->abandoned);
	fprintf(f, "Requests/sec: %10.2f\n", report_rps(st));
	fprintf(f, "Transfer/sec: %10.2f MB/s in, %.2f MB/s out\n",
	    st->wall_s > 0 ? mb_in / st->wall_s : 0, st->wall_s > 0 ? mb_out / st->wall_s : 0);
}

/* The counters as nested JSON objects. */
static void
report_json_counts(struct json *j, const struct load_stats *st)
{
	int	i;

	json_key(j, "errors");
	json_object_begin(j);
	for (i = 0; i < LOAD_ERR_NKINDS; i++) {
		json_key(j, report_err_key((enum load_err)i));
		json_uint(j, st->errors[i]);
	}
	json_key(j, "total");
	json_uint(j, report_errors_total(st));
	json_object_end(j);
	json_key(j, "status");
	json_object_begin(j);
	for (i = 1; i <= 5; i++) {
		char	key[4] = { (char)('0' + i), 'x', 'x', '\0' };

		json_key(j, key);
		json_uint(j, st->status[i]);
	}
	json_object_end(j);
}

/* Latencies in milliseconds with microsecond resolution. */
static void
report_json_latency(struct json *j, const struct hist *h)
{
	json_key(j, "latency_ms");
	json_object_begin(j);
	json_key(j, "p50");
	json_double(j, (double)hist_percentile(h, 50) / 1000);
	json_key(j, "p90");
	json_double(j, (double)hist_percentile(h, 90) / 1000);
	json_key(j, "p99");
	json_double(j, (double)hist_percentile(h, 99) / 1000);
	json_key(j, "max");
	json_double(j, (double)hist_max(h) / 1000);
	json_key(j, "mean");
	json_double(j, hist_mean(h) / 1000);
	json_key(j, "min");
	json_double(j, (double)hist_min(h) / 1000);
	json_object_end(j);
}

/* Write b and a newline to f, flushed at once, and free b; -1 if any of it failed. */
int
report_write_line(FILE *f, struct buf *b)
{
	int	rc = 0;

	buf_append_char(b, '\n');
	if (b->oom || fwrite(b->data, 1, b->len, f) != b->len || fflush(f) != 0)
		rc = -1;
	buf_free(b);
	return (rc);
}

/* One object on one line, for scripts (compare.sh, jq). */
int
report_json(FILE *f, const struct load_args *a, const struct load_stats *st)
{
	struct buf	b;
	struct json	j;

	buf_init(&b);
	json_init(&j, &b, 0);
	json_object_begin(&j);
	json_key(&j, "target");
	json_cstring(&j, a->url);
	json_key(&j, "clients");
	json_uint(&j, a->clients);
	json_key(&j, "keepalive");
	json_bool(&j, a->keepalive);
	json_key(&j, "rate");
	json_double(&j, a->rate);
	json_key(&j, "requests");
	json_uint(&j, st->responses);
	report_json_counts(&j, st);
	json_key(&j, "connects");
	json_uint(&j, st->connects);
	json_key(&j, "reconnects");
	json_uint(&j, st->reconnects);
	json_key(&j, "interrupted");
	json_bool(&j, st->interrupted);
	json_key(&j, "wall_s");
	json_double(&j, st->wall_s);
	json_key(&j, "rps");
	json_double(&j, report_rps(st));
	report_json_latency(&j, &st->latency);
	json_key(&j, "bytes_in");
	json_uint(&j, st->bytes_in);
	json_key(&j, "bytes_out");
	json_uint(&j, st->bytes_out);
	json_object_end(&j);
	return (report_write_line(f, &b));
}

/* Overwrite the same terminal line each second. */
void
report_progress(FILE *f, const struct load_stats *st, double elapsed_s,
    unsigned long inflight)
{
	fprintf(f, "\r  %5.0fs  %llu done  %.0f req/s  %llu errors  %lu in flight  ",
	    elapsed_s, st->responses, elapsed_s > 0 ? (double)st->responses / elapsed_s : 0,
	    report_errors_total(st), inflight);
	fflush(f);
}

/* Blank the progress line so the summary starts clean. */
void
report_progress_clear(FILE *f)
{
	fprintf(f, "\r%-78s\r", "");
	fflush(f);
}
