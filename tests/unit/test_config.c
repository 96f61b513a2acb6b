/* test_config: the settings table, the config file, the flags, the dump. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "core/config.h"
#include "core/fetch.h"
#include "util/log.h"
#include "core/reload.h"

#define ARGS_MAX	32

/* Write `text` to a fresh temporary file; the caller unlinks it. */
static void
config_test_file(char *path, size_t len, const char *text)
{
	int	 fd;

	snprintf(path, len, "/tmp/test_config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Run config_parse_args on a NULL-terminated list, stdout to `out` if set. */
static int
config_test_args(struct config *cfg, int prog, char *err, size_t errlen,
    const char *out, ...)
{
	char		*argv[ARGS_MAX + 1];
	const char	*a;
	va_list		 ap;
	int		 argc = 0, rv, saved = -1, fd;

	va_start(ap, out);
	while ((a = va_arg(ap, const char *)) != NULL && argc < ARGS_MAX)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	if (out != NULL) {
		fflush(stdout);
		saved = dup(STDOUT_FILENO);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd != -1);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	err[0] = '\0';
	rv = config_parse_args(cfg, argc, argv, prog, err, errlen);
	if (out != NULL) {
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	while (argc > 0)
		free(argv[--argc]);
	return (rv);
}

/* Read a whole small file into a buf. */
static void
config_test_slurp(const char *path, struct buf *b)
{
	FILE	*fp;
	char	 tmp[4096];
	size_t	 n;

	fp = fopen(path, "r");
	assert_non_null(fp);
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		buf_append(b, tmp, n);
	fclose(fp);
}

/* The defaults are the documented ones. */
static void
test_config_defaults(void **state)
{
	struct config	 c;

	config_defaults(&c);
	assert_string_equal(c.config_file, "");
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.echo_listen, "127.0.0.1:7007");
	assert_int_equal(c.udp_echo, 1);
	assert_int_equal(c.udp_echo_rate, 1000);
	assert_int_equal(c.udp_echo_rate_global, 20000);
	assert_string_equal(c.port_file, "");
	assert_int_equal(c.backlog, 511);
	assert_int_equal(c.max_connections, 10000);
	assert_int_equal(c.http.request_line_max, 8192);
	assert_int_equal(c.http.header_block_max, 16384);
	assert_int_equal(c.http.headers_max, 100);
	assert_int_equal(c.http.body_max, 1048576);
	assert_int_equal(c.header_timeout_ms, 10000);
	assert_int_equal(c.body_timeout_ms, 10000);
	assert_int_equal(c.keepalive_timeout_ms, 60000);
	assert_int_equal(c.write_timeout_ms, 30000);
	assert_int_equal(c.echo_idle_timeout_ms, 300000);
	assert_int_equal(c.echo_buffer_max, 262144);
	assert_int_equal(c.delay_max_ms, 10000);
	assert_int_equal(c.cpu_max_ms, 10000);
	assert_int_equal(c.bytes_max, 10485760);
	assert_int_equal(c.stream_max, 100);
	assert_int_equal(c.log_level, LOG_LEVEL_INFO);
	assert_string_equal(c.access_log, "stderr");
	assert_int_equal(c.workers, 1);
	assert_int_equal(c.model, CONFIG_MODEL_SEQUENTIAL);
	assert_int_equal(c.pool_size, 8);
	assert_string_equal(config_model_name(CONFIG_MODEL_POOL), "pool");
	assert_string_equal(config_model_name(CONFIG_MODEL_FORK), "fork");
}

/* Check one config_set call that must fail with exactly this message. */
static void
config_test_bad(struct config *c, const char *key, const char *value,
    int prog, const char *want)
{
	char	 err[256];

	err[0] = '\0';
	assert_int_equal(config_set(c, key, value, prog, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

/* Words: addresses, booleans, levels, models; keys and programs. */
static void
test_config_types(void **state)
{
	static const char *const yes[] = { "yes", "on", "true", "1", "YES" };
	static const char *const no[] = { "no", "off", "false", "0", "Off" };
	struct config	 c;
	char		 err[256];
	size_t		 i;

	config_defaults(&c);
#define SET(k, v)	assert_int_equal(config_set(&c, k, v, \
			    CONFIG_PROG_ALL, err, sizeof(err)), 0)
	SET("listen", "[::1]:0");
	assert_string_equal(c.listen, "[::1]:0");
	SET("listen", ":8081");
	SET("listen", "8081");
	SET("listen", "localhost:80");
	SET("listen", "off");
	SET("listen", "");
	config_test_bad(&c, "listen", "1.2.3.4:99999", CONFIG_PROG_ALL,
	    "listen: want host:port, [v6]:port, :port, port or off, "
	    "got \"1.2.3.4:99999\"");
	config_test_bad(&c, "echo_listen", "::1:80", CONFIG_PROG_ALL,
	    "echo_listen: want host:port, [v6]:port, :port, port or off, "
	    "got \"::1:80\"");
	config_test_bad(&c, "listen", "[::1]", CONFIG_PROG_ALL,
	    "listen: want host:port, [v6]:port, :port, port or off, "
	    "got \"[::1]\"");
	for (i = 0; i < 5; i++) {
		SET("udp_echo", no[i]);
		assert_int_equal(c.udp_echo, 0);
		SET("udp_echo", yes[i]);
		assert_int_equal(c.udp_echo, 1);
	}
	config_test_bad(&c, "udp_echo", "maybe", CONFIG_PROG_ALL,
	    "udp_echo: want yes or no, got \"maybe\"");
	SET("log_level", "debug");
	assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
	SET("log_level", "WARN");
	assert_int_equal(c.log_level, LOG_LEVEL_WARN);
	config_test_bad(&c, "log_level", "loud", CONFIG_PROG_ALL,
	    "log_level: want error, warn, info or debug, got \"loud\"");
	SET("model", "pool");
	assert_int_equal(c.model, CONFIG_MODEL_POOL);
	config_test_bad(&c, "model", "threads", CONFIG_PROG_ALL,
	    "model: want sequential, thread, fork or pool, got \"threads\"");
	SET("port_file", "/tmp/ports");
	assert_string_equal(c.port_file, "/tmp/ports");
	config_test_bad(&c, "foo", "1", CONFIG_PROG_ALL, "unknown key \"foo\"");
	config_test_bad(&c, "model", "thread", CONFIG_PROG_EVENT,
	    "model: only echofetchd-blocking uses this");
	config_test_bad(&c, "workers", "2", CONFIG_PROG_BLOCKING,
	    "workers: only echofetchd uses this");
#undef SET
}

/* Numbers: integer ranges, size suffixes, duration suffixes. */
static void
test_config_numbers(void **state)
{
	struct config	 c;
	char		 err[256];

	config_defaults(&c);
#define SET(k, v)	assert_int_equal(config_set(&c, k, v, \
			    CONFIG_PROG_ALL, err, sizeof(err)), 0)
	SET("headers_max", "256");
	assert_int_equal(c.http.headers_max, 256);
	config_test_bad(&c, "headers_max", "257", CONFIG_PROG_ALL,
	    "headers_max: want an integer 1..256, got \"257\"");
	config_test_bad(&c, "headers_max", "0", CONFIG_PROG_ALL,
	    "headers_max: want an integer 1..256, got \"0\"");
	config_test_bad(&c, "backlog", "-1", CONFIG_PROG_ALL,
	    "backlog: want an integer 1..65535, got \"-1\"");
	config_test_bad(&c, "backlog", " 5", CONFIG_PROG_ALL,
	    "backlog: want an integer 1..65535, got \" 5\"");
	config_test_bad(&c, "stream_max", "99999999999999999999999",
	    CONFIG_PROG_ALL, "stream_max: want an integer 1..100000, "
	    "got \"99999999999999999999999\"");
	SET("body_max", "0");
	assert_int_equal(c.http.body_max, 0);
	SET("body_max", "64k");
	assert_int_equal(c.http.body_max, 65536);
	SET("body_max", "2M");
	assert_int_equal(c.http.body_max, 2097152);
	SET("bytes_max", "1G");
	assert_int_equal(c.bytes_max, 1073741824ULL);
	SET("bytes_max", "12345");
	assert_int_equal(c.bytes_max, 12345);
	config_test_bad(&c, "bytes_max", "2G", CONFIG_PROG_ALL,
	    "bytes_max: want a size 0..1G (bytes, or with a K, M or G "
	    "suffix), got \"2G\"");
	config_test_bad(&c, "request_line_max", "1KB", CONFIG_PROG_ALL,
	    "request_line_max: want a size 256..1M (bytes, or with a K, M "
	    "or G suffix), got \"1KB\"");
	SET("header_timeout_ms", "500ms");
	assert_int_equal(c.header_timeout_ms, 500);
	SET("header_timeout_ms", "10s");
	assert_int_equal(c.header_timeout_ms, 10000);
	SET("header_timeout_ms", "2m");
	assert_int_equal(c.header_timeout_ms, 120000);
	SET("header_timeout_ms", "750");
	assert_int_equal(c.header_timeout_ms, 750);
	SET("echo_idle_timeout_ms", "0");
	assert_int_equal(c.echo_idle_timeout_ms, 0);
	config_test_bad(&c, "delay_max_ms", "abc", CONFIG_PROG_ALL,
	    "delay_max_ms: want an integer 0..3600000, got \"abc\"");
	config_test_bad(&c, "delay_max_ms", "61m", CONFIG_PROG_ALL,
	    "delay_max_ms: want an integer 0..3600000, got \"61m\"");
	config_test_bad(&c, "write_timeout_ms", "5h", CONFIG_PROG_ALL,
	    "write_timeout_ms: want an integer 1..3600000, got \"5h\"");
	config_test_bad(&c, "write_timeout_ms", "0", CONFIG_PROG_ALL,
	    "write_timeout_ms: want an integer 1..3600000, got \"0\"");
	SET("workers", "auto");
	assert_int_equal(c.workers, 0);
	SET("workers", "256");
	assert_int_equal(c.workers, 256);
	config_test_bad(&c, "workers", "0", CONFIG_PROG_ALL,
	    "workers: want auto or an integer 1..256, got \"0\"");
#undef SET
}

/* A long string is refused, not truncated. */
static void
test_config_long_string(void **state)
{
	struct config	 c;
	char		 big[CONFIG_PATH_MAX + 10];
	char		 err[256];

	config_defaults(&c);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(config_set(&c, "access_log", big, CONFIG_PROG_ALL,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "access_log: longer than 1023 bytes");
	assert_string_equal(c.access_log, "stderr");
}

/* Comments, quotes, blank lines, CRLF and keys of the other program. */
static void
test_config_file(void **state)
{
	struct config	 c;
	char		 path[64], err[256];

	config_test_file(path, sizeof(path),
	    "# a comment\n"
	    "\n"
	    "   \t\n"
	    "listen = 127.0.0.1:0   # trailing comment\n"
	    "port_file=\"/tmp/a b#c\"  # quoted keeps spaces and #\n"
	    "access_log = /tmp/log#1\n"
	    "echo_listen = \"\"\n"
	    "  delay_max_ms\t=\t5s\r\n"
	    "body_max = 2M\n"
	    "model = fork\n"
	    "workers = auto\n"
	    "udp_echo = off\n");
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, CONFIG_PROG_EVENT, err,
	    sizeof(err)), 0);
	unlink(path);
	assert_string_equal(c.listen, "127.0.0.1:0");
	assert_string_equal(c.port_file, "/tmp/a b#c");
	assert_string_equal(c.access_log, "/tmp/log#1");
	assert_string_equal(c.echo_listen, "");
	assert_int_equal(c.delay_max_ms, 5000);
	assert_int_equal(c.http.body_max, 2097152);
	assert_int_equal(c.model, CONFIG_MODEL_FORK);
	assert_int_equal(c.workers, 0);
	assert_int_equal(c.udp_echo, 0);
	assert_int_equal(c.backlog, 511);
}

