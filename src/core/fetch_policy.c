/* fetch_policy: which URLs and upstream addresses a fetch may use (SSRF rules). */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/fetch_policy.h"

/* A denied range: prefix, length, and what to call it. */
struct fetch_policy_range {
	unsigned char	 addr[16];
	unsigned int	 bits;
	const char	*what;
};

/* IPv4 ranges nobody should fetch from a public service; first match names it. */
static const struct fetch_policy_range fetch_policy_v4[] = {
	{ { 0, 0, 0, 0 }, 8, "unspecified (0.0.0.0/8)" },
	{ { 10, 0, 0, 0 }, 8, "private (RFC 1918)" },
	{ { 100, 64, 0, 0 }, 10, "shared address space (CGNAT, RFC 6598)" },
	{ { 127, 0, 0, 0 }, 8, "loopback" },
	{ { 169, 254, 0, 0 }, 16, "link-local" },
	{ { 172, 16, 0, 0 }, 12, "private (RFC 1918)" },
	{ { 192, 0, 0, 0 }, 24, "reserved (IETF protocol assignments)" },
	{ { 192, 0, 2, 0 }, 24, "reserved (documentation)" },
	{ { 192, 168, 0, 0 }, 16, "private (RFC 1918)" },
	{ { 198, 18, 0, 0 }, 15, "reserved (benchmarking)" },
	{ { 198, 51, 100, 0 }, 24, "reserved (documentation)" },
	{ { 203, 0, 113, 0 }, 24, "reserved (documentation)" },
	{ { 224, 0, 0, 0 }, 4, "multicast" },
	{ { 255, 255, 255, 255 }, 32, "broadcast" },
	{ { 240, 0, 0, 0 }, 4, "reserved (240.0.0.0/4)" },
};

/* IPv6 ranges denied outright; embedded-IPv4 forms are handled separately. */
static const struct fetch_policy_range fetch_policy_v6[] = {
	{ { 0 }, 128, "unspecified" },
	{ { [15] = 1 }, 128, "loopback" },
	{ { 0 }, 96, "IPv4-compatible (deprecated)" },
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48, "local-use NAT64 (RFC 8215)" },
	{ { 0x01, 0x00 }, 64, "discard-only (RFC 6666)" },
	{ { 0x20, 0x01, 0x00, 0x00 }, 32, "Teredo (2001::/32)" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "reserved (documentation)" },
	{ { 0xfc }, 7, "unique local (fc00::/7)" },
	{ { 0xfe, 0x80 }, 10, "link-local" },
	{ { 0xfe, 0xc0 }, 10, "site-local (deprecated)" },
	{ { 0xff }, 8, "multicast" },
};

#define FETCH_POLICY_NV4	(sizeof(fetch_policy_v4) / sizeof(fetch_policy_v4[0]))
#define FETCH_POLICY_NV6	(sizeof(fetch_policy_v6) / sizeof(fetch_policy_v6[0]))

/* Compare the first `bits` bits of two addresses. */
static int
fetch_policy_prefix_eq(const unsigned char *a, const unsigned char *b, unsigned int bits)
{
	unsigned int	 whole = bits / 8, rest = bits % 8;
	unsigned char	 mask;

	if (memcmp(a, b, whole) != 0)
		return (0);
	if (rest == 0)
		return (1);
	mask = (unsigned char)(0xff << (8 - rest));
	return ((a[whole] & mask) == (b[whole] & mask));
}

/* Clear the host bits so a CIDR compares by its network alone. */
static void
fetch_policy_mask(unsigned char *a, size_t alen, unsigned int bits)
{
	size_t	 i;

	for (i = 0; i < alen; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			a[i] &= (unsigned char)(0xff << (8 - bits));
			bits = 0;
		}
	}
}

