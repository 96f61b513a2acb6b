/* ws: the client side of RFC 6455 for ws:// targets: the opening handshake and frames. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "util/buf.h"
#include "util/err.h"
#include "load/args.h"
#include "load/ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* The key must be random per connection so a cache cannot answer for the server. */
int
ws_key(char key[WS_KEY_LEN + 1])
{
	unsigned char	raw[16];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return (-1);
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof(raw));
	return (0);
}

/* base64(SHA-1(key + GUID)). */
void
ws_accept(const char *key, char out[WS_ACCEPT_LEN + 1])
{
	unsigned char	md[SHA_DIGEST_LENGTH];
	char		cat[128];
	int		n;

	n = snprintf(cat, sizeof(cat), "%s%s", key, WS_GUID);
	SHA1((const unsigned char *)cat, (size_t)n < sizeof(cat) ? (size_t)n : 0, md);
	EVP_EncodeBlock((unsigned char *)out, md, sizeof(md));
}

/* GET with Upgrade, version 13 and the key (section 4.1). */
void
ws_handshake(struct buf *b, const struct load_target *t, const char *key)
{
	buf_appendf(b, "GET %s HTTP/1.1\r\n", t->path);
	if (t->port == (t->tls ? 443U : 80U))
		buf_appendf(b, "Host: %s\r\n", t->host);
	else
		buf_appendf(b, "Host: %s:%u\r\n", t->host, t->port);
	buf_appendf(b, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	    "User-Agent: echofetch-load/" PACKAGE_VERSION "\r\n\r\n", key);
}

/* The value of header name in head, trimmed, into out; -1 if absent or too long. */
static int
ws_header(const char *head, size_t len, const char *name, char *out, size_t outlen)
{
	const char	*p = head, *end = head + len, *eol, *v;
	size_t		 n = strlen(name), vlen;

	while (p < end && (eol = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			v = p + n + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			vlen = (size_t)(eol - v);
			while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
				vlen--;
			if (vlen >= outlen)
				return (-1);
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return (0);
		}
		p = eol + 1;
	}
	return (-1);
}

/* The server must switch protocols and prove it read our key (section 4.2.2). */
int
ws_check_response(const char *head, size_t len, const char *key, char *err, size_t errlen)
{
	char	want[WS_ACCEPT_LEN + 1], got[64];

	if (len < 12 || strncmp(head, "HTTP/1.1 101", 12) != 0)
		return (err_set(err, errlen, "no 101 Switching Protocols: '%.*s'",
		    (int)strcspn(head, "\r\n") < 60 ? (int)strcspn(head, "\r\n") : 60, head));
	if (ws_header(head, len, "Upgrade", got, sizeof(got)) == -1 ||
	    strcasecmp(got, "websocket") != 0)
		return (err_set(err, errlen, "101 without Upgrade: websocket"));
	ws_accept(key, want);
	if (ws_header(head, len, "Sec-WebSocket-Accept", got, sizeof(got)) == -1 ||
	    strcmp(got, want) != 0)
		return (err_set(err, errlen, "wrong or missing Sec-WebSocket-Accept"));
	return (0);
}

/* FIN set, the mask bit set, the length in 7, 16 or 64 bits, then the mask. */
size_t
ws_frame_head(unsigned char out[WS_HEAD_MAX], int opcode, uint64_t len,
    const unsigned char mask[4])
{
	size_t	n = 2;
	int	i;

	out[0] = (unsigned char)(0x80 | (opcode & 0x0f));
	if (len < 126)
		out[1] = (unsigned char)(0x80 | len);
	else if (len <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		n = 4;
	} else {
		out[1] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)(len >> (56 - 8 * i));
		n = 10;
	}
	memcpy(out + n, mask, 4);
	return (n + 4);
}

/* XOR with the mask, byte i with mask[i % 4]. */
void
ws_mask(unsigned char *dst, const void *src, size_t len, const unsigned char mask[4])
{
	const unsigned char	*s = src;
	size_t			 i;

	for (i = 0; i < len; i++)
		dst[i] = s[i] ^ mask[i & 3];
}

/* Servers never mask, set no reserved bits here, and send no control frame past 125 bytes. */
int
ws_parse_head(const unsigned char *p, size_t have, struct ws_frame *f)
{
	uint64_t	len;
	size_t		n = 2;
	int		i;

	if (have < 2)
		return (0);
	if ((p[0] & 0x70) != 0 || (p[1] & 0x80) != 0)
		return (-1);
	f->wf_fin = (p[0] & 0x80) != 0;
	f->wf_opcode = p[0] & 0x0f;
	len = p[1] & 0x7f;
	if (len == 126) {
		if (have < 4)
			return (0);
		len = ((uint64_t)p[2] << 8) | p[3];
		n = 4;
	} else if (len == 127) {
		if (have < 10)
			return (0);
		for (len = 0, i = 0; i < 8; i++)
			len = (len << 8) | p[2 + i];
		if (len >> 63)
			return (-1);
		n = 10;
	}
	if ((f->wf_opcode & 0x8) && (len > 125 || !f->wf_fin))
		return (-1);
	f->wf_len = len;
	f->wf_head = n;
	return (1);
}
