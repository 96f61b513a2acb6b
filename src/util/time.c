/* Monotonic time and the conversions timers and sockets take. */
#include "autoconfig.h"

#include "util/time.h"

/*
 * Nanoseconds on CLOCK_MONOTONIC: wall-clock jumps must not stretch
 * timeouts, durations or rate windows. 0 if the clock cannot be read.
 */
uint64_t
time_now_ns(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* Microseconds on the monotonic clock: access-log durations, WAIT due times. */
uint64_t
time_now_us(void)
{
	return (time_now_ns() / 1000);
}

/* Milliseconds on the monotonic clock: timeouts and queue waits. */
uint64_t
time_now_ms(void)
{
	return (time_now_ns() / 1000000);
}

/* A span in microseconds as the timeval evtimer_add and setsockopt take. */
struct timeval
time_us_to_timeval(uint64_t us)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	return (tv);
}

/* A span in milliseconds as a timeval. */
struct timeval
time_ms_to_timeval(uint64_t ms)
{
	return (time_us_to_timeval(ms * 1000));
}

/* A span in seconds (a command-line option) as a timeval; negative is 0. */
struct timeval
time_seconds_to_timeval(double seconds)
{
	return (time_us_to_timeval(seconds > 0 ? (uint64_t)(seconds * 1e6) : 0));
}

/* The monotonic instant `ms` from now, for pthread_cond_timedwait. */
struct timespec
time_deadline_ms(unsigned int ms)
{
	struct timespec	 ts;
	uint64_t	 ns = time_now_ns() + (uint64_t)ms * 1000000;

	ts.tv_sec = (time_t)(ns / 1000000000ULL);
	ts.tv_nsec = (long)(ns % 1000000000ULL);
	return (ts);
}
