/* echo: RFC 862 TCP echo on a blocking socket. */
#ifndef EF_BLOCKING_ECHO_H
#define EF_BLOCKING_ECHO_H

struct server;

/* Echo everything back until EOF, an idle timeout or an error; the caller closes fd. */
void	echo_serve(struct server *, int fd);

#endif
