/* test_ws: the WebSocket handshake check, the accept key, and the frame parser and writer. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/buf.h"
#include "core/http.h"
#include "core/ws.h"

#define WS_TEST_KEY	"dGhlIHNhbXBsZSBub25jZQ=="

/* A client frame: FIN and opcode, masked with 01 02 03 04 unless told not to. */
static void
frame(struct buf *b, int fin, int op, const void *p, size_t len, int masked)
{
	static const unsigned char mask[4] = { 1, 2, 3, 4 };
	unsigned char	 h[14];
	size_t		 n = 2, i;

	h[0] = (unsigned char)((fin ? 0x80 : 0) | op);
	if (len < 126)
		h[1] = (unsigned char)len;
	else if (len <= 0xffff) {
		h[1] = 126;
		h[n++] = (unsigned char)(len >> 8);
		h[n++] = (unsigned char)len;
	} else {
		h[1] = 127;
		for (i = 0; i < 8; i++)
			h[n++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	}
	if (masked) {
		h[1] |= 0x80;
		memcpy(h + n, mask, 4);
		n += 4;
	}
	buf_append(b, h, n);
	for (i = 0; i < len; i++)
		buf_append_char(b, (char)(((const unsigned char *)p)[i] ^ (masked ? mask[i & 3] : 0)));
}

/* Limits for most tests: 1000-byte frames, 2000-byte messages. */
static void
parser(struct ws_parser *p)
{
	struct ws_limits	 lim = { 1000, 2000 };

	ws_parser_init(p, &lim);
}

/* Feed all of b (in pieces of `step`, 0: whole); the events in order into ev. */
static size_t
feed(struct ws_parser *p, const struct buf *b, size_t step, enum ws_event *ev, size_t max)
{
	size_t		 off = 0, n, used, nev = 0;
	enum ws_event	 e;

	while (off < b->len && nev < max) {
		n = step == 0 || b->len - off < step ? b->len - off : step;
		e = ws_feed(p, b->data + off, n, &used);
		off += used;
		if (e != WS_EV_NEED_MORE)
			ev[nev++] = e;
		if (e == WS_EV_ERROR)
			break;
	}
	return (nev);
}

/* The example of RFC 6455 1.3. */
static void
test_accept_key(void **state)
{
	char	 out[WS_ACCEPT_LEN + 1];

	assert_int_equal(ws_accept_key(WS_TEST_KEY, strlen(WS_TEST_KEY), out), 0);
	out[WS_ACCEPT_LEN] = '\0';
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(ws_accept_key("x", 25, out), -1);
}

/* Parse a request head and run the handshake check on it. */
static int
check(const char *raw, int *status, const char **why)
{
	struct http_parser	 hp;
	struct http_limits	 lim;
	const char		*key;
	size_t			 used, keylen;
	int			 rc;

	http_limits_default(&lim);
	http_parser_init(&hp, &lim);
	assert_int_equal(http_parser_feed(&hp, raw, strlen(raw), &used), HTTP_PARSE_DONE);
	*status = 0;
	rc = ws_handshake_check(&hp.req, status, why, &key, &keylen);
	if (rc == 0)
		assert_memory_equal(key, WS_TEST_KEY, keylen);
	http_parser_free(&hp);
	return (rc);
}

/* What a client can get wrong, and the status that says so. */
static void
test_handshake(void **state)
{
	const char	*why;
	int		 status;

	assert_int_equal(check("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\n"
	    "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: " WS_TEST_KEY "\r\n\r\n", &status, &why), 0);
	/* tokens over two lines */
	assert_int_equal(check("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n"
	    "Upgrade:  websocket \r\nConnection: keep-alive\r\nConnection: upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " WS_TEST_KEY "\r\n\r\n",
	    &status, &why), 0);
	assert_int_equal(check("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &status, &why), -1);
	assert_int_equal(status, 426);
	assert_non_null(strstr(why, "Upgrade: websocket"));
	assert_int_equal(check("POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Content-Length: 0\r\n\r\n", &status, &why), -1);
	assert_int_equal(status, 400);
	assert_int_equal(check("GET / HTTP/1.0\r\nUpgrade: websocket\r\n\r\n",
	    &status, &why), -1);
	assert_int_equal(status, 400);
	assert_int_equal(check("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: keep-alive\r\n\r\n", &status, &why), -1);
	assert_int_equal(status, 400);
	assert_non_null(strstr(why, "Connection"));
	assert_int_equal(check("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: upgrade\r\nSec-WebSocket-Version: 8\r\n\r\n", &status, &why), -1);
	assert_int_equal(status, 426);
	assert_non_null(strstr(why, "13"));
	assert_int_equal(check("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=\r\n\r\n", &status, &why), -1);
	assert_int_equal(status, 400);
	assert_non_null(strstr(why, "Sec-WebSocket-Key"));
	assert_int_equal(check("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j!Q==\r\n\r\n", &status, &why), -1);
}

/* Text and binary, whole or a byte at a time, with 7-, 16- and 64-bit lengths. */
static void
test_messages(void **state)
{
	static const size_t sizes[] = { 0, 5, 125, 126, 1000, 70000 };
	struct ws_parser p;
	struct ws_limits lim = { 100000, 100000 };
	struct buf	 b, payload;
	enum ws_event	 ev[4];
	size_t		 i, step;

	buf_init(&b);
	buf_init(&payload);
	for (i = 0; i < 70000; i++)
		buf_append_char(&payload, (char)('a' + i % 26));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (step = 0; step < 2; step++) {
			ws_parser_init(&p, &lim);
			buf_reset(&b);
			frame(&b, 1, i % 2 ? WS_OP_BINARY : WS_OP_TEXT, payload.data, sizes[i], 1);
			assert_int_equal(feed(&p, &b, step, ev, 4), 1);
			assert_int_equal(ev[0], WS_EV_MESSAGE);
			assert_int_equal(p.msg_opcode, i % 2 ? WS_OP_BINARY : WS_OP_TEXT);
			assert_int_equal(p.msg.len, sizes[i]);
			if (sizes[i] > 0)
				assert_memory_equal(p.msg.data, payload.data, sizes[i]);
			ws_parser_free(&p);
		}
	}
	buf_free(&b);
	buf_free(&payload);
}

/* Fragments join into one message; a ping may come between them; UTF-8 may split. */
static void
test_fragments(void **state)
{
	struct ws_parser p;
	struct buf	 b;
	enum ws_event	 ev[4];

	parser(&p);
	buf_init(&b);
	frame(&b, 0, WS_OP_TEXT, "caf\xc3", 4, 1);
	frame(&b, 1, WS_OP_PING, "hi", 2, 1);
	frame(&b, 0, WS_OP_CONT, "\xa9 ", 2, 1);
	frame(&b, 1, WS_OP_CONT, "ok", 2, 1);
	assert_int_equal(feed(&p, &b, 1, ev, 4), 2);
	assert_int_equal(ev[0], WS_EV_PING);
	assert_int_equal(ev[1], WS_EV_MESSAGE);
	assert_int_equal(p.msg.len, 8);
	assert_memory_equal(p.msg.data, "caf\xc3\xa9 ok", 8);
	/* the next message starts afresh */
	buf_reset(&b);
	frame(&b, 1, WS_OP_BINARY, "\xff", 1, 1);
	assert_int_equal(feed(&p, &b, 0, ev, 4), 1);
	assert_int_equal(p.msg.len, 1);
	assert_int_equal(p.msg_opcode, WS_OP_BINARY);
	ws_parser_free(&p);
	buf_free(&b);
}

/* One bad input: the event is an error with this close code, and it sticks. */
static void
expect_error(const struct buf *b, int code)
{
	struct ws_parser p;
	enum ws_event	 ev[4];
	size_t		 n, used;

	parser(&p);
	n = feed(&p, b, 0, ev, 4);
	assert_true(n >= 1);
	assert_int_equal(ev[n - 1], WS_EV_ERROR);
	assert_int_equal(p.close_code, code);
	assert_non_null(p.error);
	assert_int_equal(ws_feed(&p, "\x81", 1, &used), WS_EV_ERROR);
	assert_int_equal(used, 0);
	ws_parser_free(&p);
}

/* RFC 6455 5.1-5.5: what a client must not send, and 1002 for each. */
static void
test_protocol_errors(void **state)
{
	struct buf	 b;
	char		 big[126];

	memset(big, 'x', sizeof(big));
	buf_init(&b);
	frame(&b, 1, WS_OP_TEXT, "hi", 2, 0);		/* unmasked */
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	frame(&b, 1, WS_OP_TEXT | 0x40, "hi", 2, 1);	/* RSV1 */
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	frame(&b, 1, 0x3, "hi", 2, 1);			/* reserved opcode */
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	frame(&b, 1, 0xb, "", 0, 1);			/* reserved control opcode */
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	frame(&b, 0, WS_OP_PING, "hi", 2, 1);		/* fragmented control */
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	frame(&b, 1, WS_OP_PING, big, sizeof(big), 1);	/* control over 125 */
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	frame(&b, 1, WS_OP_CONT, "hi", 2, 1);		/* continuation alone */
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	frame(&b, 0, WS_OP_TEXT, "a", 1, 1);		/* new message mid-message */
	frame(&b, 1, WS_OP_TEXT, "b", 1, 1);
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	buf_append(&b, "\x82\xff\x80\0\0\0\0\0\0\0\1\2\3\4", 14);	/* length >= 2^63 */
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_free(&b);
}

/* Text must be UTF-8 (1007), also across fragments and at the message's end. */
static void
test_utf8_errors(void **state)
{
	static const char *bad[] = {
		"\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5",
		"\x80", "ok\xc3",
	};
	struct ws_utf8	 u = { 0, 0x80, 0xbf };
	struct ws_parser p;
	struct buf	 b;
	enum ws_event	 ev[2];
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&b);
		frame(&b, 1, WS_OP_TEXT, bad[i], strlen(bad[i]), 1);
		expect_error(&b, WS_CLOSE_BAD_DATA);
	}
	buf_reset(&b);
	frame(&b, 0, WS_OP_TEXT, "\xe2\x82", 2, 1);
	frame(&b, 1, WS_OP_CONT, "x", 1, 1);
	expect_error(&b, WS_CLOSE_BAD_DATA);
	/* binary may hold anything */
	buf_reset(&b);
	frame(&b, 1, WS_OP_BINARY, "\xc0\x80", 2, 1);
	parser(&p);
	assert_int_equal(feed(&p, &b, 0, ev, 2), 1);
	assert_int_equal(ev[0], WS_EV_MESSAGE);
	ws_parser_free(&p);
	assert_int_equal(ws_utf8_check(&u, (const unsigned char *)"\xf0\x9f\x98\x80", 4), 1);
	assert_int_equal(u.need, 0);
	assert_int_equal(ws_utf8_check(&u, (const unsigned char *)"\xed\x9f\xbf", 3), 1);
	buf_free(&b);
}

