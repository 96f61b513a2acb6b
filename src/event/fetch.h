/* fetch (event): curl multi driven by a worker's event base, and PLAN_FETCH steps. */
#ifndef EF_EVENT_FETCH_H
#define EF_EVENT_FETCH_H

#include "core/fetch.h"

struct conn;
struct event;
struct server;

/* One per worker: its curl multi handle, curl's timer, and its share of the fetch queue. */
struct fetch_loop {
	struct server		*fl_srv;
	const struct fetch_settings *fl_settings;
	CURLM			*fl_multi;
	struct event		*fl_timer;
	struct fetch_queue	 fl_queue;
};

int	fetch_loop_init(struct fetch_loop *, struct server *, const struct fetch_settings *,
	    char *err, size_t);
void	fetch_loop_free(struct fetch_loop *);
/*
 * Run the connection's PLAN_FETCH step: start its job, or finish it when
 * every transfer is done. 1 when the step is over (the rest of the
 * response is in the plan), 0 to wait (the conn timer fires on completion).
 */
int	fetch_conn_step(struct conn *);
/* The client drained its output: let a paused /fetch go on. */
void	fetch_conn_drained(struct conn *);
/* The connection is closing: cancel and free its job. */
void	fetch_conn_abort(struct conn *);

#endif
