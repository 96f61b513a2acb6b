/* base64: RFC 4648 encoding and decoding onto a struct buf. */
#include "autoconfig.h"

#include "util/base64.h"

static const char base64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Three bytes make four digits; the tail is padded with '='. */
void
base64_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char	*p = data;
	unsigned long		 v;
	size_t			 i;
	char			 q[4];

	for (i = 0; i < len; i += 3) {
		v = (unsigned long)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = base64_digits[(v >> 18) & 63];
		q[1] = base64_digits[(v >> 12) & 63];
		q[2] = i + 1 < len ? base64_digits[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? base64_digits[v & 63] : '=';
		buf_append(out, q, 4);
	}
}

/* The value of one digit of either alphabet, or -1. */
static int
base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+' || c == '-')
		return (62);
	if (c == '/' || c == '_')
		return (63);
	return (-1);
}

/* Padding may be left off, as URLs often do; what remains must be exact. */
int
base64_decode(struct buf *out, const char *s, size_t len)
{
	unsigned long	 v = 0;
	size_t		 i, n = 0;
	int		 d;

	while (len > 0 && s[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		if ((d = base64_value(s[i])) == -1)
			return (-1);
		v = (v << 6) | (unsigned long)d;
		if (++n == 4) {
			buf_append_char(out, (char)(v >> 16));
			buf_append_char(out, (char)(v >> 8));
			buf_append_char(out, (char)v);
			v = 0;
			n = 0;
		}
	}
	if (n == 1)
		return (-1);
	if (n == 2) {
		if (v & 0xf)
			return (-1);
		buf_append_char(out, (char)(v >> 4));
	} else if (n == 3) {
		if (v & 0x3)
			return (-1);
		buf_append_char(out, (char)(v >> 10));
		buf_append_char(out, (char)(v >> 2));
	}
	return (0);
}
