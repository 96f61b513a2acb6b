/* config: every setting, its default, the config file and the command line. */
#ifndef EF_CONFIG_H
#define EF_CONFIG_H

#include <stddef.h>

#include "core/http.h"
#include "util/log.h"

#define CONFIG_ADDR_MAX	128
#define CONFIG_PATH_MAX	1024
#define CONFIG_KEYS_MAX	96	/* room for every key: getopt tables, origins */
#define CONFIG_ENV_PREFIX	"ECHOFETCHD_"
/* Names the file to read instead of the default; "" reads none. */
#define CONFIG_ENV_FILE		"ECHOFETCHD_CONFIG"
#define CONFIG_DEFAULT_FILE	SYSCONFDIR "/echofetchd.conf"

/* Which program a setting applies to. */
#define CONFIG_PROG_EVENT	0x1
#define CONFIG_PROG_BLOCKING	0x2
#define CONFIG_PROG_ALL		(CONFIG_PROG_EVENT | CONFIG_PROG_BLOCKING)

/* Where a setting's value came from, lowest first: each overrides the one before. */
enum config_origin {
	CONFIG_ORIGIN_DEFAULT = 0,
	CONFIG_ORIGIN_FILE,
	CONFIG_ORIGIN_ENV,
	CONFIG_ORIGIN_FLAG,
};

enum config_model {
	CONFIG_MODEL_SEQUENTIAL = 0,
	CONFIG_MODEL_THREAD,
	CONFIG_MODEL_FORK,
	CONFIG_MODEL_POOL,
};

struct config {
	char		 config_file[CONFIG_PATH_MAX];	/* "" if none */
	/* listeners: "host:port", "[v6]:port", ":port", "port"; "" or "off" disables */
	char		 listen[CONFIG_ADDR_MAX];	/* HTTP, default 127.0.0.1:8080 */
	char		 echo_listen[CONFIG_ADDR_MAX];	/* TCP + UDP echo, default 127.0.0.1:7007 */
	int		 udp_echo;			/* 1: UDP echo on the echo port too */
	unsigned int	 udp_echo_rate;			/* UDP replies/s to one source (0 = no limit) */
	unsigned int	 udp_echo_rate_global;		/* UDP replies/s in all (0 = no limit) */
	char		 port_file[CONFIG_PATH_MAX];	/* write bound ports here ("" = no) */
	char		 tls_listen[CONFIG_ADDR_MAX];	/* HTTPS, default off */
	char		 tls_echo_listen[CONFIG_ADDR_MAX];	/* TLS echo, default off */
	char		 admin_listen[CONFIG_ADDR_MAX];	/* /events and friends on a thread, default off */
	char		 tls_cert[CONFIG_PATH_MAX];	/* PEM certificate chain */
	char		 tls_key[CONFIG_PATH_MAX];	/* PEM private key */
	unsigned int	 backlog;
	size_t		 tcp_notsent_lowat;		/* per-socket unsent kernel queue */

	unsigned int	 max_connections;		/* 503 + close beyond */
	struct http_limits http;			/* request line, header block, headers, body */
	unsigned int	 header_timeout_ms;		/* whole head must arrive within; 408 */
	unsigned int	 body_timeout_ms;		/* idle gap between body reads; 408 */
	unsigned int	 keepalive_timeout_ms;		/* idle between requests */
	unsigned int	 write_timeout_ms;		/* no write progress; close */
	unsigned int	 echo_idle_timeout_ms;		/* idle echo client; close (0 = never) */
	unsigned int	 echo_buffer_max;		/* stop reading an echo client with this much unsent */
	unsigned int	 ws_frame_max;			/* WebSocket frame payload; close 1009 beyond */
	unsigned int	 ws_message_max;		/* WebSocket message, all fragments; 1009 beyond */
	unsigned int	 ws_idle_timeout_ms;		/* idle WebSocket: close 1001 (0 = never) */
	unsigned int	 ws_close_timeout_ms;		/* after our close, wait this for the peer's */