/* Load a file that must fail with exactly `want` after "PATH:". */
static void
config_test_bad_file(const char *text, const char *want)
{
	struct config	 c;
	char		 path[64], err[256], full[320];

	config_test_file(path, sizeof(path), text);
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, CONFIG_PROG_ALL, err,
	    sizeof(err)), -1);
	snprintf(full, sizeof(full), "%s:%s", path, want);
	unlink(path);
	assert_string_equal(err, full);
}

/* Every file error names the file and the line. */
static void
test_config_file_errors(void **state)
{
	struct config	 c;
	char		 err[256];

	config_test_bad_file("# ok\nbacklog = 5\nfoo = 1\n",
	    "3: unknown key \"foo\"");
	config_test_bad_file("\n\n\nlisten 127.0.0.1:80\n", "4: missing '='");
	config_test_bad_file("listen\n", "1: missing '='");
	config_test_bad_file("= 5\n", "1: missing key before '='");
	config_test_bad_file("a\n#\n\n\n\n\n\n\n\n\n\ndelay_max_ms = abc\n",
	    "1: missing '='");
	config_test_bad_file("#\n#\n#\n#\n#\n#\n#\n#\n#\n#\n#\n"
	    "delay_max_ms = abc\n",
	    "12: delay_max_ms: want an integer 0..3600000, got \"abc\"");
	config_test_bad_file("listen = \"127.0.0.1:80\n",
	    "1: unterminated quote");
	config_test_bad_file("x = 1\n", "1: unknown key \"x\"");
	config_test_bad_file("listen = \"a\" b\n",
	    "1: unexpected text after the closing quote");
	config_test_bad_file("udp_echo = yes # fine\nudp_echo = nah\n",
	    "2: udp_echo: want yes or no, got \"nah\"");
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, "/nonexistent/echofetchd.conf",
	    CONFIG_PROG_ALL, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/echofetchd.conf: No such file or directory");
}

