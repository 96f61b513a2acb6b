/* log: OpenBSD-style logging to stderr or syslog, plus the access log. */
#ifndef EF_LOG_H
#define EF_LOG_H

#include <stdarg.h>

#define LOG_PATH_MAX	1024	/* longest access log path, as config's CONFIG_PATH_MAX */

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

struct access_entry {
	const char	*client;	/* "ip:port" */
	const char	*method;
	const char	*target;
	int		 status;
	unsigned long long bytes;	/* response bytes sent, head included */
	double		 duration_ms;
	const char	*note;		/* extra word or NULL, e.g. "client-gone" */
	const char	*host;		/* the client's address alone (combined) */
	const char	*referer;	/* header value or NULL */
	const char	*user_agent;	/* header value or NULL */
	int		 version;	/* 10 or 11; 0 when the request line did not parse */
};

/* How access lines look: ours, Apache/nginx combined, or one JSON object each. */
enum log_access_format {
	LOG_ACCESS_DEFAULT = 0,
	LOG_ACCESS_COMBINED,
	LOG_ACCESS_JSON,
};

void	log_init(const char *progname, enum log_level, int to_syslog);
void	log_set_level(enum log_level);
int	log_level_parse(const char *, enum log_level *);
const char *log_level_name(enum log_level);

/* Access log: path, "-" or "stderr" for stderr, "syslog", "off" for none. -1 + errbuf on failure. */
int	log_access_open(const char *path, char *errbuf, size_t errlen);
void	log_access_close(void);
/* SIGUSR1: reopen the file at the same path; async-signal-safe. 1 done, 0 not a file, -1 errno. */
int	log_access_reopen(void);
const char *log_access_file(void);
void	log_access(const struct access_entry *);
/* default, combined or json; -1 for anything else. */
int	log_access_format_parse(const char *, enum log_access_format *);
const char *log_access_format_name(enum log_access_format);
/* From the next line on, write this format (start-up and reload). */
void	log_access_set_format(enum log_access_format);
int	log_access_enabled(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
