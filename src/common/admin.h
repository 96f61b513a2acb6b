/* admin: /events, /stats, /metrics and /dashboard on a thread of their own. */
#ifndef EF_ADMIN_H
#define EF_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/events.h"

struct admin;
struct config;

/*
 * Serve the admin listener fd (bound, non-blocking; the thread owns it) from
 * a thread with its own poll loop, so the numbers still come when every
 * worker of the model is busy. snapshot must be safe to call from any thread.
 * NULL with why in err.
 */
struct admin *admin_start(int fd, const struct config *, events_snapshot_fn, void *arg,
	    char *err, size_t);
/* Stop the thread and free everything, before what snapshot reads goes away. */
void	admin_stop(struct admin *);
/* This process's resident set, from /proc/self/statm; 0 if unknown. */
uint64_t admin_rss_bytes(void);
/* Connections waiting in a listening socket's accept queue; 0 if unknown. */
uint64_t admin_accept_queue(int fd);

#endif
