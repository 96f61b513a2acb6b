/* config: every setting, its default, the config file and the command line. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/config_impl.h"
#include "core/fetch_policy.h"
#include "core/plan.h"
#include "core/ws.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/num.h"

#define CONFIG_FIELD(f)	offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define CONFIG_ALL	CONFIG_PROG_ALL
#define CONFIG_EV	CONFIG_PROG_EVENT
#define CONFIG_BL	CONFIG_PROG_BLOCKING

/* The one table: defaults, the file, the flags, --help and the dump. */
const struct config_entry config_table[] = {
	{ "listen", 'l', CONFIG_T_ADDR, CONFIG_FIELD(listen), 0, 0,
	  "127.0.0.1:8080", CONFIG_ALL, "Listeners",
	  "HTTP address: host:port, [v6]:port, :port, port, or off" },
	{ "echo_listen", 'e', CONFIG_T_ADDR, CONFIG_FIELD(echo_listen), 0, 0,
	  "127.0.0.1:7007", CONFIG_ALL, "Listeners",
	  "TCP echo address (and UDP with udp_echo), or off" },
	{ "udp_echo", 0, CONFIG_T_BOOL, CONFIG_FIELD(udp_echo), 0, 1,
	  "yes", CONFIG_ALL, "Listeners",
	  "also answer UDP datagrams on the echo port" },
	{ "udp_echo_rate", 0, CONFIG_T_UINT, CONFIG_FIELD(udp_echo_rate), 0, 10000000,
	  "1000", CONFIG_ALL, "Listeners",
	  "most UDP echo replies per second to one source address (0 = no limit)" },
	{ "udp_echo_rate_global", 0, CONFIG_T_UINT, CONFIG_FIELD(udp_echo_rate_global),
	  0, 10000000, "20000", CONFIG_ALL, "Listeners",
	  "most UDP echo replies per second in all (0 = no limit)" },
	{ "port_file", 'p', CONFIG_T_STRING, CONFIG_FIELD(port_file), 0, 0,
	  "", CONFIG_ALL, "Listeners",
	  "write the bound ports to this file (use with port 0)" },
	{ "backlog", 0, CONFIG_T_UINT, CONFIG_FIELD(backlog), 1, 65535,
	  "511", CONFIG_ALL, "Listeners", "listen(2) queue length" },
	{ "tcp_notsent_lowat", 0, CONFIG_T_SIZE, CONFIG_FIELD(tcp_notsent_lowat),
	  0, 64 * CONFIG_M, "64K", CONFIG_ALL, "Listeners",
	  "unsent bytes the kernel queues per client socket (0 = its default)" },
	{ "admin_listen", 0, CONFIG_T_ADDR, CONFIG_FIELD(admin_listen), 0, 0,
	  "off", CONFIG_ALL, "Listeners",
	  "address of /events, /stats, /metrics and /dashboard, served by a thread "
	  "of its own, or off" },
	{ "tls_listen", 0, CONFIG_T_ADDR, CONFIG_FIELD(tls_listen), 0, 0,
	  "off", CONFIG_ALL, "TLS",
	  "HTTPS address (every endpoint over TLS), or off" },
	{ "tls_echo_listen", 0, CONFIG_T_ADDR, CONFIG_FIELD(tls_echo_listen), 0, 0,
	  "off", CONFIG_ALL, "TLS", "TLS echo address, or off" },
	{ "tls_cert", 0, CONFIG_T_STRING, CONFIG_FIELD(tls_cert), 0, 0,
	  "", CONFIG_ALL, "TLS", "PEM certificate chain for the TLS listeners" },
	{ "tls_key", 0, CONFIG_T_STRING, CONFIG_FIELD(tls_key), 0, 0,
	  "", CONFIG_ALL, "TLS", "PEM private key for tls_cert" },
	{ "max_connections", 0, CONFIG_T_UINT, CONFIG_FIELD(max_connections),
	  1, 1000000, "10000", CONFIG_ALL, "Request limits",
	  "beyond this many open connections answer 503 and close" },
	{ "request_line_max", 0, CONFIG_T_SIZE,
	  CONFIG_FIELD(http.request_line_max), 256, CONFIG_M, "8K",
	  CONFIG_ALL, "Request limits", "longest request line (414 beyond)" },
	{ "header_block_max", 0, CONFIG_T_SIZE,
	  CONFIG_FIELD(http.header_block_max), CONFIG_K, 16 * CONFIG_M, "16K",
	  CONFIG_ALL, "Request limits", "largest request head (431 beyond)" },
	{ "headers_max", 0, CONFIG_T_UINT, CONFIG_FIELD(http.headers_max),
	  1, HTTP_HEADERS_HARD_MAX, "100", CONFIG_ALL, "Request limits",
	  "most header fields in a request (431 beyond)" },
	{ "body_max", 0, CONFIG_T_SIZE, CONFIG_FIELD(http.body_max),
	  0, CONFIG_G, "1M", CONFIG_ALL, "Request limits",
	  "largest request body (413 beyond)" },
	{ "chunk_overhead_max", 0, CONFIG_T_SIZE,
	  CONFIG_FIELD(http.chunk_overhead_max), CONFIG_K, CONFIG_G, "16K",
	  CONFIG_ALL, "Request limits",
	  "chunked framing (sizes, extensions, trailers) allowed beyond the data (400)" },
	{ "header_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(header_timeout_ms), 1, 3600000, "10000", CONFIG_ALL,
	  "Timeouts", "the whole request head must arrive within this (408)" },
	{ "body_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(body_timeout_ms), 1, 3600000, "10000", CONFIG_ALL,
	  "Timeouts", "longest pause between reads of a body (408)" },
	{ "keepalive_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(keepalive_timeout_ms), 1, 3600000, "60000", CONFIG_ALL,
	  "Timeouts", "close a connection idle this long between requests" },
	{ "write_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(write_timeout_ms), 1, 3600000, "30000", CONFIG_ALL,
	  "Timeouts", "close a connection whose writes stall this long" },
	{ "echo_idle_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(echo_idle_timeout_ms), 0, 86400000, "300000",
	  CONFIG_ALL, "Echo", "close an echo client idle this long (0 = never)" },
	{ "echo_buffer_max", 0, CONFIG_T_SIZE, CONFIG_FIELD(echo_buffer_max),
	  CONFIG_K, 64 * CONFIG_M, "256K", CONFIG_ALL, "Echo",
	  "stop reading an echo client with this much unsent" },
	{ "ws_frame_max", 0, CONFIG_T_SIZE, CONFIG_FIELD(ws_frame_max),
	  WS_CONTROL_MAX, 64 * CONFIG_M, "1M", CONFIG_ALL, "WebSocket",
	  "largest WebSocket frame payload (close 1009 beyond)" },
	{ "ws_message_max", 0, CONFIG_T_SIZE, CONFIG_FIELD(ws_message_max),
	  WS_CONTROL_MAX, 64 * CONFIG_M, "1M", CONFIG_ALL, "WebSocket",
	  "largest WebSocket message, all its fragments (close 1009 beyond)" },
	{ "ws_idle_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(ws_idle_timeout_ms), 0, 86400000, "300000",
	  CONFIG_ALL, "WebSocket", "close a WebSocket idle this long, code 1001 (0 = never)" },
	{ "ws_close_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(ws_close_timeout_ms), 1, 60000, "1000",
	  CONFIG_ALL, "WebSocket", "after the server's close frame, wait this long for the client's" },
	{ "delay_max_ms", 0, CONFIG_T_DURATION, CONFIG_FIELD(delay_max_ms),
	  0, 3600000, "10000", CONFIG_ALL, "Endpoint limits",
	  "longest /delay, /drip and /sse wait" },
	{ "cpu_max_ms", 0, CONFIG_T_DURATION, CONFIG_FIELD(cpu_max_ms),
	  0, 3600000, "10000", CONFIG_ALL, "Endpoint limits",
	  "longest /cpu burn" },
	{ "bytes_max", 0, CONFIG_T_SIZE, CONFIG_FIELD(bytes_max),
	  0, CONFIG_G, "10M", CONFIG_ALL, "Endpoint limits",
	  "largest /bytes, /drip and /stream-bytes body" },
	{ "stream_max", 0, CONFIG_T_UINT, CONFIG_FIELD(stream_max),
	  1, 100000, "100", CONFIG_ALL, "Endpoint limits",
	  "most lines /stream/n and events /sse send" },
	{ "events_interval_ms", 0, CONFIG_T_DURATION, CONFIG_FIELD(events_interval_ms),
	  50, 10000, "250", CONFIG_ALL, "Endpoint limits",
	  "time between two /events messages" },
	{ "daemon", 'd', CONFIG_T_BOOL, CONFIG_FIELD(daemon), 0, 1,
	  "no", CONFIG_ALL, "Daemon",
	  "detach: fork, setsid, chdir /, stdio to /dev/null, log to syslog" },
	{ "pidfile", 0, CONFIG_T_STRING, CONFIG_FIELD(pidfile), 0, 0,
	  "", CONFIG_ALL, "Daemon",
	  "write the pid here, locked; a second instance on it refuses to start" },
	{ "user", 0, CONFIG_T_STRING, CONFIG_FIELD(user), 0, 0,
	  "", CONFIG_ALL, "Daemon", "after binding, drop root privileges to this user" },
	{ "shutdown_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(shutdown_timeout_ms), 0, 3600000, "30000", CONFIG_ALL,
	  "Daemon", "on SIGTERM, let requests in flight finish for this long" },
	{ "drain_delay_ms", 0, CONFIG_T_DURATION, CONFIG_FIELD(drain_delay_ms),
	  0, 600000, "0", CONFIG_ALL, "Daemon",
	  "on SIGTERM, keep serving this long with /health at 503 before draining" },
	{ "log_level", 0, CONFIG_T_LEVEL, CONFIG_FIELD(log_level), 0, 0,
	  "info", CONFIG_ALL, "Logging", "error, warn, info or debug" },
	{ "access_log", 0, CONFIG_T_STRING, CONFIG_FIELD(access_log), 0, 0,
	  "stderr", CONFIG_ALL, "Logging",
	  "access log: a file (appended), stderr (or -), syslog, or off; "
	  "with daemon, stderr means syslog" },
	{ "access_log_format", 0, CONFIG_T_LOGFMT, CONFIG_FIELD(access_log_format), 0, 0,
	  "default", CONFIG_ALL, "Logging",
	  "access lines: default, combined (Apache/nginx) or json (one object a line)" },
	{ "workers", 'w', CONFIG_T_WORKERS, CONFIG_FIELD(workers), 1, 256,
	  "1", CONFIG_EV, "Concurrency",
	  "event loops, one thread each; auto = one per CPU" },
	{ "model", 'm', CONFIG_T_MODEL, CONFIG_FIELD(model), 0, 0,
	  "sequential", CONFIG_BL, "Concurrency",
	  "how clients are served: sequential, thread, fork or pool" },
	{ "pool_size", 'n', CONFIG_T_UINT, CONFIG_FIELD(pool_size), 1, 1024,
	  "8", CONFIG_BL, "Concurrency", "threads in the pool model" },
	{ "max_children", 0, CONFIG_T_UINT, CONFIG_FIELD(max_children), 1, 100000,
	  "256", CONFIG_BL, "Concurrency",
	  "fork model: most child processes (clients) at once; 503 beyond" },
	{ "max_threads", 0, CONFIG_T_UINT, CONFIG_FIELD(max_threads), 1, 100000,
	  "256", CONFIG_BL, "Concurrency",
	  "thread model: most client threads at once; 503 beyond" },
	{ "fetch_allow", 0, CONFIG_T_CIDRS, CONFIG_FIELD(fetch_allow), 0, 0,
	  "", CONFIG_ALL, "Fetch",
	  "CIDRs fetch may reach although private, e.g. 127.0.0.0/8,::1/128" },
	{ "fetch_concurrency", 0, CONFIG_T_UINT, CONFIG_FIELD(fetch_concurrency),
	  1, 100000, "64", CONFIG_ALL, "Fetch",
	  "most upstream transfers at once, per hop level" },
	{ "fetch_queue", 0, CONFIG_T_UINT, CONFIG_FIELD(fetch_queue),
	  0, 1000000, "1024", CONFIG_ALL, "Fetch",
	  "transfers that may wait for a slot; 503 beyond" },
	{ "fetch_redirects", 0, CONFIG_T_UINT, CONFIG_FIELD(fetch_redirects),
	  0, 3, "0", CONFIG_ALL, "Fetch",
	  "redirects followed, each re-checked (0 = none)" },
	{ "fetch_connect_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(fetch_connect_timeout_ms), 1, 600000, "5000",
	  CONFIG_ALL, "Fetch", "upstream connect must finish within this (504)" },
	{ "fetch_timeout_ms", 0, CONFIG_T_DURATION,
	  CONFIG_FIELD(fetch_timeout_ms), 1, 3600000, "15000", CONFIG_ALL,
	  "Fetch", "a whole upstream transfer must finish within this (504)" },
	{ "fetch_body_max", 0, CONFIG_T_SIZE, CONFIG_FIELD(fetch_body_max),
	  0, CONFIG_G, "10M", CONFIG_ALL, "Fetch",
	  "largest upstream body (502 beyond)" },
	{ "fetch_header_max", 0, CONFIG_T_SIZE, CONFIG_FIELD(fetch_header_max),
	  CONFIG_K, 16 * CONFIG_M, "16K", CONFIG_ALL, "Fetch",
	  "largest upstream response head (502 beyond)" },
	{ "fetch_ca_file", 0, CONFIG_T_STRING, CONFIG_FIELD(fetch_ca_file),
	  0, 0, "", CONFIG_ALL, "Fetch",
	  "CA bundle for upstream TLS (\"\" = the system store)" },
	{ "fetch_urls_max", 0, CONFIG_T_UINT, CONFIG_FIELD(fetch_urls_max),
	  1, PLAN_FETCH_URLS_MAX, "16", CONFIG_ALL, "Fetch",
	  "most url= parameters of /gather and /chain" },
	{ "fetch_max_hops", 0, CONFIG_T_UINT, CONFIG_FIELD(fetch_max_hops),
	  0, PLAN_FETCH_HOPS_MAX, "2", CONFIG_ALL, "Fetch",
	  "fetches a fetch request may come through (Via entries); 508 beyond" },
};
#define CONFIG_NKEYS	(sizeof(config_table) / sizeof(config_table[0]))
const size_t	 config_nkeys = CONFIG_NKEYS;
_Static_assert(CONFIG_NKEYS <= CONFIG_KEYS_MAX, "raise CONFIG_KEYS_MAX for the getopt tables");
_Static_assert(LOG_PATH_MAX >= CONFIG_PATH_MAX, "an access_log path must fit the logger");

