/* events: the /events stream, one JSON message per tick from stats snapshots. */
#ifndef EF_EVENTS_H
#define EF_EVENTS_H

#include <stdint.h>

#include "util/buf.h"

struct stats;
struct stats_info;

/* Time between the first bytes of a stream and the browser's reconnect. */
#define EVENTS_RETRY_MS		1000
/* One stream lasts about this long; EventSource then reconnects on its own. */
#define EVENTS_STREAM_MS	(3600 * 1000)

typedef void	(*events_snapshot_fn)(void *arg, struct stats *, struct stats_info *);

struct events;

/* A stream's state: the last tick's counters, for rates and recent percentiles. */
struct events *events_new(events_snapshot_fn, void *arg, unsigned int interval_ms);
void	events_free(struct events *);
/* Append the next message, "data: {...}\n\n" (the first also says retry:). */
void	events_next(struct events *, uint64_t now_ms, struct buf *out);
/* As a plan's stream producer (plan_stream_produced): arg is a struct events. */
void	events_produce(void *arg, unsigned int i, struct buf *out);
void	events_produce_free(void *arg);

#endif
