/* args: echofetch-load's command line, parsed into one struct without side effects. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load/args.h"
#include "load/url.h"
#include "util/err.h"
#include "util/num.h"

enum args_opt_id {
	OPT_CLIENTS,
	OPT_REQUESTS,
	OPT_DURATION,
	OPT_KEEPALIVE,
	OPT_NO_KEEPALIVE,
	OPT_RATE,
	OPT_PAYLOAD,
	OPT_SLOW_SEND,
	OPT_CONNECT_TIMEOUT,
	OPT_TIMEOUT,
	OPT_METHOD,
	OPT_HEADER,
	OPT_BODY,
	OPT_BODY_FILE,
	OPT_JSON,
	OPT_TIMELINE,
	OPT_HOLD,
	OPT_SEND,
	OPT_SETTLE,
	OPT_QUIET,
	OPT_TARGET,
	OPT_THREADS,
	OPT_PROCS,
	OPT_MESSAGES,
	OPT_LATENCY,
	OPT_MAX_P99,
	OPT_MAX_ERRORS,
	OPT_INSECURE,
	OPT_CACERT,
	OPT_HELP,
	OPT_VERSION,
};

struct args_opt {
	const char		*o_long;
	char			 o_short;
	int			 o_value;	/* takes a value */
	enum args_opt_id	 o_id;
};

static const struct args_opt args_opts[] = {
	{ "clients",		'c',	1,	OPT_CLIENTS },
	{ "requests",		'n',	1,	OPT_REQUESTS },
	{ "duration",		'd',	1,	OPT_DURATION },
	{ "keepalive",		'k',	0,	OPT_KEEPALIVE },
	{ "no-keepalive",	0,	0,	OPT_NO_KEEPALIVE },
	{ "rate",		0,	1,	OPT_RATE },
	{ "payload",		0,	1,	OPT_PAYLOAD },
	{ "slow-send",		0,	1,	OPT_SLOW_SEND },
	{ "connect-timeout",	0,	1,	OPT_CONNECT_TIMEOUT },
	{ "timeout",		0,	1,	OPT_TIMEOUT },
	{ "method",		'm',	1,	OPT_METHOD },
	{ "header",		'H',	1,	OPT_HEADER },
	{ "body",		0,	1,	OPT_BODY },
	{ "body-file",		0,	1,	OPT_BODY_FILE },
	{ "json",		0,	0,	OPT_JSON },
	{ "timeline",		0,	1,	OPT_TIMELINE },
	{ "hold",		0,	1,	OPT_HOLD },
	{ "send",		0,	0,	OPT_SEND },
	{ "settle",		0,	1,	OPT_SETTLE },
	{ "quiet",		'q',	0,	OPT_QUIET },
	{ "target",		0,	1,	OPT_TARGET },
	{ "threads",		't',	1,	OPT_THREADS },
	{ "procs",		0,	1,	OPT_PROCS },
	{ "messages",		0,	1,	OPT_MESSAGES },
	{ "latency",		0,	0,	OPT_LATENCY },
	{ "max-p99",		0,	1,	OPT_MAX_P99 },
	{ "max-errors",		0,	1,	OPT_MAX_ERRORS },
	{ "insecure",		0,	0,	OPT_INSECURE },
	{ "cacert",		0,	1,	OPT_CACERT },
	{ "help",		'h',	0,	OPT_HELP },
	{ "version",		'v',	0,	OPT_VERSION },
};
#define ARGS_NOPTS	(sizeof(args_opts) / sizeof(args_opts[0]))

static const char args_usage_text[] =
"usage: echofetch-load [-hkqv] [-c clients] [-n requests | -d seconds] [--rate r]\n"
"           [--no-keepalive] [--payload bytes] [--slow-send bytes/s]\n"
"           [--connect-timeout s] [--timeout s] [-m method] [-H 'Name: value']\n"
"           [--body string | --body-file file] [--json] [--timeline file.csv]\n"
"           [--hold seconds [--send] [--settle seconds]] [-t threads]\n"
"           [--procs n] [--latency] [--max-p99 ms] [--max-errors n]\n"
"           [--insecure | --cacert file] [--messages m] [--target url ...]\n"
"           http[s]://host[:port][/path[?query]] | tcp://host:port |\n"
"           ws[s]://host[:port][/path]\n";

