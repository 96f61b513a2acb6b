/* test_load_args: echofetch-load's command line, flag by flag. */
#include "autoconfig.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/args.h"

static struct load_args	A;
#define T0	(A.targets[0])
static char		E[ARGS_ERR_LEN];

/* Parse a NULL-terminated argument list after a program name. */
static int
parse(const char *first, ...)
{
	char		*argv[64];
	const char	*s;
	va_list		 ap;
	int		 argc = 0;

	args_free(&A);
	argv[argc++] = (char *)(uintptr_t)"echofetch-load";
	va_start(ap, first);
	for (s = first; s != NULL && argc < 63; s = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)s;
	va_end(ap);
	argv[argc] = NULL;
	E[0] = '\0';
	return (args_parse(&A, argc, argv, E, sizeof(E)));
}

/* Parse must fail with a message containing `want`. */
#define assert_fails(want, ...) do {					\
	assert_int_equal(parse(__VA_ARGS__, NULL), -1);			\
	if (strstr(E, (want)) == NULL)					\
		fail_msg("error '%s' lacks '%s'", E, (want));		\
} while (0)

/* Free whatever the last parse kept. */
static int
teardown(void **state)
{
	args_free(&A);
	return (0);
}

/* A bare URL gets every documented default. */
static void
test_defaults(void **state)
{
	struct sockaddr_in	*sin;

	assert_int_equal(parse("http://127.0.0.1:8080/", NULL), 0);
	sin = (struct sockaddr_in *)&T0.addr;
	assert_int_equal(A.proto, ARGS_HTTP);
	assert_int_equal(A.clients, 10);
	assert_int_equal(A.requests, 100);
	assert_true(A.duration == 0);
	assert_int_equal(A.keepalive, 1);
	assert_true(A.rate == 0);
	assert_int_equal(A.payload, 64);
	assert_int_equal(A.payload_set, 0);
	assert_true(A.slow_send == 0);
	assert_true(A.connect_timeout == 5);
	assert_true(A.timeout == 30);
	assert_null(A.method);
	assert_string_equal(args_method(&A), "GET");
	assert_int_equal(A.nheaders, 0);
	assert_int_equal(A.has_body, 0);
	assert_int_equal(A.json, 0);
	assert_null(A.timeline);
	assert_int_equal(A.quiet, 0);
	assert_string_equal(A.url, "http://127.0.0.1:8080/");
	assert_string_equal(T0.host, "127.0.0.1");
	assert_int_equal(T0.port, 8080);
	assert_string_equal(T0.path, "/");
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 8080);
	assert_int_equal(sin->sin_addr.s_addr, htonl(0x7f000001));
	assert_int_equal(T0.addrlen, sizeof(struct sockaddr_in));
}

/* Every flag, long and short spellings, lands in its field. */
static void
test_every_flag(void **state)
{
	assert_int_equal(parse("-c", "250", "-d", "1.5", "--no-keepalive", "--rate", "1000",
	    "--payload", "2k", "--slow-send", "10", "--connect-timeout", "2",
	    "--timeout", "500ms", "-m", "PUT", "-H", "X-A: 1", "--header", "X-B: two",
	    "--json", "--timeline", "/tmp/t.csv", "-q", "http://127.0.0.1/x", NULL), 0);
	assert_int_equal(A.clients, 250);
	assert_int_equal(A.requests, 0);
	assert_true(A.duration == 1.5);
	assert_int_equal(A.keepalive, 0);
	assert_true(A.rate == 1000);
	assert_int_equal(A.payload, 2048);
	assert_int_equal(A.payload_set, 1);
	assert_true(A.slow_send == 10);
	assert_true(A.connect_timeout == 2);
	assert_true(A.timeout == 0.5);
	assert_string_equal(args_method(&A), "PUT");
	assert_int_equal(A.nheaders, 2);
	assert_string_equal(A.headers[0], "X-A: 1");
	assert_string_equal(A.headers[1], "X-B: two");
	assert_int_equal(A.json, 1);
	assert_string_equal(A.timeline, "/tmp/t.csv");
	assert_int_equal(A.quiet, 1);
	assert_int_equal(T0.port, 80);
	assert_string_equal(T0.path, "/x");

	assert_int_equal(parse("--clients=7", "--requests=9", "-k", "--keepalive",
	    "--method=HEAD", "--body=hello", "http://localhost:1/", NULL), 0);
	assert_int_equal(A.clients, 7);
	assert_int_equal(A.requests, 9);
	assert_int_equal(A.keepalive, 1);
	assert_string_equal(args_method(&A), "HEAD");
	assert_int_equal(A.has_body, 1);
	assert_int_equal(A.body_len, 5);
	assert_memory_equal(A.body, "hello", 5);

	/* Clustered and glued short options; the URL may come first. */
	assert_int_equal(parse("http://127.0.0.1:9/", "-kq", "-c3", "-n12", NULL), 0);
	assert_int_equal(A.quiet, 1);
	assert_int_equal(A.clients, 3);
	assert_int_equal(A.requests, 12);
	assert_int_equal(parse("-d", "2m", "http://127.0.0.1/", NULL), 0);
	assert_true(A.duration == 120);
}

