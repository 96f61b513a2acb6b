/* parse: reading one HTTP/1.x response off a load connection, for framing only. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "load/args.h"
#include "load/client.h"
#include "load/parse.h"

#define PARSE_MAX_LINE		8192		/* status line, one header, chunk size */
#define PARSE_WINDOW		(2 * PARSE_MAX_LINE)	/* bytes of head read in place at once */

/*
 * The next CRLF- or LF-ended line at p (rem bytes): 1 with *len (without the
 * EOL) and *used (with it) set, 0 if incomplete, -1 if longer than
 * PARSE_MAX_LINE.
 */
static int
parse_line(const char *p, size_t rem, size_t *len, size_t *used)
{
	const char	*nl = memchr(p, '\n', rem);

	if (nl == NULL)
		return (rem > PARSE_MAX_LINE ? -1 : 0);
	*used = (size_t)(nl - p) + 1;
	*len = *used - 1;
	if (*len > 0 && p[*len - 1] == '\r')
		(*len)--;
	return (*len > PARSE_MAX_LINE ? -1 : 1);
}

/* "HTTP/1.x NNN reason": any other shape is a bad response. */
static int
parse_status_line(struct load_client *clt, const char *l, size_t len)
{
	if (len < 12 || strncmp(l, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)l[7]) ||
	    l[8] != ' ' || !isdigit((unsigned char)l[9]) ||
	    !isdigit((unsigned char)l[10]) || !isdigit((unsigned char)l[11]) ||
	    (len > 12 && l[12] != ' '))
		return (-1);
	clt->clt_minor = l[7] - '0';
	clt->clt_status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (clt->clt_status < 100 || clt->clt_status > 599)
		return (-1);
	return (0);
}

/* 1 if the comma-separated, trimmed header value holds `word` as a whole element. */
static int
parse_has_word(const char *v, size_t len, const char *word)
{
	size_t	n = strlen(word), i = 0, s, e;

	if (memchr(v, ',', len) == NULL)	/* one element, already trimmed */
		return (len == n && strncasecmp(v, word, n) == 0);
	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == n && strncasecmp(v + s, word, n) == 0)
			return (1);
	}
	return (0);
}

/* One header line: only framing and connection headers matter to a load generator. */
static int
parse_header(struct load_client *clt, const char *l, size_t len)
{
	const char		*colon = memchr(l, ':', len), *v;
	size_t			 nlen, vlen, i;
	unsigned long long	 cl = 0;

	if (colon == NULL || colon == l)
		return (-1);
	nlen = (size_t)(colon - l);
	if (nlen != 14 && nlen != 17 && nlen != 10)
		return (0);
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (nlen == 14 && strncasecmp(l, "Content-Length", 14) == 0) {
		if (vlen == 0 || vlen > 18)
			return (-1);
		for (i = 0; i < vlen; i++) {
			if (!isdigit((unsigned char)v[i]))
				return (-1);
			cl = cl * 10 + (unsigned long long)(v[i] - '0');
		}
		if (clt->clt_length >= 0 && (unsigned long long)clt->clt_length != cl)
			return (-1);
		clt->clt_length = (long long)cl;
	} else if (nlen == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0) {
		if (parse_has_word(v, vlen, "chunked"))
			clt->clt_chunked = 1;
	} else if (nlen == 10 && strncasecmp(l, "Connection", 10) == 0) {
		if (parse_has_word(v, vlen, "close"))
			clt->clt_close = 1;
		if (clt->clt_minor == 0 && parse_has_word(v, vlen, "keep-alive"))
			clt->clt_keep = 1;
	}
	return (0);
}

/* After the blank line: pick how the body ends (RFC 9112 section 6.3). */
static int
parse_head_done(struct load_client *clt)
{
	int	st = clt->clt_status;

	if (st >= 100 && st < 200) {
		if (st == 101)
			return (-1);
		clt->clt_resp = RESP_STATUS;	/* interim; the real one follows */
		clt->clt_length = -1;
		clt->clt_chunked = 0;
		return (0);
	}
	if (st == 204 || st == 304 || clt->clt_run->run_head)
		return (1);
	if (clt->clt_chunked) {
		clt->clt_resp = RESP_CHUNK_SIZE;
		return (0);
	}
	if (clt->clt_length >= 0) {
		clt->clt_left = (unsigned long long)clt->clt_length;
		clt->clt_resp = RESP_BODY_LENGTH;
		return (clt->clt_left == 0 ? 1 : 0);
	}
	clt->clt_close = 1;
	clt->clt_resp = RESP_BODY_EOF;
	return (0);
}