/* Shared by -h and every argument error, so both show the same text. */
const char *
args_usage(void)
{
	return (args_usage_text);
}

/* A whole-string unsigned decimal with an optional k/m/g (1024) suffix. */
static int
args_number(const char *s, int suffixes, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	uint64_t		 v, mul = 1;
	const char		*end;

	if (s == NULL)
		return (-1);
	end = s + strspn(s, NUM_DIGITS);
	if (num_parse_u64(s, (size_t)(end - s), UINT64_MAX, &v) == -1)
		return (-1);
	if (suffixes && *end != '\0' && end[1] == '\0') {
		switch (tolower((unsigned char)*end)) {
		case 'k': mul = 1024ULL; break;
		case 'm': mul = 1024ULL * 1024; break;
		case 'g': mul = 1024ULL * 1024 * 1024; break;
		default: return (-1);
		}
		end++;
	}
	if (*end != '\0' || v > max / mul)
		return (-1);
	v *= mul;
	if (v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* A positive finite decimal; with `unit`, also "ms", "s", "m", "h" suffixes. */
static int
args_real(const char *s, int unit, double max, double *out)
{
	double	 v;
	char	*end;

	if (s == NULL || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return (-1);
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v))
		return (-1);
	if (unit && *end != '\0') {
		if (strcmp(end, "ms") == 0)
			v /= 1000.0;
		else if (strcmp(end, "s") == 0)
			;
		else if (strcmp(end, "m") == 0)
			v *= 60.0;
		else if (strcmp(end, "h") == 0)
			v *= 3600.0;
		else
			return (-1);
		end += strlen(end);
	}
	if (*end != '\0' || !(v > 0) || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* An HTTP token (method, header name): RFC 9110 tchar only. */
static int
args_is_token(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("!#$%&'*+-.^_`|~", s[i]) == NULL)
			return (0);
	}
	return (1);
}

/* "Name: value" with a token name and no CR/LF, so it cannot split the request. */
static int
args_header_ok(const char *h)
{
	const char	*colon = strchr(h, ':');

	if (colon == NULL || !args_is_token(h, (size_t)(colon - h)))
		return (0);
	return (strpbrk(h, "\r\n") == NULL);
}

/* Keep one more target URL; parsed once every flag is read. */
static int
args_add_target(struct load_args *a, const char *url, char *err, size_t errlen)
{
	struct load_target	*v;

	if (a->ntargets >= ARGS_MAX_TARGETS)
		return (err_set(err, errlen, "at most %d targets", ARGS_MAX_TARGETS));
	if ((v = reallocarray(a->targets, a->ntargets + 1, sizeof(*v))) == NULL)
		return (err_set(err, errlen, "out of memory"));
	a->targets = v;
	memset(&v[a->ntargets], 0, sizeof(v[0]));
	if ((v[a->ntargets].url = strdup(url)) == NULL)
		return (err_set(err, errlen, "out of memory"));
	a->ntargets++;
	return (0);
}

/* Read a whole file into a->body, refusing anything past ARGS_MAX_BODY. */
static int
args_read_body(struct load_args *a, const char *path, char *err, size_t errlen)
{
	FILE	*f;
	char	*data = NULL, *p;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return (err_set(err, errlen, "--body-file %s: %s", path, strerror(errno)));
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > ARGS_MAX_BODY + 1 || (p = realloc(data, cap)) == NULL) {
				free(data);
				fclose(f);
				return (err_set(err, errlen, "--body-file %s: too large "
				    "(at most %lu bytes)", path, ARGS_MAX_BODY));
			}
			data = p;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(data);
		fclose(f);
		return (err_set(err, errlen, "--body-file %s: read error", path));
	}
	fclose(f);
	free(a->body);
	a->body = data;
	a->body_len = len;
	return (0);
}

