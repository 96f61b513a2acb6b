/* fetch_pool: curl easy handles of finished transfers, kept for the next ones. */
#ifndef EF_FETCH_POOL_H
#define EF_FETCH_POOL_H

#include <curl/curl.h>

#define FETCH_POOL_MAX		8		/* idle easy handles a pool keeps */

/*
 * Easy handles of finished transfers, handed to the next one: one
 * thread's only (an event worker's). The multi handle keeps the upstream
 * connections; this keeps curl's per-transfer allocations and the options
 * that come from the settings, so a transfer sets only its own.
 */
struct fetch_pool {
	CURL		*easy[FETCH_POOL_MAX];
	unsigned long	 gen[FETCH_POOL_MAX];	/* settings each is set up for; 0: none */
	unsigned int	 n;
};

/*
 * A handle from the pool (pool may be NULL), else a new one; NULL: out
 * of memory. *ready is 1 if its options are those of settings generation
 * gen already, else 0 and the handle is reset to curl's defaults.
 */
CURL	*fetch_pool_get(struct fetch_pool *, unsigned long gen, int *ready);
/*
 * Keep a handle whose transfer ended cleanly (reusable), set up for
 * settings generation gen (0: not fully), if there is room (pool may be
 * NULL); else free it.
 */
void	 fetch_pool_put(struct fetch_pool *, CURL *, unsigned long gen, int reusable);
/* Free the idle handles of a pool. */
void	 fetch_pool_free(struct fetch_pool *);

#endif
