/* url: a target URL taken apart, its host looked up, for args and the tests. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netdb.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load/args.h"
#include "load/url.h"
#include "util/err.h"
#include "util/num.h"

/* Resolve host (a name, or a numeric address) into t->addr: the first address getaddrinfo gives. */
static int
url_host_addr(struct load_target *t, const char *host, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 port[16];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%u", t->port);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY || rc == EAI_NODATA) {
		/* AI_ADDRCONFIG hides ::1 on hosts with only loopback v6: ask again without it. */
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(host, port, &hints, &res);
	}
	if (rc != 0)
		return (err_set(err, errlen, "host '%s': %s", host, gai_strerror(rc)));
	memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
	t->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

/* Split the authority into host and port; v6 needs brackets so its colons are unambiguous. */
static int
url_authority(struct load_target *a, const char *s, size_t len, char *err, size_t errlen)
{
	char			 host[ARGS_HOST_LEN], port[16];
	const char		*colon = NULL, *close;
	size_t			 hlen;
	int			 bracketed = 0;
	uint64_t		 p;

	if (memchr(s, '@', len) != NULL)
		return (err_set(err, errlen, "user names in URLs are not supported"));
	if (len > 0 && s[0] == '[') {
		close = memchr(s, ']', len);
		if (close == NULL)
			return (err_set(err, errlen, "unclosed '[' in URL host"));
		bracketed = 1;
		hlen = (size_t)(close - s - 1);
		memcpy(host, s + 1, hlen < sizeof(host) ? hlen : 0);
		if (close + 1 < s + len) {
			if (close[1] != ':')
				return (err_set(err, errlen, "junk after ']' in URL host"));
			colon = close + 1;
		}
	} else {
		colon = memchr(s, ':', len);
		hlen = colon ? (size_t)(colon - s) : len;
		if (colon && memchr(colon + 1, ':', len - hlen - 1) != NULL)
			return (err_set(err, errlen, "IPv6 hosts need brackets: http://[::1]:8080/"));
		memcpy(host, s, hlen < sizeof(host) ? hlen : 0);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return (err_set(err, errlen, "missing or overlong host in URL"));
	host[hlen] = '\0';
	a->port = a->proto == ARGS_TCP ? 0 : a->tls ? 443 : 80;
	if (colon != NULL && (size_t)(s + len - colon - 1) > 0) {
		if ((size_t)(s + len - colon - 1) >= sizeof(port))
			return (err_set(err, errlen, "bad port in URL"));
		memcpy(port, colon + 1, (size_t)(s + len - colon - 1));
		port[s + len - colon - 1] = '\0';
		if (num_parse_u64(port, strlen(port), 65535, &p) == -1 || p == 0)
			return (err_set(err, errlen, "bad port '%s' in URL (1..65535)", port));
		a->port = (unsigned int)p;
	}
	if (a->port == 0)
		return (err_set(err, errlen, "tcp:// targets need a port: tcp://127.0.0.1:7"));
	if (bracketed && !strchr(host, ':'))
		return (err_set(err, errlen, "'[%s]' is not an IPv6 address", host));
	if (url_host_addr(a, host, err, errlen) == -1)
		return (-1);
	snprintf(a->host, sizeof(a->host), bracketed ? "[%s]" : "%s", host);
	snprintf(a->name, sizeof(a->name), "%s", host);
	return (0);
}

/* Set the path (and query) to send; fragments are the client's business and dropped. */
static int
url_path(struct load_target *a, const char *s, char *err, size_t errlen)
{
	size_t	 len = strcspn(s, "#");
	size_t	 i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return (err_set(err, errlen, "URL contains spaces or control characters"));
	}
	if (a->proto == ARGS_TCP && len > 0 && !(len == 1 && s[0] == '/'))
		return (err_set(err, errlen, "tcp:// targets take no path"));
	free(a->path);
	if ((a->path = malloc(len + 2)) == NULL)
		return (err_set(err, errlen, "out of memory"));
	if (len == 0 || s[0] != '/')
		snprintf(a->path, len + 2, "/%.*s", (int)len, s);
	else
		snprintf(a->path, len + 2, "%.*s", (int)len, s);
	return (0);
}

/* The schemes, longest first so "https" is not read as "http". */
static const struct {
	const char	*sc_prefix;
	enum args_proto	 sc_proto;
	int		 sc_tls;
} url_schemes[] = {
	{ "https://", ARGS_HTTP, 1 },
	{ "http://", ARGS_HTTP, 0 },
	{ "tcp://", ARGS_TCP, 0 },
	{ "wss://", ARGS_WS, 1 },
	{ "ws://", ARGS_WS, 0 },
};

/* http[s]://host[:port][/path][?query], ws[s]://... or tcp://host:port. */
int
url_parse(struct load_target *t, const char *url, char *err, size_t errlen)
{
	const char	*rest = NULL;
	size_t		 alen, i;

	for (i = 0; i < sizeof(url_schemes) / sizeof(url_schemes[0]); i++) {
		alen = strlen(url_schemes[i].sc_prefix);
		if (strncasecmp(url, url_schemes[i].sc_prefix, alen) == 0) {
			t->proto = url_schemes[i].sc_proto;
			t->tls = url_schemes[i].sc_tls;
			rest = url + alen;
			break;
		}
	}
	if (rest == NULL)
		return (err_set(err, errlen, "bad target '%s': want http[s]://host[:port]/path, "
		    "ws[s]://host[:port]/path or tcp://host:port", url));
	alen = strcspn(rest, "/?#");
	if (url_authority(t, rest, alen, err, errlen) == -1)
		return (-1);
	return (url_path(t, rest + alen, err, errlen));
}
