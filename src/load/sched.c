/* sched: the open-loop (--rate) schedule; latencies count from it, not from the send. */
#include "autoconfig.h"

#include <math.h>
#include <stdint.h>

#include "load/sched.h"

/* Intended start of request i. */
uint64_t
sched_start(uint64_t t0, double rate, unsigned long long i)
{
	return (t0 + (uint64_t)((double)i * 1e6 / rate));
}

/* How many requests the schedule has made due by now. */
unsigned long long
sched_due(uint64_t t0, double rate, unsigned long long cap, uint64_t now)
{
	unsigned long long	due;

	if (now < t0)
		return (0);
	due = (unsigned long long)floor((double)(now - t0) * rate / 1e6) + 1;
	return (cap > 0 && due > cap ? cap : due);
}

/* From the intended start to the end; 0 if the clock went the other way. */
uint64_t
sched_latency(uint64_t intended, uint64_t done)
{
	return (done > intended ? done - intended : 0);
}
