/* fetch_pool: curl easy handles of finished transfers, kept for the next ones. */
#include "autoconfig.h"

#include <curl/curl.h>

#include "core/fetch_pool.h"

/*
 * The newest handle first, else a new one. One set up for other settings
 * (a reload) is reset rather than patched, so no old option survives.
 */
CURL *
fetch_pool_get(struct fetch_pool *pool, unsigned long gen, int *ready)
{
	CURL	*e;

	*ready = 0;
	if (pool == NULL || pool->n == 0)
		return (curl_easy_init());
	e = pool->easy[--pool->n];
	if (gen != 0 && pool->gen[pool->n] == gen)
		*ready = 1;
	else
		curl_easy_reset(e);
	return (e);
}

/*
 * Keep a handle for the next transfer if there is room; one whose
 * transfer was cut (cancelled, paused mid-way) is freed instead, so no
 * state of it can reach the next.
 */
void
fetch_pool_put(struct fetch_pool *pool, CURL *e, unsigned long gen, int reusable)
{
	if (pool != NULL && pool->n < FETCH_POOL_MAX && reusable) {
		pool->gen[pool->n] = gen;
		pool->easy[pool->n++] = e;
	} else
		curl_easy_cleanup(e);
}

/* Free the idle handles of a pool. */
void
fetch_pool_free(struct fetch_pool *pool)
{
	while (pool->n > 0)
		curl_easy_cleanup(pool->easy[--pool->n]);
}
