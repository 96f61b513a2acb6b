/* buf: a growable byte buffer with a sticky out-of-memory flag. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/num.h"

/* Start an empty buffer that owns no memory yet. */
void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

/* Release the memory and leave the buffer empty and usable. */
void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

/* Empty the buffer but keep its memory for the next use. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->oom = 0;
}

/* Make room for `extra` more bytes plus a NUL; -1 (and oom set) if we cannot. */
int
buf_reserve(struct buf *b, size_t extra)
{
	size_t	 need, ncap;
	char	*ndata;

	if (b->oom)
		return (-1);
	if (extra > (size_t)-1 - b->len - 1)
		goto fail;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return (0);
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		if (ncap > (size_t)-1 / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if ((ndata = realloc(b->data, ncap)) == NULL)
		goto fail;
	b->data = ndata;
	b->cap = ncap;
	return (0);
fail:
	b->oom = 1;
	return (-1);
}

/* Append `len` bytes; growing is the rare case, so room is checked inline first. */
void
buf_append(struct buf *b, const void *p, size_t len)
{
	if (len == 0 || b->oom)
		return;
	if (b->cap - b->len <= len && buf_reserve(b, len) == -1)
		return;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* Append a NUL-terminated string without its NUL. */
void
buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* Append one byte. */
void
buf_append_char(struct buf *b, char c)
{
	if (b->oom)
		return;
	if (b->cap - b->len <= 1 && buf_reserve(b, 1) == -1)
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

/* Append an unsigned decimal number without going through printf. */
void
buf_append_uint(struct buf *b, unsigned long long v)
{
	if (buf_reserve(b, NUM_U64_DIGITS) == -1)
		return;
	b->len += num_format_u64(b->data + b->len, v);
	b->data[b->len] = '\0';
}

/* Append printf-formatted text. */
void
buf_vappendf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n;

	if (b->oom)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

/* Append printf-formatted text. */
void
buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	buf_vappendf(b, fmt, ap);
	va_end(ap);
}

/* The contents as a C string (always NUL-terminated, never NULL). */
char *
buf_cstr(struct buf *b)
{
	static char	 empty[1];

	if (b->data == NULL && buf_reserve(b, 0) == -1)
		return (empty);
	if (b->len == 0)
		b->data[0] = '\0';
	return (b->data);
}
