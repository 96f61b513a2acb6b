/* udp_echo: RFC 862 over UDP, one datagram in, the same datagram back. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>

#include "common/udp_echo.h"
#include "core/stats.h"

/* The largest UDP payload; a bigger datagram cannot exist. */
#define UDP_ECHO_MAX	65536

/* Echo datagrams until none is waiting or `max` have gone back. */
int
udp_echo_pump(int fd, unsigned int max, struct stats *st)
{
	static __thread char	 dgram[UDP_ECHO_MAX];
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	ssize_t			 n;
	unsigned int		 done = 0;

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
		/* A full send buffer drops the echo, as UDP may; never block the loop. */
		(void)sendto(fd, dgram, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&from, fromlen);
		stats_add(&st->udp_datagrams, 1);
		stats_add(&st->echo_bytes, (uint64_t)n);
		done++;
	}
	return ((int)done);
}