static const char *const config_model_names[] = {
	"sequential", "thread", "fork", "pool",
};

/* Keys are looked up by their exact config-file name. */
static const struct config_entry *
config_find(const char *key)
{
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_table[i].key, key) == 0)
			return (&config_table[i]);
	return (NULL);
}

/* Names the program a setting belongs to, for errors and defaults. */
const char *
config_prog_name(int prog)
{
	if (prog == CONFIG_PROG_EVENT)
		return ("echofetchd");
	if (prog == CONFIG_PROG_BLOCKING)
		return ("echofetchd-blocking");
	return ("echofetch");
}

/* A number with the suffix its type allows, scaled to bytes or ms. */
static int
config_parse_scaled(const struct config_entry *e, const char *s,
    unsigned long long *out)
{
	uint64_t		 v, mul = 1;
	const char		*rest = s + strspn(s, NUM_DIGITS);

	if (num_parse_u64(s, (size_t)(rest - s), UINT64_MAX, &v) == -1)
		return (-1);
	if (*rest == '\0')
		mul = 1;
	else if (e->type == CONFIG_T_SIZE && strcasecmp(rest, "k") == 0)
		mul = CONFIG_K;
	else if (e->type == CONFIG_T_SIZE && strcasecmp(rest, "m") == 0)
		mul = CONFIG_M;
	else if (e->type == CONFIG_T_SIZE && strcasecmp(rest, "g") == 0)
		mul = CONFIG_G;
	else if (e->type == CONFIG_T_DURATION && strcmp(rest, "ms") == 0)
		mul = 1;
	else if (e->type == CONFIG_T_DURATION && strcmp(rest, "s") == 0)
		mul = 1000;
	else if (e->type == CONFIG_T_DURATION && strcmp(rest, "m") == 0)
		mul = 60000;
	else
		return (-1);
	if (v > ~0ULL / mul)
		return (-1);
	v *= mul;
	if (v < e->min || v > e->max)
		return (-1);
	*out = v;
	return (0);
}

