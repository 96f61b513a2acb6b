/* fuzz_ws: the WebSocket frame parser, for libFuzzer and the corpus replay. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ws.h"
#include "fuzz.h"

/*
 * Input (after the "WS" that sends it here): one control byte, then the
 * bytes a client would send after its 101.
 *
 *	bits 0-3	piece size - 1 for the second feed
 *	bits 4-7	limits: frame_max 16 << (bits 4-5), message_max twice
 *			that << (bits 6-7)
 *
 * The stream is parsed twice, whole and in pieces; both must report the
 * same events with the same messages, and every message and close must
 * obey the rules the parser enforces. A broken invariant calls abort().
 */

#define FUZZ_WS_EVENTS_MAX	256

/* One event and what it carried, compared between the two feeds. */
struct fuzz_ws_event {
	enum ws_event	 ev;
	int		 code;
	int		 opcode;
	size_t		 len;
	uint64_t	 hash;
};

/* FNV-1a over what an event carried. */
static uint64_t
fuzz_ws_hash(const void *p, size_t len)
{
	const unsigned char	*s = p;
	uint64_t		 h = 0xcbf29ce484222325ULL;
	size_t			 i;

	for (i = 0; i < len; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return (h);
}

/* What the parser says must hold, whatever the input. */
static void
fuzz_ws_check(const struct ws_parser *p, enum ws_event ev)
{
	struct ws_utf8	 u = { 0, 0x80, 0xbf };

	if (p->msg.len > p->limits.message_max || p->ctl_len > WS_CONTROL_MAX)
		abort();
	switch (ev) {
	case WS_EV_MESSAGE:
		if (p->msg_opcode == WS_OP_TEXT &&
		    (!ws_utf8_check(&u, (const unsigned char *)p->msg.data, p->msg.len) ||
		    u.need != 0))
			abort();
		break;
	case WS_EV_CLOSE:
		if (p->close_code < 1000 || p->close_code > 4999)
			abort();
		break;
	case WS_EV_ERROR:
		if (p->error == NULL || (p->close_code != WS_CLOSE_PROTOCOL &&
		    p->close_code != WS_CLOSE_BAD_DATA && p->close_code != WS_CLOSE_TOO_BIG &&
		    p->close_code != WS_CLOSE_INTERNAL))
			abort();
		break;
	default:
		break;
	}
}

/* Feed the stream in pieces of `step` bytes; record the events. */
static size_t
fuzz_ws_run(const uint8_t *data, size_t size, size_t step, const struct ws_limits *lim,
    struct fuzz_ws_event *out)
{
	struct ws_parser	 p;
	enum ws_event		 ev;
	size_t			 off = 0, n, used, nev = 0;

	ws_parser_init(&p, lim);
	while (off < size && nev < FUZZ_WS_EVENTS_MAX) {
		n = size - off < step ? size - off : step;
		ev = ws_feed(&p, data + off, n, &used);
		if (used > n)
			abort();
		off += used;
		fuzz_ws_check(&p, ev);
		if (ev == WS_EV_NEED_MORE)
			continue;
		out[nev].ev = ev;
		out[nev].code = ev == WS_EV_CLOSE || ev == WS_EV_ERROR ? p.close_code : 0;
		out[nev].opcode = ev == WS_EV_MESSAGE ? p.msg_opcode : 0;
		out[nev].len = ev == WS_EV_MESSAGE ? p.msg.len : p.ctl_len;
		out[nev].hash = ev == WS_EV_MESSAGE ? fuzz_ws_hash(p.msg.data, p.msg.len) :
		    fuzz_ws_hash(p.ctl, p.ctl_len);
		nev++;
		if (ev == WS_EV_ERROR)
			break;
	}
	ws_parser_free(&p);
	return (nev);
}

/* Whole and in pieces must agree event for event. */
void
fuzz_ws(const uint8_t *data, size_t size)
{
	static struct fuzz_ws_event	 whole[FUZZ_WS_EVENTS_MAX], pieces[FUZZ_WS_EVENTS_MAX];
	struct ws_limits		 lim;
	size_t				 nw, np;
	unsigned char			 ctl;

	if (size < 1)
		return;
	ctl = data[0];
	lim.frame_max = (size_t)16 << ((ctl >> 4) & 3);
	lim.message_max = lim.frame_max * 2 << ((ctl >> 6) & 3);
	memset(whole, 0, sizeof(whole));
	memset(pieces, 0, sizeof(pieces));
	nw = fuzz_ws_run(data + 1, size - 1, size, &lim, whole);
	np = fuzz_ws_run(data + 1, size - 1, (size_t)(ctl & 0x0f) + 1, &lim, pieces);
	/* The whole feed may stop early at FUZZ_WS_EVENTS_MAX just as the other. */
	if (nw != np || memcmp(whole, pieces, nw * sizeof(whole[0])) != 0)
		abort();
}
