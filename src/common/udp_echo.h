/* udp_echo: RFC 862 over UDP, one datagram in, the same datagram back. */
#ifndef EF_UDP_ECHO_H
#define EF_UDP_ECHO_H

struct stats;

/*
 * Echo up to `max` datagrams from fd. On a non-blocking socket it stops early
 * when none is waiting. Returns how many were echoed, or -1 on a real error.
 */
int	udp_echo_pump(int fd, unsigned int max, struct stats *);

#endif
