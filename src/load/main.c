/* load: echofetch-load's main: limits, the run's schedule, signals and the summary. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/resource.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "util/buf.h"
#include "load/args.h"
#include "load/client.h"
#include "load/hist.h"
#include "load/hold.h"
#include "load/report.h"
#include "util/time.h"

#define LOAD_SPARE_FDS	16	/* stdio, timeline, the event base's own */

static struct load_run	load_run;

static const char load_help[] =
"  -c, --clients N          concurrent connections (10)\n"
"  -n, --requests N         total requests (100 unless -d)\n"
"  -d, --duration T         run for T seconds (\"30\", \"500ms\", \"2m\")\n"
"  -k, --keepalive          reuse connections (the default)\n"
"      --no-keepalive       a new connection per request, Connection: close\n"
"      --rate R             open loop: start R requests/s in total\n"
"      --payload BYTES      tcp echo size (64); for http, a generated body\n"
"      --slow-send BPS      trickle each request at BPS bytes/s per client\n"
"      --connect-timeout T  (5 s)\n"
"      --timeout T          per request, connect included (30 s)\n"
"  -m, --method M           (GET, or POST with a body)\n"
"  -H, --header 'N: v'      extra request header, repeatable\n"
"      --body S             request body\n"
"      --body-file F        request body from a file\n"
"      --json               one JSON summary object on stdout\n"
"      --timeline F.csv     one row per request: client,start_s,end_s,status\n"
"      --hold T             open -c connections and keep them T s once settled\n"
"                           (0: report and close; ^C or TERM ends it early)\n"
"      --send               with --hold: send the request once on each\n"
"      --settle T           with --hold: settled after T s without news (1 s)\n"
"  -q, --quiet              no progress line\n"
"  -h, --help               this text\n"
"  -v, --version            the version\n";

/* Raise the soft fd limit to the hard one (or past it, as root): each client is one fd. */
static int
load_nofile(unsigned long need, char *err, size_t errlen)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		snprintf(err, errlen, "getrlimit: %s", strerror(errno));
		return (-1);
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur >= need)
		return (0);
	if (rl.rlim_max < need) {
		struct rlimit	up = { need, need };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return (0);
	}
	snprintf(err, errlen, "need %lu open files, limit is %llu (raise ulimit -n)",
	    need, (unsigned long long)rl.rlim_cur);
	return (-1);
}

/* Scheduled start of the i-th open-loop request. */
static uint64_t
load_sched(struct load_run *run, unsigned long long i)
{
	return (run->run_t0 + (uint64_t)((double)i * 1e6 / run->run_args->rate));
}

/* Open-loop requests due by now: the first at t0, then one every 1/rate s. */
static unsigned long long
load_due(struct load_run *run, uint64_t now)
{
	unsigned long long	due;

	due = (unsigned long long)floor((double)(now - run->run_t0) *
	    run->run_args->rate / 1e6) + 1;
	return (run->run_cap > 0 && due > run->run_cap ? run->run_cap : due);
}

/* 1 while another request may start. */
static int
load_more(struct load_run *run, uint64_t now)
{
	if (run->run_ended)
		return (0);
	if (run->run_cap > 0)
		return (run->run_issued < run->run_cap);
	return (now < run->run_end);
}

/* Hand a client its next request. */
static void
load_start(struct load_run *run, struct load_client *clt, uint64_t start)
{
	run->run_issued++;
	run->run_inflight++;
	client_begin(clt, start);
}

/* Leave the loop once nothing may start and nothing is in flight. */
static void
load_check_end(struct load_run *run)
{
	if (run->run_inflight == 0 && !load_more(run, time_now_us()))
		event_base_loopexit(run->run_base, NULL);
}

/* Open loop: wake at the next scheduled start, if a client is free to take it. */
static void
load_rate_arm(struct load_run *run)
{
	uint64_t	now = time_now_us(), next;
	struct timeval	tv;

	if (run->run_nidle == 0 || !load_more(run, now))
		return;
	next = load_sched(run, run->run_issued);
	next = next > now ? next - now : 0;
	tv = time_us_to_timeval(next);
	evtimer_add(run->run_rate_ev, &tv);
}

/* Close every parked client: the schedule is over. */
static void
load_drop_idle(struct load_run *run)
{
	while (run->run_nidle > 0)
		client_abandon(run->run_idle[--run->run_nidle]);
}

/* Give a free client work now, or park it until the schedule says so. */
static void
load_dispatch(struct load_run *run, struct load_client *clt)
{
	uint64_t	now = time_now_us();

	if (!load_more(run, now)) {
		client_abandon(clt);
		return;
	}
	if (run->run_args->rate <= 0) {
		load_start(run, clt, now);
		return;
	}
	if (run->run_issued < load_due(run, now)) {
		load_start(run, clt, load_sched(run, run->run_issued));
		return;
	}
	run->run_idle[run->run_nidle++] = clt;
	load_rate_arm(run);
}

