/* load: echofetch-load's main: limits, the run's schedule, signals and the summary. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "util/buf.h"
#include "util/err.h"
#include "load/args.h"
#include "load/client.h"
#include "load/hist.h"
#include "load/hold.h"
#include "load/report.h"
#include "load/sched.h"
#include "load/tls.h"
#include "util/time.h"

#define LOAD_SPARE_FDS	16	/* stdio, timeline, the event base's own */
#define LOAD_WATCH_US	50000	/* how often a worker thread looks for a stop */

static volatile sig_atomic_t	load_stopping;	/* ^C or TERM seen by the signal run */
static pid_t			load_children[ARGS_MAX_PROCS];
static unsigned long		load_nchildren;

static const char load_help[] =
"  -c, --clients N          concurrent connections (10)\n"
"  -n, --requests N         total requests (100 unless -d)\n"
"  -d, --duration T         run for T seconds (\"30\", \"500ms\", \"2m\")\n"
"  -k, --keepalive          reuse connections (the default)\n"
"      --no-keepalive       a new connection per request, Connection: close\n"
"      --rate R             open loop: start R requests/s in total; latency\n"
"                           counts from each request's intended start\n"
"  -t, --threads N          N event loops (threads), clients split, results merged\n"
"      --procs N            N processes of --threads loops each, results merged\n"
"      --target URL         one more target, repeatable: clients take them in turn\n"
"      --latency            percentile table (p50 to p99.99), mean and stdev\n"
"      --max-p99 MS         exit 99 if the 99th percentile is above MS\n"
"      --max-errors N       exit 99 if more than N requests failed\n"
"      --insecure           https: do not check the server's certificate\n"
"      --cacert FILE        https: trust the CA certificates in FILE\n"
"      --messages M         ws: M messages on each connection (-c)\n"
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
	return (sched_start(run->run_t0, run->run_args->rate / run->run_share, i));
}