/* -h and -v stand alone: no URL needed. */
static void
test_help_version(void **state)
{
	assert_int_equal(parse("-h", NULL), 0);
	assert_int_equal(A.help, 1);
	assert_int_equal(parse("--version", NULL), 0);
	assert_int_equal(A.version, 1);
	assert_non_null(strstr(args_usage(), "usage: echofetch-load"));
}

/* Numbers: junk, signs, zero, overflow and out-of-range values are refused. */
static void
test_bad_numbers(void **state)
{
	assert_fails("bad client count", "-c", "abc", "http://127.0.0.1/");
	assert_fails("bad client count", "-c", "0", "http://127.0.0.1/");
	assert_fails("bad client count", "-c", "-5", "http://127.0.0.1/");
	assert_fails("bad client count", "-c", "10x", "http://127.0.0.1/");
	assert_fails("bad client count", "-c", "", "http://127.0.0.1/");
	assert_fails("bad client count", "--clients", "99999999999999999999999",
	    "http://127.0.0.1/");
	assert_fails("bad client count", "-c", "1000001", "http://127.0.0.1/");
	assert_fails("bad request count", "-n", "0", "http://127.0.0.1/");
	assert_fails("bad duration", "-d", "0", "http://127.0.0.1/");
	assert_fails("bad duration", "-d", "-1", "http://127.0.0.1/");
	assert_fails("bad duration", "-d", "5parsecs", "http://127.0.0.1/");
	assert_fails("bad duration", "-d", "nan", "http://127.0.0.1/");
	assert_fails("bad rate", "--rate", "0", "http://127.0.0.1/");
	assert_fails("bad rate", "--rate", "10s", "http://127.0.0.1/");
	assert_fails("bad size", "--payload", "0", "tcp://127.0.0.1:7");
	assert_fails("bad size", "--payload", "65m", "tcp://127.0.0.1:7");
	assert_fails("bad rate", "--slow-send", "0", "http://127.0.0.1/");
	assert_fails("bad timeout", "--timeout", "inf", "http://127.0.0.1/");
	assert_fails("bad timeout", "--connect-timeout", "0", "http://127.0.0.1/");
	assert_fails("needs a value", "http://127.0.0.1/", "-c");
	assert_fails("needs a value", "http://127.0.0.1/", "--rate");
	assert_fails("takes no value", "--json=1", "http://127.0.0.1/");
	assert_fails("unknown option", "--bogus", "http://127.0.0.1/");
	assert_fails("unknown option '-x'", "-x", "http://127.0.0.1/");
}

/* Flags that cannot go together, and flags that do not fit the target. */
static void
test_conflicts(void **state)
{
	assert_fails("-n and -d conflict", "-n", "10", "-d", "5", "http://127.0.0.1/");
	assert_fails("-n and -d conflict", "-d", "5", "-n", "10", "http://127.0.0.1/");
	assert_fails("--body and --body-file", "--body", "a", "--body-file", "/dev/null",
	    "http://127.0.0.1/");
	assert_fails("--payload and --body", "--payload", "10", "--body", "x",
	    "http://127.0.0.1/");
	assert_fails("http:// targets only", "-m", "POST", "tcp://127.0.0.1:7");
	assert_fails("http:// targets only", "-H", "A: b", "tcp://127.0.0.1:7");
	assert_fails("http:// targets only", "--body", "x", "tcp://127.0.0.1:7");
	assert_fails("one target URL only", "http://127.0.0.1/", "http://127.0.0.2/");
	assert_fails("missing target", "-c", "5", NULL);
	/* Open loop with a connection per request is a fair combination. */
	assert_int_equal(parse("--rate", "50", "--no-keepalive", "http://127.0.0.1/", NULL), 0);
	assert_true(A.rate == 50);
	assert_int_equal(A.keepalive, 0);
	assert_int_equal(parse("--rate", "50", "-d", "3", "--slow-send", "100",
	    "tcp://127.0.0.1:7", NULL), 0);
	assert_int_equal(A.requests, 0);
}

