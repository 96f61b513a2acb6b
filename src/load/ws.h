/* ws: the client side of RFC 6455 for ws:// targets: the opening handshake and frames. */
#ifndef EF_LOAD_WS_H
#define EF_LOAD_WS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "load/args.h"

#define WS_KEY_LEN	24	/* base64 of 16 bytes */
#define WS_ACCEPT_LEN	28	/* base64 of a SHA-1 */
#define WS_HEAD_MAX	14	/* the longest client frame header */
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xa

/* One server frame's header, as ws_parse_head read it. */
struct ws_frame {
	int		wf_fin;
	int		wf_opcode;
	uint64_t	wf_len;		/* payload bytes */
	size_t		wf_head;	/* header bytes */
};

/* A fresh Sec-WebSocket-Key: 16 random bytes, base64; -1 if no randomness. */
int	ws_key(char key[WS_KEY_LEN + 1]);
/* The Sec-WebSocket-Accept a server must answer key with (section 4.2.2). */
void	ws_accept(const char *key, char out[WS_ACCEPT_LEN + 1]);
/* The upgrade request for t, offering key. */
void	ws_handshake(struct buf *, const struct load_target *t, const char *key);
/* A whole response head (through the blank line): 101, the upgrade, the accept for key. */
int	ws_check_response(const char *head, size_t len, const char *key, char *err,
	    size_t errlen);
/* A masked client frame's header for len payload bytes into out; its length. */
size_t	ws_frame_head(unsigned char out[WS_HEAD_MAX], int opcode, uint64_t len,
	    const unsigned char mask[4]);
/* Copy len bytes of src into dst, masked (section 5.3). */
void	ws_mask(unsigned char *dst, const void *src, size_t len, const unsigned char mask[4]);
/* A server frame header at p: 1 read into f, 0 need more bytes, -1 not allowed. */
int	ws_parse_head(const unsigned char *p, size_t have, struct ws_frame *f);

#endif
