/* conn: one HTTP connection: read, parse, run the plan, write, repeat. */
#ifndef EF_CONN_H
#define EF_CONN_H

#include <sys/queue.h>

#include <netinet/in.h>

#include <stdint.h>

#include <event2/util.h>

#include "common/sock.h"
#include "util/buf.h"
#include "core/endpoint.h"
#include "core/exchange.h"
#include "event/conn_io.h"

struct evws;
struct fetch_job;
struct ssl_ctx_st;
struct event;
struct server;

/* Keep at most this much of a stream queued for a client before waiting for it to drain. */
#define CONN_STREAM_QUEUE	(16 * 1024)

enum conn_state {
	CONN_READING = 0,	/* waiting for (the rest of) a request */
	CONN_RUNNING,		/* walking the plan's steps */
	CONN_FLUSHING,		/* plan done, connection closes once output drains */
	CONN_LINGERING,		/* answered and shut for writing; reading what is left */
	CONN_WEBSOCKET,		/* upgraded: evws.c owns the callbacks */
};

/*
 * After a last answer to a client that was still sending (a refused upload),
 * read and drop its bytes this long before closing: closing with unread
 * input sends a reset, which can destroy the answer in the client's buffer.
 */
#define CONN_LINGER_MS		2000

/*
 * An idle keep-alive connection holds this struct and its read event: the
 * request state and the buffers are taken when bytes arrive and given back
 * when it is idle again, and the timer exists only while armed.
 */
struct conn {
	struct server		*conn_srv;
	struct conn_io		 conn_io;	/* the socket, its events and buffers */
	struct event		*conn_timer;	/* header deadline, a WAIT / stream tick; NULL off */
	uint64_t		 conn_timer_due_us;	/* its due time, time_now_us(); 0 none */
	enum conn_state		 conn_state;
	struct exchange		*conn_ex;	/* NULL while idle between requests */
	struct endpoint_ctx	 conn_ctx;
	char			 conn_ip[INET6_ADDRSTRLEN];
	unsigned int		 conn_step;	/* next plan step */
	unsigned int		 conn_piece;	/* next stream piece */
	unsigned int		 conn_read_eof:1;
	unsigned int		 conn_deadline_armed:1;
	unsigned int		 conn_quiet:1;		/* reads quieted while a plan waits */
	unsigned int		 conn_output_wait:1;	/* next request waits for the client to read */
	struct fetch_job	*conn_job;	/* a PLAN_FETCH step in progress */
	struct event		*conn_fetch_wake;	/* evfetch's: the job moved */
	struct evws		*conn_ws;	/* CONN_WEBSOCKET: its state */
	TAILQ_ENTRY(conn)	 conn_entry;
};

/* Take an accepted socket and start reading a request. */
void	conn_accept(struct server *, evutil_socket_t, const struct sockaddr *, int socklen,
	    struct ssl_ctx_st *tls);
/* 1 if any byte of a request has arrived on the connection. */
int	conn_request_started(const struct conn *);
/* Free a worker's spare request states (at exit). */
void	conn_exchange_pool_free(struct server *);
/* Queue bytes for the client and count them. */
void	conn_write(struct conn *, const void *, size_t);
/* The one way out: log why, finish a request in progress, free everything. */
void	conn_close(struct conn *, enum exchange_end);
/* Go on with the plan from where it waits; serve the next request if it ends. */
void	conn_resume_plan(struct conn *);

/* evws.c: a connection after its 101, speaking WebSocket on the loop. */
/* Take over the connection; its exchange is finished and given back. */
void	evws_start(struct conn *);
/* A drain began: send close 1001 and wait briefly for the client's. */
void	evws_drain(struct conn *);
/* From conn_close: count the close and free the WebSocket state. */
void	evws_free(struct conn *);

#endif
