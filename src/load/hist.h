/* hist: a log-linear latency histogram in microseconds (HDR style). */
#ifndef EF_LOAD_HIST_H
#define EF_LOAD_HIST_H

#include <stdint.h>

/*
 * Values below 2 * HIST_SUB are counted exactly; above, each power of two is
 * split into HIST_SUB equal buckets, so a bucket is never wider than
 * 1/HIST_SUB (0.78%) of the values it holds.  Values past HIST_MAX_US
 * (about 134 s) share the last bucket; min and max stay exact.
 */
#define HIST_SUB_BITS	7
#define HIST_SUB	(1 << HIST_SUB_BITS)
#define HIST_TOP_BIT	27
#define HIST_MAX_US	((UINT64_C(1) << HIST_TOP_BIT) - 1)
#define HIST_BUCKETS	(((HIST_TOP_BIT - HIST_SUB_BITS) << HIST_SUB_BITS) + HIST_SUB)

struct hist {
	uint64_t	h_counts[HIST_BUCKETS];
	uint64_t	h_count;
	uint64_t	h_min;
	uint64_t	h_max;
	double		h_sum;
	double		h_sumsq;	/* for the standard deviation */
};

void		hist_init(struct hist *);
void		hist_record(struct hist *, uint64_t us);
/* The value at percentile p (0..100): an upper bound within 1/HIST_SUB; 0 if empty. */
uint64_t	hist_percentile(const struct hist *, double p);
uint64_t	hist_count(const struct hist *);
uint64_t	hist_min(const struct hist *);
uint64_t	hist_max(const struct hist *);
double		hist_mean(const struct hist *);
double		hist_stdev(const struct hist *);
void		hist_merge(struct hist *dst, const struct hist *src);
/* Bucket arithmetic, exposed for the tests. */
unsigned int	hist_index(uint64_t us);
uint64_t	hist_bucket_low(unsigned int);
uint64_t	hist_bucket_high(unsigned int);

#endif
