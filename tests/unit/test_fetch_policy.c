/* test_fetch_policy: the SSRF rules: allow lists, URL checks, every denied address class. */
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
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "core/fetch_policy.h"

/* An address that must be refused with exactly this reason. */
static void
deny_ip(const struct fetch_policy *pol, const char *ip, const char *want)
{
	char	 why[FETCH_POLICY_REASON_MAX] = "";

	assert_int_equal(fetch_policy_check_ip(pol, ip, why, sizeof(why)), -1);
	assert_string_equal(why, want);
}

/* An address that must pass. */
static void
allow_ip(const struct fetch_policy *pol, const char *ip)
{
	char	 why[FETCH_POLICY_REASON_MAX] = "";

	assert_int_equal(fetch_policy_check_ip(pol, ip, why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

/* A URL that must be refused with exactly this reason. */
static void
deny_url(const struct fetch_policy *pol, const char *url, const char *want)
{
	char	 why[FETCH_POLICY_REASON_MAX] = "";

	assert_int_equal(fetch_policy_check_url(pol, url, why, sizeof(why)), -1);
	assert_string_equal(why, want);
}

/* A URL curl cannot parse; curl's wording varies by version, so only our prefix is fixed. */
static void
deny_url_unparsable(const struct fetch_policy *pol, const char *url)
{
	char	 why[FETCH_POLICY_REASON_MAX] = "";

	assert_int_equal(fetch_policy_check_url(pol, url, why, sizeof(why)),
	    FETCH_POLICY_MALFORMED);
	assert_int_equal(strncmp(why, "url is not an absolute http or https URL (", 42), 0);
	assert_true(strlen(why) > 43);
}

/* A URL that must pass. */
static void
allow_url(const struct fetch_policy *pol, const char *url)
{
	char	 why[FETCH_POLICY_REASON_MAX] = "";

	assert_int_equal(fetch_policy_check_url(pol, url, why, sizeof(why)), 0);
}

/* A policy from a list that must parse. */
static void
policy(struct fetch_policy *pol, const char *list)
{
	char	 why[FETCH_POLICY_REASON_MAX] = "";

	assert_int_equal(fetch_policy_parse(pol, list, why, sizeof(why)), 0);
}

/* Lists: separators, bare addresses, host bits masked. */
static void
test_parse(void **state)
{
	struct fetch_policy	 pol;
	unsigned char		 want[16];

	policy(&pol, "");
	assert_int_equal(pol.nallow, 0);
	policy(&pol, "  , ");
	assert_int_equal(pol.nallow, 0);
	policy(&pol, "127.0.0.0/8, ::1/128,10.1.2.3 192.168.7.9/16");
	assert_int_equal(pol.nallow, 4);
	assert_int_equal(pol.allow[0].family, AF_INET);
	assert_int_equal(pol.allow[0].bits, 8);
	assert_int_equal(pol.allow[1].family, AF_INET6);
	assert_int_equal(pol.allow[1].bits, 128);
	inet_pton(AF_INET6, "::1", want);
	assert_memory_equal(pol.allow[1].addr, want, 16);
	assert_int_equal(pol.allow[2].bits, 32);
	inet_pton(AF_INET, "192.168.0.0", want);
	assert_memory_equal(pol.allow[3].addr, want, 4);
	policy(&pol, "0.0.0.0/0");
	assert_int_equal(pol.allow[0].bits, 0);
}

/* Junk is refused with a reason naming the item. */
static void
test_parse_junk(void **state)
{
	struct fetch_policy	 pol;
	char			 why[FETCH_POLICY_REASON_MAX];
	char			 many[1024];
	int			 i;

	assert_int_equal(fetch_policy_parse(&pol, "127.0.0.0/8, bogus", why,
	    sizeof(why)), -1);
	assert_string_equal(why,
	    "fetch_allow: \"bogus\" is not an IP address or CIDR");
	assert_int_equal(fetch_policy_parse(&pol, "10.0.0.0/33", why,
	    sizeof(why)), -1);
	assert_string_equal(why,
	    "fetch_allow: \"10.0.0.0/33\": prefix length must be 0..32");
	assert_int_equal(fetch_policy_parse(&pol, "::/129", why, sizeof(why)), -1);
	assert_string_equal(why,
	    "fetch_allow: \"::/129\": prefix length must be 0..128");
	assert_int_equal(fetch_policy_parse(&pol, "10.0.0.0/", why, sizeof(why)), -1);
	assert_int_equal(fetch_policy_parse(&pol, "10.0.0.0/-1", why, sizeof(why)), -1);
	assert_int_equal(fetch_policy_parse(&pol, "10.0.0.0/8x", why, sizeof(why)), -1);
	assert_int_equal(fetch_policy_parse(&pol, "10.0.0/8", why, sizeof(why)), -1);
	many[0] = '\0';
	for (i = 0; i < FETCH_POLICY_ALLOW_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "10.0.0.%d ", i);
	assert_int_equal(fetch_policy_parse(&pol, many, why, sizeof(why)), -1);
	assert_string_equal(why, "fetch_allow: at most 32 CIDRs");
}

/* Every special-purpose IPv4 class, with its reason. */
static void
test_v4_classes(void **state)
{
	struct fetch_policy	 pol;

	policy(&pol, "");
	deny_ip(&pol, "127.0.0.1", "address 127.0.0.1 is loopback");
	deny_ip(&pol, "127.255.0.9", "address 127.255.0.9 is loopback");
	deny_ip(&pol, "0.0.0.0", "address 0.0.0.0 is unspecified (0.0.0.0/8)");
	deny_ip(&pol, "10.0.0.1", "address 10.0.0.1 is private (RFC 1918)");
	deny_ip(&pol, "172.16.0.1", "address 172.16.0.1 is private (RFC 1918)");
	deny_ip(&pol, "172.31.255.255", "address 172.31.255.255 is private (RFC 1918)");
	deny_ip(&pol, "192.168.1.1", "address 192.168.1.1 is private (RFC 1918)");
	deny_ip(&pol, "169.254.169.254", "address 169.254.169.254 is link-local");
	deny_ip(&pol, "100.64.0.1",
	    "address 100.64.0.1 is shared address space (CGNAT, RFC 6598)");
	deny_ip(&pol, "100.127.255.254",
	    "address 100.127.255.254 is shared address space (CGNAT, RFC 6598)");
	deny_ip(&pol, "224.0.0.1", "address 224.0.0.1 is multicast");
	deny_ip(&pol, "239.255.255.250", "address 239.255.255.250 is multicast");
	deny_ip(&pol, "255.255.255.255", "address 255.255.255.255 is broadcast");
	deny_ip(&pol, "240.0.0.1", "address 240.0.0.1 is reserved (240.0.0.0/4)");
	deny_ip(&pol, "192.0.2.5", "address 192.0.2.5 is reserved (documentation)");
	deny_ip(&pol, "198.18.0.1", "address 198.18.0.1 is reserved (benchmarking)");
	/* the neighbours are public */
	allow_ip(&pol, "8.8.8.8");
	allow_ip(&pol, "172.32.0.1");
	allow_ip(&pol, "172.15.255.255");
	allow_ip(&pol, "100.128.0.1");
	allow_ip(&pol, "100.63.255.255");
	allow_ip(&pol, "169.253.1.1");
	allow_ip(&pol, "11.0.0.1");
	allow_ip(&pol, "223.255.255.255");
}

/* IPv6 classes, and the forms that embed an IPv4 address. */
static void
test_v6_classes(void **state)
{
	struct fetch_policy	 pol;

	policy(&pol, "");
	deny_ip(&pol, "::1", "address ::1 is loopback");
	deny_ip(&pol, "::", "address :: is unspecified");
	deny_ip(&pol, "fe80::1", "address fe80::1 is link-local");
	deny_ip(&pol, "fc00::1", "address fc00::1 is unique local (fc00::/7)");
	deny_ip(&pol, "fd12:3456::1", "address fd12:3456::1 is unique local (fc00::/7)");
	deny_ip(&pol, "ff02::1", "address ff02::1 is multicast");
	deny_ip(&pol, "::ffff:127.0.0.1",
	    "address ::ffff:127.0.0.1 is IPv4-mapped, and 127.0.0.1 is loopback");
	deny_ip(&pol, "::ffff:10.1.1.1",
	    "address ::ffff:10.1.1.1 is IPv4-mapped, and 10.1.1.1 is private (RFC 1918)");
	deny_ip(&pol, "::127.0.0.1", "address ::127.0.0.1 is IPv4-compatible (deprecated)");
	deny_ip(&pol, "::8.8.8.8", "address ::8.8.8.8 is IPv4-compatible (deprecated)");
	deny_ip(&pol, "64:ff9b::a9fe:a9fe",
	    "address 64:ff9b::a9fe:a9fe is NAT64, and 169.254.169.254 is link-local");
	deny_ip(&pol, "2002:7f00:1::1",
	    "address 2002:7f00:1::1 is 6to4, and 127.0.0.1 is loopback");
	deny_ip(&pol, "2002:c0a8:101::",
	    "address 2002:c0a8:101:: is 6to4, and 192.168.1.1 is private (RFC 1918)");
	deny_ip(&pol, "2001:db8::1", "address 2001:db8::1 is reserved (documentation)");
	/* embedding a public address is fine; so is ordinary global unicast */
	allow_ip(&pol, "::ffff:8.8.8.8");
	allow_ip(&pol, "64:ff9b::808:808");
	allow_ip(&pol, "2002:808:808::1");
	allow_ip(&pol, "2a00:1450:4001:80b::200e");
	allow_ip(&pol, "2606:4700::1111");
	deny_ip(&pol, "not-an-ip", "\"not-an-ip\" is not an IP address");
}

/* The allow list overrides the deny list, and only for what it covers. */
static void
test_allow_overrides(void **state)
{
	struct fetch_policy	 pol;

	policy(&pol, "127.0.0.0/8, ::1/128, 10.1.0.0/16");
	allow_ip(&pol, "127.0.0.1");
	allow_ip(&pol, "127.9.9.9");
	allow_ip(&pol, "::1");
	allow_ip(&pol, "::ffff:127.0.0.1");
	allow_ip(&pol, "10.1.200.3");
	deny_ip(&pol, "10.2.0.1", "address 10.2.0.1 is private (RFC 1918)");
	deny_ip(&pol, "169.254.169.254", "address 169.254.169.254 is link-local");
	deny_ip(&pol, "::2", "address ::2 is IPv4-compatible (deprecated)");
	policy(&pol, "fd00::/8");
	allow_ip(&pol, "fd00::5");
	deny_ip(&pol, "fc00::5", "address fc00::5 is unique local (fc00::/7)");
}

/* The sockaddr form the open-socket callback uses. */
static void
test_check_addr(void **state)
{
	struct fetch_policy	 pol;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr		 sa;
	char			 why[FETCH_POLICY_REASON_MAX];

	policy(&pol, "");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	inet_pton(AF_INET, "10.0.0.1", &sin.sin_addr);
	assert_int_equal(fetch_policy_check_addr(&pol, (struct sockaddr *)&sin,
	    sizeof(sin), why, sizeof(why)), -1);
	assert_string_equal(why, "address 10.0.0.1 is private (RFC 1918)");
	inet_pton(AF_INET, "1.1.1.1", &sin.sin_addr);
	assert_int_equal(fetch_policy_check_addr(&pol, (struct sockaddr *)&sin,
	    sizeof(sin), why, sizeof(why)), 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:169.254.169.254", &sin6.sin6_addr);
	assert_int_equal(fetch_policy_check_addr(&pol, (struct sockaddr *)&sin6,
	    sizeof(sin6), why, sizeof(why)), -1);
	assert_string_equal(why, "address ::ffff:169.254.169.254 is IPv4-mapped, "
	    "and 169.254.169.254 is link-local");
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_int_equal(fetch_policy_check_addr(&pol, &sa, sizeof(sa), why,
	    sizeof(why)), -1);
	assert_string_equal(why, "address family 1 is not allowed");
	/* a short sockaddr is refused, not over-read */
	sin.sin_family = AF_INET;
	assert_int_equal(fetch_policy_check_addr(&pol, (struct sockaddr *)&sin, 4,
	    why, sizeof(why)), -1);
}

/* Schemes, credentials and missing parts. */
static void
test_url_shape(void **state)
{
	struct fetch_policy	 pol;

	policy(&pol, "");
	allow_url(&pol, "http://example.com/");
	allow_url(&pol, "https://example.com:8443/a?b=c");
	allow_url(&pol, "HTTP://Example.COM/");
	allow_url(&pol, "http://8.8.8.8/");
	deny_url(&pol, "file:///etc/passwd",
	    "scheme file is not allowed (http and https only)");
	deny_url(&pol, "gopher://example.com:70/_stats",
	    "scheme gopher is not allowed (http and https only)");
	deny_url(&pol, "ftp://example.com/", "scheme ftp is not allowed (http and https only)");
	deny_url(&pol, "dict://127.0.0.1:11211/stat",
	    "scheme dict is not allowed (http and https only)");
	deny_url(&pol, "http://user:pw@example.com/",
	    "URL must not carry a user name or password");
	deny_url(&pol, "http://user@example.com/",
	    "URL must not carry a user name or password");
	deny_url_unparsable(&pol, "example.com/x");
	deny_url_unparsable(&pol, "http://example.com:99999/");
	deny_url_unparsable(&pol, "");
	deny_url_unparsable(&pol, "http://exa mple.com/");
}

/* The URL part `part` of a parse, which must exist; freed by the caller. */
static char *
url_part(CURLU *u, CURLUPart part)
{
	char	*v = NULL;

	assert_int_equal(curl_url_get(u, part, &v, 0), CURLUE_OK);
	return (v);
}

/*
 * The parse a passed check keeps is handed only to the same URL text;
 * any other text, or one whose check failed, is parsed anew.
 */
static void
test_take_parsed(void **state)
{
	struct fetch_policy	 pol;
	char			 why[256];
	CURLUcode		 rc;
	CURLU			*u;
	char			*v;

	policy(&pol, "");
	assert_int_equal(fetch_policy_check_url(&pol, "http://example.com/a", why,
	    sizeof(why)), 0);
	u = fetch_policy_take_parsed("http://example.org/b?c", &rc);
	assert_non_null(u);
	v = url_part(u, CURLUPART_HOST);
	assert_string_equal(v, "example.org");
	curl_free(v);
	v = url_part(u, CURLUPART_QUERY);
	assert_string_equal(v, "c");
	curl_free(v);
	curl_url_cleanup(u);
	assert_int_equal(fetch_policy_check_url(&pol, "http://example.com/a", why,
	    sizeof(why)), 0);
	assert_int_equal(fetch_policy_check_url(&pol, "http://10.0.0.1/", why,
	    sizeof(why)), -1);
	u = fetch_policy_take_parsed("http://10.0.0.1/", &rc);
	assert_non_null(u);
	v = url_part(u, CURLUPART_HOST);
	assert_string_equal(v, "10.0.0.1");
	curl_free(v);
	curl_url_cleanup(u);
	u = fetch_policy_take_parsed("http://example.com/a", &rc);
	assert_non_null(u);
	v = url_part(u, CURLUPART_PATH);
	assert_string_equal(v, "/a");
	curl_free(v);
	curl_url_cleanup(u);
	assert_null(fetch_policy_take_parsed("http://exa mple.com/", &rc));
	assert_int_not_equal(rc, CURLUE_OK);
}

/* What curl turns a numeric host into, read back through its own API. */
static void
curl_host_is(const char *url, const char *want)
{
	CURLU	*u;
	char	*host = NULL;

	assert_non_null(u = curl_url());
	assert_int_equal(curl_url_set(u, CURLUPART_URL, url, 0), CURLUE_OK);
	assert_int_equal(curl_url_get(u, CURLUPART_HOST, &host, 0), CURLUE_OK);
	assert_string_equal(host, want);
	curl_free(host);
	curl_url_cleanup(u);
}

/* Numeric hosts in every spelling: curl normalises them, then they are refused by address. */
static void
test_url_numeric_hosts(void **state)
{
	struct fetch_policy	 pol;

	policy(&pol, "");
	curl_host_is("http://2130706433/", "127.0.0.1");
	curl_host_is("http://0x7f000001/", "127.0.0.1");
	curl_host_is("http://0177.0.0.1/", "127.0.0.1");
	curl_host_is("http://127.1/", "127.0.0.1");
	curl_host_is("http://[::ffff:127.0.0.1]/", "[::ffff:127.0.0.1]");
	deny_url(&pol, "http://127.0.0.1/", "address 127.0.0.1 is loopback");
	deny_url(&pol, "http://127.0.0.1:8080/admin", "address 127.0.0.1 is loopback");
	deny_url(&pol, "http://[::1]/", "address ::1 is loopback");
	deny_url(&pol, "http://[::ffff:127.0.0.1]/",
	    "address ::ffff:127.0.0.1 is IPv4-mapped, and 127.0.0.1 is loopback");
	deny_url(&pol, "http://2130706433/", "address 127.0.0.1 is loopback");
	deny_url(&pol, "http://0x7f000001/", "address 127.0.0.1 is loopback");
	deny_url(&pol, "http://0177.0.0.1/", "address 127.0.0.1 is loopback");
	deny_url(&pol, "http://0.0.0.0/", "address 0.0.0.0 is unspecified (0.0.0.0/8)");
	deny_url(&pol, "http://10.0.0.1/", "address 10.0.0.1 is private (RFC 1918)");
	deny_url(&pol, "http://169.254.169.254/latest/meta-data/",
	    "address 169.254.169.254 is link-local");
	deny_url(&pol, "http://100.64.1.2/",
	    "address 100.64.1.2 is shared address space (CGNAT, RFC 6598)");
	deny_url(&pol, "https://[fe80::1%25eth0]/", "address fe80::1 is link-local");
	/* names are judged at connect time, by address */
	allow_url(&pol, "http://localhost/");
	policy(&pol, "127.0.0.0/8");
	allow_url(&pol, "http://2130706433/");
	allow_url(&pol, "http://[::ffff:127.0.0.1]/");
	deny_url(&pol, "http://[::1]/", "address ::1 is loopback");
}

/* Run every fetch_policy test; cmocka prints TAP under make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_junk),
		cmocka_unit_test(test_v4_classes),
		cmocka_unit_test(test_v6_classes),
		cmocka_unit_test(test_allow_overrides),
		cmocka_unit_test(test_check_addr),
		cmocka_unit_test(test_url_shape),
		cmocka_unit_test(test_take_parsed),
		cmocka_unit_test(test_url_numeric_hosts),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
