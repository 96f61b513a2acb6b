/* http_body: the request body states of the parser: Content-Length and chunked (RFC 9112 7.1). */
#include "autoconfig.h"

#include <string.h>

#include "util/buf.h"
#include "core/http.h"
#include "core/http_impl.h"

/* A Content-Length body: take what is due and no more. */
int
http_feed_length(struct http_parser *p, const char *data, size_t len,
    size_t *used)
{
	size_t	 n;

	n = len < p->remaining ? len : (size_t)p->remaining;
	buf_append(&p->req.body, data, n);
	*used = n;
	if (p->req.body.oom)
		return (http_fail(p, 500, "out of memory"));
	p->remaining -= n;
	if (p->remaining == 0)
		p->state = HTTP_STATE_DONE;
	return (0);
}

/* The size is known at its line's end, so 413 comes before any data. */
static int
http_chunk_size_end(struct http_parser *p, enum http_parser_state next)
{
	if (p->remaining > p->limits.body_max - p->req.body.len)
		return (http_fail(p, 413, "body too large (body_max)"));
	p->state = next;
	p->line_len = 0;
	return (0);
}

/* chunk-size [ chunk-ext ] CRLF, one byte at a time. */
static int
http_chunk_line_byte(struct http_parser *p, unsigned char c)
{
	int	 v;

	if (p->state == HTTP_STATE_CHUNK_SIZE) {
		if ((v = http_hexval(c)) != -1) {
			if (p->chunk_digits++ == HTTP_CHUNK_DIGITS_MAX)
				return (http_fail(p, 400, "bad chunk size"));
			p->remaining = p->remaining * 16 + (unsigned int)v;
			return (0);
		}
		if (p->chunk_digits == 0 || (c != ';' && c != '\r'))
			return (http_fail(p, 400, "bad chunk size"));
		return (http_chunk_size_end(p, c == ';' ?
		    HTTP_STATE_CHUNK_EXT : HTTP_STATE_CHUNK_SIZE_LF));
	}
	if (p->state == HTTP_STATE_CHUNK_EXT) {
		if (c == '\r') {
			p->state = HTTP_STATE_CHUNK_SIZE_LF;
			return (0);
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return (http_fail(p, 400, "bad chunk extension"));
		if (++p->line_len > HTTP_CHUNK_EXT_MAX)
			return (http_fail(p, 400, "chunk extension too long"));
		return (0);
	}
	/* HTTP_STATE_CHUNK_SIZE_LF */
	if (c != '\n')
		return (http_fail(p, 400, "bad chunk size"));
	p->chunk_digits = 0;
	p->line_len = 0;
	p->saw_cr = 0;
	p->state = p->remaining == 0 ? HTTP_STATE_TRAILER :
	    HTTP_STATE_CHUNK_DATA;
	return (0);
}

/* Trailer fields are skipped, but framed and bounded like the head. */
static int
http_trailer_byte(struct http_parser *p, unsigned char c)
{
	/* p->remaining counts trailer bytes here; the last chunk left it 0. */
	if (++p->remaining > p->limits.header_block_max)
		return (http_fail(p, 431, "trailer section too large (header_block_max)"));
	if (p->saw_cr) {
		if (c != '\n')
			return (http_fail(p, 400, "bare CR in trailer"));
		p->saw_cr = 0;
		if (p->line_len == 0)
			p->state = HTTP_STATE_DONE;
		p->line_len = 0;
		return (0);
	}
	if (c == '\r') {
		p->saw_cr = 1;
		return (0);
	}
	if (c == '\n')
		return (http_fail(p, 400, "bare LF in trailer"));
	if (p->line_len == 0 && (c == ' ' || c == '\t'))
		return (http_fail(p, 400, "obs-fold not allowed"));
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return (http_fail(p, 400, "control character in trailer"));
	p->line_len++;
	return (0);
}

/*
 * One framing byte outside chunk data. Each is counted: size lines,
 * extensions and trailers may add up to chunk_overhead_max more than the
 * data itself, so 1-byte chunks with 4 KiB extensions (CVE-2023-39326 in
 * Go, CVE-2024-22019 in Node) cannot make a small body cost megabytes.
 */
static int
http_chunk_byte(struct http_parser *p, unsigned char c)
{
	if (++p->chunk_framing > p->limits.chunk_overhead_max + p->req.body.len)
		return (http_fail(p, 400, "chunk framing (sizes, extensions, trailers) "
		    "exceeds the data by more than chunk_overhead_max"));
	switch (p->state) {
	case HTTP_STATE_CHUNK_DATA_CR:
		if (c != '\r')
			return (http_fail(p, 400,
			    "missing CRLF after chunk data"));
		p->state = HTTP_STATE_CHUNK_DATA_LF;
		return (0);
	case HTTP_STATE_CHUNK_DATA_LF:
		if (c != '\n')
			return (http_fail(p, 400,
			    "missing CRLF after chunk data"));
		p->state = HTTP_STATE_CHUNK_SIZE;
		p->remaining = 0;
		p->chunk_digits = 0;
		return (0);
	case HTTP_STATE_TRAILER:
		return (http_trailer_byte(p, c));
	default:
		return (http_chunk_line_byte(p, c));
	}
}

/* A chunked body: data runs are copied whole, framing goes byte by byte. */
int
http_feed_chunked(struct http_parser *p, const char *data, size_t len,
    size_t *used)
{
	size_t	 i = 0, n;

	while (i < len && p->state != HTTP_STATE_DONE) {
		if (p->state != HTTP_STATE_CHUNK_DATA) {
			if (http_chunk_byte(p, (unsigned char)data[i++]) == 0)
				continue;
			*used = i;
			return (-1);
		}
		n = len - i < p->remaining ? len - i : (size_t)p->remaining;
		buf_append(&p->req.body, data + i, n);
		i += n;
		if (p->req.body.oom) {
			*used = i;
			return (http_fail(p, 500, "out of memory"));
		}
		p->remaining -= n;
		if (p->remaining == 0)
			p->state = HTTP_STATE_CHUNK_DATA_CR;
	}
	*used = i;
	return (0);
}

