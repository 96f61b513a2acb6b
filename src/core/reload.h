/* reload: what both executors do on SIGHUP, written once. */
#ifndef EF_RELOAD_H
#define EF_RELOAD_H

#include <stddef.h>

struct config;
struct fetch_settings;

#define RELOAD_RESTART_LEN	512	/* room for every restart-only key's name */

/*
 * A reload in three calls, the executor handing the result to its workers
 * between them:
 *
 *	reload_read(&next, ...)              -1: keep running as is (logged)
 *	reload_apply(&live, &fetch, &next, restart, ...)   for each copy in force
 *	reload_done(restart, &next)
 */

/*
 * Read the configuration again as at start-up and apply what is the
 * process's own (log level, access log). -1, logged, if it does not parse.
 */
int	reload_read(struct config *next, int argc, char **argv, int prog);
/*
 * Fold next's live keys into *cfg and rebuild *fetch from them (a fetch
 * policy that fails keeps *fetch, logged). restart names the restart-only
 * keys whose value differs, "" if none.
 */
void	reload_apply(struct config *cfg, struct fetch_settings *fetch,
	    const struct config *next, char *restart, size_t restartlen);
/* Say what the reload could not apply, and that it is done. */
void	reload_done(const char *restart, const struct config *next);

#endif