/* Called by a client after each request, whatever its outcome. */
void
load_client_idle(struct load_run *run, struct load_client *clt)
{
	run->run_inflight--;
	load_dispatch(run, clt);
	load_check_end(run);
}

/* Start every request that is due, as far as parked clients go. */
static void
load_rate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_run	*run = arg;
	uint64_t	 now = time_now_us();

	while (run->run_nidle > 0 && run->run_issued < load_due(run, now))
		load_start(run, run->run_idle[--run->run_nidle],
		    load_sched(run, run->run_issued));
	if (!load_more(run, now)) {
		load_drop_idle(run);
		load_check_end(run);
		return;
	}
	load_rate_arm(run);
}

/* -d is up: start nothing more; what is in flight may finish (bounded by --timeout). */
static void
load_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_run	*run = arg;

	run->run_ended = 1;
	load_drop_idle(run);
	load_check_end(run);
}

/* Once a second on a terminal, so a long run shows it is alive. */
static void
load_progress_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_run	*run = arg;

	report_progress(stderr, &run->run_stats,
	    (double)(time_now_us() - run->run_t0) / 1e6, run->run_inflight);
	run->run_progress = 1;
}

/* ^C or TERM: drop what is in flight and report what was done. */
static void
load_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct load_run	*run = arg;
	unsigned long	 i;

	run->run_stats.interrupted = 1;
	run->run_ended = 1;
	run->run_nidle = 0;
	for (i = 0; i < run->run_args->clients; i++)
		client_abandon(&run->run_clients[i]);
	run->run_inflight = 0;
	event_base_loopexit(run->run_base, NULL);
}

/* The event base with microsecond timers (timerfd), which --rate needs. */
static struct event_base *
load_base(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return (NULL);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return (base);
}

