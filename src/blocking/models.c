/* models: how echofetchd-blocking hands connections to threads of control. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blocking/control.h"
#include "blocking/echo.h"
#include "blocking/models.h"
#include "blocking/serve.h"
#include "common/daemon.h"
#include "common/sock.h"
#include "common/startup.h"
#include "common/udp_echo.h"
#include "core/config.h"
#include "core/exchange.h"
#include "util/log.h"
#include "core/stats.h"
#include "util/time.h"

#define MODELS_UDP_BATCH	64	/* datagrams echoed per wake-up */
#define MODELS_TICK_MS		20	/* how often a drain looks at the counts */

enum models_kind {
	MODELS_HTTP = 0,
	MODELS_ECHO,
	MODELS_TLS_HTTP,
	MODELS_TLS_ECHO,
	MODELS_UDP,
	MODELS_NKINDS
};

/* A connection on its way from accept() to whoever serves it. */
struct models_conn {
	struct blocking_server	*mc_srv;
	enum models_kind	 mc_kind;
	int			 mc_fd;		/* the client, or a listener for a pool template */
	struct sockaddr_storage	 mc_peer;
};

typedef void (*models_dispatch_fn)(struct models_conn *);

static unsigned int		 models_active;		/* connections, or fork children */
static unsigned int		 models_live;		/* pool and sequential threads running */
static int			 models_emfile_logged;
static struct listeners		*models_listeners;	/* fork children close them */
static struct models_conn	 models_templates[MODELS_NKINDS];	/* pool acceptors, UDP thread */
static pid_t			*models_pids;		/* fork children, for SIGKILL at the deadline */
static size_t			 models_npids, models_cappids;

/*
 * Accept one client as a blocking, no-Nagle, close-on-exec socket. -1 if there
 * is none; out of descriptors pauses a second (logged once) instead of spinning.
 */