/* yes/no, on/off, true/false, 1/0, in any case. */
static int
config_parse_bool(const char *s, int *out)
{
	static const char *const words[] = {
		"no", "yes", "off", "on", "false", "true", "0", "1",
	};
	size_t	 i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(s, words[i]) == 0) {
			*out = (int)(i % 2);
			return (0);
		}
	}
	return (-1);
}

/* Listener syntax only; resolving is the executor's job. */
static int
config_check_addr(const char *s)
{
	const char		*port, *close_br;
	uint64_t		 v;
	size_t			 i;

	if (*s == '\0' || strcmp(s, "off") == 0)
		return (0);
	if (*s == '[') {
		if ((close_br = strchr(s, ']')) == NULL || close_br == s + 1 ||
		    close_br[1] != ':')
			return (-1);
		for (i = 1; s + i < close_br; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != ':' &&
			    s[i] != '.' && s[i] != '%')
				return (-1);
		port = close_br + 2;
	} else if ((port = strrchr(s, ':')) != NULL) {
		for (i = 0; s + i < port; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
			    s[i] != '-' && s[i] != '_')
				return (-1);
		port++;
	} else
		port = s;
	if (num_parse_u64(port, strlen(port), 65535, &v) == -1)
		return (-1);
	return (0);
}

