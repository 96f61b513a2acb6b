/* udp_echo: RFC 862 over UDP, one datagram in, the same datagram back. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/udp_echo.h"
#include "core/stats.h"
#include "core/udp_limit.h"
#include "util/time.h"

/* The largest UDP payload; a bigger datagram cannot exist. */
#define UDP_ECHO_MAX	65536

/*
 * One table for the process: every event worker's socket and the blocking
 * build's one UDP thread (or poll loop) share the per-source and global
 * rates, so more workers do not mean more replies. 24 KiB, never more.
 */
static pthread_mutex_t	 udp_echo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct udp_limit	 udp_echo_limit;

/* The address of the socket this thread pumps, read once per socket. */
static __thread int			 udp_echo_own_fd = -1;
static __thread struct sockaddr_storage	 udp_echo_own;

/* A seed nobody outside can guess, so no sender can aim at one slot. */
static uint64_t
udp_echo_seed(void)
{
	struct timespec	 ts;
	uint64_t	 seed;

	if (getentropy(&seed, sizeof(seed)) == 0)
		return (seed);
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid());
}

/* Set the rates (replies per second, 0 = unlimited) before any pump runs. */
void
udp_echo_setup(unsigned int rate, unsigned int rate_global)
{
	pthread_mutex_lock(&udp_echo_lock);
	udp_limit_init(&udp_echo_limit, rate, rate_global, udp_echo_seed());
	pthread_mutex_unlock(&udp_echo_lock);
}

/* Our socket's own address, for the loop check; AF_UNSPEC if unknown. */
static const struct sockaddr *
udp_echo_own_addr(int fd)
{
	socklen_t	 len = sizeof(udp_echo_own);

	if (udp_echo_own_fd != fd) {
		if (getsockname(fd, (struct sockaddr *)&udp_echo_own, &len) == -1)
			memset(&udp_echo_own, 0, sizeof(udp_echo_own));
		udp_echo_own_fd = fd;
	}
	return ((const struct sockaddr *)&udp_echo_own);
}

/* Reply, or count the drop by what caused it. */
static int
udp_echo_allowed(const struct sockaddr *from, socklen_t fromlen, const struct sockaddr *own,
    struct stats *st)
{
	enum udp_limit_verdict	 v;

	pthread_mutex_lock(&udp_echo_lock);
	v = udp_limit_check(&udp_echo_limit, from, fromlen, own,
	    time_now_ns());
	pthread_mutex_unlock(&udp_echo_lock);
	if (v == UDP_LIMIT_REPLY)
		return (1);
	stats_add(udp_limit_is_reflect(v) ? &st->udp_dropped_reflect : &st->udp_dropped_rate, 1);
	return (0);
}

/* Read datagrams until none is waiting or `max` have been read; echo those allowed. */
int
udp_echo_pump(int fd, unsigned int max, struct stats *st)
{
	static __thread char	 dgram[UDP_ECHO_MAX];
	struct sockaddr_storage	 from;
	const struct sockaddr	*own;
	socklen_t		 fromlen;
	ssize_t			 n;
	unsigned int		 done = 0;

	own = udp_echo_own_addr(fd);
	while (done < max) {
		fromlen = sizeof(from);
		n = recvfrom(fd, dgram, sizeof(dgram), 0, (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return (-1);
		}
		done++;
		if (!udp_echo_allowed((struct sockaddr *)&from, fromlen, own, st))
			continue;
		/* A full send buffer drops the echo, as UDP may; never block the loop. */
		(void)sendto(fd, dgram, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&from, fromlen);
		stats_add(&st->udp_datagrams, 1);
		stats_add(&st->echo_bytes, (uint64_t)n);
	}
	return ((int)done);
}