/* -H and -m must not be able to break the request. */
static void
test_headers_method(void **state)
{
	assert_fails("bad header", "-H", "NoColon", "http://127.0.0.1/");
	assert_fails("bad header", "-H", ": empty-name", "http://127.0.0.1/");
	assert_fails("bad header", "-H", "Bad Name: x", "http://127.0.0.1/");
	assert_fails("bad header", "-H", "X: a\r\nInjected: 1", "http://127.0.0.1/");
	assert_fails("bad method", "-m", "GET /", "http://127.0.0.1/");
	assert_fails("bad method", "-m", "", "http://127.0.0.1/");
	assert_int_equal(parse("-H", "X-Empty:", "http://127.0.0.1/", NULL), 0);
	assert_string_equal(A.headers[0], "X-Empty:");
	/* A body without -m means POST, like curl -d. */
	assert_int_equal(parse("--body", "", "http://127.0.0.1/", NULL), 0);
	assert_string_equal(args_method(&A), "POST");
	assert_int_equal(A.body_len, 0);
	assert_int_equal(parse("--payload", "100", "http://127.0.0.1/", NULL), 0);
	assert_string_equal(args_method(&A), "POST");
}

/* --body-file reads exact bytes, NULs included; a missing file is an error. */
static void
test_body_file(void **state)
{
	char	path[] = "/tmp/test_load_args.XXXXXX";
	int	fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a\0b\n", 4), 4);
	close(fd);
	assert_int_equal(parse("--body-file", path, "http://127.0.0.1/", NULL), 0);
	assert_int_equal(A.body_len, 4);
	assert_memory_equal(A.body, "a\0b\n", 4);
	unlink(path);
	assert_fails("--body-file", "--body-file", path, "http://127.0.0.1/");
}

/* Targets: schemes, ports, IPv6 brackets, paths and queries. */
static void
test_urls(void **state)
{
	struct sockaddr_in6	*sin6;

	assert_int_equal(parse("http://[::1]:8080/x", NULL), 0);
	sin6 = (struct sockaddr_in6 *)&T0.addr;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 8080);
	assert_true(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	assert_string_equal(T0.host, "[::1]");
	assert_string_equal(T0.path, "/x");
	assert_int_equal(T0.addrlen, sizeof(struct sockaddr_in6));

	assert_int_equal(parse("http://10.1.2.3", NULL), 0);
	assert_int_equal(T0.port, 80);
	assert_string_equal(T0.path, "/");
	assert_int_equal(parse("HTTP://127.0.0.1:81?ms=5#frag", NULL), 0);
	assert_string_equal(T0.path, "/?ms=5");
	assert_int_equal(T0.port, 81);
	assert_int_equal(parse("http://127.0.0.1:8080/delay?ms=100&x=%20", NULL), 0);
	assert_string_equal(T0.path, "/delay?ms=100&x=%20");
	assert_int_equal(parse("http://localhost:8080/", NULL), 0);
	assert_string_equal(T0.host, "localhost");
	assert_int_equal(((struct sockaddr_in *)&T0.addr)->sin_addr.s_addr,
	    htonl(0x7f000001));
	assert_int_equal(parse("http://[::1]/", NULL), 0);
	assert_int_equal(T0.port, 80);
	assert_int_equal(parse("tcp://127.0.0.1:7", NULL), 0);
	assert_int_equal(A.proto, ARGS_TCP);
	assert_int_equal(T0.port, 7);
	assert_int_equal(parse("tcp://[::1]:9000/", NULL), 0);
	assert_int_equal(T0.port, 9000);

	assert_fails("bad target", "ftp://127.0.0.1/");
	assert_fails("bad target", "127.0.0.1:80");
	assert_fails("tcp:// targets need a port", "tcp://127.0.0.1");
	assert_fails("tcp:// targets take no path", "tcp://127.0.0.1:7/x");
	assert_fails("bad port", "http://127.0.0.1:0/");
	assert_fails("bad port", "http://127.0.0.1:65536/");
	assert_fails("bad port", "http://127.0.0.1:8o/");
	assert_fails("host 'no-such-host.invalid'", "http://no-such-host.invalid/");
	assert_fails("host 'fe80::zz'", "http://[fe80::zz]/");
	assert_fails("not an IPv6 address", "http://[localhost]/");
	assert_fails("need brackets", "http://::1:80/");
	assert_fails("unclosed", "http://[::1/");
	assert_fails("junk after", "http://[::1]x/");
	assert_fails("missing or overlong host", "http:///x");
	assert_fails("missing or overlong host", "http://:80/");
	assert_fails("user names", "http://u:p@127.0.0.1/");
	assert_fails("spaces", "http://127.0.0.1/a b");
}