/* A frame over ws_frame_max, or fragments over ws_message_max: 1009. */
static void
test_limits(void **state)
{
	struct buf	 b;
	char		 x[1001];

	memset(x, 'x', sizeof(x));
	buf_init(&b);
	frame(&b, 1, WS_OP_BINARY, x, 1001, 1);
	expect_error(&b, WS_CLOSE_TOO_BIG);
	buf_reset(&b);
	frame(&b, 0, WS_OP_BINARY, x, 1000, 1);
	frame(&b, 0, WS_OP_CONT, x, 1000, 1);
	frame(&b, 1, WS_OP_CONT, x, 1, 1);
	expect_error(&b, WS_CLOSE_TOO_BIG);
	buf_free(&b);
}

/* Close frames: the code and reason, none, or a bad one. */
static void
test_close(void **state)
{
	struct ws_parser p;
	struct buf	 b;
	enum ws_event	 ev[2];

	buf_init(&b);
	parser(&p);
	frame(&b, 1, WS_OP_CLOSE, "\x03\xe8" "bye", 5, 1);
	assert_int_equal(feed(&p, &b, 0, ev, 2), 1);
	assert_int_equal(ev[0], WS_EV_CLOSE);
	assert_int_equal(p.close_code, 1000);
	assert_int_equal(p.ctl_len, 5);
	assert_memory_equal(p.ctl + 2, "bye", 3);
	ws_parser_free(&p);

	parser(&p);
	buf_reset(&b);
	frame(&b, 1, WS_OP_CLOSE, "", 0, 1);
	assert_int_equal(feed(&p, &b, 0, ev, 2), 1);
	assert_int_equal(p.close_code, WS_CLOSE_NO_STATUS);
	ws_parser_free(&p);

	buf_reset(&b);
	frame(&b, 1, WS_OP_CLOSE, "\x03", 1, 1);
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	frame(&b, 1, WS_OP_CLOSE, "\x03\xed", 2, 1);	/* 1005 may not be sent */
	expect_error(&b, WS_CLOSE_PROTOCOL);
	buf_reset(&b);
	frame(&b, 1, WS_OP_CLOSE, "\x03\xe8\xff", 3, 1);
	expect_error(&b, WS_CLOSE_BAD_DATA);
	buf_free(&b);
}

/* Server frames: unmasked, shortest length form; a long close reason is cut. */
static void
test_writer(void **state)
{
	struct buf	 b;
	char		 r[200];

	buf_init(&b);
	ws_frame(&b, WS_OP_TEXT, "hi", 2);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "\x81\x02hi", 4);
	buf_reset(&b);
	ws_frame_head(&b, WS_OP_BINARY, 126);
	assert_memory_equal(b.data, "\x82\x7e\x00\x7e", 4);
	buf_reset(&b);
	ws_frame_head(&b, WS_OP_BINARY, 65536);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "\x82\x7f\0\0\0\0\0\1\0\0", 10);
	buf_reset(&b);
	memset(r, 'r', sizeof(r) - 1);
	r[sizeof(r) - 1] = '\0';
	ws_close_frame(&b, 1009, r);
	assert_int_equal(b.len, 2 + 125);
	assert_memory_equal(b.data, "\x88\x7d\x03\xf1", 4);
	buf_free(&b);
}

/* Run every ws test; cmocka prints TAP under make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_utf8_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_writer),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