/* Parse one "addr[/bits]" item of the allow list. */
static int
fetch_policy_parse_one(struct fetch_cidr *c, const char *item, char *why, size_t len)
{
	char		 addr[64], *slash, *end;
	unsigned long	 bits, max;

	if (strlen(item) >= sizeof(addr)) {
		snprintf(why, len, "fetch_allow: \"%.40s...\" is too long for a CIDR",
		    item);
		return (-1);
	}
	strcpy(addr, item);
	if ((slash = strchr(addr, '/')) != NULL)
		*slash++ = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, addr, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		snprintf(why, len, "fetch_allow: \"%s\" is not an IP address or CIDR",
		    item);
		return (-1);
	}
	bits = max;
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9' ||
		    (bits = strtoul(slash, &end, 10)) > max || *end != '\0') {
			snprintf(why, len, "fetch_allow: \"%s\": prefix length "
			    "must be 0..%lu", item, max);
			return (-1);
		}
	}
	c->bits = (unsigned int)bits;
	fetch_policy_mask(c->addr, max / 8, c->bits);
	return (0);
}

/* Commas and spaces both separate, so the value reads naturally either way. */
int
fetch_policy_parse(struct fetch_policy *pol, const char *list, char *why, size_t len)
{
	char		 item[256];
	size_t		 n;

	memset(pol, 0, sizeof(*pol));
	while (*list != '\0') {
		list += strspn(list, ", \t");
		if ((n = strcspn(list, ", \t")) == 0)
			break;
		if (pol->nallow >= FETCH_POLICY_ALLOW_MAX) {
			snprintf(why, len, "fetch_allow: at most %d CIDRs",
			    FETCH_POLICY_ALLOW_MAX);
			return (-1);
		}
		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, list, n);
		item[n] = '\0';
		if (fetch_policy_parse_one(&pol->allow[pol->nallow], item, why,
		    len) == -1)
			return (-1);
		pol->nallow++;
		list += strcspn(list, ", \t");
	}
	return (0);
}

/* 1 if the allow list covers the address. */
static int
fetch_policy_allowed(const struct fetch_policy *pol, int family, const unsigned char *a)
{
	unsigned int	 i;

	for (i = 0; i < pol->nallow; i++)
		if (pol->allow[i].family == family &&
		    fetch_policy_prefix_eq(a, pol->allow[i].addr, pol->allow[i].bits))
			return (1);
	return (0);
}

/* What kind of denied IPv4 address this is, or NULL if it is fine. */
static const char *
fetch_policy_v4_class(const struct fetch_policy *pol, const unsigned char *a)
{
	size_t	 i;

	if (fetch_policy_allowed(pol, AF_INET, a))
		return (NULL);
	for (i = 0; i < FETCH_POLICY_NV4; i++)
		if (fetch_policy_prefix_eq(a, fetch_policy_v4[i].addr,
		    fetch_policy_v4[i].bits))
			return (fetch_policy_v4[i].what);
	return (NULL);
}

/* Where an IPv6 address carries an IPv4 one that decides for it, or NULL. */
static const char *
fetch_policy_v6_embedded(const unsigned char *a, unsigned char *v4)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

	if (memcmp(a, mapped, 12) == 0) {
		memcpy(v4, a + 12, 4);
		return ("IPv4-mapped");
	}
	if (memcmp(a, nat64, 12) == 0) {
		memcpy(v4, a + 12, 4);
		return ("NAT64");
	}
	if (a[0] == 0x20 && a[1] == 0x02) {
		memcpy(v4, a + 2, 4);
		return ("6to4");
	}
	return (NULL);
}

/* Decide for an IPv6 address; fills why when it is denied. */
static int
fetch_policy_check_v6(const struct fetch_policy *pol, const unsigned char *a,
    char *why, size_t len)
{
	char		 text[INET6_ADDRSTRLEN], text4[INET_ADDRSTRLEN];
	unsigned char	 v4[4];
	const char	*form, *what;
	size_t		 i;

	if (fetch_policy_allowed(pol, AF_INET6, a))
		return (0);
	inet_ntop(AF_INET6, a, text, sizeof(text));
	if ((form = fetch_policy_v6_embedded(a, v4)) != NULL) {
		if ((what = fetch_policy_v4_class(pol, v4)) == NULL)
			return (0);
		inet_ntop(AF_INET, v4, text4, sizeof(text4));
		snprintf(why, len, "address %s is %s, and %s is %s", text, form,
		    text4, what);
		return (-1);
	}
	for (i = 0; i < FETCH_POLICY_NV6; i++) {
		if (fetch_policy_prefix_eq(a, fetch_policy_v6[i].addr,
		    fetch_policy_v6[i].bits)) {
			snprintf(why, len, "address %s is %s", text,
			    fetch_policy_v6[i].what);
			return (-1);
		}
	}
	return (0);
}

