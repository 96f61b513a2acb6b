/* fetch_pool: curl easy handles of finished transfers, kept for the next ones. */
#include "autoconfig.h"

#include <curl/curl.h>

#include "core/fetch_pool.h"

/* A reset handle from the pool, else a new one; NULL: out of memory. */
CURL *
fetch_pool_get(struct fetch_pool *pool)
{
	CURL	*e;

	if (pool == NULL || pool->n == 0)
		return (curl_easy_init());
	e = pool->easy[--pool->n];
	curl_easy_reset(e);
	return (e);
}

/*
 * Keep a handle for the next transfer if there is room; one whose
 * transfer was cut (cancelled, paused mid-way) is freed instead, so no
 * state of it can reach the next.
 */
void
fetch_pool_put(struct fetch_pool *pool, CURL *e, int reusable)
{
	if (pool != NULL && pool->n < FETCH_POOL_MAX && reusable)
		pool->easy[pool->n++] = e;
	else
		curl_easy_cleanup(e);
}

/* Free the idle handles of a pool. */
void
fetch_pool_free(struct fetch_pool *pool)
{
	while (pool->n > 0)
		curl_easy_cleanup(pool->easy[--pool->n]);
}