/* strdup into *dst, replacing what was there. */
static int
args_set_str(char **dst, const char *s, char *err, size_t errlen)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		return (err_set(err, errlen, "out of memory"));
	free(*dst);
	*dst = p;
	return (0);
}

/* Append one -H value after checking it cannot break the request. */
static int
args_add_header(struct load_args *a, const char *h, char *err, size_t errlen)
{
	char	**v;

	if (!args_header_ok(h))
		return (err_set(err, errlen, "bad header '%s': want 'Name: value'", h));
	if ((v = reallocarray(a->headers, a->nheaders + 1, sizeof(*v))) == NULL)
		return (err_set(err, errlen, "out of memory"));
	a->headers = v;
	if ((v[a->nheaders] = strdup(h)) == NULL)
		return (err_set(err, errlen, "out of memory"));
	a->nheaders++;
	return (0);
}

/* Options that take a number; the flag name goes into the message as typed. */
static int
args_apply_number(struct load_args *a, const struct args_opt *o, const char *name,
    const char *v, char *err, size_t errlen)
{
	unsigned long long	n;

	switch (o->o_id) {
	case OPT_CLIENTS:
		if (args_number(v, 0, 1, ARGS_MAX_CLIENTS, &n) == -1)
			return (err_set(err, errlen, "%s: bad client count '%s' "
			    "(1..%lu)", name, v, ARGS_MAX_CLIENTS));
		a->clients = (unsigned long)n;
		return (0);
	case OPT_REQUESTS:
		if (args_number(v, 0, 1, 1000000000000ULL, &a->requests) == -1)
			return (err_set(err, errlen, "%s: bad request count '%s'", name, v));
		return (0);
	case OPT_PAYLOAD:
		if (args_number(v, 1, 1, ARGS_MAX_PAYLOAD, &n) == -1)
			return (err_set(err, errlen, "%s: bad size '%s' (1..%lu bytes)",
			    name, v, ARGS_MAX_PAYLOAD));
		a->payload = (size_t)n;
		a->payload_set = 1;
		return (0);
	case OPT_DURATION:
	case OPT_SETTLE:
		if (args_real(v, 1, ARGS_MAX_SECONDS, o->o_id == OPT_DURATION ?
		    &a->duration : &a->settle) == -1)
			return (err_set(err, errlen, "%s: bad duration '%s'", name, v));
		return (0);
	case OPT_CONNECT_TIMEOUT:
		if (args_real(v, 1, ARGS_MAX_SECONDS, &a->connect_timeout) == -1)
			return (err_set(err, errlen, "%s: bad timeout '%s'", name, v));
		return (0);
	case OPT_TIMEOUT:
		if (args_real(v, 1, ARGS_MAX_SECONDS, &a->timeout) == -1)
			return (err_set(err, errlen, "%s: bad timeout '%s'", name, v));
		return (0);
	case OPT_RATE:
		if (args_real(v, 0, 1e7, &a->rate) == -1)
			return (err_set(err, errlen, "%s: bad rate '%s' (requests/s)", name, v));
		return (0);
	case OPT_SLOW_SEND:
		if (args_real(v, 0, 1e9, &a->slow_send) == -1)
			return (err_set(err, errlen, "%s: bad rate '%s' (bytes/s)", name, v));
		return (0);
	case OPT_THREADS:
	case OPT_PROCS:
		if (args_number(v, 0, 1, o->o_id == OPT_THREADS ? ARGS_MAX_THREADS :
		    ARGS_MAX_PROCS, &n) == -1)
			return (err_set(err, errlen, "%s: bad count '%s' (1..%d)", name, v,
			    o->o_id == OPT_THREADS ? ARGS_MAX_THREADS : ARGS_MAX_PROCS));
		*(o->o_id == OPT_THREADS ? &a->threads : &a->procs) = (unsigned long)n;
		return (0);
	case OPT_MESSAGES:
		if (args_number(v, 0, 1, 1000000000000ULL, &a->messages) == -1)
			return (err_set(err, errlen, "%s: bad message count '%s'", name, v));
		return (0);
	case OPT_MAX_P99:
		if (args_real(v, 0, ARGS_MAX_SECONDS * 1000, &a->max_p99_ms) == -1)
			return (err_set(err, errlen, "%s: bad latency '%s' (milliseconds)", name, v));
		return (0);
	case OPT_MAX_ERRORS:
		if (args_number(v, 0, 0, UINT64_MAX, &a->max_errors) == -1)
			return (err_set(err, errlen, "%s: bad error count '%s'", name, v));
		a->max_errors_set = 1;
		return (0);
	case OPT_HOLD:
		a->hold_set = 1;
		a->hold = 0;
		if (strcmp(v, "0") != 0 &&
		    args_real(v, 1, ARGS_MAX_SECONDS, &a->hold) == -1)
			return (err_set(err, errlen, "%s: bad duration '%s'", name, v));
		return (0);
	default:
		return (err_set(err, errlen, "%s: internal error", name));
	}
}

