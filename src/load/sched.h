/* sched: the open-loop (--rate) schedule; latencies count from it, not from the send. */
#ifndef EF_LOAD_SCHED_H
#define EF_LOAD_SCHED_H

#include <stdint.h>

/* Intended start (µs) of request i: the first at t0, then one every 1/rate s. */
uint64_t		sched_start(uint64_t t0, double rate, unsigned long long i);
/* Requests due by now (at most cap, unless cap is 0). */
unsigned long long	sched_due(uint64_t t0, double rate, unsigned long long cap, uint64_t now);
/*
 * The latency of a request that was meant to start at intended and ended at
 * done: a request sent late because the server held every connection still
 * counts the wait (coordinated omission), so it is never measured from the send.
 */
uint64_t		sched_latency(uint64_t intended, uint64_t done);

#endif
