/* ws: the WebSocket protocol (RFC 6455): the opening handshake and framing, without I/O. */
#include "autoconfig.h"

#include <string.h>

#include <openssl/evp.h>

#include "core/http.h"
#include "core/ws.h"

/* RFC 6455 1.3: appended to the client's key before hashing. */
#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_LEN	24	/* base64 of 16 bytes */

static enum ws_event ws_fail(struct ws_parser *, int, const char *);

/* 1 if a comma-separated header (any of its lines) lists token, case-insensitively. */
static int
ws_header_has_token(const struct http_request *req, const char *name, const char *token)
{
	struct http_slice	 t;
	const char		*v, *end, *comma;
	unsigned int		 i;

	for (i = 0; i < req->nheaders; i++) {
		if (!http_slice_caseeq(req->headers[i].name, name))
			continue;
		v = req->headers[i].value.p;
		end = v + req->headers[i].value.len;
		while (v < end) {
			if ((comma = memchr(v, ',', (size_t)(end - v))) == NULL)
				comma = end;
			t.p = v;
			t.len = (size_t)(comma - v);
			while (t.len > 0 && (*t.p == ' ' || *t.p == '\t')) {
				t.p++;
				t.len--;
			}
			while (t.len > 0 && (t.p[t.len - 1] == ' ' || t.p[t.len - 1] == '\t'))
				t.len--;
			if (http_slice_caseeq(t, token))
				return (1);
			v = comma + 1;
		}
	}
	return (0);
}

/* 1 if a Sec-WebSocket-Key is 16 bytes in base64: 22 digits, then "==". */
static int
ws_key_valid(struct http_slice k)
{
	static const char	 digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 i;

	if (k.len != WS_KEY_LEN || k.p[22] != '=' || k.p[23] != '=')
		return (0);
	for (i = 0; i < 22; i++)
		if (k.p[i] == '\0' || strchr(digits, k.p[i]) == NULL)
			return (0);
	return (1);
}

/* RFC 6455 4.2.1, checked in the order a client most likely got wrong. */
int
ws_handshake_check(const struct http_request *req, int *status, const char **why,
    const char **key, size_t *keylen)
{
	const struct http_header	*h;

	*status = 400;
	if (req->method != HTTP_GET) {
		*why = "a WebSocket handshake must be a GET";
		return (-1);
	}
	if (!ws_header_has_token(req, "upgrade", "websocket")) {
		*status = 426;
		*why = "this endpoint speaks WebSocket only: send Upgrade: websocket";
		return (-1);
	}
	if (req->version != 11) {
		*why = "a WebSocket handshake needs HTTP/1.1";
		return (-1);
	}
	if (!ws_header_has_token(req, "connection", "upgrade")) {
		*why = "Connection must list upgrade";
		return (-1);
	}
	h = http_header_find(req, "sec-websocket-version");
	if (h == NULL || !http_slice_eq(h->value, "13")) {
		*status = 426;
		*why = "Sec-WebSocket-Version must be 13";
		return (-1);
	}
	h = http_header_find(req, "sec-websocket-key");
	if (h == NULL || !ws_key_valid(h->value)) {
		*why = "Sec-WebSocket-Key must be 16 bytes in base64 (24 characters)";
		return (-1);
	}
	*key = h->value.p;
	*keylen = h->value.len;
	return (0);
}

/* base64(SHA-1(key + GUID)), the proof that the server read the key. */
int
ws_accept_key(const char *key, size_t keylen, char *out)
{
	unsigned char	 in[WS_KEY_LEN + sizeof(WS_GUID)];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	if (keylen > WS_KEY_LEN)
		return (-1);
	memcpy(in, key, keylen);
	memcpy(in + keylen, WS_GUID, sizeof(WS_GUID) - 1);
	if (EVP_Digest(in, keylen + sizeof(WS_GUID) - 1, md, &mdlen, EVP_sha1(), NULL) != 1 ||
	    mdlen != 20)
		return (-1);
	if (EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen) != WS_ACCEPT_LEN)
		return (-1);
	return (0);
}

/* A parser waiting for its first frame. */
void
ws_parser_init(struct ws_parser *p, const struct ws_limits *lim)
{
	memset(p, 0, sizeof(*p));
	p->limits = *lim;
	buf_init(&p->msg);
}

/* Give back the message buffer. */
void
ws_parser_free(struct ws_parser *p)
{
	buf_free(&p->msg);
}

/*
 * Table 3-7 of Unicode: the second byte's range depends on the first, which
 * rules out overlong forms, surrogates and code points past U+10FFFF.
 */
