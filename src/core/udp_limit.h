/* udp_limit: which UDP echo datagrams get an answer, so echo cannot loop or flood. */
#ifndef EF_UDP_LIMIT_H
#define EF_UDP_LIMIT_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

#define UDP_LIMIT_SLOTS		1024	/* sources tracked at once; a power of two */

/* What to do with one datagram, and why. */
enum udp_limit_verdict {
	UDP_LIMIT_REPLY = 0,
	UDP_LIMIT_ADDR,		/* a source no host sends from: unspecified, multicast, broadcast */
	UDP_LIMIT_PORT,		/* a reserved source port, where services that answer live */
	UDP_LIMIT_SELF,		/* our own port: ourselves, or an echo server like us */
	UDP_LIMIT_SOURCE,	/* this source had its udp_echo_rate */
	UDP_LIMIT_GLOBAL,	/* everyone together had udp_echo_rate_global */
};

/* One source's bucket, kept as the time its next reply is due (GCRA). */
struct udp_limit_slot {
	uint8_t		 ul_key[16];	/* the address (v4 as v4-mapped, v6 as its /64) */
	uint64_t	 ul_tat;	/* ns; 0 = never seen */
};

/*
 * Fixed size whatever the traffic: a source that finds both of its slots
 * taken evicts the one least recently due, so memory never grows. Not
 * locked: the caller serialises udp_limit_check.
 */
struct udp_limit {
	uint64_t		 ul_seed;	/* keys the slot hash: a sender cannot aim at a slot */
	uint64_t		 ul_src_ival;	/* ns between replies to one source; 0 = no limit */
	uint64_t		 ul_src_burst;	/* ns of credit a quiet source may save up */
	uint64_t		 ul_all_ival;
	uint64_t		 ul_all_burst;
	uint64_t		 ul_all_tat;
	struct udp_limit_slot	 ul_slots[UDP_LIMIT_SLOTS];
};

/* Empty table; rates in replies per second (0 = unlimited), each with a second's burst. */
void	udp_limit_init(struct udp_limit *, unsigned int rate, unsigned int rate_global,
	    uint64_t seed);
/*
 * The verdict on a datagram from `from` to a socket bound to `own` (NULL or
 * AF_UNSPEC if unknown) at monotonic time now_ns. A reply is charged to the
 * source's and the global bucket; a drop is charged to nothing.
 */
enum udp_limit_verdict udp_limit_check(struct udp_limit *, const struct sockaddr *from,
	    socklen_t fromlen, const struct sockaddr *own, uint64_t now_ns);
/* 1 for drops that stop a loop or a reflection, 0 for rate drops and replies. */
int	udp_limit_is_reflect(enum udp_limit_verdict);
/* A short name for logs and tests: "reply", "addr", "port", "self", "source", "global". */
const char *udp_limit_verdict_name(enum udp_limit_verdict);

#endif
