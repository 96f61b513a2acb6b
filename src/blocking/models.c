/* models: how echofetchd-blocking hands connections to threads of control. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blocking/echo.h"
#include "blocking/models.h"
#include "blocking/serve.h"
#include "common/sock.h"
#include "common/startup.h"
#include "common/udp_echo.h"
#include "core/config.h"
#include "core/log.h"
#include "core/stats.h"

#define MODELS_UDP_BATCH	64	/* datagrams echoed per wake-up */
#define MODELS_DRAIN_MS		1000	/* how long exit waits for busy threads */

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
	struct server		*mc_srv;
	enum models_kind	 mc_kind;
	int			 mc_fd;		/* the client, or a listener for a pool template */
	struct sockaddr_storage	 mc_peer;
};

typedef void (*models_dispatch_fn)(struct models_conn *);

volatile sig_atomic_t		 models_quit;
static volatile sig_atomic_t	 models_reap;
static unsigned int		 models_active;		/* connections, or fork children */
static int			 models_emfile_logged;
static struct listeners		*models_listeners;	/* fork children close them */
static struct models_conn	 models_templates[MODELS_NKINDS];	/* pool acceptors, UDP thread */

/* Only note the signal; every blocking call returns EINTR and the loops look. */
static void
models_on_signal(int sig)
{
	/* Lock-free atomics are async-signal-safe; other threads read these. */
	if (sig == SIGCHLD)
		__atomic_store_n(&models_reap, 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&models_quit, 1, __ATOMIC_RELAXED);
}

/* Every loop asks this before it blocks again. */
static int
models_quitting(void)
{
	return (__atomic_load_n(&models_quit, __ATOMIC_RELAXED) != 0);
}

/* The signals the main thread waits for and the workers never see. */
static void
models_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGCHLD);
}

/* Install one handler without SA_RESTART, so a signal interrupts accept, poll and read. */
static int
models_handle(int sig, void (*handler)(int), int flags)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	return (sigaction(sig, &sa, NULL));
}

/* SIGINT/SIGTERM stop the server; a dead client must not kill it with SIGPIPE. */
int
models_signals_init(void)
{
	if (models_handle(SIGINT, models_on_signal, 0) == -1 ||
	    models_handle(SIGTERM, models_on_signal, 0) == -1 ||
	    models_handle(SIGPIPE, SIG_IGN, 0) == -1)
		return (-1);
	return (0);
}

/*
 * Accept one client as a blocking, no-Nagle, close-on-exec socket. -1 if there
 * is none; out of descriptors pauses a second (logged once) instead of spinning.
 */