/* Decide for an IPv4 address; fills why when it is denied. */
static int
fetch_policy_check_v4(const struct fetch_policy *pol, const unsigned char *a,
    char *why, size_t len)
{
	char		 text[INET_ADDRSTRLEN];
	const char	*what;

	if ((what = fetch_policy_v4_class(pol, a)) == NULL)
		return (0);
	inet_ntop(AF_INET, a, text, sizeof(text));
	snprintf(why, len, "address %s is %s", text, what);
	return (-1);
}

/* The gate every upstream socket passes, redirects included. */
int
fetch_policy_check_addr(const struct fetch_policy *pol, const struct sockaddr *sa,
    socklen_t salen, char *why, size_t len)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	if (sa->sa_family == AF_INET && salen >= (socklen_t)sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		return (fetch_policy_check_v4(pol,
		    (const unsigned char *)&sin.sin_addr, why, len));
	}
	if (sa->sa_family == AF_INET6 && salen >= (socklen_t)sizeof(sin6)) {
		memcpy(&sin6, sa, sizeof(sin6));
		return (fetch_policy_check_v6(pol, sin6.sin6_addr.s6_addr, why,
		    len));
	}
	snprintf(why, len, "address family %d is not allowed", (int)sa->sa_family);
	return (-1);
}

/* Text form, for URL hosts and tests. */
int
fetch_policy_check_ip(const struct fetch_policy *pol, const char *ip, char *why,
    size_t len)
{
	unsigned char	 a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return (fetch_policy_check_v4(pol, a, why, len));
	if (inet_pton(AF_INET6, ip, a) == 1)
		return (fetch_policy_check_v6(pol, a, why, len));
	snprintf(why, len, "\"%.64s\" is not an IP address", ip);
	return (-1);
}

/* A numeric host ("127.0.0.1", "[::1]") is checked now; names wait for the connect. */
static int
fetch_policy_check_host(const struct fetch_policy *pol, const char *host,
    char *why, size_t len)
{
	char		 ip[INET6_ADDRSTRLEN + 2];
	unsigned char	 a[16];
	size_t		 n = strlen(host);

	if (host[0] == '[' && n >= 2 && n - 2 < sizeof(ip)) {
		memcpy(ip, host + 1, n - 2);
		ip[n - 2] = '\0';
		if (inet_pton(AF_INET6, ip, a) == 1)
			return (fetch_policy_check_v6(pol, a, why, len));
		snprintf(why, len, "bad URL: bad IPv6 host %.64s", host);
		return (-1);
	}
	if (inet_pton(AF_INET, host, a) == 1)
		return (fetch_policy_check_v4(pol, a, why, len));
	return (0);
}

/* The URL's parts, as curl sees them, against the rules. */
int
fetch_policy_check_curlu(const struct fetch_policy *pol, CURLU *u, char *why,
    size_t len)
{
	char		*part = NULL;
	int		 rv = -1;

	if (curl_url_get(u, CURLUPART_SCHEME, &part, 0) != CURLUE_OK) {
		snprintf(why, len, "bad URL: no scheme");
		return (-1);
	}
	if (strcmp(part, "http") != 0 && strcmp(part, "https") != 0) {
		snprintf(why, len, "scheme %.32s is not allowed (http and https only)",
		    part);
		goto done;
	}
	curl_free(part);
	part = NULL;
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
		snprintf(why, len, "URL must not carry a user name or password");
		goto done;
	}
	if (curl_url_get(u, CURLUPART_HOST, &part, 0) != CURLUE_OK ||
	    part == NULL || *part == '\0') {
		snprintf(why, len, "bad URL: no host");
		goto done;
	}
	rv = fetch_policy_check_host(pol, part, why, len);
done:
	curl_free(part);
	return (rv);
}

/*
 * The last URL fetch_policy_check_url passed on a thread, kept parsed:
 * /fetch checks its URL when it plans and again when its transfer
 * starts, on the same thread and mostly in the same loop pass, and
 * curl's parse is the dearest step of either.
 */
struct fetch_policy_parsed {
	char		*url;
	size_t		 size;		/* of url's buffer */
	CURLU		*u;		/* NULL: nothing kept */
};

