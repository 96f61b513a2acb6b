/* echo: RFC 862 TCP echo on bufferevents, and the UDP echo event. */
#ifndef EF_ECHO_H
#define EF_ECHO_H

#include <sys/queue.h>

#include <event2/util.h>

struct bufferevent;
struct event;
struct ssl_ctx_st;
struct server;

struct echo_conn {
	struct server		*ec_srv;
	struct bufferevent	*ec_bev;
	struct event		*ec_handshake;	/* TLS: the handshake's deadline */
	int			 ec_read_eof;
	TAILQ_ENTRY(echo_conn)	 ec_entry;
};

void	echo_accept(struct server *, evutil_socket_t, struct ssl_ctx_st *tls);
void	echo_close(struct echo_conn *, const char *why);
/* Event callback for the UDP socket. */
void	echo_udp_ready(evutil_socket_t, short, void *);

#endif
