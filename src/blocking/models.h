/* models: how echofetchd-blocking hands connections to threads of control. */
#ifndef EF_BLOCKING_MODELS_H
#define EF_BLOCKING_MODELS_H

#include <signal.h>

struct listeners;
struct server;

/* Set by SIGINT/SIGTERM; every loop checks it. */
extern volatile sig_atomic_t models_quit;

/* Install the signal handlers (no SA_RESTART) and ignore SIGPIPE. */
int	models_signals_init(void);
/* Serve with srv->srv_cfg->model until a signal; returns the exit status. */
int	models_run(struct server *, struct listeners *);

#endif