	unsigned int	 delay_max_ms;			/* /delay, /drip duration+delay */
	unsigned int	 cpu_max_ms;			/* /cpu */
	unsigned long long bytes_max;			/* /bytes, /drip numbytes */
	unsigned int	 stream_max;			/* /stream/n */
	unsigned int	 events_interval_ms;		/* /events: time between messages */

	int		 daemon;			/* detach and log to syslog */
	char		 pidfile[CONFIG_PATH_MAX];	/* "" = none */
	char		 user[64];			/* drop privileges to ("" = stay) */
	unsigned int	 shutdown_timeout_ms;		/* drain deadline */
	int		 test_only;			/* -t: check the config and exit; -T: 2, and print it */
	char		 signal_name[16];		/* -s: signal the running instance ("" = no) */
	unsigned int	 drain_delay_ms;		/* /health 503 this long before the drain */

	enum log_level	 log_level;
	char		 access_log[CONFIG_PATH_MAX];	/* path, "stderr", "syslog" or "off" */
	enum log_access_format access_log_format;	/* default, combined or json */

	unsigned int	 workers;			/* event build; 0 = auto */
	enum config_model model;			/* blocking build */
	unsigned int	 pool_size;			/* blocking build, model pool */
	unsigned int	 max_children;			/* blocking build, model fork: 503 beyond */
	unsigned int	 max_threads;			/* blocking build, model thread: 503 beyond */

	char		 fetch_allow[CONFIG_PATH_MAX];	/* CIDRs fetch may reach despite the deny list */
	unsigned int	 fetch_concurrency;		/* upstream transfers at once */
	unsigned int	 fetch_queue;			/* transfers waiting beyond that; 503 beyond */
	unsigned int	 fetch_redirects;		/* redirects followed, 0..3 */
	unsigned int	 fetch_connect_timeout_ms;
	unsigned int	 fetch_timeout_ms;		/* whole transfer */
	unsigned long long fetch_body_max;		/* upstream body; 502 beyond */
	unsigned int	 fetch_header_max;		/* upstream response head; 502 beyond */
	char		 fetch_ca_file[CONFIG_PATH_MAX];	/* "" = system CA store */
	unsigned int	 fetch_urls_max;		/* most url= per /gather or /chain */
	unsigned int	 fetch_max_hops;		/* Via entries a fetch request may carry; 508 beyond */

	/* per table entry: where its value came from, and the file's line */
	unsigned char	 origin[CONFIG_KEYS_MAX];
	unsigned int	 origin_line[CONFIG_KEYS_MAX];
};

/* Fill every field with its default. */
void	config_defaults(struct config *);
/*
 * Read `key = value` lines; '#' starts a comment. -1 with "FILE:LINE: why"
 * in errbuf on the first bad line.
 */
int	config_load_file(struct config *, const char *path, int prog, char *errbuf, size_t);
/*
 * Every ECHOFETCHD_<KEY> variable of envp (key in capitals). -1 with the
 * variable's name and why in errbuf on the first bad or unknown one.
 */
int	config_load_env(struct config *, char *const *envp, char *errbuf, size_t);
/* Set one key from a string, as the file and the flags do. -1 with why in errbuf. */
int	config_set(struct config *, const char *key, const char *value, int prog, char *errbuf, size_t);
/*
 * Parse argv: first finds -c/--config and loads it (else $ECHOFETCHD_CONFIG,
 * else the default file if it exists), then the environment, then applies
 * the flags (flags win). Returns 0 to run, 1 if it printed help/version (exit 0),
 * -1 with why in errbuf (exit 2).
 */
int	config_parse_args(struct config *, int argc, char **argv, int prog, char *errbuf, size_t);
/* SIGHUP: take what can change live from next; name the rest in restart. */
void	config_reload(struct config *live, const struct config *next, char *restart, size_t);
/* Print --help for a program to stdout. */
void	config_usage(const char *progname, int prog);
const char *config_model_name(enum config_model);
/* The access log to open: access_log, but syslog for stderr under daemon. */
const char *config_access_log(const struct config *);
/* Print every setting of this program as `key = value` (for -t and tests). */
void	config_dump(const struct config *, int prog, struct buf *);
/* The same, each line ending in a comment that says where the value came from (-T). */
void	config_dump_origins(const struct config *, int prog, struct buf *);

#endif