static int
models_accept(int lfd, struct sockaddr_storage *ss)
{
	struct timespec		 pause = { 1, 0 };
	struct control_snap	*cs;
	socklen_t		 len = sizeof(*ss);
	char			 err[SOCK_ERR_LEN];
	size_t			 lowat;
	int			 fd;

	if ((fd = accept4(lfd, (struct sockaddr *)ss, &len, SOCK_CLOEXEC)) == -1) {
		switch (errno) {
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			if (!__atomic_exchange_n(&models_emfile_logged, 1, __ATOMIC_RELAXED))
				log_warn("accept: pausing for a second");
			nanosleep(&pause, NULL);
			break;
		case EAGAIN:
		case EINTR:
		case ECONNABORTED:
		case EINVAL:	/* listener shut down: quitting */
			break;
		default:
			log_warn("accept");
			break;
		}
		return (-1);
	}
	__atomic_store_n(&models_emfile_logged, 0, __ATOMIC_RELAXED);
	cs = control_snap_get();
	lowat = cs->cs_cfg.tcp_notsent_lowat;
	control_snap_put(cs);
	if (sock_set_nonblock(fd, 0, err, sizeof(err)) == -1 ||
	    sock_tune_client(fd, lowat, err, sizeof(err)) == -1) {
		log_debug("accepted socket: %s", err);
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Serve one connection to its end and close it; TLS differs only in how bytes move. */
static void
models_serve(struct models_conn *mc)
{
	struct blocking_server	*srv = mc->mc_srv;

	switch (mc->mc_kind) {
	case MODELS_HTTP:
		serve_http(srv, mc->mc_fd, NULL, (struct sockaddr *)&mc->mc_peer);
		break;
	case MODELS_TLS_HTTP:
		serve_http(srv, mc->mc_fd, srv->bsrv_tls_http, (struct sockaddr *)&mc->mc_peer);
		break;
	case MODELS_ECHO:
		echo_serve(srv, mc->mc_fd, NULL);
		break;
	case MODELS_TLS_ECHO:
		echo_serve(srv, mc->mc_fd, srv->bsrv_tls_echo);
		break;
	case MODELS_UDP:
	case MODELS_NKINDS:
		break;
	}
	close(mc->mc_fd);
}

/*
 * Over the cap: a plain HTTP client still hears 503 saying which key to
 * raise; echo and TLS clients are just closed (a handshake would block
 * whoever accepts, as echofetchd also closes).
 */
static void
models_reject(struct models_conn *mc, const char *why)
{
	stats_add(&mc->mc_srv->bsrv_stats->conns_rejected, 1);
	if (mc->mc_kind == MODELS_HTTP)
		serve_reject(mc->mc_srv, mc->mc_fd, (struct sockaddr *)&mc->mc_peer, why);
	close(mc->mc_fd);
}

/*
 * Count one more open connection: NULL if it fits, else why not. A fork
 * child or a thread per client costs far more than an event build's socket,
 * so those models have their own, smaller cap beside max_connections.
 */
static const char *
models_conn_enter(const struct blocking_server *srv)
{
	struct control_snap	*cs = control_snap_get();
	unsigned int		 max = cs->cs_cfg.max_connections, cap = 0, n;
	const char		*why = "too many connections (max_connections)";

	control_snap_put(cs);
	if (srv->bsrv_cfg->model == CONFIG_MODEL_FORK)
		cap = srv->bsrv_cfg->max_children;
	else if (srv->bsrv_cfg->model == CONFIG_MODEL_THREAD)
		cap = srv->bsrv_cfg->max_threads;
	if (cap > 0 && cap < max) {
		max = cap;
		why = srv->bsrv_cfg->model == CONFIG_MODEL_FORK ?
		    "too many connections (max_children)" :
		    "too many connections (max_threads)";
	}
	n = __atomic_add_fetch(&models_active, 1, __ATOMIC_RELAXED);
	if (n > max && max > 0) {
		__atomic_sub_fetch(&models_active, 1, __ATOMIC_RELAXED);
		return (why);
	}
	return (NULL);
}

/* A connection (or a child) is gone. */
static void
models_conn_leave(void)
{
	__atomic_sub_fetch(&models_active, 1, __ATOMIC_RELAXED);
}

/* Start a detached thread with the signals blocked, so only the main thread gets them. */
static int
models_spawn(void *(*fn)(void *), void *arg)
{
	pthread_attr_t	 attr;
	pthread_t	 tid;
	sigset_t	 block, old;
	int		 rc;

	control_sigset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if ((rc = pthread_attr_init(&attr)) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&tid, &attr, fn, arg);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		log_warnx("pthread_create: %s", strerror(rc));
	return (rc == 0 ? 0 : -1);
}

/* The listeners to poll; UDP only where no thread of its own echoes it. */
static nfds_t
models_poll_set(const struct listeners *l, int with_udp, struct pollfd *pfd,
    enum models_kind *kind)
{
	const int	 fds[MODELS_NKINDS] = {
		[MODELS_HTTP] = l->http_fd,
		[MODELS_ECHO] = l->echo_fd,
		[MODELS_TLS_HTTP] = l->tls_http_fd,
		[MODELS_TLS_ECHO] = l->tls_echo_fd,
		[MODELS_UDP] = with_udp ? l->udp_fd : -1,
	};
	nfds_t		 n = 0;
	int		 k;

	for (k = 0; k < MODELS_NKINDS; k++) {
		if (fds[k] == -1)
			continue;
		pfd[n].fd = fds[k];
		pfd[n].events = POLLIN;
		kind[n++] = (enum models_kind)k;
	}
	return (n);
}

/* Remember a fork child, so the deadline can find it; a full table only loses that. */
static void
models_pid_add(pid_t pid)
{
	pid_t	*p;
	size_t	 cap;

	if (models_npids == models_cappids) {
		cap = models_cappids == 0 ? 64 : models_cappids * 2;
		if ((p = reallocarray(models_pids, cap, sizeof(*p))) == NULL) {
			log_warnx("child %ld: out of memory to track it", (long)pid);
			return;
		}
		models_pids = p;
		models_cappids = cap;
	}
	models_pids[models_npids++] = pid;
}

/* Forget a reaped child. */
static void
models_pid_del(pid_t pid)
{
	size_t	 i;

	for (i = 0; i < models_npids; i++)
		if (models_pids[i] == pid) {
			models_pids[i] = models_pids[--models_npids];
			return;
		}
}

/* Reap fork children so each frees its slot under max_connections. */
static void
models_reap_children(void)
{
	pid_t	 pid;
	int	 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		models_pid_del(pid);
		models_conn_leave();
	}
}

/*
 * SIGUSR1: reopen the access log here, then have every fork child do the
 * same, since each holds its own copy of the descriptor; a child forked
 * later inherits the new file.
 */
static void
models_reopen_logs(void)
{
	size_t	 i;

	startup_reopen_logs(SIGUSR1);
	for (i = 0; i < models_npids; i++)
		(void)kill(models_pids[i], SIGUSR1);
}

/*
 * Out of time (the deadline, or a second signal): say how many were cut.
 * Fork children are killed and reaped; threads cannot be, so the process
 * leaves at once without running exit handlers under their feet.
 */
static void
models_cut(const char *why, enum config_model model)
{
	unsigned int	 left = __atomic_load_n(&models_active, __ATOMIC_RELAXED);
	size_t		 i;

	log_warnx("%s: cutting %u connection%s", why, left, left == 1 ? "" : "s");
	if (model != CONFIG_MODEL_FORK) {
		daemon_pidfile_remove();
		log_info("stopped");
		_exit(0);
	}
	for (i = 0; i < models_npids; i++)
		(void)kill(models_pids[i], SIGKILL);
	while (models_npids > 0 && waitpid(models_pids[0], NULL, 0) != -1)
		models_pid_del(models_pids[0]);
}

/*
 * Stop accepting for good: shutdown() refuses new connections at once and
 * wakes a pool thread blocked in accept(). Only the single-threaded fork
 * parent also closes them; elsewhere a thread may still poll the number.
 */
static void
models_listeners_stop(struct listeners *l, int do_close)
{
	int	*fds[4] = { &l->http_fd, &l->echo_fd, &l->tls_http_fd, &l->tls_echo_fd };
	size_t	 i;

	for (i = 0; i < 4; i++)
		if (*fds[i] != -1)
			(void)shutdown(*fds[i], SHUT_RDWR);
	if (do_close)
		startup_close_listeners(l);
}

/* Nothing left to wait for: no connection open and no pool or sequential thread busy. */
static int
models_idle(void)
{
	return (__atomic_load_n(&models_active, __ATOMIC_RELAXED) == 0 &&
	    __atomic_load_n(&models_live, __ATOMIC_RELAXED) == 0);
}

/* Accept from every listener poll found ready and hand each client on. */
static void
models_accept_ready(struct blocking_server *srv, struct pollfd *pfd, const enum models_kind *kind,
    nfds_t n, models_dispatch_fn dispatch)
{
	struct models_conn	 mc;
	nfds_t			 i;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (kind[i] == MODELS_UDP) {
			(void)udp_echo_pump(pfd[i].fd, MODELS_UDP_BATCH, srv->bsrv_stats);
			continue;
		}
		mc.mc_srv = srv;
		mc.mc_kind = kind[i];
		if ((mc.mc_fd = models_accept(pfd[i].fd, &mc.mc_peer)) != -1)
			dispatch(&mc);
	}
}

