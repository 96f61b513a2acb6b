/* control: signals, the drain, and the configuration a SIGHUP can replace. */
#ifndef EF_BLOCKING_CONTROL_H
#define EF_BLOCKING_CONTROL_H

#include <signal.h>
#include <stddef.h>

#include "core/config.h"
#include "core/fetch.h"

struct blocking_server;

/*
 * One configuration as it was after start-up or a reload, never changed
 * once published: a connection holds a reference for one request (an echo
 * client for its whole stream), so a reload cannot tear what it reads.
 */
struct control_snap {
	struct config		 cs_cfg;
	struct fetch_settings	 cs_fetch;	/* the fetch policy made from cs_cfg */
	unsigned int		 cs_refs;	/* under control's lock */
};

/* What control_pending() reports, set by the signal handlers. */
#define CONTROL_RELOAD	0x1	/* SIGHUP */
#define CONTROL_STOP	0x2	/* SIGTERM, SIGINT or SIGQUIT */
#define CONTROL_REAP	0x4	/* SIGCHLD */
#define CONTROL_REOPEN	0x8	/* SIGUSR1: reopen the access log */
#define CONTROL_IGNORED	0x10	/* SIGUSR2: logged, nothing else */

/* Install the handlers (no SA_RESTART) for the signals of control_sigset; ignore SIGPIPE and co. */
int	control_signals_init(void);
/* The signals the main thread waits for in ppoll and every other thread blocks. */
void	control_sigset(sigset_t *);
/* Take the CONTROL_* flags set since the last call; *sig says which stop signal came. */
int	control_pending(int *sig);

/* The first configuration (with its fetch policy) and the drain pipe. -1 with why. */
int	control_init(const struct config *, int argc, char **argv, char *err, size_t);
/* The configuration to use now; give it back with control_snap_put. */
struct control_snap *control_snap_get(void);
void	control_snap_put(struct control_snap *);
/* SIGHUP: read the file and flags again; publish what may change live. */
void	control_reload(struct blocking_server *);

/* Draining from now on: every thread (and fork child) sees it. */
void	control_drain_begin(int sig, unsigned int active);
/* 1 once draining (in a fork child: once the parent said so or died). */
int	control_draining(void);
/* Readable once draining: poll it beside a client to end an idle wait. */
int	control_drain_fd(void);
/*
 * In a fork child: ignore the stop signals (the parent drains), reopen the
 * access log on SIGUSR1, and keep only the pipe's read end.
 */
void	control_child_init(void);

#endif
