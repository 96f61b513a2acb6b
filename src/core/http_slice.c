/* http_slice: comparing, trimming and decoding the slices a parsed request is made of. */
#include "autoconfig.h"

#include <string.h>

#include "core/http.h"
#include "core/http_impl.h"

/* Locale-free lower case, since header names are ASCII by definition. */
static unsigned char
http_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c);
}

/* Optional whitespace around list elements (RFC 9110 5.6.1). */
struct http_slice
http_trim_ows(struct http_slice s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return (s);
}

/* Hex digit value, or -1; used by chunk sizes and percent escapes. */
int
http_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = http_lower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* Field names are case-insensitive; the first occurrence wins. */
const struct http_header *
http_header_find(const struct http_request *r, const char *name)
{
	size_t		 n = strlen(name);
	unsigned int	 i;

	for (i = 0; i < r->nheaders; i++)
		if (http_slice_caseeq_n(r->headers[i].name, name, n))
			return (&r->headers[i]);
	return (NULL);
}

/* Slices are not NUL-terminated, so strcmp cannot be used on them. */
int
http_slice_eq(struct http_slice s, const char *str)
{
	size_t	 n = strlen(str);

	return (s.len == n && (n == 0 || memcmp(s.p, str, n) == 0));
}

/* For names and tokens, which compare without regard to ASCII case. */
int
http_slices_caseeq(struct http_slice a, struct http_slice b)
{
	size_t	 i;

	if (a.len != b.len)
		return (0);
	for (i = 0; i < a.len; i++)
		if (http_lower((unsigned char)a.p[i]) !=
		    http_lower((unsigned char)b.p[i]))
			return (0);
	return (1);
}

/* The same against a C string. */
int
http_slice_caseeq(struct http_slice s, const char *str)
{
	return (http_slice_caseeq_n(s, str, strlen(str)));
}

/* The same against n bytes of str, when the caller knows n. */
int
http_slice_caseeq_n(struct http_slice s, const char *str, size_t n)
{
	struct http_slice	 t;

	if (s.len != n)
		return (0);
	t.p = str;
	t.len = n;
	return (http_slices_caseeq(s, t));
}

/* Appends to out; on -1 out is left as it was, so callers need no undo. */
int
http_percent_decode(struct buf *out, const char *s, size_t len, int form)
{
	size_t	 i, run, start = out->len;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		/* Plain bytes go over in runs, not one append each. */
		for (run = i; i < len && s[i] != '%' && !(form && s[i] == '+'); i++)
			;
		buf_append(out, s + run, i - run);
		if (i == len)
			break;
		if (s[i] == '+') {
			buf_append_char(out, ' ');
			continue;
		}
		if (len - i < 3 ||
		    (hi = http_hexval((unsigned char)s[i + 1])) == -1 ||
		    (lo = http_hexval((unsigned char)s[i + 2])) == -1)
			goto bad;
		buf_append_char(out, (char)(hi * 16 + lo));
		i += 2;
	}
	if (out->oom)
		return (-1);
	return (0);
bad:
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
	return (-1);
}
