/* endpoint: /events and /dashboard, the live view of the counters. */
#include "autoconfig.h"

#include "core/config.h"
#include "core/dashboard.h"
#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/events.h"
#include "core/http.h"
#include "core/plan.h"

#define ENDPOINT_EVENTS_MS_DEFAULT	250

/*
 * Server-Sent Events of the counters, one message per events_interval_ms,
 * for about an hour (EventSource reconnects). Only an executor that can hold
 * the stream without holding up others streams it on its own port.
 */
void
endpoint_events(struct endpoint_call *call)
{
	struct events	*ev;
	unsigned int	 ms;
	int		 chunked = call->req->version != 10;

	if (!call->ctx->events_inline || call->ctx->stats_snapshot == NULL) {
		endpoint_fail(call, 404, "/events is served on admin_listen "
		    "by this server", NULL);
		return;
	}
	ms = call->ctx->cfg != NULL ? call->ctx->cfg->events_interval_ms :
	    ENDPOINT_EVENTS_MS_DEFAULT;
	if (ms == 0)
		ms = ENDPOINT_EVENTS_MS_DEFAULT;
	endpoint_head(call, 200, "text/event-stream",
	    chunked ? RESPONSE_CHUNKED : RESPONSE_UNTIL_CLOSE, 0, DASHBOARD_EXTRA);
	if (call->head_only)
		return;
	if ((ev = events_new(call->ctx->stats_snapshot, call->ctx->stats_arg,
	    ms)) == NULL) {
		plan_fail(call->plan);
		return;
	}
	plan_stream_produced(call->plan, EVENTS_STREAM_MS / ms, ms, chunked,
	    events_produce, events_produce_free, ev);
}

/* The page that draws /events; it comes with the binary. */
void
endpoint_dashboard(struct endpoint_call *call)
{
	endpoint_respond(call, 200, "text/html; charset=utf-8", DASHBOARD_EXTRA,
	    dashboard_html, dashboard_html_len);
}
