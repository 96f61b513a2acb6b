/* fetch_pool: curl easy handles of finished transfers, kept for the next ones. */
#ifndef EF_FETCH_POOL_H
#define EF_FETCH_POOL_H

#include <curl/curl.h>

#define FETCH_POOL_MAX		8		/* idle easy handles a pool keeps */

/*
 * Easy handles of finished transfers, reset and handed to the next one:
 * one thread's only (an event worker's). The multi handle keeps the
 * upstream connections; this keeps curl's per-transfer allocations.
 */
struct fetch_pool {
	CURL		*easy[FETCH_POOL_MAX];
	unsigned int	 n;
};

/* A reset handle from the pool (pool may be NULL), else a new one; NULL: out of memory. */
CURL	*fetch_pool_get(struct fetch_pool *);
/*
 * Keep a handle whose transfer ended cleanly (reusable) if there is room
 * (pool may be NULL); else free it.
 */
void	 fetch_pool_put(struct fetch_pool *, CURL *, int reusable);
/* Free the idle handles of a pool. */
void	 fetch_pool_free(struct fetch_pool *);

#endif