/* Flags win over the file, --set reaches any key, both passes run. */
static void
test_config_args(void **state)
{
	struct config	 c;
	char		 path[64], err[256];

	config_test_file(path, sizeof(path),
	    "listen = 127.0.0.1:1\nbacklog = 7\ndelay_max_ms = 1s\n");
	config_defaults(&c);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_EVENT, err,
	    sizeof(err), NULL, "/usr/sbin/echofetchd", "-l", ":0",
	    "--delay-max-ms", "2500", "-c", path, "-o", "body_max=4K",
	    "--set=udp_echo=no", "-w", "auto", "--port-file=/tmp/p",
	    "--udp-echo", NULL), 0);
	assert_string_equal(c.config_file, path);
	assert_string_equal(c.listen, ":0");
	assert_int_equal(c.backlog, 7);
	assert_int_equal(c.delay_max_ms, 2500);
	assert_int_equal(c.http.body_max, 4096);
	assert_int_equal(c.udp_echo, 1);	/* the later flag wins */
	assert_int_equal(c.workers, 0);
	assert_string_equal(c.port_file, "/tmp/p");

	/* a second call in the same process starts getopt afresh */
	config_defaults(&c);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_BLOCKING, err,
	    sizeof(err), NULL, "echofetchd-blocking", "--config", path,
	    "-m", "pool", "-n", "16", "--udp-echo=no", "-e", "off", NULL), 0);
	unlink(path);
	assert_string_equal(c.listen, "127.0.0.1:1");
	assert_int_equal(c.model, CONFIG_MODEL_POOL);
	assert_int_equal(c.pool_size, 16);
	assert_int_equal(c.udp_echo, 0);
	assert_string_equal(c.echo_listen, "off");

	config_defaults(&c);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_EVENT, err,
	    sizeof(err), NULL, "echofetchd", NULL), 0);
	assert_string_equal(c.config_file, "");
}