int
ws_utf8_check(struct ws_utf8 *u, const unsigned char *s, size_t n)
{
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (u->need > 0) {
			if (c < u->lo || c > u->hi)
				return (0);
			u->need--;
			u->lo = 0x80;
			u->hi = 0xbf;
			continue;
		}
		if (c < 0x80)
			continue;
		u->lo = 0x80;
		u->hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			u->need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			u->need = 2;
			if (c == 0xe0)
				u->lo = 0xa0;
			else if (c == 0xed)
				u->hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			u->need = 3;
			if (c == 0xf0)
				u->lo = 0x90;
			else if (c == 0xf4)
				u->hi = 0x8f;
		} else
			return (0);
	}
	return (1);
}

/* Fail the connection: every later ws_feed says so again. */
static enum ws_event
ws_fail(struct ws_parser *p, int code, const char *why)
{
	p->close_code = code;
	p->error = why;
	return (WS_EV_ERROR);
}

/* The first two header bytes: what kind of frame, and how long its header is. */
static enum ws_event
ws_header_start(struct ws_parser *p)
{
	unsigned char	 b0 = p->hdr[0], b1 = p->hdr[1];
	unsigned int	 len7 = b1 & 0x7f;

	p->fin = (b0 & 0x80) != 0;
	p->opcode = b0 & 0x0f;
	if (b0 & 0x70)
		return (ws_fail(p, WS_CLOSE_PROTOCOL, "reserved bits set, no extension agreed"));
	switch (p->opcode) {
	case WS_OP_CONT:
		if (!p->msg_open)
			return (ws_fail(p, WS_CLOSE_PROTOCOL, "continuation without a message"));
		break;
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		if (p->msg_open)
			return (ws_fail(p, WS_CLOSE_PROTOCOL, "new message inside a fragmented one"));
		break;
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		if (!p->fin)
			return (ws_fail(p, WS_CLOSE_PROTOCOL, "fragmented control frame"));
		if (len7 > WS_CONTROL_MAX)
			return (ws_fail(p, WS_CLOSE_PROTOCOL, "control frame over 125 bytes"));
		break;
	default:
		return (ws_fail(p, WS_CLOSE_PROTOCOL, "unknown opcode"));
	}
	if (!(b1 & 0x80))
		return (ws_fail(p, WS_CLOSE_PROTOCOL, "client frames must be masked"));
	p->hdr_need = 2 + 4 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
	return (WS_EV_NEED_MORE);
}

