/* udp_limit: which UDP echo datagrams get an answer, so echo cannot loop or flood. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "core/udp_limit.h"

#define UDP_LIMIT_NS		1000000000ULL
#define UDP_LIMIT_RESERVED	1024	/* ports below this need root: servers, never clients */
#define UDP_LIMIT_NFS		2049	/* a server above the reserved range (as OpenBSD inetd) */

static const uint8_t	 udp_limit_mapped[12] = { [10] = 0xff, [11] = 0xff };

static int	udp_limit_key(const struct sockaddr *, socklen_t, uint8_t *, unsigned int *);
static int	udp_limit_bogus(const uint8_t *);
static unsigned int udp_limit_own_port(const struct sockaddr *);
static struct udp_limit_slot *udp_limit_slot(struct udp_limit *, const uint8_t *);
static int	udp_limit_due(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t *);

/* A rate as the gap between replies, and a second's worth of them as burst. */
static void
udp_limit_rate(unsigned int rate, uint64_t *ival, uint64_t *burst)
{
	*ival = *burst = 0;
	if (rate == 0)
		return;
	*ival = UDP_LIMIT_NS / rate;
	if (*ival == 0)
		*ival = 1;
	*burst = (uint64_t)(rate - 1) * *ival;
}

/* Empty table; rates in replies per second (0 = unlimited), each with a second's burst. */
void
udp_limit_init(struct udp_limit *ul, unsigned int rate, unsigned int rate_global,
    uint64_t seed)
{
	memset(ul, 0, sizeof(*ul));
	ul->ul_seed = seed;
	udp_limit_rate(rate, &ul->ul_src_ival, &ul->ul_src_burst);
	udp_limit_rate(rate_global, &ul->ul_all_ival, &ul->ul_all_burst);
}

/*
 * No host sends from these, so a datagram from one is forged and its echo
 * would go to a whole network: v4 0/8, multicast and 240/4 (broadcast in
 * it); v6 unspecified and multicast. `a` is v4-mapped for IPv4.
 */
static int
udp_limit_bogus(const uint8_t *a)
{
	static const uint8_t	 zero[16];

	if (memcmp(a, udp_limit_mapped, sizeof(udp_limit_mapped)) == 0)
		return (a[12] == 0 || a[12] >= 224);
	return (a[0] == 0xff || memcmp(a, zero, sizeof(zero)) == 0);
}

/*
 * The 16-byte key of a source and its port; -1 for a forged address or a
 * family echo does not serve. IPv4 (plain or v4-mapped) keys as v4-mapped,
 * so both count as one; IPv6 keys by its /64, the block one subscriber gets.
 */
static int
udp_limit_key(const struct sockaddr *sa, socklen_t salen, uint8_t *key, unsigned int *port)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (sa->sa_family == AF_INET && salen >= (socklen_t)sizeof(*sin)) {
		sin = (const struct sockaddr_in *)sa;
		memset(key, 0, 16);
		memcpy(key, udp_limit_mapped, sizeof(udp_limit_mapped));
		memcpy(key + 12, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6 && salen >= (socklen_t)sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)sa;
		memcpy(key, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
	} else
		return (-1);
	if (udp_limit_bogus(key))
		return (-1);
	if (memcmp(key, udp_limit_mapped, sizeof(udp_limit_mapped)) != 0)
		memset(key + 8, 0, 8);
	return (0);
}

/* The port our socket is bound to, 0 if unknown. */
static unsigned int
udp_limit_own_port(const struct sockaddr *own)
{
	if (own == NULL)
		return (0);
	if (own->sa_family == AF_INET)
		return (ntohs(((const struct sockaddr_in *)own)->sin_port));
	if (own->sa_family == AF_INET6)
		return (ntohs(((const struct sockaddr_in6 *)own)->sin6_port));
	return (0);
}

