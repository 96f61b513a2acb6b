/* Monotonic time and the conversions timers and sockets take. */
#ifndef EF_TIME_H
#define EF_TIME_H

#include <sys/time.h>

#include <stdint.h>
#include <time.h>

uint64_t	time_now_ns(void);
uint64_t	time_now_us(void);
uint64_t	time_now_ms(void);
struct timeval	time_us_to_timeval(uint64_t us);
struct timeval	time_ms_to_timeval(uint64_t ms);
struct timeval	time_seconds_to_timeval(double seconds);
struct timespec	time_deadline_ms(unsigned int ms);

#endif /* EF_TIME_H */
