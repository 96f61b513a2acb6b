/* http_form: which form a body is, and multipart/form-data split into parts. */
#include "autoconfig.h"

#include <string.h>

#include "core/http_form.h"

/* A run of bytes, for the header lines of a part. */
struct http_form_span {
	const char	*p;
	size_t		 len;
};

/* ASCII case-insensitive prefix test. */
static int
http_form_prefix(struct http_form_span s, const char *want)
{
	size_t	 i, n = strlen(want);
	char	 c;

	if (s.len < n)
		return (0);
	for (i = 0; i < n; i++) {
		c = s.p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != want[i])
			return (0);
	}
	return (1);
}

/* Drop spaces and tabs at both ends. */
static struct http_form_span
http_form_trim(struct http_form_span s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return (s);
}

/*
 * The next ";"-separated piece of s, trimmed; s advances past it. A quoted
 * value may hold ';'. 0 when s is empty.
 */
static int
http_form_next_param(struct http_form_span *s, struct http_form_span *out)
{
	size_t	 i;
	int	 quoted = 0;

	if (s->len == 0)
		return (0);
	for (i = 0; i < s->len; i++) {
		if (s->p[i] == '"')
			quoted = !quoted;
		else if (s->p[i] == ';' && !quoted)
			break;
	}
	out->p = s->p;
	out->len = i;
	*out = http_form_trim(*out);
	s->p += i < s->len ? i + 1 : i;
	s->len -= i < s->len ? i + 1 : i;
	return (1);
}

/* If param is `name=value` (name any case), the value without its quotes. */
static int
http_form_param(struct http_form_span param, const char *name, struct http_form_span *val)
{
	size_t	 n = strlen(name);

	if (!http_form_prefix(param, name) || param.len <= n || param.p[n] != '=')
		return (0);
	val->p = param.p + n + 1;
	val->len = param.len - n - 1;
	if (val->len >= 2 && val->p[0] == '"' && val->p[val->len - 1] == '"') {
		val->p++;
		val->len -= 2;
	}
	return (1);
}

/* Media type first, parameters after; the boundary is the one we need. */
int
http_form_kind(const char *ctype, size_t len, enum http_form_kind *kind,
    char *boundary, const char **why)
{
	struct http_form_span	 s, type, param, val;

	*kind = HTTP_FORM_NONE;
	if (ctype == NULL)
		return (0);
	s.p = ctype;
	s.len = len;
	if (!http_form_next_param(&s, &type))
		return (0);
	if (type.len == 33 && http_form_prefix(type, "application/x-www-form-urlencoded")) {
		*kind = HTTP_FORM_URLENCODED;
		return (0);
	}
	if (type.len != 19 || !http_form_prefix(type, "multipart/form-data"))
		return (0);
	while (http_form_next_param(&s, &param)) {
		if (!http_form_param(param, "boundary", &val))
			continue;
		if (val.len == 0 || val.len > HTTP_FORM_BOUNDARY_MAX)
			break;
		memcpy(boundary, val.p, val.len);
		boundary[val.len] = '\0';
		*kind = HTTP_FORM_MULTIPART;
		return (0);
	}
	*why = "multipart/form-data needs a boundary of 1..70 characters";
	return (-1);
}

/* Where `needle` next occurs in [p, p+len), or NULL. */
static const char *
http_form_find(const char *p, size_t len, const char *needle, size_t nlen)
{
	const char	*q;

	while (len >= nlen && (q = memchr(p, needle[0], len - nlen + 1)) != NULL) {
		if (memcmp(q, needle, nlen) == 0)
			return (q);
		len -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	return (NULL);
}

/* One header line of a part into the part's fields; -1 if it is malformed. */
static int
http_form_part_header(struct http_form_span line, struct http_form_part *part)
{
	struct http_form_span	 s, param, val;

	if (http_form_prefix(line, "content-type:")) {
		s.p = line.p + 13;
		s.len = line.len - 13;
		s = http_form_trim(s);
		part->type = s.p;
		part->type_len = s.len;
		return (0);
	}
	if (!http_form_prefix(line, "content-disposition:"))
		return (0);
	s.p = line.p + 20;
	s.len = line.len - 20;
	if (!http_form_next_param(&s, &param) || param.len != 9 ||
	    !http_form_prefix(param, "form-data"))
		return (-1);
	while (http_form_next_param(&s, &param)) {
		if (http_form_param(param, "name", &val)) {
			part->name = val.p;
			part->name_len = val.len;
		} else if (http_form_param(param, "filename", &val))
			part->is_file = 1;
	}
	return (part->name != NULL ? 0 : -1);
}

/* The head of one part, up to its blank line; *data is where the content begins. */
static int
http_form_part_head(const char *p, size_t len, struct http_form_part *part,
    const char **data)
{
	struct http_form_span	 line;
	const char		*eol;

	memset(part, 0, sizeof(*part));
	for (;;) {
		if ((eol = http_form_find(p, len, "\r\n", 2)) == NULL)
			return (-1);
		if (eol == p) {
			*data = p + 2;
			return (part->name != NULL ? 0 : -1);
		}
		line.p = p;
		line.len = (size_t)(eol - p);
		if (http_form_part_header(line, part) == -1)
			return (-1);
		len -= line.len + 2;
		p = eol + 2;
	}
}

/* Parts lie between "--boundary" lines; the last delimiter ends in "--". */
int
http_form_multipart(const char *body, size_t len, const char *boundary,
    struct http_form_part *parts, unsigned int max, unsigned int *nparts,
    const char **why)
{
	char		 delim[HTTP_FORM_BOUNDARY_MAX + 5];
	const char	*p, *end = body + len, *data, *next;
	size_t		 dlen;

	*nparts = 0;
	dlen = strlen(boundary);
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, boundary, dlen + 1);
	dlen += 4;
	/* The first delimiter may open the body, without the CRLF before it. */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = http_form_find(body, len, delim, dlen)) != NULL)
		p += dlen;
	else
		goto bad;
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return (0);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			goto bad;
		p += 2;
		if (*nparts >= max) {
			*why = "too many parts in multipart body (at most 100)";
			return (-1);
		}
		if (http_form_part_head(p, (size_t)(end - p), &parts[*nparts], &data) == -1)
			goto bad;
		if ((next = http_form_find(data, (size_t)(end - data), delim, dlen)) == NULL)
			goto bad;
		parts[*nparts].data = data;
		parts[*nparts].data_len = (size_t)(next - data);
		(*nparts)++;
		p = next + dlen;
	}
bad:
	*why = "malformed multipart/form-data body";
	return (-1);
}