/* Refusals: unknown flags, stray words, bad values, missing values. */
static void
test_config_args_errors(void **state)
{
	struct config	 c;
	char		 err[256];

#define BAD(prog, want, ...) do {					\
	config_defaults(&c);						\
	assert_int_equal(config_test_args(&c, prog, err, sizeof(err),	\
	    NULL, __VA_ARGS__, NULL), -1);				\
	assert_string_equal(err, want);					\
} while (0)
	BAD(CONFIG_PROG_EVENT, "unknown option \"--bogus\" (see echofetchd "
	    "--help)", "./echofetchd", "--bogus");
	BAD(CONFIG_PROG_EVENT, "unknown option \"--bogus\" (see echofetchd "
	    "--help)", "echofetchd", "--bogus=1");
	BAD(CONFIG_PROG_EVENT, "unknown option -x (see echofetchd --help)",
	    "echofetchd", "-x");
	BAD(CONFIG_PROG_EVENT, "unexpected argument \"stray\" (see "
	    "echofetchd --help)", "echofetchd", "-l", ":0", "stray");
	BAD(CONFIG_PROG_EVENT, "option \"--listen\" needs a value (see "
	    "echofetchd --help)", "echofetchd", "--listen");
	BAD(CONFIG_PROG_EVENT, "option -l needs a value (see echofetchd "
	    "--help)", "echofetchd", "-l");
	BAD(CONFIG_PROG_EVENT, "--delay-max-ms: want an integer 0..3600000, "
	    "got \"abc\"", "echofetchd", "--delay-max-ms", "abc");
	BAD(CONFIG_PROG_EVENT, "--set: want key=value, got \"listen\"",
	    "echofetchd", "-o", "listen");
	BAD(CONFIG_PROG_EVENT, "unknown key \"nope\"", "echofetchd", "-o",
	    "nope=1");
	BAD(CONFIG_PROG_EVENT, "/nonexistent.conf: No such file or directory",
	    "echofetchd", "-c", "/nonexistent.conf");
	/* program filtering: blocking-only settings are not event flags */
	BAD(CONFIG_PROG_EVENT, "unknown option \"--model\" (see echofetchd "
	    "--help)", "echofetchd", "--model", "thread");
	BAD(CONFIG_PROG_EVENT, "unknown option -m (see echofetchd --help)",
	    "echofetchd", "-m", "thread");
	BAD(CONFIG_PROG_EVENT, "unknown option \"--pool-size\" (see "
	    "echofetchd --help)", "echofetchd", "--pool-size=4");
	BAD(CONFIG_PROG_EVENT, "model: only echofetchd-blocking uses this",
	    "echofetchd", "-o", "model=thread");
	BAD(CONFIG_PROG_BLOCKING, "unknown option \"--workers\" (see "
	    "echofetchd-blocking --help)", "echofetchd-blocking",
	    "--workers", "2");
	BAD(CONFIG_PROG_BLOCKING, "--model: want sequential, thread, fork or "
	    "pool, got \"green\"", "echofetchd-blocking", "--model", "green");