/* Carry out one option; v is NULL for flags without a value. */
static int
args_apply(struct load_args *a, const struct args_opt *o, const char *name,
    const char *v, char *err, size_t errlen)
{
	switch (o->o_id) {
	case OPT_KEEPALIVE:
		a->keepalive = 1;
		return (0);
	case OPT_NO_KEEPALIVE:
		a->keepalive = 0;
		return (0);
	case OPT_METHOD:
		if (!args_is_token(v, strlen(v)))
			return (err_set(err, errlen, "%s: bad method '%s'", name, v));
		return (args_set_str(&a->method, v, err, errlen));
	case OPT_HEADER:
		return (args_add_header(a, v, err, errlen));
	case OPT_BODY:
		if (a->has_body)
			return (err_set(err, errlen, "give one of --body and --body-file"));
		a->has_body = 1;
		a->body_len = strlen(v);
		return (args_set_str(&a->body, v, err, errlen));
	case OPT_BODY_FILE:
		if (a->has_body)
			return (err_set(err, errlen, "give one of --body and --body-file"));
		a->has_body = 1;
		return (args_read_body(a, v, err, errlen));
	case OPT_JSON:
		a->json = 1;
		return (0);
	case OPT_TIMELINE:
		return (args_set_str(&a->timeline, v, err, errlen));
	case OPT_SEND:
		a->send = 1;
		return (0);
	case OPT_QUIET:
		a->quiet = 1;
		return (0);
	case OPT_LATENCY:
		a->latency = 1;
		return (0);
	case OPT_INSECURE:
		a->insecure = 1;
		return (0);
	case OPT_CACERT:
		return (args_set_str(&a->cacert, v, err, errlen));
	case OPT_TARGET:
		return (args_add_target(a, v, err, errlen));
	case OPT_HELP:
		a->help = 1;
		return (0);
	case OPT_VERSION:
		a->version = 1;
		return (0);
	default:
		return (args_apply_number(a, o, name, v, err, errlen));
	}
}

/* Find an option by long name (len bytes of s) or, when len is 0, by short letter. */
static const struct args_opt *
args_find(const char *s, size_t len, char c)
{
	size_t	i;

	for (i = 0; i < ARGS_NOPTS; i++) {
		if (len == 0 && c != 0 && args_opts[i].o_short == c)
			return (&args_opts[i]);
		if (len > 0 && strlen(args_opts[i].o_long) == len &&
		    strncmp(args_opts[i].o_long, s, len) == 0)
			return (&args_opts[i]);
	}
	return (NULL);
}

