/* sock: socket helpers both executors share (redis anet.c style: -1 + errbuf, never exit). */
#ifndef EF_SOCK_H
#define EF_SOCK_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#define SOCK_ERR_LEN	256
#define SOCK_ADDRSTR_LEN 64	/* "[v6]:port" fits */

/* Parse "host:port", "[v6]:port", ":port" or "port" (host defaults to 127.0.0.1); numeric hosts and "localhost", "*" (any v4). */
int	sock_parse_addr(const char *, struct sockaddr_storage *, socklen_t *, char *err, size_t);
/* Bound, listening, non-blocking TCP socket (SO_REUSEADDR, IPV6_V6ONLY, optional SO_REUSEPORT). */
int	sock_listen_tcp(const struct sockaddr *, socklen_t, int backlog, int reuseport, char *err, size_t);
/* Bound non-blocking UDP socket. */
int	sock_bind_udp(const struct sockaddr *, socklen_t, int reuseport, char *err, size_t);
int	sock_set_nonblock(int fd, int on, char *err, size_t);
int	sock_tune_client(int fd, size_t lowat, char *err, size_t);
/* Receive/send timeouts (SO_RCVTIMEO/SO_SNDTIMEO), for the blocking build. */
int	sock_set_timeouts(int fd, unsigned int rcv_ms, unsigned int snd_ms, char *err, size_t);
/* The port a socket is bound to, or -1. */
int	sock_local_port(int fd);
/* "1.2.3.4" / "::1" and the port of an address. */
void	sock_addr_host(const struct sockaddr *, char *, size_t, unsigned int *port);
/* Write "name=port\n" lines atomically (temp file + rename). */
int	sock_write_port_file(const char *path, const char *const names[], const int ports[],
	    size_t n, char *err, size_t);
/* Raise the soft RLIMIT_NOFILE to the hard one; returns the new soft limit or -1. */
long	sock_raise_nofile(char *err, size_t);

#endif