/* Clients, timers and signals; -1 and err if memory or libevent fail. */
static int
load_setup(struct load_run *run, const struct load_args *a, char *err, size_t errlen)
{
	struct timeval	 one = { 1, 0 };
	unsigned long	 i;

	run->run_args = a;
	report_init(&run->run_stats);
	if ((run->run_base = load_base()) == NULL) {
		snprintf(err, errlen, "cannot create the event base");
		return (-1);
	}
	run->run_clients = calloc(a->clients, sizeof(*run->run_clients));
	run->run_idle = calloc(a->clients, sizeof(*run->run_idle));
	run->run_rate_ev = evtimer_new(run->run_base, load_rate_cb, run);
	run->run_end_ev = evtimer_new(run->run_base, load_end_cb, run);
	run->run_progress_ev = event_new(run->run_base, -1, EV_PERSIST, load_progress_cb, run);
	run->run_sigint_ev = evsignal_new(run->run_base, SIGINT, load_signal_cb, run);
	run->run_sigterm_ev = evsignal_new(run->run_base, SIGTERM, load_signal_cb, run);
	if (run->run_clients == NULL || run->run_idle == NULL || run->run_rate_ev == NULL ||
	    run->run_end_ev == NULL || run->run_progress_ev == NULL ||
	    run->run_sigint_ev == NULL || run->run_sigterm_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	for (i = 0; i < a->clients; i++) {
		if (client_setup(&run->run_clients[i], run, i, err, errlen) == -1)
			return (-1);
	}
	evsignal_add(run->run_sigint_ev, NULL);
	evsignal_add(run->run_sigterm_ev, NULL);
	if (isatty(STDERR_FILENO) && !a->quiet)
		evtimer_add(run->run_progress_ev, &one);
	if (a->requests > 0)
		run->run_cap = a->requests;
	else if (a->rate > 0)
		run->run_cap = (unsigned long long)ceil(a->duration * a->rate);
	return (0);
}

/* Start the clock, give every client its first chance, and run the loop. */
static void
load_go(struct load_run *run)
{
	const struct load_args	*a = run->run_args;
	struct timeval		 tv;
	unsigned long		 i;

	run->run_t0 = time_now_us();
	run->run_end = run->run_t0 + (uint64_t)(a->duration * 1e6);
	if (a->duration > 0) {
		tv = time_seconds_to_timeval(a->duration);
		evtimer_add(run->run_end_ev, &tv);
	}
	for (i = 0; i < a->clients; i++) {
		if (a->rate > 0)
			run->run_idle[run->run_nidle++] = &run->run_clients[a->clients - 1 - i];
		else
			load_dispatch(run, &run->run_clients[i]);
	}
	if (a->rate > 0)
		load_rate_cb(-1, 0, run);
	load_check_end(run);
	event_base_dispatch(run->run_base);
	run->run_stats.wall_s = (double)(time_now_us() - run->run_t0) / 1e6;
}

/* Free everything the run holds, connections first. */
static void
load_teardown(struct load_run *run)
{
	unsigned long	i;

	if (run->run_clients != NULL) {
		for (i = 0; i < run->run_args->clients; i++)
			client_free(&run->run_clients[i]);
	}
	free(run->run_clients);
	free(run->run_idle);
	if (run->run_rate_ev != NULL)
		event_free(run->run_rate_ev);
	if (run->run_end_ev != NULL)
		event_free(run->run_end_ev);
	if (run->run_progress_ev != NULL)
		event_free(run->run_progress_ev);
	if (run->run_sigint_ev != NULL)
		event_free(run->run_sigint_ev);
	if (run->run_sigterm_ev != NULL)
		event_free(run->run_sigterm_ev);
	if (run->run_base != NULL)
		event_base_free(run->run_base);
}

/* Parse, check the fd limit, open the timeline: exit 2 on any of them. */
static int
load_prepare(int argc, char *argv[], struct load_args *a)
{
	char	err[ARGS_ERR_LEN + 64];

	if (args_parse(a, argc, argv, err, sizeof(err)) == -1) {
		fprintf(stderr, "echofetch-load: %s\n%s", err, args_usage());
		return (2);
	}
	if (a->help) {
		printf("%s\n%s", args_usage(), load_help);
		return (0);
	}
	if (a->version) {
		printf("echofetch-load %s\n", PACKAGE_VERSION);
		return (0);
	}
	if (load_nofile(a->clients + LOAD_SPARE_FDS, err, sizeof(err)) == -1) {
		fprintf(stderr, "echofetch-load: %s\n", err);
		return (2);
	}
	if (a->timeline != NULL) {
		if ((load_run.run_timeline = fopen(a->timeline, "w")) == NULL) {
			fprintf(stderr, "echofetch-load: --timeline %s: %s\n", a->timeline,
			    strerror(errno));
			return (2);
		}
		setvbuf(load_run.run_timeline, NULL, _IOFBF, 1 << 16);
		fprintf(load_run.run_timeline, "client,start_s,end_s,status\n");
	}
	return (-1);
}

/* Print the summary and choose the exit status: 1 if not one request got an answer. */
static int
load_finish(const struct load_args *a, struct load_run *run)
{
	struct load_stats	*st = &run->run_stats;
	int			 rc = 0;

	if (run->run_progress)
		report_progress_clear(stderr);
	if (run->run_timeline != NULL && fclose(run->run_timeline) != 0) {
		fprintf(stderr, "echofetch-load: --timeline %s: %s\n", a->timeline,
		    strerror(errno));
		rc = 1;
	}
	run->run_timeline = NULL;
	if (a->json) {
		if (report_json(stdout, a, st) == -1)
			rc = 1;
	} else
		report_text(stdout, a, st);
	if (st->responses == 0) {
		fprintf(stderr, "echofetch-load: no request got a response\n");
		rc = 1;
	}
	return (rc);
}

/* --hold instead of a request run: 0 when a connection opened, else 1. */
static int
load_hold(const struct load_args *a, const struct buf *req)
{
	struct event_base	*base;
	char			 err[ARGS_ERR_LEN];
	int			 rc;

	if ((base = load_base()) == NULL) {
		fprintf(stderr, "echofetch-load: cannot create the event base\n");
		return (1);
	}
	err[0] = '\0';
	rc = hold_run(base, a, req->data, req->len, stdout, err, sizeof(err));
	if (err[0] != '\0')
		fprintf(stderr, "echofetch-load: %s\n", err);
	event_base_free(base);
	return (rc);
}

/* Only main exits: 0 done, 1 nothing answered, 2 bad arguments or limits. */
int
main(int argc, char *argv[])
{
	struct load_args	a;
	struct buf		req;
	char			err[ARGS_ERR_LEN];
	int			rc;

	signal(SIGPIPE, SIG_IGN);
	if ((rc = load_prepare(argc, argv, &a)) != -1) {
		args_free(&a);
		return (rc);
	}
	buf_init(&req);
	client_build_request(&a, &req);
	if (a.hold_set && !req.oom) {
		rc = load_hold(&a, &req);
		buf_free(&req);
		args_free(&a);
		return (rc);
	}
	if (req.oom || load_setup(&load_run, &a, err, sizeof(err)) == -1) {
		fprintf(stderr, "echofetch-load: %s\n", req.oom ? "out of memory" : err);
		load_teardown(&load_run);
		buf_free(&req);
		args_free(&a);
		return (1);
	}
	load_run.run_req = req.data;
	load_run.run_req_len = req.len;
	load_go(&load_run);
	rc = load_finish(&a, &load_run);
	load_teardown(&load_run);
	buf_free(&req);
	args_free(&a);
	return (rc);
}
