/* test_load_ws: the WebSocket client's handshake and framing against RFC 6455. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/buf.h"
#include "load/args.h"
#include "load/ws.h"

/* The worked example of section 1.3, and a fresh key's shape. */
static void
test_accept(void **state)
{
	char	out[WS_ACCEPT_LEN + 1], k1[WS_KEY_LEN + 1], k2[WS_KEY_LEN + 1];

	ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(ws_key(k1), 0);
	assert_int_equal(ws_key(k2), 0);
	assert_int_equal(strlen(k1), WS_KEY_LEN);
	assert_string_equal(k1 + 22, "==");
	assert_string_not_equal(k1, k2);
}

/* The upgrade request, and the checks on the answer. */
static void
test_handshake(void **state)
{
	struct load_target	t;
	struct buf		b;
	char			err[128];
	const char		*key = "dGhlIHNhbXBsZSBub25jZQ==";
	const char		*ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n"
	    "Connection: Upgrade\r\nsec-websocket-accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\n\r\n";
	const char		*bad = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n";
	const char		*none = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
	const char		*nf = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

	memset(&t, 0, sizeof(t));
	strcpy(t.host, "[::1]");
	t.port = 8080;
	t.path = (char *)(uintptr_t)"/websocket/echo?x=1";
	buf_init(&b);
	ws_handshake(&b, &t, key);
	assert_non_null(strstr(buf_cstr(&b), "GET /websocket/echo?x=1 HTTP/1.1\r\n"));
	assert_non_null(strstr(b.data, "Host: [::1]:8080\r\n"));
	assert_non_null(strstr(b.data, "Upgrade: websocket\r\n"));
	assert_non_null(strstr(b.data, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
	assert_non_null(strstr(b.data, "Sec-WebSocket-Version: 13\r\n"));
	buf_free(&b);

	assert_int_equal(ws_check_response(ok, strlen(ok), key, err, sizeof(err)), 0);
	assert_int_equal(ws_check_response(bad, strlen(bad), key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Sec-WebSocket-Accept"));
	assert_int_equal(ws_check_response(none, strlen(none), key, err, sizeof(err)), -1);
	assert_int_equal(ws_check_response(nf, strlen(nf), key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "404"));
}

/* Client frames: FIN, opcode, the mask bit, all three length forms, then the mask. */
static void
test_frame_head(void **state)
{
	unsigned char	h[WS_HEAD_MAX], mask[4] = { 1, 2, 3, 4 }, out[5];

	assert_int_equal(ws_frame_head(h, WS_OP_BINARY, 5, mask), 6);
	assert_int_equal(h[0], 0x82);
	assert_int_equal(h[1], 0x85);
	assert_memory_equal(h + 2, mask, 4);
	assert_int_equal(ws_frame_head(h, WS_OP_TEXT, 126, mask), 8);
	assert_int_equal(h[0], 0x81);
	assert_int_equal(h[1], 0xfe);
	assert_int_equal(h[2], 0);
	assert_int_equal(h[3], 126);
	assert_int_equal(ws_frame_head(h, WS_OP_BINARY, 70000, mask), 14);
	assert_int_equal(h[1], 0xff);
	assert_int_equal(h[7], 0x01);
	assert_int_equal(h[8], 0x11);
	assert_int_equal(h[9], 0x70);
	/* Section 5.7: "Hello" masked with 37 fa 21 3d. */
	memcpy(mask, "\x37\xfa\x21\x3d", 4);
	ws_mask(out, "Hello", 5, mask);
	assert_memory_equal(out, "\x7f\x9f\x4d\x51\x58", 5);
}

/* Server frames: unmasked, no reserved bits, control frames short and whole. */
static void
test_parse_head(void **state)
{
	struct ws_frame	f;

	assert_int_equal(ws_parse_head((const unsigned char *)"\x81", 1, &f), 0);
	assert_int_equal(ws_parse_head((const unsigned char *)"\x81\x05", 2, &f), 1);
	assert_int_equal(f.wf_fin, 1);
	assert_int_equal(f.wf_opcode, WS_OP_TEXT);
	assert_int_equal(f.wf_len, 5);
	assert_int_equal(f.wf_head, 2);
	assert_int_equal(ws_parse_head((const unsigned char *)"\x82\x7e\x01", 3, &f), 0);
	assert_int_equal(ws_parse_head((const unsigned char *)"\x82\x7e\x01\x00", 4, &f), 1);
	assert_int_equal(f.wf_len, 256);
	assert_int_equal(f.wf_head, 4);
	assert_int_equal(ws_parse_head((const unsigned char *)
	    "\x02\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10, &f), 1);
	assert_int_equal(f.wf_fin, 0);
	assert_int_equal(f.wf_len, 65536);
	assert_int_equal(ws_parse_head((const unsigned char *)"\x81\x85", 2, &f), -1);
	assert_int_equal(ws_parse_head((const unsigned char *)"\xc1\x05", 2, &f), -1);
	assert_int_equal(ws_parse_head((const unsigned char *)"\x89\x7e\x00\x80", 4, &f), -1);
	assert_int_equal(ws_parse_head((const unsigned char *)"\x09\x00", 2, &f), -1);
	assert_int_equal(ws_parse_head((const unsigned char *)
	    "\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10, &f), -1);
}

/* Each test stands alone. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_frame_head),
		cmocka_unit_test(test_parse_head),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
