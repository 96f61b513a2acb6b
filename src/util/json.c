/* json: a small streaming JSON writer and an RFC 8259 validator. */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"

#define JSON_VALIDATE_DEPTH	64

struct json_reader {
	const unsigned char	*p;
	const unsigned char	*end;
};

static void	json_newline(struct json *, int);
static void	json_before_value(struct json *);
static void	json_open(struct json *, char);
static void	json_close(struct json *, char);
static size_t	json_utf8_len(const unsigned char *, size_t);
static void	json_skip_ws(struct json_reader *);
static int	json_read_value(struct json_reader *, int);
static int	json_read_string(struct json_reader *);
static int	json_read_number(struct json_reader *);
static int	json_read_literal(struct json_reader *, const char *);
static int	json_read_container(struct json_reader *, int, char);

/* The writer starts outside any container; `pretty` picks indent-2 output. */
void
json_init(struct json *j, struct buf *out, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty ? 1 : 0;
}

/* Pretty output puts each member on its own line, indented by depth. */
static void
json_newline(struct json *j, int depth)
{
	int	 i;

	buf_append_char(j->out, '\n');
	for (i = 0; i < depth; i++)
		buf_append(j->out, "  ", 2);
}

/* Every value and key needs a comma (and a line) unless it follows a key. */
static void
json_before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth <= 0)
		return;
	if (j->depth <= JSON_MAX_DEPTH) {
		if (j->has_items[j->depth - 1])
			buf_append_char(j->out, ',');
		j->has_items[j->depth - 1] = 1;
	}
	if (j->pretty)
		json_newline(j, j->depth);
}

/* Nesting beyond what we can track marks the output unusable. */
static void
json_open(struct json *j, char c)
{
	json_before_value(j);
	buf_append_char(j->out, c);
	if (j->depth >= JSON_MAX_DEPTH)
		j->out->oom = 1;
	else
		j->has_items[j->depth] = 0;
	j->depth++;
}

/* Empty containers stay on one line, as Python's json.dumps prints them. */
static void
json_close(struct json *j, char c)
{
	int	 had;

	if (j->depth <= 0) {
		j->out->oom = 1;
		return;
	}
	j->depth--;
	had = j->depth < JSON_MAX_DEPTH ? j->has_items[j->depth] : 0;
	if (had && j->pretty)
		json_newline(j, j->depth);
	buf_append_char(j->out, c);
	j->after_key = 0;
}

/* Begin an object. */
void
json_object_begin(struct json *j)
{
	json_open(j, '{');
}

/* End an object. */
void
json_object_end(struct json *j)
{
	json_close(j, '}');
}

/* Begin an array. */
void
json_array_begin(struct json *j)
{
	json_open(j, '[');
}

/* End an array. */
void
json_array_end(struct json *j)
{
	json_close(j, ']');
}

/* A key is placed like a value, then its colon. */
void
json_key(struct json *j, const char *key)
{
	json_key_bytes(j, key, strlen(key));
}