/* Junk in fetch_allow stops the load, rather than silently allowing less. */
static int
config_check_cidrs(const char *s, char *errbuf, size_t len)
{
	struct fetch_policy	 pol;
	char			 why[FETCH_POLICY_REASON_MAX];

	if (fetch_policy_parse(&pol, s, why, sizeof(why)) == -1)
		return (err_set(errbuf, len, "%s",
		    strncmp(why, "fetch_allow: ", 13) == 0 ? why + 13 : why));
	return (0);
}

/* Integer fields come in two widths; the table knows which. */
static void
config_put_uint(void *p, size_t width, unsigned long long v)
{
	if (width == sizeof(unsigned int))
		*(unsigned int *)p = (unsigned int)v;
	else
		*(unsigned long long *)p = v;
}

/* The other half of config_put_uint. */
static unsigned long long
config_get_uint(const void *p, size_t width)
{
	if (width == sizeof(unsigned int))
		return (*(const unsigned int *)p);
	return (*(const unsigned long long *)p);
}

/* "0..3600000" or, for sizes, "256..1M", as the error messages say it. */
static void
config_fmt_range(const struct config_entry *e, unsigned long long v,
    char *out, size_t len)
{
	if (e->type == CONFIG_T_SIZE && v != 0 && v % CONFIG_G == 0)
		snprintf(out, len, "%lluG", v / CONFIG_G);
	else if (e->type == CONFIG_T_SIZE && v != 0 && v % CONFIG_M == 0)
		snprintf(out, len, "%lluM", v / CONFIG_M);
	else if (e->type == CONFIG_T_SIZE && v != 0 && v % CONFIG_K == 0)
		snprintf(out, len, "%lluK", v / CONFIG_K);
	else
		snprintf(out, len, "%llu", v);
}

