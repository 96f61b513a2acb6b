/* hist: a log-linear latency histogram in microseconds (HDR style). */
#include "autoconfig.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "load/hist.h"

/* Position of the highest set bit; callers never pass 0. */
static unsigned int
hist_msb(uint64_t v)
{
	return (63 - (unsigned int)__builtin_clzll(v));
}

/* Start with no samples; min is "none yet" until the first record. */
void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

/* Bucket of a value: exponent times HIST_SUB plus the top bits of the value. */
unsigned int
hist_index(uint64_t us)
{
	unsigned int	e;

	if (us > HIST_MAX_US)
		us = HIST_MAX_US;
	if (us < 2 * HIST_SUB)
		return ((unsigned int)us);
	e = hist_msb(us) - HIST_SUB_BITS;
	return ((e << HIST_SUB_BITS) + (unsigned int)(us >> e));
}

/* Split an index back into its exponent and mantissa (HIST_SUB..2*HIST_SUB-1). */
static void
hist_split(unsigned int idx, unsigned int *e, uint64_t *m)
{
	if (idx < 2 * HIST_SUB) {
		*e = 0;
		*m = idx;
		return;
	}
	*e = (idx >> HIST_SUB_BITS) - 1;
	*m = idx - ((uint64_t)*e << HIST_SUB_BITS);
}

/* Smallest value a bucket holds. */
uint64_t
hist_bucket_low(unsigned int idx)
{
	unsigned int	e;
	uint64_t	m;

	hist_split(idx, &e, &m);
	return (m << e);
}

/* Largest value a bucket holds. */
uint64_t
hist_bucket_high(unsigned int idx)
{
	unsigned int	e;
	uint64_t	m;

	hist_split(idx, &e, &m);
	return (((m + 1) << e) - 1);
}

/* Count one sample; exact min/max/sum are kept beside the buckets. */
void
hist_record(struct hist *h, uint64_t us)
{
	h->h_counts[hist_index(us)]++;
	if (h->h_count == 0 || us < h->h_min)
		h->h_min = us;
	if (us > h->h_max)
		h->h_max = us;
	h->h_count++;
	h->h_sum += (double)us;
	h->h_sumsq += (double)us * (double)us;
}

/* Walk the buckets to the one holding rank ceil(p% of count). */
uint64_t
hist_percentile(const struct hist *h, double p)
{
	uint64_t	rank, seen = 0, v;
	unsigned int	i;

	if (h->h_count == 0)
		return (0);
	if (!(p > 0))
		return (h->h_min);
	if (p >= 100)
		return (h->h_max);
	rank = (uint64_t)ceil(p / 100.0 * (double)h->h_count);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->h_counts[i];
		if (seen >= rank)
			break;
	}
	if (i == HIST_BUCKETS)
		return (h->h_max);
	v = hist_bucket_high(i);
	if (v > h->h_max)
		v = h->h_max;
	if (v < h->h_min)
		v = h->h_min;
	return (v);
}

/* Number of samples recorded. */
uint64_t
hist_count(const struct hist *h)
{
	return (h->h_count);
}

/* Exact smallest sample, 0 when empty. */
uint64_t
hist_min(const struct hist *h)
{
	return (h->h_count ? h->h_min : 0);
}

/* Exact largest sample, 0 when empty. */
uint64_t
hist_max(const struct hist *h)
{
	return (h->h_max);
}

/* Exact arithmetic mean, 0 when empty. */
double
hist_mean(const struct hist *h)
{
	if (h->h_count == 0)
		return (0);
	return (h->h_sum / (double)h->h_count);
}

/* Add src's samples to dst, as if dst had recorded them itself. */
void
hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int	i;

	if (src->h_count == 0)
		return;
	for (i = 0; i < HIST_BUCKETS; i++)
		dst->h_counts[i] += src->h_counts[i];
	if (dst->h_count == 0 || src->h_min < dst->h_min)
		dst->h_min = src->h_min;
	if (src->h_max > dst->h_max)
		dst->h_max = src->h_max;
	dst->h_count += src->h_count;
	dst->h_sum += src->h_sum;
	dst->h_sumsq += src->h_sumsq;
}

/* Population standard deviation from the exact sums; 0 for fewer than two values. */
double
hist_stdev(const struct hist *h)
{
	double	mean, var;

	if (h->h_count < 2)
		return (0);
	mean = h->h_sum / (double)h->h_count;
	var = h->h_sumsq / (double)h->h_count - mean * mean;
	return (var > 0 ? sqrt(var) : 0);
}