#undef BAD
}

/* -h and -v print to stdout and return 1, whatever else is on the line. */
static void
test_config_help_version(void **state)
{
	struct config	 c;
	struct buf	 out;
	char		 err[256], path[64];

	snprintf(path, sizeof(path), "/tmp/test_config.out.%d", (int)getpid());
	buf_init(&out);
	config_defaults(&c);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_EVENT, err,
	    sizeof(err), path, "/usr/sbin/echofetchd", "-l", ":1", "-h",
	    NULL), 1);
	config_test_slurp(path, &out);
	assert_non_null(strstr(buf_cstr(&out),
	    "usage: echofetchd [-hvtT] [-c file] [-s signal] [-o key=value] [options]\n"));
	assert_non_null(strstr(out.data, "\nTimeouts:\n"));
	assert_non_null(strstr(out.data, "  -l, --listen ADDR "));
	assert_non_null(strstr(out.data, "(default 127.0.0.1:8080)\n"));
	assert_non_null(strstr(out.data, "      --delay-max-ms MS "));
	assert_non_null(strstr(out.data, "(default 10000)\n"));
	assert_non_null(strstr(out.data, "      --body-max SIZE "));
	assert_non_null(strstr(out.data, "  -w, --workers N|auto "));
	assert_null(strstr(out.data, "--model"));
	assert_null(strstr(out.data, "--pool-size"));

	buf_reset(&out);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_BLOCKING, err,
	    sizeof(err), path, "echofetchd-blocking", "--help", NULL), 1);
	config_test_slurp(path, &out);
	assert_non_null(strstr(buf_cstr(&out), "usage: echofetchd-blocking "));
	assert_non_null(strstr(out.data, "  -m, --model MODEL "));
	assert_non_null(strstr(out.data, "  -n, --pool-size N "));
	assert_null(strstr(out.data, "--workers"));

	buf_reset(&out);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_EVENT, err,
	    sizeof(err), path, "/usr/sbin/echofetchd", "--version", NULL), 1);
	config_test_slurp(path, &out);
	assert_string_equal(buf_cstr(&out), "echofetchd " PACKAGE_VERSION "\n");
	buf_reset(&out);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_BLOCKING, err,
	    sizeof(err), path, "bin/echofetchd-blocking", "-v", NULL), 1);
	config_test_slurp(path, &out);
	assert_string_equal(buf_cstr(&out),
	    "echofetchd-blocking " PACKAGE_VERSION "\n");
	unlink(path);
	buf_free(&out);
}

