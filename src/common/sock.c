/* sock: socket helpers both executors share (redis anet.c style: -1 + errbuf, never exit). */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sock.h"
#include "util/err.h"
#include "util/num.h"
#include "util/time.h"

/* Parse a port number 0..65535; -1 if it is not one. */
static int
sock_parse_port(const char *s)
{
	uint64_t	 v;

	if (num_parse_u64(s, strlen(s), 65535, &v) == -1)
		return (-1);
	return ((int)v);
}

/* Parse a listen address into a sockaddr. */
int
sock_parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen,
    char *err, size_t errlen)
{
	char			 host[SOCK_ADDRSTR_LEN], msg[SOCK_ADDRSTR_LEN + 64];
	const char		*portstr, *colon;
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	size_t			 hlen;
	int			 port;

	memset(ss, 0, sizeof(*ss));
	snprintf(msg, sizeof(msg), "bad address '%s' (want host:port, [v6]:port or port)", spec);
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (close == NULL || close[1] != ':')
			return (err_set_errno(err, errlen, msg, 0));
		hlen = (size_t)(close - spec - 1);
		portstr = close + 2;
		if (hlen == 0 || hlen >= sizeof(host))
			return (err_set_errno(err, errlen, msg, 0));
		memcpy(host, spec + 1, hlen);
		host[hlen] = '\0';
		if ((port = sock_parse_port(portstr)) == -1)
			return (err_set_errno(err, errlen, msg, 0));
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return (err_set_errno(err, errlen, msg, 0));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*sin6);
		return (0);
	}
	if ((colon = strrchr(spec, ':')) == NULL) {
		strcpy(host, "127.0.0.1");
		portstr = spec;
	} else {
		hlen = (size_t)(colon - spec);
		if (hlen >= sizeof(host) || strchr(colon + 1, ':') != NULL ||
		    memchr(spec, ':', hlen) != NULL)
			return (err_set_errno(err, errlen, msg, 0));
		memcpy(host, spec, hlen);
		host[hlen] = '\0';
		if (hlen == 0)
			strcpy(host, "127.0.0.1");
		portstr = colon + 1;
	}
	if ((port = sock_parse_port(portstr)) == -1)
		return (err_set_errno(err, errlen, msg, 0));
	if (strcmp(host, "*") == 0)
		strcpy(host, "0.0.0.0");
	else if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*sin);
		return (0);
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*sin6);
		return (0);
	}
	return (err_set_errno(err, errlen, msg, 0));
}

/* Set the socket options every listener wants, then bind. */
static int
sock_bind_common(int fd, const struct sockaddr *sa, socklen_t salen, int reuseport,
    char *err, size_t errlen)
{
	int	 one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		return (err_set_errno(err, errlen, "setsockopt SO_REUSEADDR", errno));
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
		return (err_set_errno(err, errlen, "setsockopt SO_REUSEPORT", errno));
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1)
		return (err_set_errno(err, errlen, "setsockopt IPV6_V6ONLY", errno));
	if (bind(fd, sa, salen) == -1)
		return (err_set_errno(err, errlen, "bind", errno));
	return (0);
}

/* A bound, listening, non-blocking TCP socket. */
int
sock_listen_tcp(const struct sockaddr *sa, socklen_t salen, int backlog, int reuseport,
    char *err, size_t errlen)
{
	int	 fd, saved;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (err_set_errno(err, errlen, "socket", errno));
	if (sock_bind_common(fd, sa, salen, reuseport, err, errlen) == -1)
		goto fail;
	if (listen(fd, backlog) == -1) {
		err_set_errno(err, errlen, "listen", errno);
		goto fail;
	}
	return (fd);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/* A bound, non-blocking UDP socket. */
int
sock_bind_udp(const struct sockaddr *sa, socklen_t salen, int reuseport, char *err,
    size_t errlen)
{
	int	 fd;

	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (err_set_errno(err, errlen, "socket", errno));
	if (sock_bind_common(fd, sa, salen, reuseport, err, errlen) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Turn O_NONBLOCK on or off. */
int
sock_set_nonblock(int fd, int on, char *err, size_t errlen)
{
	int	 flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return (err_set_errno(err, errlen, "fcntl F_GETFL", errno));
	flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
	if (fcntl(fd, F_SETFL, flags) == -1)
		return (err_set_errno(err, errlen, "fcntl F_SETFL", errno));
	return (0);
}

/*
 * Tune an accepted client socket. No Nagle: our responses are whole
 * messages. A bound on unsent bytes (if lowat > 0): left alone, the kernel
 * grows a slow reader's send queue to megabytes, and a thousand of them put
 * every socket of the machine under TCP memory pressure.
 */
int
sock_tune_client(int fd, size_t lowat, char *err, size_t errlen)
{
	int	 one = 1, bytes = (int)lowat;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		return (err_set_errno(err, errlen, "setsockopt TCP_NODELAY", errno));
	if (lowat > 0 &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &bytes, sizeof(bytes)) == -1)
		return (err_set_errno(err, errlen, "setsockopt TCP_NOTSENT_LOWAT", errno));
	return (0);
}

/* SO_RCVTIMEO / SO_SNDTIMEO in milliseconds; 0 means no timeout. */
int
sock_set_timeouts(int fd, unsigned int rcv_ms, unsigned int snd_ms, char *err, size_t errlen)
{
	struct timeval	 tv;

	tv = time_ms_to_timeval(rcv_ms);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		return (err_set_errno(err, errlen, "setsockopt SO_RCVTIMEO", errno));
	tv = time_ms_to_timeval(snd_ms);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		return (err_set_errno(err, errlen, "setsockopt SO_SNDTIMEO", errno));
	return (0);
}

/* The port a socket is bound to. */
int
sock_local_port(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	unsigned int		 port;
	char			 host[SOCK_ADDRSTR_LEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return (-1);
	sock_addr_host((struct sockaddr *)&ss, host, sizeof(host), &port);
	return ((int)port);
}

/* The textual host and the port of an address. */
void
sock_addr_host(const struct sockaddr *sa, char *host, size_t hostlen, unsigned int *port)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, host, (socklen_t)hostlen);
		*port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, (socklen_t)hostlen);
		*port = ntohs(sin6->sin6_port);
	} else {
		snprintf(host, hostlen, "unix");
		*port = 0;
	}
}

/* Write the bound ports so tests can find a server started on port 0. */
int
sock_write_port_file(const char *path, const char *const names[], const int ports[],
    size_t n, char *err, size_t errlen)
{
	char	 tmp[PATH_MAX];
	FILE	*fp;
	size_t	 i;
	int	 saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return (err_set_errno(err, errlen, "port file path too long", 0));
	if ((fp = fopen(tmp, "w")) == NULL)
		return (err_set_errno(err, errlen, path, errno));
	for (i = 0; i < n; i++)
		fprintf(fp, "%s=%d\n", names[i], ports[i]);
	if (fclose(fp) == EOF || rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		return (err_set_errno(err, errlen, path, saved));
	}
	return (0);
}

/* Raise the soft open-files limit as far as the hard limit allows. */
long
sock_raise_nofile(char *err, size_t errlen)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return (err_set_errno(err, errlen, "getrlimit", errno));
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			return (err_set_errno(err, errlen, "setrlimit", errno));
	}
	return ((long)rl.rlim_cur);
}