/* A keyed mix of the key words (a 64-bit finaliser), so slots spread evenly. */
static uint64_t
udp_limit_hash(uint64_t seed, const uint8_t *key)
{
	uint64_t	 w[2], h = seed;
	int		 i;

	memcpy(w, key, sizeof(w));
	for (i = 0; i < 2; i++) {
		h ^= w[i];
		h ^= h >> 31;
		h *= 0x7fb5d329728ea185ULL;
		h ^= h >> 27;
		h *= 0x81dadef4bc2dd44dULL;
		h ^= h >> 33;
	}
	return (h);
}

/*
 * The slot of a source: one of two neighbours. A newcomer takes the one
 * least recently due, whose saved credit is worth the least; it starts
 * with a full bucket, as a source never seen does.
 */
static struct udp_limit_slot *
udp_limit_slot(struct udp_limit *ul, const uint8_t *key)
{
	struct udp_limit_slot	*a, *b;
	size_t			 i;

	i = (size_t)(udp_limit_hash(ul->ul_seed, key) & (UDP_LIMIT_SLOTS - 1));
	a = &ul->ul_slots[i];
	b = &ul->ul_slots[i ^ 1];
	if (memcmp(a->ul_key, key, sizeof(a->ul_key)) == 0)
		return (a);
	if (memcmp(b->ul_key, key, sizeof(b->ul_key)) == 0)
		return (b);
	if (b->ul_tat < a->ul_tat)
		a = b;
	memcpy(a->ul_key, key, sizeof(a->ul_key));
	a->ul_tat = 0;
	return (a);
}

/*
 * GCRA: a reply is allowed unless the bucket's due time runs more than the
 * burst ahead of now; *next is the due time after this reply.
 */
static int
udp_limit_due(uint64_t tat, uint64_t now, uint64_t ival, uint64_t burst, uint64_t *next)
{
	if (tat < now)
		tat = now;
	if (tat - now > burst)
		return (0);
	*next = tat + ival;
	return (1);
}

/*
 * The verdict on one datagram. Forged and looping sources first, as they
 * cost nothing to check; a rate drop charges neither bucket, so a flood
 * from one source does not spend the others' global share.
 */
enum udp_limit_verdict
udp_limit_check(struct udp_limit *ul, const struct sockaddr *from, socklen_t fromlen,
    const struct sockaddr *own, uint64_t now)
{
	struct udp_limit_slot	*slot = NULL;
	uint8_t			 key[16];
	unsigned int		 port;
	uint64_t		 src_next = 0, all_next = 0;

	if (udp_limit_key(from, fromlen, key, &port) == -1)
		return (UDP_LIMIT_ADDR);
	if (port < UDP_LIMIT_RESERVED || port == UDP_LIMIT_NFS)
		return (UDP_LIMIT_PORT);
	if (port == udp_limit_own_port(own))
		return (UDP_LIMIT_SELF);
	if (ul->ul_src_ival != 0) {
		slot = udp_limit_slot(ul, key);
		if (!udp_limit_due(slot->ul_tat, now, ul->ul_src_ival, ul->ul_src_burst,
		    &src_next))
			return (UDP_LIMIT_SOURCE);
	}
	if (ul->ul_all_ival != 0 && !udp_limit_due(ul->ul_all_tat, now, ul->ul_all_ival,
	    ul->ul_all_burst, &all_next))
		return (UDP_LIMIT_GLOBAL);
	if (slot != NULL)
		slot->ul_tat = src_next;
	if (ul->ul_all_ival != 0)
		ul->ul_all_tat = all_next;
	return (UDP_LIMIT_REPLY);
}

/* 1 for drops that stop a loop or a reflection, 0 for rate drops and replies. */
int
udp_limit_is_reflect(enum udp_limit_verdict v)
{
	return (v == UDP_LIMIT_ADDR || v == UDP_LIMIT_PORT || v == UDP_LIMIT_SELF);
}

/* A short name for logs and tests. */
const char *
udp_limit_verdict_name(enum udp_limit_verdict v)
{
	static const char *const names[] = {
		"reply", "addr", "port", "self", "source", "global",
	};

	if ((unsigned int)v >= sizeof(names) / sizeof(names[0]))
		return ("?");
	return (names[v]);
}