/* Begin the drain: how long it may take, and stop accepting. */
static uint64_t
models_drain_begin(struct blocking_server *srv, struct listeners *l, int sig)
{
	control_drain_begin(sig, __atomic_load_n(&models_active, __ATOMIC_RELAXED));
	models_listeners_stop(l, srv->bsrv_cfg->model == CONFIG_MODEL_FORK);
	return (time_now_ms() + srv->bsrv_cfg->shutdown_timeout_ms);
}

/* While draining, sleep at most a tick, and not past the deadline. */
static struct timespec *
models_drain_tick(uint64_t deadline, struct timespec *ts)
{
	uint64_t	 now = time_now_ms(), ms;

	ms = deadline > now ? deadline - now : 0;
	if (ms > MODELS_TICK_MS)
		ms = MODELS_TICK_MS;
	ts->tv_sec = 0;
	ts->tv_nsec = (long)ms * 1000000L;
	return (ts);
}

/*
 * The main thread: wait in ppoll, the only place the signals get in, so none
 * is lost between a check and a wait; act on them here, never in a handler.
 * With dispatch, also accept (thread and fork models); then drain to the end.
 */
static int
models_main_loop(struct blocking_server *srv, struct listeners *l, int with_udp,
    models_dispatch_fn dispatch)
{
	enum config_model	 model = srv->bsrv_cfg->model;
	struct pollfd		 pfd[MODELS_NKINDS];
	enum models_kind	 kind[MODELS_NKINDS];
	struct timespec		 ts, *tmo = NULL;
	sigset_t		 block, open;
	uint64_t		 deadline = 0, delay_until = 0;
	nfds_t			 n = 0;
	int			 ev, sig, stop_sig = 0, draining = 0, rc = 0;

	if (dispatch != NULL)
		n = models_poll_set(l, with_udp, pfd, kind);
	control_sigset(&block);
	sigprocmask(SIG_BLOCK, &block, &open);
	for (;;) {
		ev = control_pending(&sig);
		if (ev & CONTROL_REAP)
			models_reap_children();
		if (ev & CONTROL_RELOAD)
			control_reload(srv);
		if (ev & CONTROL_REOPEN)
			models_reopen_logs();
		if (ev & CONTROL_IGNORED)
			log_info("signal %d (SIGUSR2): ignored; SIGUSR1 reopens the logs, "
			    "SIGHUP reloads", SIGUSR2);
		if ((ev & CONTROL_STOP) && (draining || delay_until != 0)) {
			models_cut("signal again: stopping now", model);
			break;
		}
		if ((ev & CONTROL_STOP) && srv->bsrv_cfg->drain_delay_ms > 0) {
			/* Serve on, /health failing, until the balancer has noticed. */
			startup_health_fail(sig, srv->bsrv_cfg->drain_delay_ms);
			delay_until = time_now_ms() + srv->bsrv_cfg->drain_delay_ms;
			stop_sig = sig;
		} else if (ev & CONTROL_STOP)
			delay_until = time_now_ms();
		if (delay_until != 0 && time_now_ms() >= delay_until) {
			deadline = models_drain_begin(srv, l, (ev & CONTROL_STOP) ? sig :
			    stop_sig);
			delay_until = 0;
			draining = 1;
			n = 0;
		}
		if (delay_until != 0)
			tmo = models_drain_tick(delay_until, &ts);
		if (draining) {
			if (models_idle())
				break;
			if (time_now_ms() >= deadline) {
				models_cut("drain deadline passed", model);
				break;
			}
			tmo = models_drain_tick(deadline, &ts);
		}
		if (ppoll(pfd, n, tmo, &open) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			rc = 1;
			break;
		}
		if (!draining && n > 0)
			models_accept_ready(srv, pfd, kind, n, dispatch);
	}
	sigprocmask(SIG_SETMASK, &open, NULL);
	return (rc);
}

