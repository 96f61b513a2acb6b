/* hold: --hold, many connections opened and kept open, and what the server did with them. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "util/buf.h"
#include "util/json.h"
#include "load/client.h"
#include "load/hold.h"
#include "load/report.h"
#include "util/time.h"

#define HOLD_TICK_US	20000	/* how often settling is checked */

struct hold_run;

struct hold_conn {
	struct hold_run		*hc_run;
	struct bufferevent	*hc_bev;	/* NULL once closed or refused */
	struct hold_seen	 hc_seen;
};

struct hold_run {
	struct event_base	*hr_base;
	const struct load_args	*hr_args;
	const char		*hr_req;
	size_t			 hr_req_len;
	FILE			*hr_out;
	struct hold_conn	*hr_conns;
	struct hold_seen	*hr_seen;	/* copies for the report */
	uint64_t		 hr_t0;		/* µs, when the connects started */
	uint64_t		 hr_last;	/* µs, the last connect, byte or close */
	int			 hr_reported;
	int			 hr_interrupted;
	int			 hr_rc;
	struct event		*hr_tick;
	struct event		*hr_end;
	struct event		*hr_sigint;
	struct event		*hr_sigterm;
};

/* Keep the first bytes of a reply and read its status from "HTTP/1.x NNN". */
void
hold_seen_input(struct hold_seen *hs, const char *p, size_t len)
{
	size_t	n = sizeof(hs->hs_bytes) - hs->hs_len;
	int	s;

	if (n > len)
		n = len;
	memcpy(hs->hs_bytes + hs->hs_len, p, n);
	hs->hs_len += n;
	if (hs->hs_status != 0 || hs->hs_len < 12 ||
	    memcmp(hs->hs_bytes, "HTTP/1.", 7) != 0 || hs->hs_bytes[8] != ' ')
		return;
	s = (hs->hs_bytes[9] - '0') * 100 + (hs->hs_bytes[10] - '0') * 10 +
	    (hs->hs_bytes[11] - '0');
	if (s >= 100 && s <= 599)
		hs->hs_status = s;
}

/* The connection is gone: free it and remember how it ended. */
static void
hold_conn_end(struct hold_conn *hc, enum hold_state state)
{
	if (hc->hc_bev != NULL) {
		bufferevent_free(hc->hc_bev);
		hc->hc_bev = NULL;
	}
	hc->hc_seen.hs_state = state;
	hc->hc_run->hr_last = time_now_us();
}

/* Bytes from the server: keep the first ones, drop the rest. */
static void
hold_read_cb(struct bufferevent *bev, void *arg)
{
	struct hold_conn	*hc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			 chunk[HOLD_KEEP];
	int			 n;

	while ((n = evbuffer_remove(in, chunk, sizeof(chunk))) > 0)
		hold_seen_input(&hc->hc_seen, chunk, (size_t)n);
	hc->hc_run->hr_last = time_now_us();
}

/* Connected (send the request with --send), or closed, reset, refused. */
static void
hold_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct hold_conn	*hc = arg;
	struct hold_run		*run = hc->hc_run;

	if (what & BEV_EVENT_CONNECTED) {
		hc->hc_seen.hs_state = HOLD_OPEN;
		run->hr_last = time_now_us();
		if (run->hr_args->send)
			bufferevent_write(bev, run->hr_req, run->hr_req_len);
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if (what & BEV_EVENT_EOF)
		hold_read_cb(bev, arg);
	hold_conn_end(hc, hc->hc_seen.hs_state == HOLD_CONNECTING ?
	    HOLD_REFUSED : HOLD_CLOSED);
}