/* Convert and store one value; the message names the rule, not the key. */
int
config_store(struct config *cfg, const struct config_entry *e,
    const char *value, char *errbuf, size_t len)
{
	char			*p = (char *)cfg + e->off;
	char			 lo[32], hi[32];
	unsigned long long	 v;
	enum log_level		 level;
	size_t			 i;

	config_fmt_range(e, e->min, lo, sizeof(lo));
	config_fmt_range(e, e->max, hi, sizeof(hi));
	switch (e->type) {
	case CONFIG_T_CIDRS:
		if (config_check_cidrs(value, errbuf, len) == -1)
			return (-1);
		if (strlen(value) >= e->width)
			return (err_set(errbuf, len, "longer than %zu "
			    "bytes", e->width - 1));
		memcpy(p, value, strlen(value) + 1);
		return (0);
	case CONFIG_T_ADDR:
		if (config_check_addr(value) == -1)
			return (err_set(errbuf, len, "want host:port, "
			    "[v6]:port, :port, port or off, got \"%s\"", value));
		/* FALLTHROUGH */
	case CONFIG_T_STRING:
		if (strlen(value) >= e->width)
			return (err_set(errbuf, len, "longer than %zu "
			    "bytes", e->width - 1));
		memcpy(p, value, strlen(value) + 1);
		return (0);
	case CONFIG_T_BOOL:
		if (config_parse_bool(value, (int *)p) == -1)
			return (err_set(errbuf, len, "want yes or no, "
			    "got \"%s\"", value));
		return (0);
	case CONFIG_T_WORKERS:
		if (strcasecmp(value, "auto") == 0) {
			config_put_uint(p, e->width, 0);
			return (0);
		}
		if (config_parse_scaled(e, value, &v) == -1)
			return (err_set(errbuf, len, "want auto or an "
			    "integer %s..%s, got \"%s\"", lo, hi, value));
		config_put_uint(p, e->width, v);
		return (0);
	case CONFIG_T_UINT:
	case CONFIG_T_DURATION:
		if (config_parse_scaled(e, value, &v) == -1)
			return (err_set(errbuf, len, "want an integer "
			    "%s..%s, got \"%s\"", lo, hi, value));
		config_put_uint(p, e->width, v);
		return (0);
	case CONFIG_T_SIZE:
		if (config_parse_scaled(e, value, &v) == -1)
			return (err_set(errbuf, len, "want a size %s..%s "
			    "(bytes, or with a K, M or G suffix), got \"%s\"",
			    lo, hi, value));
		config_put_uint(p, e->width, v);
		return (0);
	case CONFIG_T_LEVEL:
		if (log_level_parse(value, &level) == -1)
			return (err_set(errbuf, len, "want error, warn, "
			    "info or debug, got \"%s\"", value));
		*(enum log_level *)p = level;
		return (0);
	case CONFIG_T_LOGFMT:
		if (log_access_format_parse(value, (enum log_access_format *)p) == -1)
			return (err_set(errbuf, len, "want default, combined or json, "
			    "got \"%s\"", value));
		return (0);
	case CONFIG_T_MODEL:
		for (i = 0; i < 4; i++) {
			if (strcmp(value, config_model_names[i]) == 0) {
				*(enum config_model *)p = (enum config_model)i;
				return (0);
			}
		}
		return (err_set(errbuf, len, "want sequential, thread, "
		    "fork or pool, got \"%s\"", value));
	}
	return (err_set(errbuf, len, "bad table entry"));
}