/* The dump reads back to the same settings, via the file parser. */
static void
test_config_dump_roundtrip(void **state)
{
	struct config	 a, b;
	struct buf	 da, db;
	char		 path[64], err[256];

	config_defaults(&a);
	buf_init(&da);
	buf_init(&db);
	config_dump(&a, CONFIG_PROG_EVENT, &da);
	assert_non_null(strstr(buf_cstr(&da), "listen = 127.0.0.1:8080\n"
	    "echo_listen = 127.0.0.1:7007\nudp_echo = yes\nudp_echo_rate = 1000\n"
	    "udp_echo_rate_global = 20000\nport_file = \"\"\n"));
	assert_non_null(strstr(da.data, "\nbody_max = 1M\n"));
	assert_non_null(strstr(da.data, "\nworkers = 1\n"));
	assert_null(strstr(da.data, "model"));
	buf_reset(&da);
	assert_int_equal(config_set(&a, "listen", "[::1]:0", CONFIG_PROG_ALL,
	    err, sizeof(err)), 0);
	assert_int_equal(config_set(&a, "port_file", "/tmp/x y", CONFIG_PROG_ALL,
	    err, sizeof(err)), 0);
	assert_int_equal(config_set(&a, "body_max", "1500", CONFIG_PROG_ALL,
	    err, sizeof(err)), 0);
	assert_int_equal(config_set(&a, "echo_buffer_max", "3M",
	    CONFIG_PROG_ALL, err, sizeof(err)), 0);
	assert_int_equal(config_set(&a, "keepalive_timeout_ms", "2m",
	    CONFIG_PROG_ALL, err, sizeof(err)), 0);
	assert_int_equal(config_set(&a, "workers", "auto", CONFIG_PROG_ALL,
	    err, sizeof(err)), 0);
	assert_int_equal(config_set(&a, "model", "thread", CONFIG_PROG_ALL,
	    err, sizeof(err)), 0);
	assert_int_equal(config_set(&a, "log_level", "error", CONFIG_PROG_ALL,
	    err, sizeof(err)), 0);
	assert_int_equal(config_set(&a, "udp_echo", "no", CONFIG_PROG_ALL,
	    err, sizeof(err)), 0);
	config_dump(&a, CONFIG_PROG_ALL, &da);
	assert_non_null(strstr(buf_cstr(&da), "\nport_file = \"/tmp/x y\"\n"));
	assert_non_null(strstr(da.data, "\necho_buffer_max = 3M\n"));
	assert_non_null(strstr(da.data, "\nkeepalive_timeout_ms = 120000\n"));
	assert_non_null(strstr(da.data, "\nworkers = auto\n"));
	config_test_file(path, sizeof(path), da.data);
	config_defaults(&b);
	assert_int_equal(config_load_file(&b, path, CONFIG_PROG_ALL, err,
	    sizeof(err)), 0);
	unlink(path);
	config_dump(&b, CONFIG_PROG_ALL, &db);
	assert_string_equal(buf_cstr(&da), buf_cstr(&db));
	assert_string_equal(b.listen, "[::1]:0");
	assert_int_equal(b.http.body_max, 1500);
	assert_int_equal(b.model, CONFIG_MODEL_THREAD);
	assert_int_equal(b.log_level, LOG_LEVEL_ERROR);
	buf_free(&da);
	buf_free(&db);
}

/*
 * conf/echofetchd.conf lists every key commented out at its default: as
 * shipped it loads to the defaults, and its "#key = value" lines are
 * exactly the dump of the defaults, so the file and the table cannot drift.
 */
static void
test_config_shipped_file(void **state)
{
	struct config	 def, c;
	struct buf	 text, keys, dump;
	const char	*top = getenv("top_srcdir");
	char		 path[1024], tmp[64], err[512], *line, *next;

	if (top != NULL && *top != '\0')
		snprintf(path, sizeof(path), "%s/conf/echofetchd.conf", top);
	else
		snprintf(path, sizeof(path), "../conf/echofetchd.conf");
	config_defaults(&def);
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, path, CONFIG_PROG_ALL, err,
	    sizeof(err)), 0);
	assert_memory_equal(&c, &def, sizeof(c));
	buf_init(&text);
	buf_init(&keys);
	buf_init(&dump);
	config_test_slurp(path, &text);
	for (line = buf_cstr(&text); *line != '\0'; line = next) {
		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z')
			buf_append(&keys, line + 1, (size_t)(next - line - 1));
	}
	config_dump(&def, CONFIG_PROG_ALL, &dump);
	assert_string_equal(buf_cstr(&keys), buf_cstr(&dump));
	config_test_file(tmp, sizeof(tmp), keys.data);
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, tmp, CONFIG_PROG_ALL, err,
	    sizeof(err)), 0);
	unlink(tmp);
	/* Every value is the default's; only where it came from differs. */
	memset(c.origin, 0, sizeof(c.origin));
	memset(c.origin_line, 0, sizeof(c.origin_line));
	assert_memory_equal(&c, &def, sizeof(c));
	buf_free(&text);
	buf_free(&keys);
	buf_free(&dump);
}

