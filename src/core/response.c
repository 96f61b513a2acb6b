/* response: status lines, response heads and JSON error bodies. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "core/response.h"
#include "util/num.h"

struct response_status {
	int		 code;
	const char	*text;
};

/* The IANA HTTP status code registry (RFC 9110 wording), plus 418. */
static const struct response_status response_statuses[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 102, "Processing" },
	{ 103, "Early Hints" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 203, "Non-Authoritative Information" },
	{ 204, "No Content" },
	{ 205, "Reset Content" },
	{ 206, "Partial Content" },
	{ 207, "Multi-Status" },
	{ 208, "Already Reported" },
	{ 226, "IM Used" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 305, "Use Proxy" },
	{ 306, "Unused" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },
	{ 418, "I'm a teapot" },
	{ 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" },
	{ 423, "Locked" },
	{ 424, "Failed Dependency" },
	{ 425, "Too Early" },
	{ 426, "Upgrade Required" },
	{ 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 451, "Unavailable For Legal Reasons" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
	{ 506, "Variant Also Negotiates" },
	{ 507, "Insufficient Storage" },
	{ 508, "Loop Detected" },
	{ 510, "Not Extended" },
	{ 511, "Network Authentication Required" },
};

/* The reason phrase for a status line; unregistered codes still get a phrase. */
const char *
response_status_text(int code)
{
	size_t	 lo = 0, hi, mid;

	hi = sizeof(response_statuses) / sizeof(response_statuses[0]);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (response_statuses[mid].code == code)
			return (response_statuses[mid].text);
		if (response_statuses[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ("Unknown");
}

/* Formatting a date per response is measurable at high rates; once a second is enough. */
const char *
response_date(time_t now)
{
	static __thread char	 cached[40];
	static __thread time_t	 cached_at;
	static __thread int	 cached_valid;
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm		 tm;

	if (cached_valid && cached_at == now)
		return (cached);
	if (gmtime_r(&now, &tm) == NULL ||
	    tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11)
		return ("Thu, 01 Jan 1970 00:00:00 GMT");
	/* Not strftime: IMF-fixdate names are English whatever the locale. */
	snprintf(cached, sizeof(cached), "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
	cached_at = now;
	cached_valid = 1;
	return (cached);
}

/* 1xx, 204 and 304 never carry a body, nor a length. */
int
response_has_no_body(int status)
{
	return ((status >= 100 && status < 200) || status == 204 || status == 304);
}

/* Room for a head's fixed parts: every literal below and two numbers of 20 digits. */
#define RESPONSE_HEAD_ROOM	(200 + sizeof(RESPONSE_SERVER))

/* Copy n bytes to w, whose room is reserved, and return the end. */
static char *
response_put(char *w, const char *s, size_t n)
{
	memcpy(w, s, n);
	return (w + n);
}

/* A string literal without strlen. */
#define RESPONSE_PUT(w, lit)	response_put((w), (lit), sizeof(lit) - 1)

/* An unsigned decimal number without printf. */
static char *
response_put_uint(char *w, unsigned long long v)
{
	return (w + num_format_u64(w, v));
}

/* The longest status line, Server and Date lines response_prefix keeps. */
#define RESPONSE_PREFIX_MAX	(256 + sizeof(RESPONSE_SERVER))

/*
 * The status line, Server and Date of the last head this thread wrote: at
 * a high rate most heads repeat them within the same second.
 */
struct response_prefix {
	time_t	 at;
	int	 status;
	int	 version;
	size_t	 len;		/* 0: nothing kept */
	char	 text[RESPONSE_PREFIX_MAX];
};

static __thread struct response_prefix	 response_prefix;

/* The status line, Server and Date lines for h at now, made again when one of them changed. */
static const struct response_prefix *
response_prefix_get(const struct response_head *h, time_t now)
{
	struct response_prefix	*c = &response_prefix;
	const char		*reason, *date;
	size_t			 rlen, dlen;
	char			*w;

	if (c->len > 0 && c->at == now && c->status == h->status &&
	    c->version == h->version)
		return (c);
	c->len = 0;
	reason = response_status_text(h->status);
	date = response_date(now);
	rlen = strlen(reason);
	dlen = strlen(date);
	if (rlen + dlen > RESPONSE_PREFIX_MAX - 100 - sizeof(RESPONSE_SERVER))
		return (NULL);
	w = c->text;
	if (h->version == 10)
		w = RESPONSE_PUT(w, "HTTP/1.0 ");
	else
		w = RESPONSE_PUT(w, "HTTP/1.1 ");
	w = response_put_uint(w, (unsigned long long)h->status);
	*w++ = ' ';
	w = response_put(w, reason, rlen);
	w = RESPONSE_PUT(w, "\r\nServer: " RESPONSE_SERVER "\r\nDate: ");
	w = response_put(w, date, dlen);
	w = RESPONSE_PUT(w, "\r\n");
	c->len = (size_t)(w - c->text);
	c->at = now;
	c->status = h->status;
	c->version = h->version;
	return (c);
}

/*
 * One place writes every head so both servers send the same bytes in the
 * same order. The room is reserved once and the bytes copied in place: a
 * dozen appends, each checking for room, cost more than the head itself.
 */
void
response_write_head(struct buf *out, const struct response_head *h, time_t now)
{
	const struct response_prefix	*pre = response_prefix_get(h, now);
	size_t				 tlen = 0, elen = 0;
	char				*w;

	if (pre == NULL) {
		out->oom = 1;	/* reasons and dates are far shorter: never happens */
		return;
	}
	if (h->content_type != NULL)
		tlen = strlen(h->content_type);
	if (h->extra != NULL)
		elen = strlen(h->extra);
	if (buf_reserve(out, RESPONSE_HEAD_ROOM + pre->len + tlen + elen) == -1)
		return;
	w = out->data + out->len;
	w = response_put(w, pre->text, pre->len);
	if (h->content_type != NULL) {
		w = RESPONSE_PUT(w, "Content-Type: ");
		w = response_put(w, h->content_type, tlen);
		w = RESPONSE_PUT(w, "\r\n");
	}
	/* RFC 9110 8.6: no length on 1xx and 204; a 304's would describe a body it never has. */
	switch (response_has_no_body(h->status) ? RESPONSE_UNTIL_CLOSE : h->framing) {
	case RESPONSE_LENGTH:
		w = RESPONSE_PUT(w, "Content-Length: ");
		w = response_put_uint(w, h->content_length);
		w = RESPONSE_PUT(w, "\r\n");
		break;
	case RESPONSE_CHUNKED:
		w = RESPONSE_PUT(w, "Transfer-Encoding: chunked\r\n");
		break;
	case RESPONSE_UNTIL_CLOSE:
		break;
	}
	if (h->status == 101)
		w = RESPONSE_PUT(w, "Connection: Upgrade\r\n");	/* the only 1xx we send whole */
	else if (h->keep_alive && h->framing != RESPONSE_UNTIL_CLOSE)
		w = RESPONSE_PUT(w, "Connection: keep-alive\r\n");
	else
		w = RESPONSE_PUT(w, "Connection: close\r\n");
	w = response_put(w, h->extra != NULL ? h->extra : "", elen);
	w = RESPONSE_PUT(w, "\r\n");
	out->len = (size_t)(w - out->data);
	*w = '\0';
}
