/* log: OpenBSD-style logging to stderr or syslog, plus the access log. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"

#define LOG_LINE_MAX	4096

static const char	*log_progname = "echofetch";
static int		 log_level_cur = LOG_LEVEL_INFO;
static int		 log_syslog;
/* Not a descriptor: access lines go to syslog(3), facility daemon. */
#define LOG_ACCESS_SYSLOG	(-2)

/* -1: no access log; syslog, STDERR_FILENO or an append-mode file otherwise. */
static int		 log_access_fd = STDERR_FILENO;
static int		 log_access_fmt = LOG_ACCESS_DEFAULT;
static const char *const log_access_fmt_names[] = { "default", "combined", "json" };
/* The file behind log_access_fd, for SIGUSR1; "" for stderr or none. */
static char		 log_access_path[LOG_PATH_MAX];

static const char *const log_level_names[] = {
	"error", "warn", "info", "debug",
};

static void	log_vlog(enum log_level, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
static void	log_access_escape(struct buf *, const char *);

/* Where messages go for the life of the process; syslog once daemonized. */
void
log_init(const char *progname, enum log_level level, int to_syslog)
{
	if (progname != NULL)
		log_progname = progname;
	log_set_level(level);
	log_syslog = to_syslog ? 1 : 0;
	tzset();
	if (log_syslog)
		openlog(log_progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Change the threshold, e.g. after rereading the config. */
void
log_set_level(enum log_level level)
{
	if ((int)level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_INFO;
	__atomic_store_n(&log_level_cur, (int)level, __ATOMIC_RELAXED);
}

/* Config files and flags name levels as words. */
int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]);
	    i++) {
		if (strcasecmp(s, log_level_names[i]) == 0) {
			*out = (enum log_level)i;
			return (0);
		}
	}
	return (-1);
}

/* The word log_level_parse reads back. */
const char *
log_level_name(enum log_level level)
{
	if ((int)level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG)
		return ("unknown");
	return (log_level_names[level]);
}

/* One formatted line per call so lines from threads never interleave. */
static void
log_vlog(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	static const int	 prio[] = {
		LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG
	};
	char			 msg[LOG_LINE_MAX];

	if ((int)level > __atomic_load_n(&log_level_cur, __ATOMIC_RELAXED))
		return;
	msg[0] = '\0';
	if (fmt != NULL)
		vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_syslog) {
		if (errnum == 0)
			syslog(prio[level], "%s", msg);
		else if (fmt == NULL)
			syslog(prio[level], "%s", strerror(errnum));
		else
			syslog(prio[level], "%s: %s", msg, strerror(errnum));
		return;
	}
	if (errnum == 0)
		fprintf(stderr, "%s: %s\n", log_progname, msg);
	else if (fmt == NULL)
		fprintf(stderr, "%s: %s\n", log_progname, strerror(errnum));
	else
		fprintf(stderr, "%s: %s: %s\n", log_progname, msg,
		    strerror(errnum));
}

/* A warning with the reason errno gives. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARN, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A warning that stands on its own. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARN, 0, fmt, ap);
	va_end(ap);
}

/* Normal operation: listeners bound, workers started. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
}

/* Detail for a developer; off by default. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* Only main may die: log why, with errno's reason, and exit. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Only main may die: log why and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * Open (or reopen on SIGHUP) the access log. The new file replaces the old
 * descriptor number with dup2 so a thread writing meanwhile never sees a
 * closed or reused descriptor; on failure the old log stays.
 */