/* "--name", "--name=value" or "--name value"; *ip advances past a taken value. */
static int
args_long(struct load_args *a, int argc, char *const argv[], int *ip, char *err, size_t errlen)
{
	const char		*s = argv[*ip] + 2, *eq, *v = NULL;
	const struct args_opt	*o;
	char			 name[32];
	size_t			 len;

	eq = strchr(s, '=');
	len = eq ? (size_t)(eq - s) : strlen(s);
	if ((o = args_find(s, len, 0)) == NULL)
		return (err_set(err, errlen, "unknown option '%s'", argv[*ip]));
	snprintf(name, sizeof(name), "--%s", o->o_long);
	if (!o->o_value) {
		if (eq != NULL)
			return (err_set(err, errlen, "--%s takes no value", o->o_long));
	} else if (eq != NULL)
		v = eq + 1;
	else if (*ip + 1 < argc)
		v = argv[++*ip];
	else
		return (err_set(err, errlen, "--%s needs a value", o->o_long));
	return (args_apply(a, o, name, v, err, errlen));
}

/* "-kq", "-c 10", "-c10": letters until one that takes a value eats the rest. */
static int
args_short(struct load_args *a, int argc, char *const argv[], int *ip, char *err, size_t errlen)
{
	const char		*s = argv[*ip];
	const struct args_opt	*o;
	char			 name[3] = "-?";
	size_t			 j;

	for (j = 1; s[j] != '\0'; j++) {
		name[1] = s[j];
		if ((o = args_find(NULL, 0, s[j])) == NULL)
			return (err_set(err, errlen, "unknown option '%s'", name));
		if (!o->o_value) {
			if (args_apply(a, o, name, NULL, err, errlen) == -1)
				return (-1);
			continue;
		}
		if (s[j + 1] != '\0')
			return (args_apply(a, o, name, s + j + 1, err, errlen));
		if (*ip + 1 >= argc)
			return (err_set(err, errlen, "%s needs a value", name));
		return (args_apply(a, o, name, argv[++*ip], err, errlen));
	}
	return (0);
}

/* Start from the documented defaults. */
static void
args_defaults(struct load_args *a)
{
	memset(a, 0, sizeof(*a));
	a->clients = 10;
	a->keepalive = 1;
	a->payload = 64;
	a->connect_timeout = 5;
	a->timeout = 30;
	a->threads = 1;
	a->procs = 1;
}

/* --hold opens and keeps connections: the flags that shape a request run do not apply. */
static int
args_check_hold(const struct load_args *a, int saw_n, int saw_d, int saw_settle,
    char *err, size_t errlen)
{
	if (!a->hold_set) {
		if (a->send || saw_settle)
			return (err_set(err, errlen, "--send and --settle need --hold"));
		return (0);
	}
	if (saw_n || saw_d || a->rate > 0 || a->slow_send > 0 || a->timeline != NULL ||
	    a->threads > 1 || a->procs > 1 || a->messages > 0)
		return (err_set(err, errlen, "--hold conflicts with -n, -d, --rate, "
		    "--slow-send, --timeline, --threads, --procs and --messages"));
	if (a->ntargets > 1 || a->tls || a->proto == ARGS_WS)
		return (err_set(err, errlen, "--hold takes one http:// or tcp:// target"));
	if (a->send && a->proto == ARGS_TCP)
		return (err_set(err, errlen, "--send applies to http:// targets only"));
	return (0);
}

/* Parse every target; one run speaks one protocol, with or without TLS per target. */
static int
args_check_targets(struct load_args *a, char *err, size_t errlen)
{
	size_t	i;

	if (a->ntargets == 0)
		return (err_set(err, errlen, "missing target URL"));
	for (i = 0; i < a->ntargets; i++) {
		if (url_parse(&a->targets[i], a->targets[i].url, err, errlen) == -1)
			return (-1);
		if (a->targets[i].proto != a->targets[0].proto)
			return (err_set(err, errlen, "targets mix protocols: '%s' and '%s'",
			    a->targets[0].url, a->targets[i].url));
		a->tls |= a->targets[i].tls;
	}
	a->url = a->targets[0].url;
	a->proto = a->targets[0].proto;
	return (0);
}