/* https and ws schemes: their default ports, TLS, the name for SNI; names resolved. */
static void
test_schemes(void **state)
{
	assert_int_equal(parse("https://localhost/x", NULL), 0);
	assert_int_equal(A.proto, ARGS_HTTP);
	assert_int_equal(T0.tls, 1);
	assert_int_equal(A.tls, 1);
	assert_int_equal(T0.port, 443);
	assert_string_equal(T0.name, "localhost");
	assert_int_equal(T0.addr.ss_family, AF_INET);
	assert_int_equal(parse("https://[::1]:8443/", NULL), 0);
	assert_string_equal(T0.host, "[::1]");
	assert_string_equal(T0.name, "::1");
	assert_int_equal(parse("ws://127.0.0.1:9/websocket/echo", NULL), 0);
	assert_int_equal(A.proto, ARGS_WS);
	assert_int_equal(T0.tls, 0);
	assert_string_equal(T0.path, "/websocket/echo");
	assert_int_equal(parse("wss://localhost/", NULL), 0);
	assert_int_equal(T0.port, 443);
	assert_int_equal(T0.tls, 1);
	assert_int_equal(parse("ws://localhost/", NULL), 0);
	assert_int_equal(T0.port, 80);
}

/* --target adds front ends after the positional one; they must share one protocol. */
static void
test_targets(void **state)
{
	assert_int_equal(parse("http://127.0.0.1:1/a", "--target", "https://localhost:2/b",
	    "--target=http://[::1]:3/", NULL), 0);
	assert_int_equal(A.ntargets, 3);
	assert_string_equal(A.url, "http://127.0.0.1:1/a");
	assert_int_equal(A.targets[1].port, 2);
	assert_int_equal(A.targets[1].tls, 1);
	assert_int_equal(A.tls, 1);
	assert_string_equal(A.targets[2].host, "[::1]");
	assert_int_equal(parse("--target", "http://127.0.0.1:5/", NULL), 0);
	assert_int_equal(A.ntargets, 1);
	assert_int_equal(T0.port, 5);

	assert_fails("mix protocols", "http://127.0.0.1:1/", "--target", "tcp://127.0.0.1:2");
	assert_fails("use --target", "http://127.0.0.1:1/", "http://127.0.0.1:2/");
	assert_fails("needs a value", "--target");
	assert_fails("--hold takes one", "--hold", "0", "--target", "http://127.0.0.1:1/",
	    "--target", "http://127.0.0.1:2/");
	assert_fails("--hold takes one", "--hold", "0", "https://127.0.0.1:1/");
}

/* Threads, processes, the latency table, thresholds, TLS trust and ws messages. */
static void
test_run_flags(void **state)
{
	assert_int_equal(parse("http://127.0.0.1/", NULL), 0);
	assert_int_equal(A.threads, 1);
	assert_int_equal(A.procs, 1);
	assert_int_equal(A.latency, 0);
	assert_true(A.max_p99_ms == 0);
	assert_int_equal(A.max_errors_set, 0);
	assert_int_equal(A.insecure, 0);
	assert_null(A.cacert);
	assert_int_equal(parse("-t", "4", "--procs", "2", "-c", "8", "--latency",
	    "--max-p99", "2.5", "--max-errors", "0", "--cacert", "/x/ca.pem",
	    "https://127.0.0.1/", NULL), 0);
	assert_int_equal(A.threads, 4);
	assert_int_equal(A.procs, 2);
	assert_int_equal(A.latency, 1);
	assert_true(A.max_p99_ms == 2.5);
	assert_int_equal(A.max_errors_set, 1);
	assert_int_equal(A.max_errors, 0);
	assert_string_equal(A.cacert, "/x/ca.pem");
	assert_int_equal(parse("--insecure", "--threads=2", "https://127.0.0.1/", NULL), 0);
	assert_int_equal(A.insecure, 1);
	assert_int_equal(A.threads, 2);
	assert_int_equal(parse("-c", "3", "--messages", "5", "ws://127.0.0.1:1/", NULL), 0);
	assert_int_equal(A.messages, 5);
	assert_int_equal(A.requests, 15);

	assert_fails("bad count", "-t", "0", "http://127.0.0.1/");
	assert_fails("bad count", "--procs", "65", "http://127.0.0.1/");
	assert_fails("at least", "-t", "4", "-c", "3", "http://127.0.0.1/");
	assert_fails("at least", "-t", "2", "--procs", "2", "-c", "3", "http://127.0.0.1/");
	assert_fails("bad latency", "--max-p99", "0", "http://127.0.0.1/");
	assert_fails("bad latency", "--max-p99", "fast", "http://127.0.0.1/");
	assert_fails("bad error count", "--max-errors", "-1", "http://127.0.0.1/");
	assert_fails("conflict", "--insecure", "--cacert", "a", "https://127.0.0.1/");
	assert_fails("ws:// targets only", "--messages", "2", "http://127.0.0.1/");
	assert_fails("--messages conflicts", "--messages", "2", "-n", "4", "ws://127.0.0.1:1/");
	assert_fails("one process", "--procs", "2", "--timeline", "t.csv", "http://127.0.0.1/");
	assert_fails("http:// targets only", "-m", "PUT", "ws://127.0.0.1:1/");
}