static pthread_key_t	 fetch_policy_parsed_key;
static pthread_once_t	 fetch_policy_parsed_once = PTHREAD_ONCE_INIT;
static int		 fetch_policy_parsed_ok;

/* A thread ends: free what it kept. */
static void
fetch_policy_parsed_free(void *arg)
{
	struct fetch_policy_parsed	*p = arg;

	curl_url_cleanup(p->u);
	free(p->url);
	free(p);
}

/* Make the key once per process. */
static void
fetch_policy_parsed_init(void)
{
	fetch_policy_parsed_ok = pthread_key_create(&fetch_policy_parsed_key,
	    fetch_policy_parsed_free) == 0;
}

/* This thread's slot, made on first use; NULL if it cannot be. */
static struct fetch_policy_parsed *
fetch_policy_parsed_slot(void)
{
	struct fetch_policy_parsed	*p;

	pthread_once(&fetch_policy_parsed_once, fetch_policy_parsed_init);
	if (!fetch_policy_parsed_ok)
		return (NULL);
	if ((p = pthread_getspecific(fetch_policy_parsed_key)) != NULL)
		return (p);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	if (pthread_setspecific(fetch_policy_parsed_key, p) != 0) {
		free(p);
		return (NULL);
	}
	return (p);
}

/* Keep u, the parse of url, for fetch_policy_take_parsed; else free it. */
static void
fetch_policy_keep_parsed(const char *url, CURLU *u)
{
	struct fetch_policy_parsed	*p;
	size_t				 len = strlen(url) + 1;
	char				*n;

	if ((p = fetch_policy_parsed_slot()) == NULL) {
		curl_url_cleanup(u);
		return;
	}
	curl_url_cleanup(p->u);
	p->u = NULL;
	if (len > p->size) {
		if ((n = realloc(p->url, len)) == NULL) {
			curl_url_cleanup(u);
			return;
		}
		p->url = n;
		p->size = len;
	}
	memcpy(p->url, url, len);
	p->u = u;
}

/* Parse a URL as a fetch does: the flags of every check and transfer. */
static CURLU *
fetch_policy_parse_url(const char *url, CURLUcode *rc)
{
	CURLU	*u;

	if ((u = curl_url()) == NULL) {
		*rc = CURLUE_OUT_OF_MEMORY;
		return (NULL);
	}
	if ((*rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)) !=
	    CURLUE_OK) {
		curl_url_cleanup(u);
		return (NULL);
	}
	return (u);
}

/* curl's parse of url: the one this thread's last check kept, or a new one. */
CURLU *
fetch_policy_take_parsed(const char *url, CURLUcode *rc)
{
	struct fetch_policy_parsed	*p;
	CURLU				*u;

	*rc = CURLUE_OK;
	p = fetch_policy_parsed_ok ? pthread_getspecific(fetch_policy_parsed_key) : NULL;
	if (p != NULL && p->u != NULL && strcmp(p->url, url) == 0) {
		u = p->u;
		p->u = NULL;
		return (u);
	}
	return (fetch_policy_parse_url(url, rc));
}

/* Parse with curl's own URL parser so we judge exactly what curl will fetch. */
int
fetch_policy_check_url(const struct fetch_policy *pol, const char *url, char *why,
    size_t len)
{
	CURLU		*u;
	CURLUcode	 rc;

	if ((u = fetch_policy_parse_url(url, &rc)) == NULL) {
		if (rc == CURLUE_OUT_OF_MEMORY)
			snprintf(why, len, "out of memory");
		else {
			snprintf(why, len, "url is not an absolute http or https URL "
			    "(%s)", curl_url_strerror(rc));
			return (FETCH_POLICY_MALFORMED);
		}
		return (-1);
	}
	if (fetch_policy_check_curlu(pol, u, why, len) == -1) {
		curl_url_cleanup(u);
		return (-1);
	}
	fetch_policy_keep_parsed(url, u);
	return (0);
}

/* A client told "address X is private" also learns which setting allows it. */
void
fetch_policy_hint(char *why, size_t len)
{
	size_t	 n = strlen(why);

	if (strncmp(why, "address ", 8) == 0 && n + sizeof(FETCH_POLICY_HINT) <= len)
		memcpy(why + n, FETCH_POLICY_HINT, sizeof(FETCH_POLICY_HINT));
}