/* Cross-flag rules, checked once everything is read. */
static int
args_check(struct load_args *a, int saw_n, int saw_d, int saw_settle, char *err,
    size_t errlen)
{
	if (saw_n && saw_d)
		return (err_set(err, errlen, "-n and -d conflict: give a request count "
		    "or a duration, not both"));
	if (a->messages > 0 && (saw_n || saw_d))
		return (err_set(err, errlen, "--messages conflicts with -n and -d"));
	if (a->messages > 0)
		a->requests = a->messages * a->clients;
	else if (!saw_d && !saw_n)
		a->requests = 100;
	if (args_check_targets(a, err, errlen) == -1)
		return (-1);
	if (a->messages > 0 && a->proto != ARGS_WS)
		return (err_set(err, errlen, "--messages applies to ws:// targets only"));
	if (a->proto == ARGS_WS && a->slow_send > 0)
		return (err_set(err, errlen, "--slow-send applies to http:// and tcp:// targets"));
	if (a->timeline != NULL && a->procs > 1)
		return (err_set(err, errlen, "--timeline takes one process (no --procs)"));
	if (a->insecure && a->cacert != NULL)
		return (err_set(err, errlen, "--insecure and --cacert conflict"));
	if (a->threads * a->procs > a->clients)
		return (err_set(err, errlen, "%lu threads in %lu processes need at least "
		    "as many clients (-c)", a->threads, a->procs));
	if (args_check_hold(a, saw_n, saw_d, saw_settle, err, errlen) == -1)
		return (-1);
	if (a->proto != ARGS_HTTP) {
		if (a->method != NULL || a->nheaders > 0 || a->has_body)
			return (err_set(err, errlen, "-m, -H, --body and --body-file "
			    "apply to http:// targets only"));
		return (0);
	}
	if (a->payload_set && a->has_body)
		return (err_set(err, errlen, "--payload and --body conflict: "
		    "give one request body"));
	return (0);
}

/* Walk argv once; options and the one target may come in any order. */
int
args_parse(struct load_args *a, int argc, char *const argv[], char *err, size_t errlen)
{
	int	i, saw_n = 0, saw_d = 0, saw_settle = 0, only_args = 0, rc;
	const char *pos = NULL;

	args_defaults(a);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!only_args && strcmp(s, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (!only_args && s[0] == '-' && s[1] != '\0') {
			rc = s[1] == '-' ? args_long(a, argc, argv, &i, err, errlen) :
			    args_short(a, argc, argv, &i, err, errlen);
			if (rc == -1)
				return (-1);
			saw_n |= a->requests != 0;
			saw_d |= a->duration != 0;
			saw_settle |= a->settle != 0;
			continue;
		}
		if (pos != NULL)
			return (err_set(err, errlen, "one target URL only: '%s' and '%s' "
			    "(use --target for more)", pos, s));
		pos = s;
		if (args_add_target(a, s, err, errlen) == -1)
			return (-1);
	}
	if (a->help || a->version)
		return (0);
	return (args_check(a, saw_n, saw_d, saw_settle, err, errlen));
}

/* The method that goes on the request line: -m, else POST when there is a body. */
const char *
args_method(const struct load_args *a)
{
	if (a->method != NULL)
		return (a->method);
	return (a->has_body || a->payload_set ? "POST" : "GET");
}

/* Release everything args_parse allocated; the struct is then zeroed. */
void
args_free(struct load_args *a)
{
	size_t	i;

	for (i = 0; i < a->ntargets; i++) {
		free(a->targets[i].url);
		free(a->targets[i].path);
	}
	free(a->targets);
	free(a->cacert);
	free(a->method);
	for (i = 0; i < a->nheaders; i++)
		free(a->headers[i]);
	free(a->headers);
	free(a->body);
	free(a->timeline);
	memset(a, 0, sizeof(*a));
}