/* A thread model connection thread: serve, then give the slot back. */
static void *
models_thread_main(void *arg)
{
	struct models_conn	*mc = arg;

	models_serve(mc);
	models_conn_leave();
	free(mc);
	return (NULL);
}

/* Thread model: one detached thread per client. */
static void
models_thread_dispatch(struct models_conn *mc)
{
	struct models_conn	*copy;

	const char	*why;

	if ((why = models_conn_enter(mc->mc_srv)) != NULL) {
		models_reject(mc, why);
		return;
	}
	if ((copy = malloc(sizeof(*copy))) != NULL) {
		*copy = *mc;
		if (models_spawn(models_thread_main, copy) == 0)
			return;
		free(copy);
	} else
		log_warnx("client dropped: out of memory");
	close(mc->mc_fd);
	models_conn_leave();
}

/*
 * Fork model: one child process per client; the parent counts them until
 * reaped. A child ignores the stop signals and learns of a drain through the
 * pipe; its configuration is the parent's as of the fork.
 */
static void
models_fork_dispatch(struct models_conn *mc)
{
	pid_t	 pid;

	const char	*why;

	if ((why = models_conn_enter(mc->mc_srv)) != NULL) {
		models_reject(mc, why);
		return;
	}
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		models_conn_leave();
		break;
	case 0:
		control_child_init();
		startup_close_listeners(models_listeners);
		models_serve(mc);
		_exit(0);
	default:
		models_pid_add(pid);
		break;
	}
	close(mc->mc_fd);
}

/* Echo UDP on its own thread, so no TCP client can hold it up. */
static void *
models_udp_main(void *arg)
{
	struct models_conn	*mc = arg;
	struct pollfd		 pfd;

	pfd.fd = mc->mc_fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			break;
		(void)udp_echo_pump(mc->mc_fd, MODELS_UDP_BATCH, mc->mc_srv->bsrv_stats);
	}
	log_warn("udp echo thread: poll");
	return (NULL);
}

/* Start the UDP echo thread, if UDP echo is on. */
static int
models_udp_start(struct blocking_server *srv, const struct listeners *l)
{
	struct models_conn	*mc = &models_templates[MODELS_UDP];

	if (l->udp_fd == -1)
		return (0);
	mc->mc_srv = srv;
	mc->mc_kind = MODELS_UDP;
	mc->mc_fd = l->udp_fd;
	return (models_spawn(models_udp_main, mc));
}

/* Pool and sequential: serve one accepted client here, under max_connections. */
static void
models_serve_here(struct models_conn *mc)
{
	const char	*why;

	if ((why = models_conn_enter(mc->mc_srv)) != NULL) {
		models_reject(mc, why);
		return;
	}
	models_serve(mc);
	models_conn_leave();
}

