/* client: one load connection, its request/response state machine, and the run it belongs to. */
#ifndef EF_LOAD_CLIENT_H
#define EF_LOAD_CLIENT_H

#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <openssl/ssl.h>

#include "util/buf.h"
#include "load/args.h"
#include "load/report.h"

enum client_state {
	CLT_IDLE = 0,		/* no request */
	CLT_CONNECTING,		/* request waiting for a connection */
	CLT_ACTIVE,		/* request sent or being sent, response pending */
};

enum client_resp {
	RESP_STATUS = 0,
	RESP_HEADERS,
	RESP_BODY_LENGTH,
	RESP_BODY_EOF,
	RESP_CHUNK_SIZE,
	RESP_CHUNK_DATA,
	RESP_CHUNK_END,
	RESP_TRAILER,
};

#define CLIENT_READ_MAX		16384		/* one read(2) on a plain connection */

struct load_run;

struct load_client {
	struct load_run		*clt_run;
	unsigned long		 clt_id;
	const struct load_target *clt_target;	/* clients take targets round-robin */
	const char		*clt_req;	/* its target's request bytes */
	size_t			 clt_req_len;
	int			 clt_ws_up;	/* ws: the opening handshake is done */
	char			 clt_ws_key[32];	/* ws: the key this connection offered */
	enum client_state	 clt_state;
	struct bufferevent	*clt_bev;	/* NULL when not connected */
	int			 clt_connected;
	unsigned long		 clt_served;	/* responses on this connection */
	int			 clt_retried;
	int			 clt_pending_errno;	/* connect failed at once */
	struct event		*clt_ctimer;	/* connect timeout, or deferred failure */
	struct event		*clt_rtimer;	/* request timeout */
	struct event		*clt_tick;	/* --slow-send pieces */
	struct event		*clt_rev;	/* plain TCP: our own read event */
	uint64_t		 clt_start;	/* µs; the scheduled time at --rate */
	uint64_t		 clt_deadline;	/* µs; the request times out then */
	size_t			 clt_sent;	/* request bytes queued so far */
	size_t			 clt_seen;	/* input bytes already counted */
	size_t			 clt_got;	/* response bytes of this request */

	/* HTTP response parser. */
	enum client_resp	 clt_resp;
	int			 clt_status;
	int			 clt_minor;
	int			 clt_close;	/* server will close after this one */
	int			 clt_keep;	/* HTTP/1.0 keep-alive */
	int			 clt_chunked;
	long long		 clt_length;	/* Content-Length, -1 none */
	unsigned long long	 clt_left;	/* body or chunk bytes to go */
	size_t			 clt_head;	/* header bytes so far */
};

struct load_run {
	struct event_base	*run_base;
	const struct load_args	*run_args;
	struct load_stats	 run_stats;
	struct buf		*run_reqs;	/* one request (or echo payload) per target */
	SSL_CTX			*run_ssl;	/* for TLS targets, else NULL */
	unsigned long		 run_first;	/* global id of this run's first client */
	unsigned long		 run_nclients;
	unsigned long		 run_share;	/* runs sharing --rate and -n */
	struct event		*run_watch_ev;	/* threads: polls for a stop */
	FILE			*run_timeline;
	uint64_t		 run_t0;	/* µs, monotonic */
	uint64_t		 run_end;	/* µs; duration runs start nothing after it */
	unsigned long long	 run_cap;	/* requests that may be started, or 0 */
	unsigned long long	 run_issued;
	unsigned long		 run_inflight;
	int			 run_ended;	/* nothing more will be started */
	struct load_client	*run_clients;
	struct load_client	**run_idle;	/* open-loop clients waiting for a due time */
	size_t			 run_nidle;
	struct event		*run_rate_ev;
	struct event		*run_end_ev;
	struct event		*run_progress_ev;
	struct event		*run_sigint_ev;
	struct event		*run_sigterm_ev;
	int			 run_progress;
	int			 run_head;	/* HEAD requests: responses have no body */
	char			 run_rbuf[CLIENT_READ_MAX];	/* plain HTTP reads, parsed in place */
};

/* Build the bytes every request to t sends: the HTTP request, or the echo payload. */
void		client_build_request(const struct load_args *, const struct load_target *t,
		    struct buf *);
int		client_setup(struct load_client *, struct load_run *, unsigned long id,
		    char *err, size_t errlen);
/* Start a request at now that counts its latency from start_us. */
void		client_begin(struct load_client *, uint64_t start_us, uint64_t now);
/* Drop the connection and any request without counting it. */
void		client_abandon(struct load_client *);
void		client_free(struct load_client *);

/* main.c: the client finished a request (or is new) at now and may take the next one. */
void		load_client_idle(struct load_run *, struct load_client *, uint64_t now);

#endif
