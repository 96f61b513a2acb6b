/* report: run counters and the summaries (text, JSON, progress line) made from them. */
#ifndef EF_LOAD_REPORT_H
#define EF_LOAD_REPORT_H

#include <stdio.h>

#include "util/buf.h"
#include "load/args.h"
#include "load/hist.h"

enum load_err {
	LOAD_ERR_CONNECT = 0,		/* refused, unreachable, no ports or fds */
	LOAD_ERR_CONNECT_TIMEOUT,
	LOAD_ERR_TIMEOUT,		/* whole request past --timeout */
	LOAD_ERR_RESET,			/* reset or closed before the response ended */
	LOAD_ERR_BAD_RESPONSE,		/* unparsable HTTP, or echo bytes that differ */
	LOAD_ERR_TLS,			/* handshake failed: certificate, protocol */
	LOAD_ERR_NKINDS,
};

struct load_stats {
	unsigned long long	responses;	/* complete responses or echoes */
	unsigned long long	errors[LOAD_ERR_NKINDS];
	int			first_errno[LOAD_ERR_NKINDS];	/* 0: none known */
	unsigned long long	status[6];	/* by status / 100; [0] unused */
	unsigned long long	bytes_in;
	unsigned long long	bytes_out;
	unsigned long long	connects;
	unsigned long long	reconnects;	/* keep-alive closed by the server, retried */
	unsigned long long	abandoned;	/* in flight when interrupted */
	double			wall_s;
	int			interrupted;
	char			tls_reason[96];	/* the first TLS failure, "" if none */
	struct hist		latency;	/* µs, complete responses only */
};

void		report_init(struct load_stats *);
/* The error kind as JSON key ("connect_timeout") or as text ("connect-timeout"). */
const char	*report_err_key(enum load_err);
const char	*report_err_name(enum load_err);
unsigned long long report_errors_total(const struct load_stats *);
/* "1.23ms", "456us", "2.50s": three significant-ish digits, like wrk. */
void		report_format_us(char *, size_t, double us);
/* "512 B", "12.34 KB", "1.50 MB": the unit picked by size. */
void		report_format_bytes(char *, size_t, double bytes);
/* Add src into dst: threads and processes report as one. */
void		report_merge(struct load_stats *dst, const struct load_stats *src);
/* Check --max-p99 and --max-errors, naming each that failed on f (may be NULL); the count failed. */
int		report_thresholds(FILE *f, const struct load_args *, const struct load_stats *);
void		report_text(FILE *, const struct load_args *, const struct load_stats *);
/* Write b and a newline to f, flushed at once, and free b; -1 if any of it failed. */
int		report_write_line(FILE *, struct buf *);
/* One JSON object and a newline; -1 if it could not be built or written. */
int		report_json(FILE *, const struct load_args *, const struct load_stats *);
/* The \r-updated one-line progress for a terminal. */
void		report_progress(FILE *, const struct load_stats *, double elapsed_s,
		    unsigned long inflight);
void		report_progress_clear(FILE *);

#endif
