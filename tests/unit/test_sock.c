/* test_sock: address parsing, listeners on port 0, the port file. */
#include "autoconfig.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/sock.h"

/* Parse an address and return its textual host and port. */
static int
parse(const char *spec, char *host, size_t hostlen, unsigned int *port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[SOCK_ERR_LEN];

	if (sock_parse_addr(spec, &ss, &len, err, sizeof(err)) == -1)
		return (-1);
	sock_addr_host((struct sockaddr *)&ss, host, hostlen, port);
	return (0);
}

/* Every accepted spelling of an address. */
static void
test_parse_good(void **state)
{
	char		 host[SOCK_ADDRSTR_LEN];
	unsigned int	 port;

	assert_int_equal(parse("127.0.0.1:8080", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(parse("[::1]:7007", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 7007);
	assert_int_equal(parse("9000", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9000);
	assert_int_equal(parse(":0", host, sizeof(host), &port), 0);
	assert_int_equal(port, 0);
	assert_int_equal(parse("*:80", host, sizeof(host), &port), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(parse("localhost:81", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(parse("::1:80", host, sizeof(host), &port), -1);
}

/* Malformed addresses are refused with a message naming them. */
static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "host", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "[::1]", "[::1]80",
		"[zz]:80", "1.2.3.4:80x", "example.com:80", "[]:80",
	};
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[SOCK_ERR_LEN];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(sock_parse_addr(bad[i], &ss, &len, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "bad address"));
	}
}

/* Port 0 gets a real port, and a second bind to it fails with a reason. */
static void
test_listen_port_zero(void **state)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[SOCK_ERR_LEN];
	int			 fd, fd2, port;

	assert_int_equal(sock_parse_addr("127.0.0.1:0", &ss, &len, err, sizeof(err)), 0);
	fd = sock_listen_tcp((struct sockaddr *)&ss, len, 16, 0, err, sizeof(err));
	assert_true(fd >= 0);
	port = sock_local_port(fd);
	assert_true(port > 0);
	((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	fd2 = sock_listen_tcp((struct sockaddr *)&ss, len, 16, 0, err, sizeof(err));
	assert_int_equal(fd2, -1);
	assert_non_null(strstr(err, "bind"));
	close(fd);
}

/* The port file holds name=port lines and no temp file is left behind. */
static void
test_port_file(void **state)
{
	static const char *const names[] = { "http", "echo" };
	static const int	 ports[] = { 8080, 7007 };
	char			 dir[] = "/tmp/test_sock.XXXXXX", path[256], text[64];
	char			 err[SOCK_ERR_LEN];
	FILE			*fp;
	size_t			 n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ports", dir);
	assert_int_equal(sock_write_port_file(path, names, ports, 2, err, sizeof(err)), 0);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	assert_string_equal(text, "http=8080\necho=7007\n");
	unlink(path);
	assert_int_equal(rmdir(dir), 0);	/* fails if a temp file was left */
	assert_int_equal(sock_write_port_file("/nonexistent/dir/ports", names, ports, 2,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/ports"));
}

/* A TCP socket of 127.0.0.1, connected to nothing yet. */
static int
tcp_socket(void)
{
	int	 fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	return (fd);
}

/* An accepted client socket gets no Nagle and a bound on unsent bytes; 0 leaves the kernel's. */
static void
test_tune_client(void **state)
{
	char		 err[SOCK_ERR_LEN];
	socklen_t	 len = sizeof(int);
	int		 fd, v, before;

	fd = tcp_socket();
	assert_int_equal(sock_tune_client(fd, 65536, err, sizeof(err)), 0);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	assert_int_not_equal(v, 0);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, &len), 0);
	assert_int_equal(v, 65536);
	close(fd);

	fd = tcp_socket();
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &before, &len), 0);
	assert_int_equal(sock_tune_client(fd, 0, err, sizeof(err)), 0);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, &len), 0);
	assert_int_equal(v, before);
	close(fd);

	assert_int_equal(sock_tune_client(-1, 1024, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "TCP_NODELAY"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_listen_port_zero),
		cmocka_unit_test(test_port_file),
		cmocka_unit_test(test_tune_client),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
