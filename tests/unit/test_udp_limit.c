/* test_udp_limit: loop and reflection drops, per-source and global rates, the fixed table. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/udp_limit.h"

#define SEC	1000000000ULL
#define T0	(1000 * SEC)	/* CLOCK_MONOTONIC is never near zero */

/* An address from its text (v4 or v6) and a port. */
static struct sockaddr_storage
addr(const char *host, unsigned int port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else {
		assert_int_equal(inet_pton(AF_INET6, host, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	}
	return (ss);
}

/* The verdict on one datagram from host:port to own at now. */
static enum udp_limit_verdict
check(struct udp_limit *ul, const char *host, unsigned int port,
    const struct sockaddr_storage *own, uint64_t now)
{
	struct sockaddr_storage	 from = addr(host, port);

	return (udp_limit_check(ul, (struct sockaddr *)&from, sizeof(from),
	    (const struct sockaddr *)own, now));
}

/* A table on the heap: 24 KiB is more than a test stack should carry. */
static struct udp_limit *
limit_new(unsigned int rate, unsigned int global)
{
	struct udp_limit	*ul;

	ul = malloc(sizeof(*ul));
	assert_non_null(ul);
	udp_limit_init(ul, rate, global, 0x1234567890abcdefULL);
	return (ul);
}

/* Reserved source ports (echo, daytime, chargen, time, DNS, NTP...) and NFS never get an echo. */
static void
test_ports(void **state)
{
	static const unsigned int drop[] = { 0, 7, 13, 17, 19, 37, 53, 123, 161, 1023, 2049 };
	static const unsigned int pass[] = { 1024, 2048, 2050, 7007, 40000, 65535 };
	struct udp_limit	*ul = limit_new(0, 0);
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		assert_int_equal(check(ul, "127.0.0.1", drop[i], NULL, T0), UDP_LIMIT_PORT);
		assert_int_equal(check(ul, "::1", drop[i], NULL, T0), UDP_LIMIT_PORT);
	}
	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++) {
		assert_int_equal(check(ul, "127.0.0.1", pass[i], NULL, T0), UDP_LIMIT_REPLY);
		assert_int_equal(check(ul, "::1", pass[i], NULL, T0), UDP_LIMIT_REPLY);
	}
	assert_true(udp_limit_is_reflect(UDP_LIMIT_PORT));
	free(ul);
}

/* Sources no host sends from are forged; v4-mapped ones judged as v4. */
static void
test_bogus_addresses(void **state)
{
	static const char *const drop[] = {
		"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1",
		"255.255.255.255", "::", "ff02::1", "::ffff:0.0.0.0", "::ffff:224.0.0.1",
	};
	static const char *const pass[] = {
		"127.0.0.1", "10.1.2.3", "223.255.255.255", "::1", "2001:db8::1",
		"::ffff:127.0.0.1", "fe80::1",
	};
	struct udp_limit	*ul = limit_new(0, 0);
	struct sockaddr		 odd;
	size_t			 i;

	(void)state;
	memset(&odd, 0, sizeof(odd));
	odd.sa_family = AF_UNIX;
	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		assert_int_equal(check(ul, drop[i], 40000, NULL, T0), UDP_LIMIT_ADDR);
	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		assert_int_equal(check(ul, pass[i], 40000, NULL, T0), UDP_LIMIT_REPLY);
	/* A family echo does not serve, or an address cut short. */
	assert_int_equal(udp_limit_check(ul, (struct sockaddr *)&odd, sizeof(odd), NULL, T0),
	    UDP_LIMIT_ADDR);
	free(ul);
}

/* From our own port: ourselves (the 200k/s self-loop) or an echo server like us. */
static void
test_self(void **state)
{
	struct udp_limit	*ul = limit_new(0, 0);
	struct sockaddr_storage	 own = addr("127.0.0.1", 7007);
	struct sockaddr_storage	 any6 = addr("::", 7007);

	(void)state;
	assert_int_equal(check(ul, "127.0.0.1", 7007, &own, T0), UDP_LIMIT_SELF);
	assert_int_equal(check(ul, "192.0.2.9", 7007, &own, T0), UDP_LIMIT_SELF);
	assert_int_equal(check(ul, "::1", 7007, &any6, T0), UDP_LIMIT_SELF);
	assert_int_equal(check(ul, "127.0.0.1", 7008, &own, T0), UDP_LIMIT_REPLY);
	assert_int_equal(check(ul, "127.0.0.1", 7007, NULL, T0), UDP_LIMIT_REPLY);
	assert_true(udp_limit_is_reflect(UDP_LIMIT_SELF));
	assert_string_equal(udp_limit_verdict_name(UDP_LIMIT_SELF), "self");
	free(ul);
}

