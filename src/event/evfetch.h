/* evfetch: the event build's fetch I/O: curl multi on a worker's event base. */
#ifndef EF_EVENT_EVFETCH_H
#define EF_EVENT_EVFETCH_H

#include "core/fetch.h"
#include "core/fetch_driver.h"

struct conn;
struct event;
struct server;

/* One per worker: its curl multi handle, curl's timer, and the driver with its queue. */
struct evfetch {
	struct server		*ef_srv;
	const struct fetch_settings *ef_settings;
	CURLM			*ef_multi;
	struct event		*ef_timer;
	struct fetch_driver	 ef_driver;
};

int	evfetch_init(struct evfetch *, struct server *, const struct fetch_settings *,
	    char *err, size_t);
/* SIGHUP: the queue takes the new fetch_concurrency and fetch_queue. */
void	evfetch_reload(struct evfetch *, const struct config *);
void	evfetch_free(struct evfetch *);
/*
 * Run the connection's PLAN_FETCH step. 0: wait (it runs again when
 * the job moves); 1: over, the plan is now the rest of the
 * response, to run from step 0; -1: out of memory.
 */
int	evfetch_conn_step(struct conn *);
/* The client drained its output: let a paused /fetch go on. */
void	evfetch_conn_drained(struct conn *);
/* The connection is closing: cancel and free its job and its wake-up. */
void	evfetch_conn_abort(struct conn *);

#endif