/* A pool thread: block in accept() on one listener, serve the client, repeat. */
static void *
models_pool_main(void *arg)
{
	struct models_conn	 mc = *(struct models_conn *)arg;
	int			 lfd = mc.mc_fd;

	while (!control_draining()) {
		if ((mc.mc_fd = models_accept(lfd, &mc.mc_peer)) != -1)
			models_serve_here(&mc);
	}
	__atomic_sub_fetch(&models_live, 1, __ATOMIC_RELAXED);
	return (NULL);
}

/* Make a listener blocking and start the pool's threads on it. */
static int
models_pool_start(struct blocking_server *srv, enum models_kind kind, int lfd)
{
	struct models_conn	*tmpl = &models_templates[kind];
	char			 err[SOCK_ERR_LEN];
	unsigned int		 i;

	if (lfd == -1)
		return (0);
	if (sock_set_nonblock(lfd, 0, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return (-1);
	}
	tmpl->mc_srv = srv;
	tmpl->mc_kind = kind;
	tmpl->mc_fd = lfd;
	for (i = 0; i < srv->bsrv_cfg->pool_size; i++) {
		__atomic_add_fetch(&models_live, 1, __ATOMIC_RELAXED);
		if (models_spawn(models_pool_main, tmpl) == -1) {
			__atomic_sub_fetch(&models_live, 1, __ATOMIC_RELAXED);
			return (-1);
		}
	}
	return (0);
}

/* Pool model: the threads accept; the main thread only handles signals. */
static int
models_pool_run(struct blocking_server *srv, struct listeners *l)
{
	if (models_pool_start(srv, MODELS_HTTP, l->http_fd) == -1 ||
	    models_pool_start(srv, MODELS_ECHO, l->echo_fd) == -1 ||
	    models_pool_start(srv, MODELS_TLS_HTTP, l->tls_http_fd) == -1 ||
	    models_pool_start(srv, MODELS_TLS_ECHO, l->tls_echo_fd) == -1 ||
	    models_udp_start(srv, l) == -1)
		return (1);
	return (models_main_loop(srv, l, 0, NULL));
}

/*
 * The sequential model's one serving thread: one client at a time, UDP in
 * between, until the drain. It is a thread only so that the main thread
 * stays free for the signals, the reload and the drain deadline.
 */
static void *
models_seq_main(void *arg)
{
	struct blocking_server	*srv = arg;
	struct pollfd		 pfd[MODELS_NKINDS + 1];
	enum models_kind	 kind[MODELS_NKINDS];
	nfds_t			 n;

	n = models_poll_set(models_listeners, 1, pfd, kind);
	pfd[n].fd = control_drain_fd();
	pfd[n].events = POLLIN;
	while (!control_draining()) {
		if (poll(pfd, n + 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			break;
		}
		if (pfd[n].revents == 0)
			models_accept_ready(srv, pfd, kind, n, models_serve_here);
	}
	__atomic_sub_fetch(&models_live, 1, __ATOMIC_RELAXED);
	return (NULL);
}

/* Sequential model: one serving thread; the main thread handles signals. */
static int
models_seq_run(struct blocking_server *srv, struct listeners *l)
{
	__atomic_add_fetch(&models_live, 1, __ATOMIC_RELAXED);
	if (models_spawn(models_seq_main, srv) == -1) {
		__atomic_sub_fetch(&models_live, 1, __ATOMIC_RELAXED);
		return (1);
	}
	return (models_main_loop(srv, l, 0, NULL));
}

/* Run the configured model until a stop signal and its drain; returns the exit status. */
int
models_run(struct blocking_server *srv, struct listeners *l)
{
	int	 rc = 0;

	models_listeners = l;
	switch (srv->bsrv_cfg->model) {
	case CONFIG_MODEL_SEQUENTIAL:
		rc = models_seq_run(srv, l);
		break;
	case CONFIG_MODEL_THREAD:
		if (models_udp_start(srv, l) == -1)
			rc = 1;
		else
			rc = models_main_loop(srv, l, 0, models_thread_dispatch);
		break;
	case CONFIG_MODEL_FORK:
		rc = models_main_loop(srv, l, 1, models_fork_dispatch);
		break;
	case CONFIG_MODEL_POOL:
		rc = models_pool_run(srv, l);
		break;
	}
	startup_close_listeners(l);
	return (rc);
}