/* The text config_store reads back to the same value. */
void
config_format(const struct config *cfg, const struct config_entry *e,
    char *out, size_t len)
{
	const char		*p = (const char *)cfg + e->off;
	unsigned long long	 v;

	switch (e->type) {
	case CONFIG_T_STRING:
	case CONFIG_T_ADDR:
	case CONFIG_T_CIDRS:
		if (*p == '\0' || strpbrk(p, " \t#") != NULL)
			snprintf(out, len, "\"%s\"", p);
		else
			snprintf(out, len, "%s", p);
		break;
	case CONFIG_T_BOOL:
		snprintf(out, len, "%s", *(const int *)p ? "yes" : "no");
		break;
	case CONFIG_T_LEVEL:
		snprintf(out, len, "%s",
		    log_level_name(*(const enum log_level *)p));
		break;
	case CONFIG_T_MODEL:
		snprintf(out, len, "%s",
		    config_model_name(*(const enum config_model *)p));
		break;
	case CONFIG_T_LOGFMT:
		snprintf(out, len, "%s",
		    log_access_format_name(*(const enum log_access_format *)p));
		break;
	case CONFIG_T_WORKERS:
		v = config_get_uint(p, e->width);
		if (v == 0)
			snprintf(out, len, "auto");
		else
			snprintf(out, len, "%llu", v);
		break;
	default:
		config_fmt_range(e, config_get_uint(p, e->width), out, len);
		break;
	}
}

/* Fill every field from the table's defaults. */
void
config_defaults(struct config *cfg)
{
	char	 err[256];
	size_t	 i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < CONFIG_NKEYS; i++)
		(void)config_store(cfg, &config_table[i], config_table[i].def,
		    err, sizeof(err));
}

/* The same rules as the file, for one key; keys of the other program fail. */
int
config_set(struct config *cfg, const char *key, const char *value, int prog,
    char *errbuf, size_t len)
{
	const struct config_entry	*e;
	char				 why[CONFIG_VALUE_MAX + 128];

	if ((e = config_find(key)) == NULL)
		return (err_set(errbuf, len, "unknown key \"%s\"", key));
	if ((e->progs & prog) == 0)
		return (err_set(errbuf, len, "%s: only %s uses this",
		    key, config_prog_name(e->progs)));
	if (config_store(cfg, e, value, why, sizeof(why)) == -1)
		return (err_set(errbuf, len, "%s: %s", key, why));
	config_mark(cfg, e, CONFIG_ORIGIN_FLAG, 0);
	return (0);
}