/* A key from bytes that may hold anything, NULs included (decoded query names). */
void
json_key_bytes(struct json *j, const char *key, size_t len)
{
	json_before_value(j);
	buf_append_char(j->out, '"');
	json_escape(j->out, key, len);
	if (j->pretty)
		buf_append(j->out, "\": ", 3);
	else
		buf_append(j->out, "\":", 2);
	j->after_key = 1;
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0 if the lead byte starts none.
 */
static size_t
json_utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char	 c = p[0], lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (c < 0x80)
		return (1);
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return (0);
	if (c == 0xe0)
		lo = 0xa0;		/* overlong 3-byte */
	else if (c == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;		/* overlong 4-byte */
	else if (c == 0xf4)
		hi = 0x8f;		/* past U+10FFFF */
	if (avail < n || p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	return (n);
}

/* The bytes with a two-character escape, and the letter after the backslash. */
#define JSON_SHORT_FROM	"\"\\\b\f\n\r\t"
#define JSON_SHORT_TO	"\"\\bfnrt"

/* Escape arbitrary bytes so the result is always a valid JSON string body. */
void
json_escape(struct buf *b, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*run = p;
	size_t			 i = 0, n;
	char			 tmp[8];
	const char		*esc, *short_esc;

	while (i < len) {
		n = json_utf8_len(p + i, len - i);
		esc = NULL;
		if (n == 1 && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\' &&
		    p[i] != 0x7f) {
			i++;
			continue;
		}
		if (n > 1) {
			i += n;
			continue;
		}
		buf_append(b, run, (size_t)(p + i - run));
		if (n == 0)
			esc = "\xef\xbf\xbd";
		else if (p[i] != '\0' &&
		    (short_esc = strchr(JSON_SHORT_FROM, p[i])) != NULL) {
			tmp[0] = '\\';
			tmp[1] = JSON_SHORT_TO[short_esc - JSON_SHORT_FROM];
			tmp[2] = '\0';
			esc = tmp;
		} else {
			snprintf(tmp, sizeof(tmp), "\\u%04x", p[i]);
			esc = tmp;
		}
		buf_append_str(b, esc);
		i++;
		run = p + i;
	}
	buf_append(b, run, (size_t)(p + len - run));
}

/* A string value from any bytes. */
void
json_string(struct json *j, const char *s, size_t len)
{
	json_before_value(j);
	buf_append_char(j->out, '"');
	json_escape(j->out, s, len);
	buf_append_char(j->out, '"');
}

/* A string value from a C string; NULL writes null. */
void
json_cstring(struct json *j, const char *s)
{
	if (s == NULL)
		json_null(j);
	else
		json_string(j, s, strlen(s));
}

/* A signed integer value. */
void
json_int(struct json *j, long long v)
{
	json_before_value(j);
	buf_appendf(j->out, "%lld", v);
}

/* An unsigned integer value. */
void
json_uint(struct json *j, unsigned long long v)
{
	json_before_value(j);
	buf_append_uint(j->out, v);
}

/* Milliseconds precision is all we report; JSON has no NaN or infinity. */
void
json_double(struct json *j, double v)
{
	char	 tmp[64];
	size_t	 n;

	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.3f", v);
	n = strlen(tmp);
	while (n > 0 && tmp[n - 1] == '0')
		n--;
	if (n > 0 && tmp[n - 1] == '.')
		n--;
	tmp[n] = '\0';
	json_before_value(j);
	if (strcmp(tmp, "-0") == 0)
		buf_append_char(j->out, '0');
	else
		buf_append(j->out, tmp, n);
}

/* A boolean value. */
void
json_bool(struct json *j, int v)
{
	json_before_value(j);
	buf_append_str(j->out, v ? "true" : "false");
}

/* The null value. */
void
json_null(struct json *j)
{
	json_before_value(j);
	buf_append(j->out, "null", 4);
}

/* Already-valid JSON goes in verbatim, even in pretty mode. */
void
json_raw(struct json *j, const char *s, size_t len)
{
	json_before_value(j);
	buf_append(j->out, s, len);
}

/* Insignificant whitespace per RFC 8259 section 2. */
static void
json_skip_ws(struct json_reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* One exact literal: true, false or null. */
static int
json_read_literal(struct json_reader *r, const char *lit)
{
	size_t	 n = strlen(lit);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
		return (-1);
	r->p += n;
	return (0);
}

/* A string: escapes from the grammar only, raw bytes must be valid UTF-8. */
static int
json_read_string(struct json_reader *r)
{
	size_t	 n;
	int	 i;

	r->p++;			/* the opening quote */
	while (r->p < r->end) {
		if (*r->p == '"') {
			r->p++;
			return (0);
		}
		if (*r->p < 0x20)
			return (-1);
		if (*r->p != '\\') {
			if ((n = json_utf8_len(r->p, (size_t)(r->end - r->p))) == 0)
				return (-1);
			r->p += n;
			continue;
		}
		if (++r->p >= r->end)
			return (-1);
		if (strchr("\"\\/bfnrt", *r->p) != NULL && *r->p != '\0') {
			r->p++;
			continue;
		}
		if (*r->p != 'u' || r->end - r->p < 5)
			return (-1);
		for (i = 1; i <= 4; i++)
			if (strchr("0123456789abcdefABCDEF", r->p[i]) == NULL ||
			    r->p[i] == '\0')
				return (-1);
		r->p += 5;
	}
	return (-1);
}

/* A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
json_read_number(struct json_reader *r)
{
#define JSON_DIGIT(r)	((r)->p < (r)->end && *(r)->p >= '0' && *(r)->p <= '9')
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (!JSON_DIGIT(r))
		return (-1);
	if (*r->p == '0')
		r->p++;
	else
		while (JSON_DIGIT(r))
			r->p++;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!JSON_DIGIT(r))
			return (-1);
		while (JSON_DIGIT(r))
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!JSON_DIGIT(r))
			return (-1);
		while (JSON_DIGIT(r))
			r->p++;
	}
	return (0);
#undef JSON_DIGIT
}

/*
 * An object (close '}': members are string ':' value) or an array (close
 * ']': values), comma separated.
 */
static int
json_read_container(struct json_reader *r, int depth, char close)
{
	r->p++;
	json_skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return (0);
	}
	for (;;) {
		if (close == '}') {
			if (r->p >= r->end || *r->p != '"' ||
			    json_read_string(r) == -1)
				return (-1);
			json_skip_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return (-1);
			r->p++;
		}
		if (json_read_value(r, depth) == -1)
			return (-1);
		if (r->p >= r->end)
			return (-1);
		if (*r->p == close) {
			r->p++;
			return (0);
		}
		if (*r->p != ',')
			return (-1);
		r->p++;
		json_skip_ws(r);
	}
}

/* One value with the whitespace around it; depth bounds the recursion. */
static int
json_read_value(struct json_reader *r, int depth)
{
	int	 rv;

	json_skip_ws(r);
	if (r->p >= r->end)
		return (-1);
	switch (*r->p) {
	case '{':
	case '[':
		rv = depth >= JSON_VALIDATE_DEPTH ? -1 :
		    json_read_container(r, depth + 1, *r->p == '{' ? '}' : ']');
		break;
	case '"':
		rv = json_read_string(r);
		break;
	case 't':
		rv = json_read_literal(r, "true");
		break;
	case 'f':
		rv = json_read_literal(r, "false");
		break;
	case 'n':
		rv = json_read_literal(r, "null");
		break;
	default:
		rv = json_read_number(r);
		break;
	}
	if (rv == 0)
		json_skip_ws(r);
	return (rv);
}

/* /anything only echoes a body as JSON when it is exactly one valid value. */
int
json_validate(const char *s, size_t len)
{
	struct json_reader	 r;

	if (s == NULL)
		return (0);
	r.p = (const unsigned char *)s;
	r.end = r.p + len;
	if (json_read_value(&r, 0) == -1)
		return (0);
	return (r.p == r.end);
}

/* The same UTF-8 rules json_string applies, as a test. */
int
json_utf8_valid(const char *s, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < len; i += n)
		if ((n = json_utf8_len((const unsigned char *)s + i, len - i)) == 0)
			return (0);
	return (1);
}
