/* response: status lines, response heads and JSON error bodies. */
#ifndef EF_RESPONSE_H
#define EF_RESPONSE_H

#include <time.h>

#include "util/buf.h"

#define RESPONSE_SERVER	"echofetch/" PACKAGE_VERSION

/* How the body is framed. */
enum response_framing {
	RESPONSE_LENGTH = 0,	/* Content-Length: n */
	RESPONSE_CHUNKED,	/* Transfer-Encoding: chunked (HTTP/1.1 only) */
	RESPONSE_UNTIL_CLOSE,	/* no length; body ends when the connection closes (HTTP/1.0) */
};

struct response_head {
	int		 status;
	int		 version;		/* request's: 10 or 11 */
	const char	*content_type;		/* NULL: none */
	enum response_framing framing;
	unsigned long long content_length;
	int		 keep_alive;
	const char	*extra;			/* extra header lines, each ending CRLF, or NULL */
};

const char *response_status_text(int);
/* 1 for 1xx, 204 and 304: no body and no Content-Length or Transfer-Encoding. */
int	response_has_no_body(int);
/* Append "HTTP/1.1 200 OK\r\n...\r\n\r\n". */
void	response_write_head(struct buf *, const struct response_head *, time_t now);
/* The IMF-fixdate for a time; cached per second, thread-safe per thread. */
const char *response_date(time_t now);

#endif