/* A chunk-size line: hex digits, then optional ";ext". */
static int
parse_chunk_size(struct load_client *clt, const char *l, size_t len)
{
	unsigned long long	v = 0;
	size_t			i;
	int			d;

	for (i = 0; i < len && isxdigit((unsigned char)l[i]); i++) {
		if (i >= 15)
			return (-1);
		d = isdigit((unsigned char)l[i]) ? l[i] - '0' :
		    tolower((unsigned char)l[i]) - 'a' + 10;
		v = v * 16 + (unsigned long long)d;
	}
	if (i == 0 || (i < len && l[i] != ';' && l[i] != ' ' && l[i] != '\t'))
		return (-1);
	clt->clt_left = v;
	clt->clt_resp = v == 0 ? RESP_TRAILER : RESP_CHUNK_DATA;
	return (0);
}

/* Drop up to clt_left body bytes; 1 when they are all in. */
static int
parse_skip(struct load_client *clt, struct evbuffer *in)
{
	size_t	have = evbuffer_get_length(in);
	size_t	n = clt->clt_left < have ? (size_t)clt->clt_left : have;

	evbuffer_drain(in, n);
	clt->clt_left -= n;
	return (clt->clt_left == 0);
}

/* One line-based step of the parser; rc as parse_http. */
static int
parse_http_line(struct load_client *clt, const char *l, size_t len)
{
	switch (clt->clt_resp) {
	case RESP_STATUS:
		if (parse_status_line(clt, l, len) == -1)
			return (-1);
		clt->clt_head = len;
		clt->clt_resp = RESP_HEADERS;
		return (0);
	case RESP_HEADERS:
		if (len == 0)
			return (parse_head_done(clt));
		clt->clt_head += len;
		if (clt->clt_head > PARSE_MAX_HEAD)
			return (-1);
		return (parse_header(clt, l, len));
	case RESP_CHUNK_SIZE:
		return (parse_chunk_size(clt, l, len));
	case RESP_CHUNK_END:
		if (len != 0)
			return (-1);
		clt->clt_resp = RESP_CHUNK_SIZE;
		return (0);
	case RESP_TRAILER:
		return (len == 0 ? 1 : 0);
	default:
		return (-1);
	}
}

/*
 * Run the parser over rem contiguous bytes at p; *used says how many it
 * consumed (a partial line is left). rc as parse_http.
 */
int
parse_flat(struct load_client *clt, const char *p, size_t rem, size_t *used)
{
	size_t	off = 0, len, n;
	int	rc = 0;

	for (;;) {
		switch (clt->clt_resp) {
		case RESP_BODY_LENGTH:
		case RESP_CHUNK_DATA:
			n = clt->clt_left < rem - off ? (size_t)clt->clt_left : rem - off;
			off += n;
			clt->clt_left -= n;
			if (clt->clt_left > 0)
				goto out;
			if (clt->clt_resp == RESP_BODY_LENGTH) {
				rc = 1;
				goto out;
			}
			clt->clt_resp = RESP_CHUNK_END;
			continue;
		case RESP_BODY_EOF:
			off = rem;
			goto out;
		default:
			break;
		}
		if ((rc = parse_line(p + off, rem - off, &len, &n)) != 1)
			goto out;
		rc = parse_http_line(clt, p + off, len);
		off += n;
		if (rc != 0)
			goto out;
	}
out:
	*used = off;
	return (rc);
}

/*
 * Feed what arrived to the parser: 1 response complete, 0 need more, -1 bad.
 * Heads are read in place from one contiguous window; bodies that do not fit
 * it are drained without being copied.
 */
int
parse_http(struct load_client *clt, struct evbuffer *in)
{
	const char	*p;
	size_t		 have, win, used;
	int		 rc;

	for (;;) {
		switch (clt->clt_resp) {
		case RESP_BODY_LENGTH:
			return (parse_skip(clt, in));
		case RESP_BODY_EOF:
			evbuffer_drain(in, evbuffer_get_length(in));
			return (0);
		case RESP_CHUNK_DATA:
			if (!parse_skip(clt, in))
				return (0);
			clt->clt_resp = RESP_CHUNK_END;
			continue;
		default:
			break;
		}
		if ((have = evbuffer_get_length(in)) == 0)
			return (0);
		win = have < PARSE_WINDOW ? have : PARSE_WINDOW;
		if ((p = (const char *)evbuffer_pullup(in, (ev_ssize_t)win)) == NULL)
			return (-1);
		rc = parse_flat(clt, p, win, &used);
		evbuffer_drain(in, used);
		if (rc != 0 || win == have)
			return (rc);
	}
}
