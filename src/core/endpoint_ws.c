/* endpoint_ws: /websocket/echo, the HTTP side of a WebSocket: the 101 or the refusal. */
#include "autoconfig.h"

#include <stdio.h>

#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/http.h"
#include "core/plan.h"
#include "core/ws.h"

/* RFC 9110 15.5.22: a 426 names the protocol to upgrade to. */
#define ENDPOINT_WS_426	"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"

/*
 * A good handshake gets its 101 and an UPGRADE step: the executor then
 * hands the connection to its WebSocket loop. A bad one is a JSON error.
 */
void
endpoint_websocket(struct endpoint_call *call)
{
	const char	*why, *key;
	char		 accept[WS_ACCEPT_LEN + 1], extra[128];
	size_t		 keylen;
	int		 status;

	if (call->ctx->draining) {
		endpoint_fail(call, 503, "shutting down: no new WebSocket connections", NULL);
		return;
	}
	if (ws_handshake_check(call->req, &status, &why, &key, &keylen) == -1) {
		endpoint_fail(call, status, why, status == 426 ? ENDPOINT_WS_426 : NULL);
		return;
	}
	if (ws_accept_key(key, keylen, accept) == -1) {
		plan_fail(call->plan);
		return;
	}
	snprintf(extra, sizeof(extra), "Upgrade: websocket\r\nSec-WebSocket-Accept: %s\r\n",
	    accept);
	endpoint_head(call, 101, NULL, RESPONSE_LENGTH, 0, extra);
	plan_upgrade(call->plan);
}