/* --hold with --send and --settle; 0 is a hold, the request-run flags conflict. */
static void
test_hold(void **state)
{
	assert_int_equal(parse("http://127.0.0.1/", NULL), 0);
	assert_int_equal(A.hold_set, 0);
	assert_int_equal(A.send, 0);
	assert_true(A.settle == 0);
	assert_int_equal(parse("-c", "150", "--hold", "0", "http://127.0.0.1/", NULL), 0);
	assert_int_equal(A.hold_set, 1);
	assert_true(A.hold == 0);
	assert_int_equal(A.clients, 150);
	assert_int_equal(parse("--hold=2m", "--send", "--settle", "500ms",
	    "http://127.0.0.1/ip", NULL), 0);
	assert_true(A.hold == 120);
	assert_int_equal(A.send, 1);
	assert_true(A.settle == 0.5);
	assert_int_equal(parse("--hold", "1.5", "tcp://127.0.0.1:7", NULL), 0);
	assert_true(A.hold == 1.5);

	assert_fails("bad duration", "--hold", "-1", "http://127.0.0.1/");
	assert_fails("bad duration", "--hold", "soon", "http://127.0.0.1/");
	assert_fails("bad duration", "--hold", "0s0", "http://127.0.0.1/");
	assert_fails("bad duration", "--hold", "1", "--settle", "0", "http://127.0.0.1/");
	assert_fails("needs a value", "http://127.0.0.1/", "--hold");
	assert_fails("takes no value", "--hold", "1", "--send=1", "http://127.0.0.1/");
	assert_fails("need --hold", "--send", "http://127.0.0.1/");
	assert_fails("need --hold", "--settle", "2", "http://127.0.0.1/");
	assert_fails("--hold conflicts", "--hold", "1", "-n", "5", "http://127.0.0.1/");
	assert_fails("--hold conflicts", "--hold", "1", "-d", "5", "http://127.0.0.1/");
	assert_fails("--hold conflicts", "--hold", "1", "--rate", "5", "http://127.0.0.1/");
	assert_fails("--hold conflicts", "--hold", "1", "--slow-send", "5",
	    "http://127.0.0.1/");
	assert_fails("--hold conflicts", "--hold", "1", "--timeline", "t.csv",
	    "http://127.0.0.1/");
	assert_fails("http:// targets only", "--hold", "1", "--send", "tcp://127.0.0.1:7");
}

/* Each test frees its parse through the teardown. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_every_flag, teardown),
		cmocka_unit_test_teardown(test_help_version, teardown),
		cmocka_unit_test_teardown(test_bad_numbers, teardown),
		cmocka_unit_test_teardown(test_conflicts, teardown),
		cmocka_unit_test_teardown(test_headers_method, teardown),
		cmocka_unit_test_teardown(test_body_file, teardown),
		cmocka_unit_test_teardown(test_urls, teardown),
		cmocka_unit_test_teardown(test_hold, teardown),
		cmocka_unit_test_teardown(test_schemes, teardown),
		cmocka_unit_test_teardown(test_targets, teardown),
		cmocka_unit_test_teardown(test_run_flags, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