/* Open-loop requests due by now. */
static unsigned long long
load_due(struct load_run *run, uint64_t now)
{
	return (sched_due(run->run_t0, run->run_args->rate / run->run_share, run->run_cap, now));
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
load_start(struct load_run *run, struct load_client *clt, uint64_t start, uint64_t now)
{
	run->run_issued++;
	run->run_inflight++;
	client_begin(clt, start, now);
}

/* Leave the loop once nothing may start and nothing is in flight. */
static void
load_check_end(struct load_run *run, uint64_t now)
{
	if (run->run_inflight == 0 && !load_more(run, now))
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
load_dispatch(struct load_run *run, struct load_client *clt, uint64_t now)
{
	if (!load_more(run, now)) {
		client_abandon(clt);
		return;
	}
	if (run->run_args->rate <= 0) {
		load_start(run, clt, now, now);
		return;
	}
	if (run->run_issued < load_due(run, now)) {
		load_start(run, clt, load_sched(run, run->run_issued), now);
		return;
	}
	run->run_idle[run->run_nidle++] = clt;
	load_rate_arm(run);
}

/* Called by a client after each request, whatever its outcome. */
void
load_client_idle(struct load_run *run, struct load_client *clt, uint64_t now)
{
	run->run_inflight--;
	load_dispatch(run, clt, now);
	load_check_end(run, now);
}

/* Start every request that is due, as far as parked clients go. */
static void
load_rate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load_run	*run = arg;
	uint64_t	 now = time_now_us();

	while (run->run_nidle > 0 && run->run_issued < load_due(run, now))
		load_start(run, run->run_idle[--run->run_nidle],
		    load_sched(run, run->run_issued), now);
	if (!load_more(run, now)) {
		load_drop_idle(run);
		load_check_end(run, now);
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
	load_check_end(run, time_now_us());
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

	load_stopping = 1;
	run->run_stats.interrupted = 1;
	run->run_ended = 1;
	run->run_nidle = 0;
	for (i = 0; i < run->run_nclients; i++)
		client_abandon(&run->run_clients[i]);
	run->run_inflight = 0;
	event_base_loopexit(run->run_base, NULL);
}

/* Worker threads get no signals: they stop when the signal run says so. */
static void
load_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	if (load_stopping)
		load_signal_cb(-1, 0, arg);
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

/* This worker's share of n when n is split over w workers: the first n % w get one more. */
static unsigned long long
load_part(unsigned long long n, unsigned long w, unsigned long idx)
{
	return (n / w + (idx < n % w ? 1 : 0));
}

/* Where worker idx of w starts in a split of n. */
static unsigned long long
load_part_first(unsigned long long n, unsigned long w, unsigned long idx)
{
	return (n / w * idx + (idx < n % w ? idx : n % w));
}

/* Events this run needs; the signal run (idx 0 of its process) takes ^C and TERM. */
static int
load_events(struct load_run *run, int signals)
{
	struct timeval	 one = { 1, 0 }, watch = { 0, LOAD_WATCH_US };

	run->run_rate_ev = evtimer_new(run->run_base, load_rate_cb, run);
	run->run_end_ev = evtimer_new(run->run_base, load_end_cb, run);
	run->run_progress_ev = event_new(run->run_base, -1, EV_PERSIST, load_progress_cb, run);
	if (run->run_rate_ev == NULL || run->run_end_ev == NULL || run->run_progress_ev == NULL)
		return (-1);
	if (!signals) {
		run->run_watch_ev = event_new(run->run_base, -1, EV_PERSIST, load_watch_cb, run);
		if (run->run_watch_ev == NULL)
			return (-1);
		evtimer_add(run->run_watch_ev, &watch);
		return (0);
	}
	run->run_sigint_ev = evsignal_new(run->run_base, SIGINT, load_signal_cb, run);
	run->run_sigterm_ev = evsignal_new(run->run_base, SIGTERM, load_signal_cb, run);
	if (run->run_sigint_ev == NULL || run->run_sigterm_ev == NULL)
		return (-1);
	evsignal_add(run->run_sigint_ev, NULL);
	evsignal_add(run->run_sigterm_ev, NULL);
	if (isatty(STDERR_FILENO) && !run->run_args->quiet && run->run_args->procs == 1)
		evtimer_add(run->run_progress_ev, &one);
	return (0);
}

/* Worker idx of w: its clients, timers and share of the requests; -1 and err on failure. */
static int
load_setup(struct load_run *run, const struct load_args *a, unsigned long idx,
    unsigned long w, int signals, char *err, size_t errlen)
{
	unsigned long	 i;

	run->run_args = a;
	run->run_head = strcmp(args_method(a), "HEAD") == 0;
	run->run_share = w;
	run->run_first = (unsigned long)load_part_first(a->clients, w, idx);
	run->run_nclients = (unsigned long)load_part(a->clients, w, idx);
	report_init(&run->run_stats);
	if ((run->run_base = load_base()) == NULL)
		return (err_set(err, errlen, "cannot create the event base"));
	run->run_clients = calloc(run->run_nclients, sizeof(*run->run_clients));
	run->run_idle = calloc(run->run_nclients, sizeof(*run->run_idle));
	if (run->run_clients == NULL || run->run_idle == NULL ||
	    load_events(run, signals) == -1)
		return (err_set(err, errlen, "out of memory"));
	for (i = 0; i < run->run_nclients; i++) {
		if (client_setup(&run->run_clients[i], run, run->run_first + i, err,
		    errlen) == -1)
			return (-1);
	}
	if (a->requests > 0)
		run->run_cap = load_part(a->requests, w, idx);
	else if (a->rate > 0)
		run->run_cap = load_part((unsigned long long)ceil(a->duration * a->rate), w, idx);
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
	for (i = 0; i < run->run_nclients; i++) {
		if (a->rate > 0)
			run->run_idle[run->run_nidle++] = &run->run_clients[run->run_nclients - 1 - i];
		else
			load_dispatch(run, &run->run_clients[i], time_now_us());
	}
	if (a->rate > 0)
		load_rate_cb(-1, 0, run);
	load_check_end(run, time_now_us());
	event_base_dispatch(run->run_base);
	run->run_stats.wall_s = (double)(time_now_us() - run->run_t0) / 1e6;
}

/* Free everything the run holds, connections first. */
static void
load_teardown(struct load_run *run)
{
	unsigned long	i;

	if (run->run_clients != NULL) {
		for (i = 0; i < run->run_nclients; i++)
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
	if (run->run_watch_ev != NULL)
		event_free(run->run_watch_ev);
	if (run->run_base != NULL)
		event_base_free(run->run_base);
}

/* Parse, check the fd limit, open the timeline: exit 2 on any of them, -1 to go on. */
static int
load_prepare(int argc, char *argv[], struct load_args *a, FILE **timeline)
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
	if (load_nofile(a->clients + LOAD_SPARE_FDS * a->threads, err, sizeof(err)) == -1) {
		fprintf(stderr, "echofetch-load: %s\n", err);
		return (2);
	}
	if (a->timeline != NULL) {
		if ((*timeline = fopen(a->timeline, "w")) == NULL) {
			fprintf(stderr, "echofetch-load: --timeline %s: %s\n", a->timeline,
			    strerror(errno));
			return (2);
		}
		setvbuf(*timeline, NULL, _IOFBF, 1 << 16);
		fprintf(*timeline, "client,start_s,end_s,status\n");
	}
	return (-1);
}

/*
 * Print the summary and choose the exit status: 1 if not one request got an
 * answer, 99 if a threshold failed (as k6 does), else 0.
 */
static int
load_finish(const struct load_args *a, struct load_stats *st, int progress)
{
	int	rc = 0;

	if (progress)
		report_progress_clear(stderr);
	if (a->json) {
		if (report_json(stdout, a, st) == -1)
			rc = 1;
	} else
		report_text(stdout, a, st);
	fflush(stdout);
	if (st->responses == 0) {
		fprintf(stderr, "echofetch-load: no request got a response\n");
		rc = 1;
	}
	if (report_thresholds(stderr, a, st) > 0 && rc == 0)
		rc = 99;
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

/* A worker thread: run its loop to the end. */
static void *
load_thread(void *arg)
{
	load_go(arg);
	return (NULL);
}

/*
 * One process's part, proc of a->procs: a->threads loops, the first on this
 * thread with the signals, merged into st. -1 and err if it could not start.
 */
static int
load_process(const struct load_args *a, unsigned long proc, struct buf *reqs, SSL_CTX *ssl,
    FILE *timeline, struct load_stats *st, int *progress, char *err, size_t errlen)
{
	struct load_run	*runs;
	pthread_t	 tids[ARGS_MAX_THREADS];
	sigset_t	 block, old;
	unsigned long	 i, w = a->threads * a->procs, started = 1;
	int		 rc = 0;

	if ((runs = calloc(a->threads, sizeof(*runs))) == NULL)
		return (err_set(err, errlen, "out of memory"));
	for (i = 0; i < a->threads && rc == 0; i++) {
		runs[i].run_reqs = reqs;
		runs[i].run_ssl = ssl;
		runs[i].run_timeline = timeline;
		rc = load_setup(&runs[i], a, proc * a->threads + i, w, i == 0, err, errlen);
	}
	if (rc == 0) {
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		for (; started < a->threads; started++) {
			if (pthread_create(&tids[started], NULL, load_thread, &runs[started]) != 0)
				break;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (started < a->threads)
			load_stopping = 1;
		load_go(&runs[0]);
		for (i = 1; i < started; i++)
			pthread_join(tids[i], NULL);
		report_init(st);
		for (i = 0; i < started; i++)
			report_merge(st, &runs[i].run_stats);
		*progress = runs[0].run_progress;
		if (started < a->threads)
			rc = err_set(err, errlen, "cannot start thread %lu", started);
	}
	for (i = 0; i < a->threads; i++)
		load_teardown(&runs[i]);
	free(runs);
	return (rc);
}

/* Parent of --procs: pass TERM and INT on to the children, which report as they stop. */
static void
load_forward(int sig)
{
	unsigned long	i;

	for (i = 0; i < load_nchildren; i++)
		kill(load_children[i], sig);
}

/* Read exactly len bytes; -1 on a short read. */
static int
load_read_all(int fd, void *p, size_t len)
{
	ssize_t	n;
	size_t	got = 0;

	while (got < len) {
		n = read(fd, (char *)p + got, len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		got += (size_t)n;
	}
	return (0);
}

/* A child of --procs: run its part, send its counts up the pipe, exit. */
static void
load_child(const struct load_args *a, unsigned long proc, struct buf *reqs, SSL_CTX *ssl,
    int fd)
{
	struct load_stats	*st;
	char			 err[ARGS_ERR_LEN];
	int			 progress, rc;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if ((st = malloc(sizeof(*st))) == NULL)
		_exit(1);
	rc = load_process(a, proc, reqs, ssl, NULL, st, &progress, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "echofetch-load: process %lu: %s\n", proc, err);
	else if (write(fd, st, sizeof(*st)) != (ssize_t)sizeof(*st))
		rc = -1;
	_exit(rc == 0 ? 0 : 1);
}

/* --procs N: fork the children, then merge what each sends; -1 and err if one failed. */
static int
load_procs(const struct load_args *a, struct buf *reqs, SSL_CTX *ssl, struct load_stats *st,
    char *err, size_t errlen)
{
	struct load_stats	*one;
	int			 fds[ARGS_MAX_PROCS], p[2], rc = 0, status;
	unsigned long		 i;

	if ((one = malloc(sizeof(*one))) == NULL)
		return (err_set(err, errlen, "out of memory"));
	fflush(stdout);
	fflush(stderr);
	signal(SIGINT, load_forward);
	signal(SIGTERM, load_forward);
	for (i = 0; i < a->procs; i++) {
		if (pipe(p) == -1 || (load_children[i] = fork()) == -1) {
			rc = err_set(err, errlen, "cannot start process %lu: %s", i,
			    strerror(errno));
			break;
		}
		if (load_children[i] == 0) {
			close(p[0]);
			load_child(a, i, reqs, ssl, p[1]);
		}
		close(p[1]);
		fds[i] = p[0];
		load_nchildren = i + 1;
	}
	report_init(st);
	for (i = 0; i < load_nchildren; i++) {
		if (load_read_all(fds[i], one, sizeof(*one)) == 0)
			report_merge(st, one);
		else if (rc == 0)
			rc = err_set(err, errlen, "process %lu sent no result", i);
		close(fds[i]);
		while (waitpid(load_children[i], &status, 0) == -1 && errno == EINTR)
			;
	}
	free(one);
	return (rc);
}

/* The bytes each target's requests send, and the TLS context if a target needs it. */
static int
load_targets(const struct load_args *a, struct buf **reqs, SSL_CTX **ssl, char *err,
    size_t errlen)
{
	size_t	i;

	if ((*reqs = calloc(a->ntargets, sizeof(**reqs))) == NULL)
		return (err_set(err, errlen, "out of memory"));
	for (i = 0; i < a->ntargets; i++) {
		buf_init(&(*reqs)[i]);
		client_build_request(a, &a->targets[i], &(*reqs)[i]);
		if ((*reqs)[i].oom)
			return (err_set(err, errlen, "out of memory"));
	}
	if (a->tls && (*ssl = tls_ctx_new(a, err, errlen)) == NULL)
		return (-1);
	return (0);
}

/* Only main exits: 0 done, 1 nothing answered, 2 bad arguments or limits, 99 a threshold. */
int
main(int argc, char *argv[])
{
	struct load_args	 a;
	struct load_stats	*st = NULL;
	struct buf		*reqs = NULL;
	SSL_CTX			*ssl = NULL;
	FILE			*timeline = NULL;
	char			 err[ARGS_ERR_LEN];
	int			 rc, progress = 0;
	size_t			 i;

	signal(SIGPIPE, SIG_IGN);
	if ((rc = load_prepare(argc, argv, &a, &timeline)) != -1) {
		args_free(&a);
		return (rc);
	}
	if ((rc = load_targets(&a, &reqs, &ssl, err, sizeof(err))) == 0 &&
	    (st = malloc(sizeof(*st))) == NULL)
		rc = err_set(err, sizeof(err), "out of memory");
	if (rc == 0 && a.hold_set)
		rc = load_hold(&a, &reqs[0]);
	else if (rc == 0) {
		if (a.procs > 1)
			rc = load_procs(&a, reqs, ssl, st, err, sizeof(err));
		else
			rc = load_process(&a, 0, reqs, ssl, timeline, st, &progress, err,
			    sizeof(err));
		if (timeline != NULL && fclose(timeline) != 0) {
			fprintf(stderr, "echofetch-load: --timeline %s: %s\n", a.timeline,
			    strerror(errno));
			rc = -1;
		}
		timeline = NULL;
		if (rc == 0)
			rc = load_finish(&a, st, progress);
	}
	if (rc == -1) {
		fprintf(stderr, "echofetch-load: %s\n", err);
		rc = 1;
	}
	if (timeline != NULL)
		fclose(timeline);
	for (i = 0; reqs != NULL && i < a.ntargets; i++)
		buf_free(&reqs[i]);
	free(reqs);
	free(st);
	if (ssl != NULL)
		SSL_CTX_free(ssl);
	args_free(&a);
	return (rc);
}
