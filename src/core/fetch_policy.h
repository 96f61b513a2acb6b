/* fetch_policy: which URLs and upstream addresses a fetch may use (SSRF rules). */
#ifndef EF_FETCH_POLICY_H
#define EF_FETCH_POLICY_H

/* Ends a refused address's 403: the setting that would let it through. */
#define FETCH_POLICY_HINT	" (not in fetch_allow)"

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#include <curl/curl.h>

#define FETCH_POLICY_ALLOW_MAX	32	/* CIDRs in fetch_allow */
#define FETCH_POLICY_REASON_MAX	192	/* room for any reason these functions write */

/* One allowed network; v4 uses the first 4 bytes of addr. */
struct fetch_cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];	/* host bits cleared */
	unsigned int	 bits;
};

/*
 * Safe by default: with no allow list every loopback, private, link-local,
 * CGNAT, multicast, unspecified, broadcast and reserved address (and their
 * IPv6 forms, including IPv4-mapped, NAT64 and 6to4 ones that embed such
 * an IPv4 address) is refused. The allow list overrides the deny list.
 * Pure functions: no I/O, no DNS; safe to share read-only across threads.
 */
struct fetch_policy {
	struct fetch_cidr allow[FETCH_POLICY_ALLOW_MAX];
	unsigned int	 nallow;
};

/*
 * Parse "127.0.0.0/8, ::1/128" (commas and/or spaces between; a bare
 * address is a /32 or /128; "" is an empty list). -1 with why on junk.
 */
int	fetch_policy_parse(struct fetch_policy *, const char *list, char *why, size_t);
/*
 * Check a URL as curl will parse it: http or https only, a host, no user
 * name or password; a numeric host (in any form curl accepts: 2130706433,
 * 0x7f000001, [::ffff:127.0.0.1] ...) must pass fetch_policy_check_addr
 * too. 0, or -1 with why ("scheme file is not allowed (http and https only)"),
 * or FETCH_POLICY_MALFORMED when it is no URL at all (a 400, not a refusal).
 */
#define FETCH_POLICY_MALFORMED	-2
int	fetch_policy_check_url(const struct fetch_policy *, const char *url,
	    char *why, size_t);
/*
 * curl's parse of url (the flags of fetch_policy_check_url), taken from
 * this thread's last passed check of the same text or made anew; the
 * caller frees it. NULL with rc set when url does not parse.
 */
CURLU	*fetch_policy_take_parsed(const char *url, CURLUcode *rc);
/* The same for a URL already parsed by curl_url_set (the handle a transfer then uses). */
int	fetch_policy_check_curlu(const struct fetch_policy *, CURLU *, char *why, size_t);
/*
 * Check the address a socket is about to connect to. 0, or -1 with why:
 * "address 10.0.0.1 is private (RFC 1918)".
 */
int	fetch_policy_check_addr(const struct fetch_policy *, const struct sockaddr *,
	    socklen_t, char *why, size_t);
/* The same for a numeric address in text ("10.0.0.1", "::1"); -1 also when it is not one. */
int	fetch_policy_check_ip(const struct fetch_policy *, const char *ip,
	    char *why, size_t);

/* Append FETCH_POLICY_HINT to why when it refuses an address (fits or stays). */
void	fetch_policy_hint(char *why, size_t len);

#endif
