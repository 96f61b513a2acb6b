/* control: signals, the drain, and the configuration a SIGHUP can replace. */
#include "autoconfig.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blocking/control.h"
#include "blocking/serve.h"
#include "common/daemon.h"
#include "common/startup.h"
#include "core/config.h"
#include "core/fetch.h"
#include "util/log.h"
#include "core/reload.h"

#define CONTROL_PROG	"echofetchd-blocking"

/* Set in handlers, taken by the main thread's loop; lock-free atomics only. */
static int			 control_flags;
static int			 control_stops;		/* stop signals so far */
static int			 control_stop_sig;
static int			 control_stops_seen;	/* main thread only */

static int			 control_draining_flag;
static int			 control_pipe[2] = { -1, -1 };
static int			 control_is_child;

/*
 * Why snapshots and not a lock around the live config: a thread blocks in
 * read() or a /delay while it uses the config, so a reader lock would hold a
 * reload back for minutes, and copying fields under a reader's feet tears the
 * strings (access_log, fetch_allow). A reload publishes a new copy instead;
 * each request takes the current one under this mutex (held for a pointer
 * copy) and the last request using an old one frees it.
 */
static pthread_mutex_t		 control_lock = PTHREAD_MUTEX_INITIALIZER;
static struct control_snap	*control_current;
static int			 control_argc;
static char			**control_argv;

/* Note the signal and return: the loops act on it, never the handler. */
static void
control_on_signal(int sig)
{
	int	 saved = errno;

	switch (sig) {
	case SIGHUP:
		__atomic_fetch_or(&control_flags, CONTROL_RELOAD, __ATOMIC_RELAXED);
		break;
	case SIGCHLD:
		__atomic_fetch_or(&control_flags, CONTROL_REAP, __ATOMIC_RELAXED);
		break;
	case SIGUSR1:
		__atomic_fetch_or(&control_flags, CONTROL_REOPEN, __ATOMIC_RELAXED);
		break;
	case SIGUSR2:
		__atomic_fetch_or(&control_flags, CONTROL_IGNORED, __ATOMIC_RELAXED);
		break;
	default:
		__atomic_store_n(&control_stop_sig, sig, __ATOMIC_RELAXED);
		__atomic_fetch_add(&control_stops, 1, __ATOMIC_RELAXED);
		__atomic_fetch_or(&control_flags, CONTROL_STOP, __ATOMIC_RELAXED);
		break;
	}
	errno = saved;
}

/* One handler without SA_RESTART, so a signal interrupts ppoll. */
static int
control_handle(int sig, void (*handler)(int), int flags)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	return (sigaction(sig, &sa, NULL));
}

/* The signals the main thread waits for; every other thread blocks them. */
void
control_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
}

/*
 * Stop, reload, reap, reopen the logs; ignore what a daemon must not die of
 * (a dead client's SIGPIPE among them).
 */
int
control_signals_init(void)
{
	startup_signals_ignore();
	if (control_handle(SIGUSR1, control_on_signal, 0) == -1 ||
	    control_handle(SIGUSR2, control_on_signal, 0) == -1 ||
	    control_handle(SIGINT, control_on_signal, 0) == -1 ||
	    control_handle(SIGTERM, control_on_signal, 0) == -1 ||
	    control_handle(SIGQUIT, control_on_signal, 0) == -1 ||
	    control_handle(SIGHUP, control_on_signal, 0) == -1 ||
	    control_handle(SIGCHLD, control_on_signal, SA_NOCLDSTOP) == -1)
		return (-1);
	return (0);
}

/*
 * Two stop signals before the loop looked still mean "again": the second
 * shows as CONTROL_STOP on the next call.
 */
int
control_pending(int *sig)
{
	int	 flags, stops;

	flags = __atomic_exchange_n(&control_flags, 0, __ATOMIC_RELAXED);
	stops = __atomic_load_n(&control_stops, __ATOMIC_RELAXED);
	*sig = __atomic_load_n(&control_stop_sig, __ATOMIC_RELAXED);
	if (stops > control_stops_seen) {
		flags |= CONTROL_STOP;
		control_stops_seen++;
		if (stops > control_stops_seen)
			__atomic_fetch_or(&control_flags, CONTROL_STOP, __ATOMIC_RELAXED);
	} else
		flags &= ~CONTROL_STOP;
	return (flags);
}