/* Start connecting one; a connect that fails at once is counted as refused. */
static void
hold_conn_start(struct hold_run *run, struct hold_conn *hc)
{
	const struct load_args	*a = run->hr_args;

	hc->hc_run = run;
	hc->hc_seen.hs_state = HOLD_CONNECTING;
	hc->hc_bev = bufferevent_socket_new(run->hr_base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (hc->hc_bev == NULL) {
		hc->hc_seen.hs_state = HOLD_REFUSED;
		return;
	}
	bufferevent_setcb(hc->hc_bev, hold_read_cb, NULL, hold_event_cb, hc);
	if (bufferevent_socket_connect(hc->hc_bev, (const struct sockaddr *)&a->targets[0].addr,
	    (int)a->targets[0].addrlen) == -1)
		hold_conn_end(hc, HOLD_REFUSED);
}

/* 1 when nothing more is expected: every connect done and, with --send, every reply begun. */
static int
hold_all_settled(const struct hold_run *run)
{
	unsigned long	i;
	int		open = 0;

	for (i = 0; i < run->hr_args->clients; i++) {
		const struct hold_seen	*hs = &run->hr_conns[i].hc_seen;

		if (hs->hs_state == HOLD_CONNECTING)
			return (0);
		if (hs->hs_state == HOLD_OPEN && (!run->hr_args->send || hs->hs_status == 0))
			open = 1;
	}
	return (!open);
}

/* 1 while some connect is still under way. */
static int
hold_connecting(const struct hold_run *run)
{
	unsigned long	i;

	for (i = 0; i < run->hr_args->clients; i++) {
		if (run->hr_conns[i].hc_seen.hs_state == HOLD_CONNECTING)
			return (1);
	}
	return (0);
}

/* Give up on connects older than --connect-timeout: they count as refused. */
static void
hold_expire_connects(struct hold_run *run)
{
	unsigned long	i;

	for (i = 0; i < run->hr_args->clients; i++) {
		if (run->hr_conns[i].hc_seen.hs_state == HOLD_CONNECTING)
			hold_conn_end(&run->hr_conns[i], HOLD_REFUSED);
	}
}

/* Print the report once, from a copy of every connection's record. */
static void
hold_report_now(struct hold_run *run)
{
	unsigned long	i;

	if (run->hr_reported)
		return;
	run->hr_reported = 1;
	for (i = 0; i < run->hr_args->clients; i++)
		run->hr_seen[i] = run->hr_conns[i].hc_seen;
	if (hold_report(run->hr_out, run->hr_args->json, run->hr_seen,
	    run->hr_args->clients, run->hr_interrupted) == -1)
		run->hr_rc = 1;
}

/* Settled: report, then keep the connections for --hold seconds. */
static void
hold_settled(struct hold_run *run)
{
	double		t = run->hr_args->hold;
	struct timeval	tv;

	hold_report_now(run);
	if (t <= 0) {
		event_base_loopexit(run->hr_base, NULL);
		return;
	}
	tv = time_seconds_to_timeval(t);
	evtimer_add(run->hr_end, &tv);
}

/* Every tick until settled: all done, quiet for --settle, or past --timeout. */
static void
hold_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hold_run		*run = arg;
	const struct load_args	*a = run->hr_args;
	uint64_t		 now = time_now_us();
	double			 settle = a->settle > 0 ? a->settle : ARGS_SETTLE_DEFAULT;
	struct timeval		 tv = { 0, HOLD_TICK_US };

	if (now - run->hr_t0 >= (uint64_t)(a->connect_timeout * 1e6))
		hold_expire_connects(run);
	if (hold_all_settled(run) || now - run->hr_t0 >= (uint64_t)(a->timeout * 1e6) ||
	    (!hold_connecting(run) && now - run->hr_last >= (uint64_t)(settle * 1e6))) {
		hold_settled(run);
		return;
	}
	evtimer_add(run->hr_tick, &tv);
}

/* --hold is over. */
static void
hold_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hold_run	*run = arg;

	event_base_loopexit(run->hr_base, NULL);
}

/* ^C or TERM: report now if not done yet, then close everything. */
static void
hold_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct hold_run	*run = arg;

	if (!run->hr_reported)
		run->hr_interrupted = 1;
	hold_report_now(run);
	event_base_loopexit(run->hr_base, NULL);
}

/* Free the connections and events; the base stays the caller's. */
static void
hold_teardown(struct hold_run *run)
{
	unsigned long	i;

	if (run->hr_conns != NULL) {
		for (i = 0; i < run->hr_args->clients; i++) {
			if (run->hr_conns[i].hc_bev != NULL)
				bufferevent_free(run->hr_conns[i].hc_bev);
		}
	}
	free(run->hr_conns);
	free(run->hr_seen);
	if (run->hr_tick != NULL)
		event_free(run->hr_tick);
	if (run->hr_end != NULL)
		event_free(run->hr_end);
	if (run->hr_sigint != NULL)
		event_free(run->hr_sigint);
	if (run->hr_sigterm != NULL)
		event_free(run->hr_sigterm);
}

