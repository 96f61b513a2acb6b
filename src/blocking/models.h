/* models: how echofetchd-blocking hands connections to threads of control. */
#ifndef EF_BLOCKING_MODELS_H
#define EF_BLOCKING_MODELS_H

struct listeners;
struct blocking_server;

/*
 * Serve with srv->bsrv_cfg->model until a stop signal, then drain (or cut at
 * shutdown_timeout_ms); the main thread handles every signal. Returns the
 * exit status.
 */
int	models_run(struct blocking_server *, struct listeners *);

#endif