int
log_access_open(const char *path, char *errbuf, size_t errlen)
{
	int	 fd, old;

	old = __atomic_load_n(&log_access_fd, __ATOMIC_ACQUIRE);
	if (strcmp(path, "off") == 0 || strcmp(path, "stderr") == 0 ||
	    strcmp(path, "-") == 0 || strcmp(path, "syslog") == 0) {
		if (path[0] == 'o')
			fd = -1;
		else if (strcmp(path, "syslog") == 0)
			fd = LOG_ACCESS_SYSLOG;
		else
			fd = STDERR_FILENO;
		log_access_path[0] = '\0';
		__atomic_store_n(&log_access_fd, fd, __ATOMIC_RELEASE);
		if (old > STDERR_FILENO)
			close(old);
		return (0);
	}
	if (strlen(path) >= sizeof(log_access_path)) {
		snprintf(errbuf, errlen, "path longer than %zu bytes",
		    sizeof(log_access_path) - 1);
		return (-1);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	memcpy(log_access_path, path, strlen(path) + 1);
	if (old > STDERR_FILENO) {
		if (dup2(fd, old) == -1) {
			snprintf(errbuf, errlen, "%s: %s", path,
			    strerror(errno));
			close(fd);
			return (-1);
		}
		close(fd);
		(void)fcntl(old, F_SETFD, FD_CLOEXEC);
		return (0);
	}
	__atomic_store_n(&log_access_fd, fd, __ATOMIC_RELEASE);
	return (0);
}

/*
 * SIGUSR1 (log rotation): open the access log's path again onto the same
 * descriptor. Only open, dup2, fcntl and close, so a fork child may call it
 * from its signal handler. 1 reopened, 0 nothing to reopen (stderr or
 * off), -1 with errno (the old file stays).
 */
int
log_access_reopen(void)
{
	int	 fd, old, saved;

	old = __atomic_load_n(&log_access_fd, __ATOMIC_ACQUIRE);
	if (old <= STDERR_FILENO || log_access_path[0] == '\0')
		return (0);
	fd = open(log_access_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd == -1)
		return (-1);
	if (dup2(fd, old) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	close(fd);
	(void)fcntl(old, F_SETFD, FD_CLOEXEC);
	return (1);
}

/* The access log's file for messages, "" when it is stderr or off. */
const char *
log_access_file(void)
{
	return (log_access_path);
}

/* Stop access logging and release a file we opened. */
void
log_access_close(void)
{
	int	 old;

	old = __atomic_exchange_n(&log_access_fd, -1, __ATOMIC_ACQ_REL);
	log_access_path[0] = '\0';
	if (old > STDERR_FILENO)
		close(old);
}

/* Client-chosen bytes become \xHH so they cannot fake a field or a line. */
static void
log_access_escape(struct buf *b, const char *s)
{
	const unsigned char	*p, *run;

	if (s == NULL) {
		buf_append_char(b, '-');
		return;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		/* Bytes that need no escape go over in runs. */
		for (run = p; *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\'; p++)
			;
		buf_append(b, run, (size_t)(p - run));
		if (*p == '\0')
			break;
		buf_appendf(b, "\\x%02X", *p);
	}
}

/* Whether there is an access log to write to (skip the formatting when not). */
int
log_access_enabled(void)
{
	return (__atomic_load_n(&log_access_fd, __ATOMIC_ACQUIRE) != -1);
}

/* default, combined or json. */
int
log_access_format_parse(const char *s, enum log_access_format *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(log_access_fmt_names) / sizeof(log_access_fmt_names[0]); i++) {
		if (strcmp(s, log_access_fmt_names[i]) == 0) {
			*out = (enum log_access_format)i;
			return (0);
		}
	}
	return (-1);
}

/* The word access_log_format uses. */
const char *
log_access_format_name(enum log_access_format f)
{
	if ((int)f < 0 || f > LOG_ACCESS_JSON)
		return ("unknown");
	return (log_access_fmt_names[f]);
}

/* Threads log while a reload sets this: one atomic int. */
void
log_access_set_format(enum log_access_format f)
{
	__atomic_store_n(&log_access_fmt, (int)f, __ATOMIC_RELEASE);
}

/* "HTTP/1.1", or "-" when the request line never parsed. */
static const char *
log_access_version(const struct access_entry *e)
{
	return (e->version == 10 ? "HTTP/1.0" : e->version == 11 ? "HTTP/1.1" : "-");
}

/* "2026-01-02T03:04:05" for a UTC second: made once a second per thread, as lines come in bursts. */
static const char *
log_access_second(time_t sec)
{
	static __thread char	 when[32];
	static __thread time_t	 when_at;
	static __thread int	 when_valid;
	struct tm		 tm;

	if (when_valid && when_at == sec)
		return (when);
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	when_at = sec;
	when_valid = 1;
	return (when);
}

/* n as exactly `digits` decimal digits, with leading zeros. */
static void
log_access_digits(struct buf *b, unsigned long long n, int digits)
{
	char	 tmp[24];
	int	 i;

	for (i = digits; i > 0; i--) {
		tmp[i - 1] = (char)('0' + n % 10);
		n /= 10;
	}
	buf_append(b, tmp, (size_t)digits);
}

/*
 * printf's "%.3f" of a duration, without printf when it is whole
 * microseconds (as measured ones are): then no rounding can differ.
 */
static void
log_access_ms(struct buf *b, double ms)
{
	double			 us = ms * 1000.0, off;
	unsigned long long	 r;

	if (!(ms > 0.0 && us < 1e15)) {
		buf_appendf(b, "%.3f", ms);
		return;
	}
	r = (unsigned long long)(us + 0.5);
	off = us - (double)r;
	if (off > 1e-3 || off < -1e-3) {
		buf_appendf(b, "%.3f", ms);
		return;
	}
	buf_append_uint(b, r / 1000);
	buf_append_char(b, '.');
	log_access_digits(b, r % 1000, 3);
}

/* Ours: ISO time, ip:port, "METHOD target", status, bytes, ms, and a note. */
static void
log_access_default(struct buf *b, const struct access_entry *e, const struct timespec *ts)
{
	buf_append_str(b, log_access_second(ts->tv_sec));
	buf_append_char(b, '.');
	log_access_digits(b, (unsigned long long)(ts->tv_nsec / 1000000) % 1000, 3);
	buf_append_lit(b, "Z ");
	log_access_escape(b, e->client);
	buf_append(b, " \"", 2);
	log_access_escape(b, e->method);
	buf_append_char(b, ' ');
	log_access_escape(b, e->target);
	buf_append(b, "\" ", 2);
	if (e->status >= 0)
		buf_append_uint(b, (unsigned long long)e->status);
	else
		buf_appendf(b, "%d", e->status);
	buf_append_char(b, ' ');
	buf_append_uint(b, e->bytes);
	buf_append_char(b, ' ');
	log_access_ms(b, e->duration_ms);
	buf_append_lit(b, "ms");
	if (e->note != NULL) {
		buf_append_char(b, ' ');
		log_access_escape(b, e->note);
	}
}

/* Apache's and nginx's combined format, which log analysers read as is. */
static void
log_access_combined(struct buf *b, const struct access_entry *e, const struct timespec *ts)
{
	struct tm	 tm;
	char		 when[40];

	localtime_r(&ts->tv_sec, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", &tm);
	log_access_escape(b, e->host != NULL ? e->host : e->client);
	buf_appendf(b, " - - [%s] \"", when);
	log_access_escape(b, e->method);
	buf_append_char(b, ' ');
	log_access_escape(b, e->target);
	buf_appendf(b, " %s\" %d ", log_access_version(e), e->status);
	if (e->bytes == 0)
		buf_append_char(b, '-');
	else
		buf_appendf(b, "%llu", e->bytes);
	buf_append(b, " \"", 2);
	log_access_escape(b, e->referer);
	buf_append(b, "\" \"", 3);
	log_access_escape(b, e->user_agent);
	buf_append_char(b, '"');
}

/* A string member, or null when absent. */
static void
log_access_json_str(struct json *j, const char *key, const char *value)
{
	json_key(j, key);
	if (value != NULL)
		json_cstring(j, value);
	else
		json_null(j);
}

/* One JSON object: every field, client bytes escaped by the JSON writer. */
static void
log_access_json(struct buf *b, const struct access_entry *e, const struct timespec *ts)
{
	struct json	 j;
	const char	*sec;
	char		 when[40];
	size_t		 n;

	sec = log_access_second(ts->tv_sec);
	n = strlen(sec);
	memcpy(when, sec, n + 1);
	snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts->tv_nsec / 1000000);
	json_init(&j, b, 0);
	json_object_begin(&j);
	log_access_json_str(&j, "time", when);
	log_access_json_str(&j, "client", e->client);
	log_access_json_str(&j, "method", e->method);
	log_access_json_str(&j, "target", e->target);
	log_access_json_str(&j, "protocol", e->version ? log_access_version(e) : NULL);
	json_key(&j, "status");
	json_int(&j, e->status);
	json_key(&j, "bytes");
	json_uint(&j, e->bytes);
	json_key(&j, "duration_ms");
	json_double(&j, e->duration_ms);
	log_access_json_str(&j, "referer", e->referer);
	log_access_json_str(&j, "user_agent", e->user_agent);
	log_access_json_str(&j, "note", e->note);
	json_object_end(&j);
}

/* One access-log line, written with a single write(2). */
void
log_access(const struct access_entry *e)
{
	struct buf	 b;
	struct timespec	 ts;
	int		 fd;

	fd = __atomic_load_n(&log_access_fd, __ATOMIC_ACQUIRE);
	if (fd == -1)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	buf_init(&b);
	switch (__atomic_load_n(&log_access_fmt, __ATOMIC_ACQUIRE)) {
	case LOG_ACCESS_COMBINED:
		log_access_combined(&b, e, &ts);
		break;
	case LOG_ACCESS_JSON:
		log_access_json(&b, e, &ts);
		break;
	default:
		log_access_default(&b, e, &ts);
		break;
	}
	if (fd == LOG_ACCESS_SYSLOG) {
		if (!b.oom)
			syslog(LOG_INFO, "%.*s", (int)b.len, b.data);
		buf_free(&b);
		return;
	}
	buf_append_char(&b, '\n');
	/* A lost access line is no reason to fail the request. */
	if (!b.oom && write(fd, b.data, b.len) == -1)
		errno = 0;
	buf_free(&b);
}