/* Count the replies among n datagrams from one source at one instant. */
static unsigned int
replies(struct udp_limit *ul, const char *host, unsigned int n, uint64_t now)
{
	unsigned int	 i, r = 0;

	for (i = 0; i < n; i++)
		if (check(ul, host, 40000 + i % 1000, NULL, now) == UDP_LIMIT_REPLY)
			r++;
	return (r);
}

/* One source gets a second's burst, then its rate; others keep theirs. */
static void
test_source_rate(void **state)
{
	struct udp_limit	*ul = limit_new(10, 0);

	(void)state;
	assert_int_equal(replies(ul, "192.0.2.1", 5000, T0), 10);
	assert_int_equal(check(ul, "192.0.2.1", 40000, NULL, T0), UDP_LIMIT_SOURCE);
	assert_false(udp_limit_is_reflect(UDP_LIMIT_SOURCE));
	/* Another source, and the same one over v4-mapped v6, count apart / together. */
	assert_int_equal(replies(ul, "192.0.2.2", 50, T0), 10);
	assert_int_equal(replies(ul, "::ffff:192.0.2.1", 50, T0), 0);
	/* 100 ms later one more is due; a full second later, at most a burst. */
	assert_int_equal(replies(ul, "192.0.2.1", 50, T0 + SEC / 10), 1);
	assert_int_equal(replies(ul, "192.0.2.1", 50, T0 + 5 * SEC), 10);
	/* IPv6 counts by the /64. */
	assert_int_equal(replies(ul, "2001:db8::1", 50, T0), 10);
	assert_int_equal(replies(ul, "2001:db8::2", 50, T0), 0);
	assert_int_equal(replies(ul, "2001:db8:0:1::1", 50, T0), 10);
	free(ul);
}

/* The global rate caps everyone together; a source's own drops cost it nothing. */
static void
test_global_rate(void **state)
{
	struct udp_limit	*ul = limit_new(2, 5);

	(void)state;
	assert_int_equal(replies(ul, "192.0.2.1", 100, T0), 2);
	assert_int_equal(replies(ul, "192.0.2.2", 100, T0), 2);
	assert_int_equal(check(ul, "192.0.2.3", 40000, NULL, T0), UDP_LIMIT_REPLY);
	assert_int_equal(check(ul, "192.0.2.4", 40000, NULL, T0), UDP_LIMIT_GLOBAL);
	/* The global drop did not spend 192.0.2.4's own bucket. */
	assert_int_equal(replies(ul, "192.0.2.4", 100, T0 + SEC), 2);
	free(ul);
	/* 0 = no limit at all. */
	ul = limit_new(0, 0);
	assert_int_equal(replies(ul, "192.0.2.1", 100000, T0), 100000);
	free(ul);
}

/*
 * A flood of fresh sources (spoofed, say) fits the fixed table: each is
 * judged as new, the table never grows, and the global rate still holds.
 */
static void
test_table_bounded(void **state)
{
	struct udp_limit	*ul = limit_new(1, 1000);
	char			 host[32];
	unsigned int		 i, r = 0;

	(void)state;
	for (i = 0; i < 100000; i++) {
		snprintf(host, sizeof(host), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		if (check(ul, host, 40000, NULL, T0 + i) == UDP_LIMIT_REPLY)
			r++;
	}
	assert_int_equal(r, 1000);
	/* Two sources that share a table never lose each other's state. */
	udp_limit_init(ul, 1, 0, 42);
	assert_int_equal(replies(ul, "192.0.2.1", 10, T0), 1);
	assert_int_equal(replies(ul, "192.0.2.2", 10, T0), 1);
	assert_int_equal(replies(ul, "192.0.2.1", 10, T0), 0);
	assert_int_equal(replies(ul, "192.0.2.2", 10, T0), 0);
	free(ul);
}

/* Run every udp_limit test; cmocka prints TAP under make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_bogus_addresses),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_source_rate),
		cmocka_unit_test(test_global_rate),
		cmocka_unit_test(test_table_bounded),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