/* Remember which layer set entry e, for -T. */
void
config_mark(struct config *cfg, const struct config_entry *e, enum config_origin origin,
    unsigned int line)
{
	size_t	 i = (size_t)(e - config_table);

	cfg->origin[i] = (unsigned char)origin;
	cfg->origin_line[i] = line;
}

/* ECHOFETCHD_DELAY_MAX_MS names delay_max_ms: the part after the prefix, lowered. */
static int
config_env_key(const char *var, char *key, size_t keylen)
{
	size_t	 n = strcspn(var, "="), plen = strlen(CONFIG_ENV_PREFIX), i;

	if (n <= plen || n - plen >= keylen)
		return (-1);
	for (i = plen; i < n; i++)
		key[i - plen] = (char)tolower((unsigned char)var[i]);
	key[n - plen] = '\0';
	return (0);
}

/*
 * Containers configure through the environment: every ECHOFETCHD_ variable
 * but the file's must name a key, so a misspelt one stops the start.
 */
int
config_load_env(struct config *cfg, char *const *envp, char *errbuf, size_t len)
{
	const struct config_entry	*e;
	char				 key[CONFIG_KEY_MAX], why[CONFIG_VALUE_MAX + 128];
	const char			*var;
	size_t				 plen = strlen(CONFIG_ENV_PREFIX);

	for (; envp != NULL && *envp != NULL; envp++) {
		var = *envp;
		if (strncmp(var, CONFIG_ENV_PREFIX, plen) != 0 ||
		    strncmp(var, CONFIG_ENV_FILE "=", sizeof(CONFIG_ENV_FILE)) == 0)
			continue;
		if (config_env_key(var, key, sizeof(key)) == -1 ||
		    (e = config_find(key)) == NULL)
			return (err_set(errbuf, len, "environment %.*s: no such "
			    "setting (want %s and a config key in capitals)",
			    (int)strcspn(var, "="), var, CONFIG_ENV_PREFIX));
		if (config_store(cfg, e, strchr(var, '=') + 1, why, sizeof(why)) == -1)
			return (err_set(errbuf, len, "environment %.*s: %s",
			    (int)strcspn(var, "="), var, why));
		config_mark(cfg, e, CONFIG_ORIGIN_ENV, 0);
	}
	return (0);
}

/*
 * Split `key = value  # comment` in place. A value may be "quoted"; else it
 * ends at a '#' that follows whitespace. -1 with why; 1 for a blank line.
 */
static int
config_split_line(char *line, char **key, char **value, const char **why)
{
	char	*p = line, *end;

	line[strcspn(line, "\r\n")] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return (1);
	*key = p;
	while (*p != '\0' && *p != '=' && *p != ' ' && *p != '\t')
		p++;
	end = p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '=') {
		*why = "missing '='";
		return (-1);
	}
	if (end == *key) {
		*why = "missing key before '='";
		return (-1);
	}
	*end = '\0';
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '"') {
		*value = ++p;
		if ((end = strchr(p, '"')) == NULL) {
			*why = "unterminated quote";
			return (-1);
		}
		*end = '\0';
		for (p = end + 1; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '\0' && *p != '#') {
			*why = "unexpected text after the closing quote";
			return (-1);
		}
		return (0);
	}
	*value = p;
	for (; *p != '\0'; p++)
		if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t'))
			break;
	*p = '\0';
	while (p > *value && (p[-1] == ' ' || p[-1] == '\t'))
		*--p = '\0';
	return (0);
}

/*
 * One file serves both programs, so a key of the other program is checked
 * and stored but does no harm; unknown keys and bad values stop the load.
 */
int
config_load_file(struct config *cfg, const char *path, int prog,
    char *errbuf, size_t len)
{
	const struct config_entry	*e;
	FILE				*fp;
	char				*line = NULL, *key, *value;
	char				 why[CONFIG_VALUE_MAX + 128];
	const char			*reason = NULL;
	size_t				 cap = 0;
	unsigned int			 lineno = 0;
	int				 rv = 0, r;

	if ((fp = fopen(path, "re")) == NULL)
		return (err_set(errbuf, len, "%s: %s", path,
		    strerror(errno)));
	while (rv == 0 && getline(&line, &cap, fp) != -1) {
		lineno++;
		r = config_split_line(line, &key, &value, &reason);
		if (r == 1)
			continue;
		if (r == -1)
			rv = err_set(errbuf, len, "%s:%u: %s", path,
			    lineno, reason);
		else if ((e = config_find(key)) == NULL)
			rv = err_set(errbuf, len, "%s:%u: unknown key "
			    "\"%s\"", path, lineno, key);
		else if (config_store(cfg, e, value, why, sizeof(why)) == -1)
			rv = err_set(errbuf, len, "%s:%u: %s: %s", path,
			    lineno, key, why);
		else
			config_mark(cfg, e, CONFIG_ORIGIN_FILE, lineno);
	}
	if (rv == 0 && ferror(fp))
		rv = err_set(errbuf, len, "%s: read error", path);
	free(line);
	fclose(fp);
	return (rv);
}

