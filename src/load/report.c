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
	"connect", "connect_timeout", "timeout", "reset", "bad_response", "tls",
};
static const char *const report_err_names[LOAD_ERR_NKINDS] = {
	"connect", "connect-timeout", "timeout", "reset", "bad-response", "tls",
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

/* Add src's counters and histogram into dst: threads and processes report as one. */
void
report_merge(struct load_stats *dst, const struct load_stats *src)
{
	int	i;

	dst->responses += src->responses;
	for (i = 0; i < LOAD_ERR_NKINDS; i++) {
		dst->errors[i] += src->errors[i];
		if (dst->first_errno[i] == 0)
			dst->first_errno[i] = src->first_errno[i];
	}
	for (i = 0; i < 6; i++)
		dst->status[i] += src->status[i];
	dst->bytes_in += src->bytes_in;
	dst->bytes_out += src->bytes_out;
	dst->connects += src->connects;
	dst->reconnects += src->reconnects;
	dst->abandoned += src->abandoned;
	if (src->wall_s > dst->wall_s)
		dst->wall_s = src->wall_s;
	dst->interrupted |= src->interrupted;
	if (dst->tls_reason[0] == '\0')
		memcpy(dst->tls_reason, src->tls_reason, sizeof(dst->tls_reason));
	hist_merge(&dst->latency, &src->latency);
}

/* A byte count in the unit that shows it: "512 B", "12.34 KB", "1.50 MB", "2.00 GB". */
void
report_format_bytes(char *out, size_t len, double n)
{
	if (n < 1e3)
		snprintf(out, len, "%.0f B", n);
	else if (n < 1e6)
		snprintf(out, len, "%.2f KB", n / 1e3);
	else if (n < 1e9)
		snprintf(out, len, "%.2f MB", n / 1e6);
	else
		snprintf(out, len, "%.2f GB", n / 1e9);
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
		fprintf(f, ", %llu request%s", a->requests, a->requests == 1 ? "" : "s");
	else
		fprintf(f, ", %.3gs", a->duration);
	if (a->threads > 1 || a->procs > 1)
		fprintf(f, ", %lu thread%s x %lu process%s", a->threads,
		    a->threads == 1 ? "" : "s", a->procs, a->procs == 1 ? "" : "es");
	if (a->ntargets > 1)
		fprintf(f, ", %zu targets", a->ntargets);
	if (a->rate > 0)
		fprintf(f, ", open loop at %.6g req/s (latency from the intended start)", a->rate);
	else
		fprintf(f, ", closed loop");
	if (a->proto != ARGS_HTTP)
		fprintf(f, ", %zu-byte %s", a->payload,
		    a->proto == ARGS_TCP ? "echoes" : "messages");
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

/* The percentiles --latency and --json show. */
static const double report_pcts[] = { 50, 75, 90, 99, 99.9, 99.99 };
#define REPORT_NPCTS	(sizeof(report_pcts) / sizeof(report_pcts[0]))

/* --latency: mean, stdev and max, then the distribution, laid out as wrk does. */
static void
report_latency_table(FILE *f, const struct hist *h)
{
	char	m[32], sd[32], mx[32];
	size_t	i;

	if (hist_count(h) == 0)
		return;
	report_format_us(m, sizeof(m), hist_mean(h));
	report_format_us(sd, sizeof(sd), hist_stdev(h));
	report_format_us(mx, sizeof(mx), (double)hist_max(h));
	fprintf(f, "  Latency    %10s %10s %10s\n", "Avg", "Stdev", "Max");
	fprintf(f, "             %10s %10s %10s\n", m, sd, mx);
	fprintf(f, "  Latency Distribution\n");
	for (i = 0; i < REPORT_NPCTS; i++) {
		report_format_us(m, sizeof(m), (double)hist_percentile(h, report_pcts[i]));
		fprintf(f, "    %6g%% %10s\n", report_pcts[i], m);
	}
}

/* The wrk-like summary for people. */
void
report_text(FILE *f, const struct load_args *a, const struct load_stats *st)
{
	char	wall[32], in[32], out[32];
	int	i;

	fprintf(f, "echofetch-load %s\n", a->url);
	report_shape(f, a);
	report_format_us(wall, sizeof(wall), st->wall_s * 1e6);
	report_format_bytes(in, sizeof(in), (double)st->bytes_in);
	report_format_bytes(out, sizeof(out), (double)st->bytes_out);
	fprintf(f, "  %llu %s%s in %s, %llu error%s, %s read, %s written, "
	    "%llu connection%s opened\n", st->responses,
	    a->proto == ARGS_WS ? "message" : "request", st->responses == 1 ? "" : "s", wall,
	    report_errors_total(st), report_errors_total(st) == 1 ? "" : "s", in, out,
	    st->connects, st->connects == 1 ? "" : "s");
	report_latency(f, &st->latency);
	if (a->latency)
		report_latency_table(f, &st->latency);
	if (a->proto == ARGS_HTTP)
		fprintf(f, "  Status      2xx %llu  3xx %llu  4xx %llu  5xx %llu\n",
		    st->status[2], st->status[3], st->status[4], st->status[5]);
	fprintf(f, "  Errors     ");
	for (i = 0; i < LOAD_ERR_NKINDS; i++) {
		fprintf(f, " %s %llu", report_err_name((enum load_err)i), st->errors[i]);
		if (st->errors[i] > 0 && st->first_errno[i] != 0)
			fprintf(f, " (%s)", strerror(st->first_errno[i]));
		else if (i == LOAD_ERR_TLS && st->errors[i] > 0 && st->tls_reason[0] != '\0')
			fprintf(f, " (%s)", st->tls_reason);
	}
	fprintf(f, "\n");
	if (st->reconnects > 0)
		fprintf(f, "  Retried    %llu requests after the server closed a keep-alive "
		    "connection\n", st->reconnects);
	if (st->interrupted)
		fprintf(f, "  Interrupted: %llu requests in flight were dropped\n",
		    st->abandoned);
	fprintf(f, "Requests/sec: %10.2f\n", report_rps(st));
	report_format_bytes(in, sizeof(in), st->wall_s > 0 ? (double)st->bytes_in / st->wall_s : 0);
	report_format_bytes(out, sizeof(out),
	    st->wall_s > 0 ? (double)st->bytes_out / st->wall_s : 0);
	fprintf(f, "Transfer/sec: %10s/s in, %s/s out\n", in, out);
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
	char	key[16];
	size_t	i;

	json_object_begin(j);
	for (i = 0; i < REPORT_NPCTS; i++) {
		snprintf(key, sizeof(key), "p%g", report_pcts[i]);
		json_key(j, key);
		json_double(j, (double)hist_percentile(h, report_pcts[i]) / 1000);
	}
	json_key(j, "stdev");
	json_double(j, hist_stdev(h) / 1000);
	json_key(j, "max");
	json_double(j, (double)hist_max(h) / 1000);
	json_key(j, "mean");
	json_double(j, hist_mean(h) / 1000);
	json_key(j, "min");
	json_double(j, (double)hist_min(h) / 1000);
	json_object_end(j);
}

/* One threshold's verdict: the limit, the value seen, and whether it held. */
static void
report_json_threshold(struct json *j, const char *name, double limit, double value, int ok)
{
	json_key(j, name);
	json_object_begin(j);
	json_key(j, "limit");
	json_double(j, limit);
	json_key(j, "value");
	json_double(j, value);
	json_key(j, "ok");
	json_bool(j, ok);
	json_object_end(j);
}

/* The thresholds that were set, and "passed" for all of them. */
static void
report_json_thresholds(struct json *j, const struct load_args *a, const struct load_stats *st)
{
	double	p99 = (double)hist_percentile(&st->latency, 99) / 1000;
	double	errs = (double)report_errors_total(st);

	json_key(j, "thresholds");
	json_object_begin(j);
	if (a->max_p99_ms > 0)
		report_json_threshold(j, "max_p99_ms", a->max_p99_ms, p99,
		    p99 <= a->max_p99_ms);
	if (a->max_errors_set)
		report_json_threshold(j, "max_errors", (double)a->max_errors, errs,
		    errs <= (double)a->max_errors);
	json_key(j, "passed");
	json_bool(j, report_thresholds(NULL, a, st) == 0);
	json_object_end(j);
}

/* Check --max-p99 and --max-errors, naming each that failed on f (if any); the count failed. */
int
report_thresholds(FILE *f, const struct load_args *a, const struct load_stats *st)
{
	double			p99 = (double)hist_percentile(&st->latency, 99) / 1000;
	unsigned long long	errs = report_errors_total(st);
	int			failed = 0;

	if (a->max_p99_ms > 0 && !(p99 <= a->max_p99_ms)) {
		failed++;
		if (f != NULL)
			fprintf(f, "echofetch-load: threshold failed: p99 %.3f ms > "
			    "--max-p99 %g ms\n", p99, a->max_p99_ms);
	}
	if (a->max_errors_set && errs > a->max_errors) {
		failed++;
		if (f != NULL)
			fprintf(f, "echofetch-load: threshold failed: %llu errors > "
			    "--max-errors %llu\n", errs, a->max_errors);
	}
	return (failed);
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
	size_t		i;

	buf_init(&b);
	json_init(&j, &b, 0);
	json_object_begin(&j);
	json_key(&j, "target");
	json_cstring(&j, a->url);
	json_key(&j, "clients");
	json_uint(&j, a->clients);
	json_key(&j, "keepalive");
	json_bool(&j, a->keepalive);
	json_key(&j, "targets");
	json_array_begin(&j);
	for (i = 0; i < a->ntargets; i++)
		json_cstring(&j, a->targets[i].url);
	json_array_end(&j);
	json_key(&j, "proto");
	json_cstring(&j, a->proto == ARGS_HTTP ? "http" : a->proto == ARGS_TCP ? "tcp" : "ws");
	json_key(&j, "tls");
	json_bool(&j, a->tls);
	json_key(&j, "threads");
	json_uint(&j, a->threads);
	json_key(&j, "procs");
	json_uint(&j, a->procs);
	json_key(&j, "rate");
	json_double(&j, a->rate);
	json_key(&j, "latency_from");
	json_cstring(&j, a->rate > 0 ? "intended_start" : "send");
	json_key(&j, "requests");
	json_uint(&j, st->responses);
	report_json_counts(&j, st);
	if (st->tls_reason[0] != '\0') {
		json_key(&j, "tls_error");
		json_cstring(&j, st->tls_reason);
	}
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
	report_json_thresholds(&j, a, st);
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
