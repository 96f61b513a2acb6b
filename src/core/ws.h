/* ws: the WebSocket protocol (RFC 6455): the opening handshake and framing, without I/O. */
#ifndef EF_WS_H
#define EF_WS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct http_request;

#define WS_ACCEPT_LEN	28	/* base64 of a SHA-1 */
#define WS_CONTROL_MAX	125	/* payload of a ping, pong or close */

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* Close codes (RFC 6455 7.4.1) the server sends or counts. */
#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_GOING_AWAY	1001
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_NO_STATUS	1005	/* the peer's close had no code */
#define WS_CLOSE_ABNORMAL	1006	/* no close frame: the connection just ended */
#define WS_CLOSE_BAD_DATA	1007
#define WS_CLOSE_TOO_BIG	1009
#define WS_CLOSE_INTERNAL	1011

/* What ws_feed stopped for. */
enum ws_event {
	WS_EV_NEED_MORE = 0,	/* all input taken; feed more */
	WS_EV_MESSAGE,		/* a whole message in msg, of msg_opcode */
	WS_EV_PING,		/* ctl holds the payload; answer with a pong */
	WS_EV_PONG,		/* unsolicited or not, nothing to do */
	WS_EV_CLOSE,		/* the peer's close: close_code, reason in ctl[2, ctl_len) */
	WS_EV_ERROR,		/* fail the connection with close_code and error */
};

struct ws_limits {
	size_t		 frame_max;	/* payload of one frame; 1009 beyond */
	size_t		 message_max;	/* a whole message across fragments; 1009 beyond */
};

/* Where a UTF-8 check stands between pieces of one text. */
struct ws_utf8 {
	unsigned int	 need;		/* continuation bytes still due */
	unsigned char	 lo, hi;	/* the range the next one must fall in */
};

/* An incremental parser of client frames. */
struct ws_parser {
	struct ws_limits limits;
	unsigned char	 hdr[14];
	size_t		 hdr_len;	/* header bytes so far */
	size_t		 hdr_need;	/* its whole size, once the first two are in */
	int		 fin;
	int		 opcode;	/* of the frame being read */
	uint64_t	 len;		/* its payload length */
	uint64_t	 got;		/* payload bytes so far */
	unsigned char	 mask[4];
	int		 msg_open;	/* a message has begun and not ended */
	int		 msg_opcode;	/* TEXT or BINARY: of that message, or the last one */
	struct buf	 msg;
	struct ws_utf8	 utf8;		/* of the open text message */
	unsigned char	 ctl[WS_CONTROL_MAX];
	size_t		 ctl_len;
	int		 close_code;	/* WS_EV_CLOSE, WS_EV_ERROR */
	const char	*error;		/* WS_EV_ERROR: the reason to send */
};

/*
 * 0 if the request opens a WebSocket; else -1 with the status to answer
 * (400, or 426 for a request that is not an upgrade to version 13) and why.
 * On success *key and *keylen point at Sec-WebSocket-Key.
 */
int	ws_handshake_check(const struct http_request *, int *status, const char **why,
	    const char **key, size_t *keylen);
/* Sec-WebSocket-Accept for a key into out[WS_ACCEPT_LEN + 1]; -1 if OpenSSL fails. */
int	ws_accept_key(const char *key, size_t keylen, char *out);

void	ws_parser_init(struct ws_parser *, const struct ws_limits *);
void	ws_parser_free(struct ws_parser *);
/*
 * Take bytes up to the next event; *used says how many. After WS_EV_ERROR
 * every call returns it again and takes nothing.
 */
enum ws_event ws_feed(struct ws_parser *, const void *, size_t, size_t *used);
/* 1 if UTF-8 text so far is valid (a sequence may stay open), else 0. */
int	ws_utf8_check(struct ws_utf8 *, const unsigned char *, size_t);

/* Append a whole unmasked server frame (FIN set). */
void	ws_frame(struct buf *, enum ws_opcode, const void *, size_t);
/* Just the frame's head, when the payload is sent from where it lies. */
void	ws_frame_head(struct buf *, enum ws_opcode, size_t);
/* A close frame with a code and a reason (cut to fit 125 bytes). */
void	ws_close_frame(struct buf *, int code, const char *reason);
/* The answer to a client's close: its code back, or an empty close for none (1005). */
void	ws_close_answer(struct buf *, int code);

#endif