/* Run every config test; cmocka prints TAP under make check. */
/* A reload takes live keys, names changed restart-only keys, and rebuilds fetch settings. */
static void
test_config_reload(void **state)
{
	struct config		 live, next;
	struct fetch_settings	 fs;
	char			 restart[RELOAD_RESTART_LEN];
	char			 prog[] = "echofetchd", flag[] = "--listen";
	char			 addr[] = "127.0.0.1:9999", bad[] = "--no-such-flag";
	char			*argv[] = { prog, flag, addr, NULL };

	(void)state;
	log_init("test_config", LOG_LEVEL_ERROR, 0);
	config_defaults(&live);
	assert_int_equal(fetch_settings_init(&fs, &live, restart, sizeof(restart)), 0);
	assert_int_equal(reload_read(&next, 3, argv, CONFIG_PROG_EVENT), 0);
	next.keepalive_timeout_ms = live.keepalive_timeout_ms + 1;
	next.fetch_redirects = 0;
	reload_apply(&live, &fs, &next, restart, sizeof(restart));
	assert_string_equal(restart, "listen");
	assert_string_not_equal(live.listen, "127.0.0.1:9999");
	assert_int_equal(live.keepalive_timeout_ms, next.keepalive_timeout_ms);
	assert_int_equal(fs.redirects, 0);

	/* nothing restart-only changed: an empty list */
	next = live;
	next.fetch_redirects = 2;
	reload_apply(&live, &fs, &next, restart, sizeof(restart));
	assert_string_equal(restart, "");
	assert_int_equal(fs.redirects, 2);

	/* a fetch policy that fails keeps the running fetch settings */
	snprintf(next.fetch_allow, sizeof(next.fetch_allow), "not-a-cidr");
	next.fetch_redirects = 1;
	reload_apply(&live, &fs, &next, restart, sizeof(restart));
	assert_int_equal(fs.redirects, 2);

	/* a command line that does not parse: -1, nothing applied */
	argv[1] = bad;
	assert_int_equal(reload_read(&next, 2, argv, CONFIG_PROG_EVENT), -1);
}