/* A close frame's payload: no code, or a valid code and a UTF-8 reason. */
static enum ws_event
ws_close_parse(struct ws_parser *p)
{
	struct ws_utf8	 u = { 0, 0x80, 0xbf };
	int		 code;

	if (p->ctl_len == 0) {
		p->close_code = WS_CLOSE_NO_STATUS;
		return (WS_EV_CLOSE);
	}
	if (p->ctl_len == 1)
		return (ws_fail(p, WS_CLOSE_PROTOCOL, "close payload of one byte"));
	code = (p->ctl[0] << 8) | p->ctl[1];
	if (!((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
	    (code >= 3000 && code <= 4999)))
		return (ws_fail(p, WS_CLOSE_PROTOCOL, "invalid close code"));
	if (!ws_utf8_check(&u, p->ctl + 2, p->ctl_len - 2) || u.need != 0)
		return (ws_fail(p, WS_CLOSE_BAD_DATA, "close reason is not UTF-8"));
	p->close_code = code;
	return (WS_EV_CLOSE);
}

/* The frame's payload is all in: say what it meant, and ready the next header. */
static enum ws_event
ws_frame_end(struct ws_parser *p)
{
	p->hdr_len = p->hdr_need = 0;
	switch (p->opcode) {
	case WS_OP_PING:
		return (WS_EV_PING);
	case WS_OP_PONG:
		return (WS_EV_PONG);
	case WS_OP_CLOSE:
		return (ws_close_parse(p));
	default:
		break;
	}
	if (!p->fin)
		return (WS_EV_NEED_MORE);
	if (p->msg_opcode == WS_OP_TEXT && p->utf8.need != 0)
		return (ws_fail(p, WS_CLOSE_BAD_DATA, "text message is not UTF-8"));
	p->msg_open = 0;
	return (WS_EV_MESSAGE);
}

/* The whole header is in: its length against the limits, and the mask. */
static enum ws_event
ws_header_done(struct ws_parser *p)
{
	uint64_t	 len = p->hdr[1] & 0x7f;
	size_t		 i, n = p->hdr_need - 6;

	if (n > 0)
		for (len = 0, i = 0; i < n; i++)
			len = (len << 8) | p->hdr[2 + i];
	if (len >> 63)
		return (ws_fail(p, WS_CLOSE_PROTOCOL, "payload length over 2^63"));
	memcpy(p->mask, p->hdr + 2 + n, 4);
	p->len = len;
	p->got = 0;
	if (p->opcode & 0x8) {
		p->ctl_len = 0;
		return (len == 0 ? ws_frame_end(p) : WS_EV_NEED_MORE);
	}
	if (len > p->limits.frame_max)
		return (ws_fail(p, WS_CLOSE_TOO_BIG, "frame larger than ws_frame_max"));
	if (p->opcode != WS_OP_CONT) {
		buf_reset(&p->msg);
		p->msg_open = 1;
		p->msg_opcode = p->opcode;
		p->utf8.need = 0;
	}
	if (len > p->limits.message_max - p->msg.len)
		return (ws_fail(p, WS_CLOSE_TOO_BIG, "message larger than ws_message_max"));
	return (len == 0 ? ws_frame_end(p) : WS_EV_NEED_MORE);
}

/* Payload bytes, unmasked into the message or the control buffer. */
static enum ws_event
ws_payload(struct ws_parser *p, const unsigned char *s, size_t k)
{
	unsigned char	*dst;
	size_t		 i;

	if (p->opcode & 0x8)
		dst = p->ctl + p->ctl_len;
	else {
		buf_append(&p->msg, s, k);
		if (p->msg.oom)
			return (ws_fail(p, WS_CLOSE_INTERNAL, "out of memory"));
		dst = (unsigned char *)p->msg.data + p->msg.len - k;
	}
	for (i = 0; i < k; i++)
		dst[i] = s[i] ^ p->mask[(p->got + i) & 3];
	if (p->opcode & 0x8)
		p->ctl_len += k;
	else if (p->msg_opcode == WS_OP_TEXT && !ws_utf8_check(&p->utf8, dst, k))
		return (ws_fail(p, WS_CLOSE_BAD_DATA, "text message is not UTF-8"));
	p->got += k;
	return (p->got == p->len ? ws_frame_end(p) : WS_EV_NEED_MORE);
}

/* Header bytes one at a time (at most 14), payload bytes in runs. */
enum ws_event
ws_feed(struct ws_parser *p, const void *data, size_t len, size_t *used)
{
	const unsigned char	*s = data;
	enum ws_event		 ev = WS_EV_NEED_MORE;
	uint64_t		 left;
	size_t			 pos = 0, k;

	*used = 0;
	if (p->error != NULL)
		return (WS_EV_ERROR);
	while (pos < len && ev == WS_EV_NEED_MORE) {
		if (p->hdr_need == 0 || p->hdr_len < p->hdr_need) {
			p->hdr[p->hdr_len++] = s[pos++];
			if (p->hdr_len == 2)
				ev = ws_header_start(p);
			else if (p->hdr_len == p->hdr_need)
				ev = ws_header_done(p);
			continue;
		}
		left = p->len - p->got;
		k = left < len - pos ? (size_t)left : len - pos;
		ev = ws_payload(p, s + pos, k);
		pos += k;
	}
	*used = pos;
	return (ev);
}

/* Base header: FIN, the opcode, and the shortest length form (RFC 6455 5.2). */
void
ws_frame_head(struct buf *out, enum ws_opcode op, size_t len)
{
	unsigned char	 h[10];
	size_t		 n, i;

	h[0] = 0x80 | (unsigned char)op;
	if (len < 126) {
		h[1] = (unsigned char)len;
		n = 2;
	} else if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		n = 4;
	} else {
		h[1] = 127;
		for (i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
		n = 10;
	}
	buf_append(out, h, n);
}

/* A whole frame from the server; servers never mask. */
void
ws_frame(struct buf *out, enum ws_opcode op, const void *p, size_t len)
{
	ws_frame_head(out, op, len);
	if (len > 0)
		buf_append(out, p, len);
}

/* RFC 6455 5.5.1: the endpoint answering a close typically echoes its code. */
void
ws_close_answer(struct buf *out, int code)
{
	if (code == WS_CLOSE_NO_STATUS)
		ws_frame(out, WS_OP_CLOSE, NULL, 0);
	else
		ws_close_frame(out, code, NULL);
}

/* The code in network order, then as much of the reason as fits. */
void
ws_close_frame(struct buf *out, int code, const char *reason)
{
	unsigned char	 pl[WS_CONTROL_MAX];
	size_t		 n = reason != NULL ? strlen(reason) : 0;

	if (n > WS_CONTROL_MAX - 2)
		n = WS_CONTROL_MAX - 2;
	pl[0] = (unsigned char)(code >> 8);
	pl[1] = (unsigned char)code;
	if (n > 0)
		memcpy(pl + 2, reason, n);
	ws_frame(out, WS_OP_CLOSE, pl, n + 2);
}