static int
models_accept(int lfd, struct sockaddr_storage *ss)
{
	struct timespec	 pause = { 1, 0 };
	socklen_t	 len = sizeof(*ss);
	char		 err[SOCK_ERR_LEN];
	int		 fd;

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
	if (sock_set_nonblock(fd, 0, err, sizeof(err)) == -1 ||
	    sock_set_nodelay(fd, err, sizeof(err)) == -1) {
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
	struct server	*srv = mc->mc_srv;

	switch (mc->mc_kind) {
	case MODELS_HTTP:
		serve_http(srv, mc->mc_fd, NULL, (struct sockaddr *)&mc->mc_peer);
		break;
	case MODELS_TLS_HTTP:
		serve_http(srv, mc->mc_fd, srv->srv_tls_http, (struct sockaddr *)&mc->mc_peer);
		break;
	case MODELS_ECHO:
		echo_serve(srv, mc->mc_fd, NULL);
		break;
	case MODELS_TLS_ECHO:
		echo_serve(srv, mc->mc_fd, srv->srv_tls_echo);
		break;
	case MODELS_UDP:
	case MODELS_NKINDS:
		break;
	}
	close(mc->mc_fd);
}

/*
 * Over the cap: a plain HTTP client still hears 503; echo and TLS clients are
 * just closed (a handshake would block whoever accepts, as echofetchd also closes).
 */
static void
models_reject(struct models_conn *mc)
{
	stats_add(&mc->mc_srv->srv_stats->conns_rejected, 1);
	if (mc->mc_kind == MODELS_HTTP)
		serve_reject(mc->mc_srv, mc->mc_fd, (struct sockaddr *)&mc->mc_peer);
	close(mc->mc_fd);
}

/* Count one more open connection, unless that passes max_connections. */
static int
models_conn_enter(const struct server *srv)
{
	unsigned int	 max = srv->srv_cfg->max_connections;

	if (__atomic_add_fetch(&models_active, 1, __ATOMIC_RELAXED) > max && max > 0) {
		__atomic_sub_fetch(&models_active, 1, __ATOMIC_RELAXED);
		return (0);
	}
	return (1);
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

	models_sigset(&block);
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
	nfds_t	 n = 0;

	if (l->http_fd != -1) {
		pfd[n].fd = l->http_fd;
		kind[n++] = MODELS_HTTP;
	}
	if (l->echo_fd != -1) {
		pfd[n].fd = l->echo_fd;
		kind[n++] = MODELS_ECHO;
	}
	if (l->tls_http_fd != -1) {
		pfd[n].fd = l->tls_http_fd;
		kind[n++] = MODELS_TLS_HTTP;
	}
	if (l->tls_echo_fd != -1) {
		pfd[n].fd = l->tls_echo_fd;
		kind[n++] = MODELS_TLS_ECHO;
	}
	if (with_udp && l->udp_fd != -1) {
		pfd[n].fd = l->udp_fd;
		kind[n++] = MODELS_UDP;
	}
	return (n);
}

/* Reap fork children so each frees its slot under max_connections. */
static void
models_reap_children(void)
{
	int	 status;

	__atomic_store_n(&models_reap, 0, __ATOMIC_RELAXED);
	while (waitpid(-1, &status, WNOHANG) > 0)
		models_conn_leave();
}

/*
 * Wait on the listeners and hand each new client to dispatch. The signals are
 * let in only inside ppoll and dispatch, so none is lost between a check and a wait.
 */
static int
models_poll_loop(struct server *srv, const struct listeners *l, int with_udp,
    models_dispatch_fn dispatch)
{
	struct pollfd		 pfd[MODELS_NKINDS];
	enum models_kind	 kind[MODELS_NKINDS];
	struct models_conn	 mc;
	sigset_t		 block, open;
	nfds_t			 n, i;
	int			 rc = 0;

	n = models_poll_set(l, with_udp, pfd, kind);
	models_sigset(&block);
	sigprocmask(SIG_BLOCK, &block, &open);
	while (!models_quitting()) {
		if (__atomic_load_n(&models_reap, __ATOMIC_RELAXED))
			models_reap_children();
		for (i = 0; i < n; i++)
			pfd[i].events = POLLIN;
		if (ppoll(pfd, n, NULL, &open) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			rc = 1;
			break;
		}
		for (i = 0; i < n && !models_quitting(); i++) {
			if (pfd[i].revents == 0)
				continue;
			if (kind[i] == MODELS_UDP) {
				(void)udp_echo_pump(pfd[i].fd, MODELS_UDP_BATCH, srv->srv_stats);
				continue;
			}
			mc.mc_srv = srv;
			mc.mc_kind = kind[i];
			if ((mc.mc_fd = models_accept(pfd[i].fd, &mc.mc_peer)) == -1)
				continue;
			sigprocmask(SIG_SETMASK, &open, NULL);
			dispatch(&mc);
			sigprocmask(SIG_BLOCK, &block, NULL);
		}
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

	if (!models_conn_enter(mc->mc_srv)) {
		models_reject(mc);
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

/* A fork child serves one client with default signals and no listeners. */
static void
models_child_init(void)
{
	(void)models_handle(SIGINT, SIG_DFL, 0);
	(void)models_handle(SIGTERM, SIG_DFL, 0);
	(void)models_handle(SIGCHLD, SIG_DFL, 0);
	startup_close_listeners(models_listeners);
}

/* Fork model: one child process per client; the parent counts them until reaped. */
static void
models_fork_dispatch(struct models_conn *mc)
{
	if (!models_conn_enter(mc->mc_srv)) {
		models_reject(mc);
		return;
	}
	switch (fork()) {
	case -1:
		log_warn("fork");
		models_conn_leave();
		break;
	case 0:
		models_child_init();
		models_serve(mc);
		_exit(0);
	default:
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
		(void)udp_echo_pump(mc->mc_fd, MODELS_UDP_BATCH, mc->mc_srv->srv_stats);
	}
	log_warn("udp echo thread: poll");
	return (NULL);
}

/* Start the UDP echo thread, if UDP echo is on. */
static int
models_udp_start(struct server *srv, const struct listeners *l)
{
	struct models_conn	*mc = &models_templates[MODELS_UDP];

	if (l->udp_fd == -1)
		return (0);
	mc->mc_srv = srv;
	mc->mc_kind = MODELS_UDP;
	mc->mc_fd = l->udp_fd;
	return (models_spawn(models_udp_main, mc));
}

/* A pool thread: block in accept() on one listener, serve the client, repeat. */
static void *
models_pool_main(void *arg)
{
	struct models_conn	 mc = *(struct models_conn *)arg;
	int			 lfd = mc.mc_fd;

	while (!models_quitting()) {
		if ((mc.mc_fd = models_accept(lfd, &mc.mc_peer)) == -1)
			continue;
		if (!models_conn_enter(mc.mc_srv)) {
			models_reject(&mc);
			continue;
		}
		models_serve(&mc);
		models_conn_leave();
	}
	return (NULL);
}

/* Make a listener blocking and start the pool's threads on it. */
static int
models_pool_start(struct server *srv, enum models_kind kind, int lfd)
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
	for (i = 0; i < srv->srv_cfg->pool_size; i++)
		if (models_spawn(models_pool_main, tmpl) == -1)
			return (-1);
	return (0);
}

/* Pool model: the threads accept; the main thread only waits for a signal. */
static int
models_pool_run(struct server *srv, struct listeners *l)
{
	sigset_t	 block, open;

	if (models_pool_start(srv, MODELS_HTTP, l->http_fd) == -1 ||
	    models_pool_start(srv, MODELS_ECHO, l->echo_fd) == -1 ||
	    models_pool_start(srv, MODELS_TLS_HTTP, l->tls_http_fd) == -1 ||
	    models_pool_start(srv, MODELS_TLS_ECHO, l->tls_echo_fd) == -1 ||
	    models_udp_start(srv, l) == -1)
		return (1);
	models_sigset(&block);
	sigprocmask(SIG_BLOCK, &block, &open);
	while (!models_quitting())
		sigsuspend(&open);
	sigprocmask(SIG_SETMASK, &open, NULL);
	/* Closing does not wake a thread blocked in accept(); shutdown does. */
	if (l->http_fd != -1)
		(void)shutdown(l->http_fd, SHUT_RDWR);
	if (l->echo_fd != -1)
		(void)shutdown(l->echo_fd, SHUT_RDWR);
	if (l->tls_http_fd != -1)
		(void)shutdown(l->tls_http_fd, SHUT_RDWR);
	if (l->tls_echo_fd != -1)
		(void)shutdown(l->tls_echo_fd, SHUT_RDWR);
	return (0);
}

/* Give busy threads a moment to finish, then leave without them. */
static void
models_drain(void)
{
	struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	unsigned int	 waited;

	for (waited = 0; waited < MODELS_DRAIN_MS; waited += 20) {
		if (__atomic_load_n(&models_active, __ATOMIC_RELAXED) == 0)
			return;
		nanosleep(&tick, NULL);
	}
	log_info("exiting with %u connection(s) still open",
	    __atomic_load_n(&models_active, __ATOMIC_RELAXED));
}

/* Run the configured model until SIGINT/SIGTERM, then stop accepting and return. */
int
models_run(struct server *srv, struct listeners *l)
{
	enum config_model	 model = srv->srv_cfg->model;
	int			 rc = 0;

	models_listeners = l;
	switch (model) {
	case CONFIG_MODEL_SEQUENTIAL:
		rc = models_poll_loop(srv, l, 1, models_serve);
		break;
	case CONFIG_MODEL_THREAD:
		if (models_udp_start(srv, l) == -1)
			rc = 1;
		else
			rc = models_poll_loop(srv, l, 0, models_thread_dispatch);
		break;
	case CONFIG_MODEL_FORK:
		if (models_handle(SIGCHLD, models_on_signal, SA_NOCLDSTOP) == -1)
			rc = 1;
		else
			rc = models_poll_loop(srv, l, 1, models_fork_dispatch);
		break;
	case CONFIG_MODEL_POOL:
		rc = models_pool_run(srv, l);
		break;
	}
	startup_close_listeners(l);
	if (model == CONFIG_MODEL_THREAD || model == CONFIG_MODEL_POOL)
		models_drain();
	return (rc);
}