/* ECHOFETCHD_<KEY>: stored, marked, and a bad or unknown one named in the error. */
static void
test_config_env(void **state)
{
	char		 e0[] = "PATH=/bin", e1[] = "ECHOFETCHD_DELAY_MAX_MS=250";
	char		 e2[] = "ECHOFETCHD_CONFIG=/nowhere", e3[] = "ECHOFETCHD_ACCESS_LOG=off";
	char		 e4[] = "ECHOFETCHD_DELAY_MAX_MS=soon", e5[] = "ECHOFETCHD_DELAY_MAX=1";
	char		 e6[] = "ECHOFETCHD_=1";
	char *const	 good[] = { e0, e1, e2, e3, NULL };
	char *const	 bad[] = { e4, NULL };
	char *const	 unknown[] = { e5, NULL };
	char *const	 bare[] = { e6, NULL };
	struct config	 c;
	char		 err[256];

	config_defaults(&c);
	assert_int_equal(config_load_env(&c, good, err, sizeof(err)), 0);
	assert_int_equal(c.delay_max_ms, 250);
	assert_string_equal(c.access_log, "off");
	assert_int_equal(config_load_env(&c, bad, err, sizeof(err)), -1);
	assert_string_equal(err, "environment ECHOFETCHD_DELAY_MAX_MS: want an integer "
	    "0..3600000, got \"soon\"");
	assert_int_equal(c.delay_max_ms, 250);
	assert_int_equal(config_load_env(&c, unknown, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "environment ECHOFETCHD_DELAY_MAX: no such setting"));
	assert_int_equal(config_load_env(&c, bare, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ECHOFETCHD_: no such setting"));
}

/* Flags over the environment over the file ($ECHOFETCHD_CONFIG), and -T says which. */
static void
test_config_layers(void **state)
{
	struct config	 c;
	struct buf	 out;
	char		 err[256], path[64], want[128];
	FILE		*fp;

	snprintf(path, sizeof(path), "/tmp/test_config.layers.%d", (int)getpid());
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("# layers\ndelay_max_ms = 100\ncpu_max_ms = 100\nbytes_max = 1K\n", fp);
	fclose(fp);
	assert_int_equal(setenv("ECHOFETCHD_CONFIG", path, 1), 0);
	assert_int_equal(setenv("ECHOFETCHD_DELAY_MAX_MS", "200", 1), 0);
	assert_int_equal(setenv("ECHOFETCHD_CPU_MAX_MS", "200", 1), 0);
	config_defaults(&c);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_EVENT, err, sizeof(err),
	    NULL, "echofetchd", "-o", "cpu_max_ms=300", "-T", NULL), 0);
	assert_string_equal(c.config_file, path);
	assert_int_equal(c.test_only, 2);
	assert_int_equal(c.bytes_max, 1024);
	assert_int_equal(c.delay_max_ms, 200);
	assert_int_equal(c.cpu_max_ms, 300);
	buf_init(&out);
	config_dump_origins(&c, CONFIG_PROG_EVENT, &out);
	snprintf(want, sizeof(want), "\nbytes_max = 1K\t# %s:4\n", path);
	assert_non_null(strstr(buf_cstr(&out), want));
	assert_non_null(strstr(out.data, "\ndelay_max_ms = 200\t# env ECHOFETCHD_DELAY_MAX_MS\n"));
	assert_non_null(strstr(out.data, "\ncpu_max_ms = 300\t# flag\n"));
	assert_non_null(strstr(out.data, "\nstream_max = 100\t# default\n"));
	buf_free(&out);

	/* A named file must exist; "" reads none; a bad value names its variable. */
	assert_int_equal(setenv("ECHOFETCHD_CONFIG", "/nonexistent/echofetchd.conf", 1), 0);
	config_defaults(&c);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_EVENT, err, sizeof(err),
	    NULL, "echofetchd", NULL), -1);
	assert_non_null(strstr(err, "/nonexistent/echofetchd.conf: No such file"));
	assert_int_equal(setenv("ECHOFETCHD_CONFIG", "", 1), 0);
	assert_int_equal(setenv("ECHOFETCHD_CPU_MAX_MS", "9h", 1), 0);
	config_defaults(&c);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_EVENT, err, sizeof(err),
	    NULL, "echofetchd", NULL), -1);
	assert_non_null(strstr(err, "ECHOFETCHD_CPU_MAX_MS"));
	unsetenv("ECHOFETCHD_CPU_MAX_MS");
	unsetenv("ECHOFETCHD_DELAY_MAX_MS");
	config_defaults(&c);
	assert_int_equal(config_test_args(&c, CONFIG_PROG_EVENT, err, sizeof(err),
	    NULL, "echofetchd", "-s", "reload", NULL), 0);
	assert_string_equal(c.config_file, "");
	assert_string_equal(c.signal_name, "reload");
	assert_int_equal(config_test_args(&c, CONFIG_PROG_EVENT, err, sizeof(err),
	    NULL, "echofetchd", "-s", "restart", NULL), -1);
	assert_string_equal(err, "-s: want reload, stop, quit or reopen, got \"restart\"");
	unlink(path);
}

/* Under daemon, the default stderr access log would be /dev/null: syslog instead. */
static void
test_config_access_log_daemon(void **state)
{
	struct config	 c;

	config_defaults(&c);
	assert_string_equal(config_access_log(&c), "stderr");
	c.daemon = 1;
	assert_string_equal(config_access_log(&c), "syslog");
	strcpy(c.access_log, "/var/log/x");
	assert_string_equal(config_access_log(&c), "/var/log/x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_types),
		cmocka_unit_test(test_config_numbers),
		cmocka_unit_test(test_config_long_string),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_config_file_errors),
		cmocka_unit_test(test_config_args),
		cmocka_unit_test(test_config_args_errors),
		cmocka_unit_test(test_config_help_version),
		cmocka_unit_test(test_config_dump_roundtrip),
		cmocka_unit_test(test_config_shipped_file),
		cmocka_unit_test(test_config_reload),
		cmocka_unit_test(test_config_env),
		cmocka_unit_test(test_config_layers),
		cmocka_unit_test(test_config_access_log_daemon),
	};

	/* An installed default file must not change what these tests see. */
	setenv("ECHOFETCHD_CONFIG", "", 1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