/*
 * Where access lines go: a daemon's stderr is /dev/null, so there the
 * default stderr means syslog.
 */
const char *
config_access_log(const struct config *cfg)
{
	if (cfg->daemon && (strcmp(cfg->access_log, "stderr") == 0 ||
	    strcmp(cfg->access_log, "-") == 0))
		return ("syslog");
	return (cfg->access_log);
}

/* The word config files and flags use for a model. */
const char *
config_model_name(enum config_model m)
{
	if ((int)m < 0 || (size_t)m >= sizeof(config_model_names) /
	    sizeof(config_model_names[0]))
		return ("unknown");
	return (config_model_names[m]);
}

/* "\t# default", "\t# FILE:LINE", "\t# env ECHOFETCHD_KEY" or "\t# flag" for entry i. */
static void
config_origin_comment(const struct config *cfg, size_t i, struct buf *out)
{
	const char	*k;

	switch (cfg->origin[i]) {
	case CONFIG_ORIGIN_FILE:
		buf_appendf(out, "\t# %s:%u", cfg->config_file, cfg->origin_line[i]);
		break;
	case CONFIG_ORIGIN_ENV:
		buf_appendf(out, "\t# env %s", CONFIG_ENV_PREFIX);
		for (k = config_table[i].key; *k != '\0'; k++)
			buf_append_char(out, (char)toupper((unsigned char)*k));
		break;
	case CONFIG_ORIGIN_FLAG:
		buf_appendf(out, "\t# flag");
		break;
	default:
		buf_appendf(out, "\t# default");
		break;
	}
}

/* `key = value` lines, with each one's origin as a comment when asked. */
static void
config_dump_lines(const struct config *cfg, int prog, int origins, struct buf *out)
{
	char		 val[CONFIG_VALUE_MAX];
	size_t		 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		if ((config_table[i].progs & prog) == 0)
			continue;
		config_format(cfg, &config_table[i], val, sizeof(val));
		buf_appendf(out, "%s = %s", config_table[i].key, val);
		if (origins)
			config_origin_comment(cfg, i, out);
		buf_append_char(out, '\n');
	}
}

/* Every setting of a program as `key = value`, readable by config_load_file. */
void
config_dump(const struct config *cfg, int prog, struct buf *out)
{
	config_dump_lines(cfg, prog, 0, out);
}

/* -T: the same, each line saying where its value came from. */
void
config_dump_origins(const struct config *cfg, int prog, struct buf *out)
{
	config_dump_lines(cfg, prog, 1, out);
}

/* Groups whose keys only take effect at start: sockets, TLS, processes, threads. */
static int
config_needs_restart(const struct config_entry *e)
{
	static const char *const groups[] = { "Listeners", "TLS", "Daemon", "Concurrency" };
	size_t	 i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(e->group, groups[i]) == 0)
			return (1);
	return (0);
}

/*
 * SIGHUP: copy every key that can change while running from next into
 * live; keys that need a restart stay as they are and are named in
 * `restart` (comma-separated, "" if none).
 */
void
config_reload(struct config *live, const struct config *next, char *restart, size_t len)
{
	const struct config_entry	*e;
	size_t				 i, used = 0;

	if (len > 0)
		restart[0] = '\0';
	for (i = 0; i < CONFIG_NKEYS; i++) {
		e = &config_table[i];
		if (!config_needs_restart(e)) {
			memcpy((char *)live + e->off, (const char *)next + e->off, e->width);
			continue;
		}
		if (memcmp((const char *)live + e->off, (const char *)next + e->off,
		    e->width) == 0 || used + strlen(e->key) + 3 >= len)
			continue;
		used += (size_t)snprintf(restart + used, len - used, "%s%s",
		    used ? ", " : "", e->key);
	}
}