/* The start-up configuration becomes the first snapshot; the drain pipe is made once. */
int
control_init(const struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	struct control_snap	*cs;

	if ((cs = calloc(1, sizeof(*cs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	cs->cs_cfg = *cfg;
	if (fetch_settings_init(&cs->cs_fetch, cfg, err, errlen) == -1) {
		free(cs);
		return (-1);
	}
	if (pipe2(control_pipe, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(cs);
		return (-1);
	}
	cs->cs_refs = 1;	/* control's own */
	control_current = cs;
	control_argc = argc;
	control_argv = argv;
	return (0);
}

/* A reference to the configuration in force. */
struct control_snap *
control_snap_get(void)
{
	struct control_snap	*cs;

	pthread_mutex_lock(&control_lock);
	cs = control_current;
	cs->cs_refs++;
	pthread_mutex_unlock(&control_lock);
	return (cs);
}

/* The last user of a replaced configuration frees it. */
void
control_snap_put(struct control_snap *cs)
{
	int	 last;

	if (cs == NULL)
		return;
	pthread_mutex_lock(&control_lock);
	last = --cs->cs_refs == 0;
	pthread_mutex_unlock(&control_lock);
	if (last)
		free(cs);
}

/* SIGHUP in the main thread (the fork parent: children forked later inherit it). */
void
control_reload(struct blocking_server *srv)
{
	struct control_snap	*cur, *cs;
	struct config		 next;
	char			 restart[RELOAD_RESTART_LEN];

	daemon_notify("RELOADING=1");
	if (reload_read(&next, control_argc, control_argv, CONFIG_PROG_BLOCKING) == -1) {
		daemon_notify("READY=1");
		return;
	}
	if ((cs = malloc(sizeof(*cs))) == NULL) {
		log_warnx("reload: out of memory; keeping the running configuration");
		daemon_notify("READY=1");
		return;
	}
	/* The running snapshot with next's live keys. */
	cur = control_snap_get();
	cs->cs_cfg = cur->cs_cfg;
	cs->cs_fetch = cur->cs_fetch;
	cs->cs_refs = 1;
	reload_apply(&cs->cs_cfg, &cs->cs_fetch, &next, restart, sizeof(restart));
	serve_fetch_reload(srv->bsrv_fetch, &cs->cs_cfg);
	pthread_mutex_lock(&control_lock);
	control_current = cs;
	pthread_mutex_unlock(&control_lock);
	control_snap_put(cur);	/* control's reference to the old one */
	control_snap_put(cur);	/* ours */
	reload_done(restart, &next);
	daemon_notify("READY=1");
}

/*
 * From the main thread: say so, tell systemd, and make the pipe readable so
 * every idle wait (threads and fork children alike) ends now.
 */
void
control_drain_begin(int sig, unsigned int active)
{
	const struct control_snap	*cs = control_current;	/* main thread: stable */
	char				 b = 'q';

	log_info("signal %d: draining %u connection(s) (at most %u ms); signal again "
	    "to stop now", sig, active, cs->cs_cfg.shutdown_timeout_ms);
	daemon_notify("STOPPING=1");
	__atomic_store_n(&control_draining_flag, 1, __ATOMIC_RELEASE);
	if (control_pipe[1] != -1 && write(control_pipe[1], &b, 1) == -1)
		log_warn("drain pipe");
}

/* A fork child has no flag set by the parent, only the pipe to look at. */
int
control_draining(void)
{
	struct pollfd	 pfd;

	if (__atomic_load_n(&control_draining_flag, __ATOMIC_ACQUIRE))
		return (1);
	if (!control_is_child || control_pipe[0] == -1)
		return (0);
	pfd.fd = control_pipe[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) == 1) {
		__atomic_store_n(&control_draining_flag, 1, __ATOMIC_RELEASE);
		return (1);
	}
	return (0);
}

/* The pipe's read end: never read, so it stays readable for every poller. */
int
control_drain_fd(void)
{
	return (control_pipe[0]);
}

/*
 * A fork child's SIGUSR1, forwarded by the parent: it may sit in a blocking
 * call for minutes, so the reopen happens here, with async-signal-safe calls
 * only (SA_RESTART keeps most of those calls going).
 */
static void
control_child_on_reopen(int sig)
{
	int	 saved = errno;

	(void)log_access_reopen();
	errno = saved;
}

/*
 * A fork child finishes its client whatever signal the parent's group gets:
 * the parent decides, through the pipe (closed write end: a dead parent
 * reads as a drain too) or at its deadline with SIGKILL.
 */
void
control_child_init(void)
{
	sigset_t	 none;

	(void)control_handle(SIGINT, SIG_IGN, 0);
	(void)control_handle(SIGTERM, SIG_IGN, 0);
	(void)control_handle(SIGQUIT, SIG_IGN, 0);
	(void)control_handle(SIGHUP, SIG_IGN, 0);
	(void)control_handle(SIGCHLD, SIG_DFL, 0);
	(void)control_handle(SIGUSR2, SIG_IGN, 0);
	(void)control_handle(SIGUSR1, control_child_on_reopen, SA_RESTART);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	control_is_child = 1;
	if (control_pipe[1] != -1)
		close(control_pipe[1]);
	control_pipe[1] = -1;
}