/* Open, settle, report, keep; see hold.h. */
int
hold_run(struct event_base *base, const struct load_args *a, const char *req,
    size_t reqlen, FILE *out, char *err, size_t errlen)
{
	struct hold_run	 run;
	struct timeval	 tv = { 0, HOLD_TICK_US };
	unsigned long	 i, opened = 0;

	memset(&run, 0, sizeof(run));
	run.hr_base = base;
	run.hr_args = a;
	run.hr_req = req;
	run.hr_req_len = reqlen;
	run.hr_out = out;
	run.hr_conns = calloc(a->clients, sizeof(*run.hr_conns));
	run.hr_seen = calloc(a->clients, sizeof(*run.hr_seen));
	run.hr_tick = evtimer_new(base, hold_tick_cb, &run);
	run.hr_end = evtimer_new(base, hold_end_cb, &run);
	run.hr_sigint = evsignal_new(base, SIGINT, hold_signal_cb, &run);
	run.hr_sigterm = evsignal_new(base, SIGTERM, hold_signal_cb, &run);
	if (run.hr_conns == NULL || run.hr_seen == NULL || run.hr_tick == NULL ||
	    run.hr_end == NULL || run.hr_sigint == NULL || run.hr_sigterm == NULL) {
		snprintf(err, errlen, "out of memory");
		hold_teardown(&run);
		return (1);
	}
	evsignal_add(run.hr_sigint, NULL);
	evsignal_add(run.hr_sigterm, NULL);
	run.hr_t0 = run.hr_last = time_now_us();
	for (i = 0; i < a->clients; i++)
		hold_conn_start(&run, &run.hr_conns[i]);
	evtimer_add(run.hr_tick, &tv);
	event_base_dispatch(base);
	for (i = 0; i < a->clients; i++)
		opened += run.hr_seen[i].hs_state != HOLD_REFUSED &&
		    run.hr_seen[i].hs_state != HOLD_CONNECTING;
	hold_teardown(&run);
	if (opened == 0)
		snprintf(err, errlen, "no connection opened");
	return (opened == 0 ? 1 : run.hr_rc);
}

/* The body part of what a connection kept: after the blank line, or nothing. */
static const char *
hold_body(const struct hold_seen *hs, size_t *len)
{
	size_t	i;

	for (i = 0; i + 4 <= hs->hs_len; i++) {
		if (memcmp(hs->hs_bytes + i, "\r\n\r\n", 4) == 0) {
			*len = hs->hs_len - i - 4;
			return (hs->hs_bytes + i + 4);
		}
	}
	*len = 0;
	return ("");
}

/* Connections in each state, and replies by status (index 100..599). */
static void
hold_count(const struct hold_seen *seen, unsigned long n, unsigned long state[4],
    unsigned long status[600])
{
	unsigned long	i;

	memset(state, 0, 4 * sizeof(state[0]));
	memset(status, 0, 600 * sizeof(status[0]));
	for (i = 0; i < n; i++) {
		state[seen[i].hs_state]++;
		status[seen[i].hs_status]++;
	}
}

/* "answered": {"503": 100} and "bodies": {"503": "first such body"}. */
static void
hold_json_statuses(struct json *j, const struct hold_seen *seen, unsigned long n,
    const unsigned long status[600])
{
	char		 key[4];
	const char	*body;
	size_t		 len;
	unsigned long	 i;
	int		 s;

	json_key(j, "answered");
	json_object_begin(j);
	for (s = 100; s < 600; s++) {
		if (status[s] == 0)
			continue;
		snprintf(key, sizeof(key), "%d", s);
		json_key(j, key);
		json_uint(j, status[s]);
	}
	json_object_end(j);
	json_key(j, "bodies");
	json_object_begin(j);
	for (s = 100; s < 600; s++) {
		if (status[s] == 0)
			continue;
		for (i = 0; i < n && seen[i].hs_status != s; i++)
			;
		snprintf(key, sizeof(key), "%d", s);
		json_key(j, key);
		body = hold_body(&seen[i], &len);
		json_string(j, body, len);
	}
	json_object_end(j);
}

/* One JSON line (--json) or one line of text; -1 if it could not be built or written. */
int
hold_report(FILE *f, int json, const struct hold_seen *seen, unsigned long n,
    int interrupted)
{
	unsigned long	 state[4], status[600], answered;
	struct buf	 b;
	struct json	 j;

	hold_count(seen, n, state, status);
	answered = n - status[0];
	if (!json) {
		if (fprintf(f, "opened %lu, refused %lu, connecting %lu, answered %lu, "
		    "closed %lu, open %lu%s\n", state[HOLD_OPEN] + state[HOLD_CLOSED],
		    state[HOLD_REFUSED], state[HOLD_CONNECTING], answered,
		    state[HOLD_CLOSED], state[HOLD_OPEN],
		    interrupted ? " (interrupted)" : "") < 0 || fflush(f) != 0)
			return (-1);
		return (0);
	}
	buf_init(&b);
	json_init(&j, &b, 0);
	json_object_begin(&j);
	json_key(&j, "connections");
	json_uint(&j, n);
	json_key(&j, "opened");
	json_uint(&j, state[HOLD_OPEN] + state[HOLD_CLOSED]);
	json_key(&j, "refused");
	json_uint(&j, state[HOLD_REFUSED]);
	json_key(&j, "connecting");
	json_uint(&j, state[HOLD_CONNECTING]);
	json_key(&j, "closed");
	json_uint(&j, state[HOLD_CLOSED]);
	json_key(&j, "open");
	json_uint(&j, state[HOLD_OPEN]);
	hold_json_statuses(&j, seen, n, status);
	json_key(&j, "interrupted");
	json_bool(&j, interrupted);
	json_object_end(&j);
	return (report_write_line(f, &b));
}
