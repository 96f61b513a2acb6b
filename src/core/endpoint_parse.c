/* endpoint: header grammar the httpbin-style endpoints read (Range, Basic, Cookie, ETag lists). */
#include "autoconfig.h"

#include <string.h>
#include <strings.h>

#include "util/base64.h"
#include "util/buf.h"
#include "core/endpoint_more.h"
#include "util/num.h"

/* 1 for optional whitespace. */
static int
endpoint_parse_ows(char c)
{
	return (c == ' ' || c == '\t');
}

/* Digits at s[*i..], at most max; -1 when there are none or too many. */
static int
endpoint_parse_digits(const char *s, size_t len, size_t *i, unsigned long long *v)
{
	size_t	 start = *i;
	uint64_t n;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	if (*i == start || num_parse_u64(s + start, *i - start, ~0ULL, &n) == -1)
		return (-1);
	*v = n;
	return (0);
}

/* One "bytes=" range; lists, other units and bad syntax mean "send it all" (RFC 9110 14.2). */
int
endpoint_parse_range(const char *s, size_t len, unsigned long long size,
    struct endpoint_range *r)
{
	unsigned long long	 a = 0, b = 0;
	size_t			 i = 0;
	int			 has_a, has_b;

	while (len > 0 && endpoint_parse_ows(s[len - 1]))
		len--;
	while (i < len && endpoint_parse_ows(s[i]))
		i++;
	if (len - i < 6 || strncmp(s + i, "bytes=", 6) != 0)
		return (0);
	i += 6;
	has_a = endpoint_parse_digits(s, len, &i, &a) == 0;
	if (i >= len || s[i] != '-')
		return (0);
	i++;
	has_b = endpoint_parse_digits(s, len, &i, &b) == 0;
	if (i != len || (!has_a && !has_b))
		return (0);
	if (!has_a) {
		/* a suffix: the last b bytes */
		if (b == 0 || size == 0)
			return (-1);
		r->first = b >= size ? 0 : size - b;
		r->last = size - 1;
		return (1);
	}
	if (has_b && b < a)
		return (-1);
	if (a >= size)
		return (-1);
	r->first = a;
	r->last = !has_b || b >= size ? size - 1 : b;
	return (1);
}

/* "Basic <base64>" (scheme in any case) decoded into out as user:password. */
int
endpoint_parse_basic(const char *s, size_t len, struct buf *out, size_t *ulen)
{
	const char	*colon;

	if (len < 6 || strncasecmp(s, "Basic ", 6) != 0)
		return (-1);
	for (s += 6, len -= 6; len > 0 && endpoint_parse_ows(*s); s++, len--)
		;
	if (base64_decode(out, s, len) == -1 || out->oom ||
	    (colon = memchr(out->data != NULL ? out->data : "", ':', out->len)) == NULL)
		return (-1);
	*ulen = (size_t)(colon - out->data);
	return (0);
}

/* "a=1; b=2": pairs split at ';', a pair without '=' or name is skipped. */
int
endpoint_parse_cookie(const char *s, size_t len, size_t *pos, const char **name,
    size_t *nlen, const char **value, size_t *vlen)
{
	const char	*p, *eq;
	size_t		 seg, i = *pos;

	while (i < len) {
		while (i < len && endpoint_parse_ows(s[i]))
			i++;
		p = s + i;
		for (seg = 0; i + seg < len && s[i + seg] != ';'; seg++)
			;
		i += seg + 1;
		while (seg > 0 && endpoint_parse_ows(p[seg - 1]))
			seg--;
		if ((eq = memchr(p, '=', seg)) == NULL || eq == p)
			continue;
		*name = p;
		*nlen = (size_t)(eq - p);
		while (*nlen > 0 && endpoint_parse_ows(p[*nlen - 1]))
			(*nlen)--;
		*value = eq + 1;
		*vlen = (size_t)(p + seg - (eq + 1));
		while (*vlen > 0 && endpoint_parse_ows(**value)) {
			(*value)++;
			(*vlen)--;
		}
		if (*vlen >= 2 && (*value)[0] == '"' && (*value)[*vlen - 1] == '"') {
			(*value)++;
			*vlen -= 2;
		}
		*pos = i > len ? len : i;
		return (1);
	}
	*pos = len;
	return (0);
}

/* The next item of a comma-separated list from *i, whitespace trimmed; 0 at the end. */
static int
endpoint_parse_item(const char *s, size_t len, size_t *i, const char **p, size_t *n)
{
	while (*i < len && (endpoint_parse_ows(s[*i]) || s[*i] == ','))
		(*i)++;
	if (*i >= len)
		return (0);
	*p = s + *i;
	for (*n = 0; *i + *n < len && s[*i + *n] != ','; (*n)++)
		;
	*i += *n;
	while (*n > 0 && endpoint_parse_ows((*p)[*n - 1]))
		(*n)--;
	return (1);
}

/* Entity-tags compare by their opaque part, as httpbin does: weak or strong alike. */
int
endpoint_parse_etag_match(const char *s, size_t len, const char *etag, size_t elen)
{
	const char	*p;
	size_t		 i = 0, n;

	while (endpoint_parse_item(s, len, &i, &p, &n)) {
		if (n >= 2 && p[0] == 'W' && p[1] == '/') {
			p += 2;
			n -= 2;
		}
		if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
			p++;
			n -= 2;
		}
		if (n == 0)
			continue;
		if ((n == 1 && p[0] == '*') || (n == elen && memcmp(p, etag, n) == 0))
			return (1);
	}
	return (0);
}

/* 1 if a coding's parameters say q=0 (q=0, q=0.0, q=0.000). */
static int
endpoint_parse_q_zero(const char *p, size_t n)
{
	const char	*q;
	size_t		 i;

	for (q = p; (size_t)(q - p) + 1 < n; q++)
		if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=')
			break;
	if ((size_t)(q - p) + 1 >= n)
		return (0);
	q += 2;
	n -= (size_t)(q - p);
	if (n == 0 || q[0] != '0')
		return (0);
	for (i = 1; i < n; i++)
		if (q[i] != '.' && q[i] != '0')
			return (0);
	return (1);
}

/* Codings are compared case-insensitively; "x-gzip" is not taken. */
int
endpoint_parse_accepts_gzip(const char *s, size_t len)
{
	const char	*p;
	size_t		 i = 0, n, t;

	while (endpoint_parse_item(s, len, &i, &p, &n)) {
		for (t = 0; t < n && p[t] != ';' && !endpoint_parse_ows(p[t]); t++)
			;
		if (((t == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (t == 1 && p[0] == '*')) && !endpoint_parse_q_zero(p + t, n - t))
			return (1);
	}
	return (0);
}

/* A decoded path or parameter must not smuggle a line break into a header. */
int
endpoint_parse_header_safe(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return (0);
	return (1);
}
