/* udp_echo: RFC 862 over UDP, one datagram in, the same datagram back. */
#ifndef EF_UDP_ECHO_H
#define EF_UDP_ECHO_H

struct stats;

/*
 * The rates of core/udp_limit, in replies per second (0 = unlimited), for
 * every socket of the process; call before the first pump. Without it only
 * the loop checks apply.
 */
void	udp_echo_setup(unsigned int rate, unsigned int rate_global);
/*
 * Read up to `max` datagrams from fd and echo those udp_limit allows; the
 * rest count in st as dropped. On a non-blocking socket it stops early when
 * none is waiting. Returns how many were read, or -1 on a real error.
 */
int	udp_echo_pump(int fd, unsigned int max, struct stats *);

#endif
