/* startup: what both servers do before serving: listeners, port file, limits. */
#include "autoconfig.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/daemon.h"
#include "common/sock.h"
#include "common/startup.h"
#include "common/tls.h"
#include "core/fetch.h"
#include "core/config.h"
#include "util/buf.h"
#include "util/log.h"

/* Set at the stop signal, before the drain: /health answers 503 from then on. */
static int	 startup_health_failed;

/* 1 if a listen setting turns the listener off. */
static int
startup_disabled(const char *spec)
{
	return (spec[0] == '\0' || strcmp(spec, "off") == 0);
}

/* 1 if a listen setting names an address (not "" or "off"). */
int
startup_listen_on(const char *spec)
{
	return (!startup_disabled(spec));
}

/* -t: what a start checks short of binding: the certificates and the fetch policy. */
int
startup_check(const struct config *cfg, char *err, size_t errlen)
{
	const char *const	 keys[5] = { "listen", "echo_listen", "tls_listen",
				    "tls_echo_listen", "admin_listen" };
	const char *const	 addrs[5] = { cfg->listen, cfg->echo_listen, cfg->tls_listen,
				    cfg->tls_echo_listen, cfg->admin_listen };
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct fetch_settings	 fs;
	SSL_CTX			*ctx;
	char			 why[SOCK_ERR_LEN];
	size_t			 i;

	/* The same parse the start does, so -t cannot pass what binding would refuse. */
	for (i = 0; i < 5; i++) {
		if (startup_listen_on(addrs[i]) &&
		    sock_parse_addr(addrs[i], &ss, &sslen, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: %s", keys[i], why);
			return (-1);
		}
	}
	if (startup_listen_on(cfg->tls_listen) || startup_listen_on(cfg->tls_echo_listen)) {
		if ((ctx = tls_server_ctx(cfg->tls_cert, cfg->tls_key, "http/1.1", err,
		    errlen)) == NULL)
			return (-1);
		SSL_CTX_free(ctx);
	}
	return (fetch_settings_init(&fs, cfg, err, errlen));
}

/*
 * The stop signal with drain_delay_ms: fail /health now, drain later, so a
 * load balancer's checks take this instance out before its listeners close.
 */
void
startup_health_fail(int sig, unsigned int delay_ms)
{
	__atomic_store_n(&startup_health_failed, 1, __ATOMIC_RELEASE);
	log_info("signal %d: /health now answers 503; draining in %u ms (signal "
	    "again to stop now)", sig, delay_ms);
}

/* Whether requests planned now see a server shutting down. */
int
startup_health_failing(void)
{
	return (__atomic_load_n(&startup_health_failed, __ATOMIC_ACQUIRE));
}

/* -t and -T: what a start would check; say which file, and for -T every setting. */
int
startup_test(const struct config *cfg, int prog)
{
	struct buf	 b;
	char		 err[1024];
	int		 oom;

	if (startup_check(cfg, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return (1);
	}
	buf_init(&b);
	if (cfg->test_only == 2) {
		buf_appendf(&b, "# configuration file %s\n", cfg->config_file[0] ?
		    cfg->config_file : "(none)");
		config_dump_origins(cfg, prog, &b);
	}
	if (cfg->config_file[0] != '\0')
		buf_appendf(&b, "configuration file %s test is successful\n",
		    cfg->config_file);
	else
		buf_appendf(&b, "no configuration file, defaults: test is successful\n");
	if ((oom = b.oom) == 0)
		fwrite(b.data, 1, b.len, stdout);
	fflush(stdout);
	buf_free(&b);
	return (oom ? 1 : 0);
}

/* -s WORD, as nginx -s: reload, stop, quit, reopen. */
int
startup_signal(const struct config *cfg, const char *progname)
{
	static const struct {
		const char	*word;
		int		 sig;
	} map[] = {
		{ "reload", SIGHUP }, { "stop", SIGTERM }, { "quit", SIGQUIT },
		{ "reopen", SIGUSR1 },
	};
	char	 err[1024];
	size_t	 i;
	long	 pid;

	if (cfg->pidfile[0] == '\0') {
		log_warnx("-s %s: no pidfile is set, so the running instance cannot be "
		    "found (set pidfile as the instance does)", cfg->signal_name);
		return (1);
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(cfg->signal_name, map[i].word) != 0)
			continue;
		if ((pid = daemon_pidfile_signal(cfg->pidfile, map[i].sig, err,
		    sizeof(err))) == -1) {
			log_warnx("-s %s: %s", cfg->signal_name, err);
			return (1);
		}
		printf("%s: %s: signal %d sent to pid %ld\n", progname,
		    cfg->signal_name, map[i].sig, pid);
		fflush(stdout);
		return (0);
	}
	log_warnx("-s %s: unknown signal", cfg->signal_name);
	return (1);
}

/* Detach (-d) and take the pid file, when the config asks. */
int
startup_daemonize(const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->daemon && config_access_log(cfg) != cfg->access_log)
		log_info("access log: stderr is /dev/null once detached, so access "
		    "lines go to syslog (set access_log to a file to keep them there)");
	if (cfg->daemon && daemon_detach(err, errlen) == -1)
		return (-1);
	if (cfg->pidfile[0] != '\0' && daemon_pidfile_create(cfg->pidfile, err, errlen) == -1)
		return (-1);
	return (0);
}

/* Put a port into an IPv4 or IPv6 address. */
static void
startup_set_port(struct sockaddr_storage *ss, int port)
{
	if (((struct sockaddr *)ss)->sa_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

/* Bind one TCP (and optionally UDP) listener for a setting; port >= 0 overrides the spec's. */
static int
startup_open_one(const char *what, const char *spec, int port, int backlog, int reuseport,
    int *tcp_fd, int *udp_fd, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 why[SOCK_ERR_LEN];

	if (sock_parse_addr(spec, &ss, &sslen, why, sizeof(why)) == -1)
		goto fail;
	if (port >= 0)
		startup_set_port(&ss, port);
	*tcp_fd = sock_listen_tcp((struct sockaddr *)&ss, sslen, backlog, reuseport,
	    why, sizeof(why));
	if (*tcp_fd == -1)
		goto fail;
	if (udp_fd == NULL)
		return (0);
	/* UDP on the same port number TCP got, so port 0 gives one pair. */
	startup_set_port(&ss, sock_local_port(*tcp_fd));
	*udp_fd = sock_bind_udp((struct sockaddr *)&ss, sslen, reuseport, why, sizeof(why));
	if (*udp_fd == -1)
		goto fail;
	return (0);
fail:
	snprintf(err, errlen, "%s %s: %s", what, spec, why);
	return (-1);
}

/* Bind every configured listener. */
int
startup_open_listeners(const struct config *cfg, struct listeners *l, int reuseport,
    char *err, size_t errlen)
{
	return (startup_open_listeners_at(cfg, l, reuseport, NULL, err, errlen));
}

/* Bind one TCP-only listener unless its setting is off. */
static int
startup_open_tcp(const char *what, const char *spec, int like_port, const struct config *cfg,
    int reuseport, int *fd, int *port, char *err, size_t errlen)
{
	if (startup_disabled(spec))
		return (0);
	if (startup_open_one(what, spec, like_port, (int)cfg->backlog, reuseport, fd, NULL,
	    err, errlen) == -1)
		return (-1);
	*port = sock_local_port(*fd);
	return (0);
}

/*
 * Bind every configured listener; with `like`, on the ports it got, so that
 * workers sharing a port with SO_REUSEPORT all find the one port 0 chose.
 */
int
startup_open_listeners_at(const struct config *cfg, struct listeners *l, int reuseport,
    const struct listeners *like, char *err, size_t errlen)
{
	l->http_fd = l->echo_fd = l->udp_fd = l->tls_http_fd = l->tls_echo_fd = -1;
	l->http_port = l->echo_port = l->udp_port = l->tls_http_port = l->tls_echo_port = -1;
	l->admin_fd = l->admin_port = -1;
	if (startup_open_tcp("listen", cfg->listen, like ? like->http_port : -1, cfg,
	    reuseport, &l->http_fd, &l->http_port, err, errlen) == -1)
		goto fail;
	if (!startup_disabled(cfg->echo_listen)) {
		if (startup_open_one("echo_listen", cfg->echo_listen,
		    like ? like->echo_port : -1, (int)cfg->backlog, reuseport,
		    &l->echo_fd, cfg->udp_echo ? &l->udp_fd : NULL, err, errlen) == -1)
			goto fail;
		l->echo_port = sock_local_port(l->echo_fd);
		if (l->udp_fd != -1)
			l->udp_port = sock_local_port(l->udp_fd);
	}
	if (startup_open_tcp("tls_listen", cfg->tls_listen, like ? like->tls_http_port : -1,
	    cfg, reuseport, &l->tls_http_fd, &l->tls_http_port, err, errlen) == -1)
		goto fail;
	if (startup_open_tcp("tls_echo_listen", cfg->tls_echo_listen,
	    like ? like->tls_echo_port : -1, cfg, reuseport, &l->tls_echo_fd,
	    &l->tls_echo_port, err, errlen) == -1)
		goto fail;
	if (like == NULL && startup_open_tcp("admin_listen", cfg->admin_listen, -1, cfg,
	    0, &l->admin_fd, &l->admin_port, err, errlen) == -1)
		goto fail;
	return (0);
fail:
	startup_close_listeners(l);
	return (-1);
}

/* Close whatever is open. */
void
startup_close_listeners(struct listeners *l)
{
	if (l->http_fd != -1)
		close(l->http_fd);
	if (l->echo_fd != -1)
		close(l->echo_fd);
	if (l->udp_fd != -1)
		close(l->udp_fd);
	if (l->tls_http_fd != -1)
		close(l->tls_http_fd);
	if (l->tls_echo_fd != -1)
		close(l->tls_echo_fd);
	if (l->admin_fd != -1)
		close(l->admin_fd);
	l->admin_fd = -1;
	l->http_fd = l->echo_fd = l->udp_fd = l->tls_http_fd = l->tls_echo_fd = -1;
}

/* Write the port file tests read. */
int
startup_write_port_file(const struct config *cfg, const struct listeners *l, char *err,
    size_t errlen)
{
	const char *const all_names[6] = { "http", "echo", "udp", "https", "tls_echo",
			    "admin" };
	const int	 all_ports[6] = { l->http_port, l->echo_port, l->udp_port,
			    l->tls_http_port, l->tls_echo_port, l->admin_port };
	const char	*names[6];
	int		 ports[6];
	size_t		 i, n = 0;

	if (cfg->port_file[0] == '\0')
		return (0);
	for (i = 0; i < 6; i++) {
		if (all_ports[i] == -1)
			continue;
		names[n] = all_names[i];
		ports[n++] = all_ports[i];
	}
	return (sock_write_port_file(cfg->port_file, names, ports, n, err, errlen));
}

/* A port for the start-up line: its number, or "off". */
static const char *
startup_port_word(int port, char *buf, size_t len)
{
	if (port == -1)
		return ("off");
	snprintf(buf, len, "%d", port);
	return (buf);
}

/* The one start-up line both servers print: listeners, access log, and how they serve. */
void
startup_announce(const struct config *cfg, const struct listeners *l, const char *how)
{
	char		 p[5][16];
	const char	*access = config_access_log(cfg);

	log_info("serving http %s, echo %s (udp %s), https %s, tls echo %s; "
	    "access log %s%s; %s",
	    startup_port_word(l->http_port, p[0], sizeof(p[0])),
	    startup_port_word(l->echo_port, p[1], sizeof(p[1])),
	    startup_port_word(l->udp_port, p[2], sizeof(p[2])),
	    startup_port_word(l->tls_http_port, p[3], sizeof(p[3])),
	    startup_port_word(l->tls_echo_port, p[4], sizeof(p[4])),
	    access, access != cfg->access_log ? " (a daemon's stderr is /dev/null)" : "",
	    how);
}

/* Raise the open-files limit and say if max_connections still will not fit. */
void
startup_check_nofile(const struct config *cfg)
{
	char	 err[SOCK_ERR_LEN];
	long	 lim;

	if ((lim = sock_raise_nofile(err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		return;
	}
	if ((unsigned long)lim < cfg->max_connections + 32)
		log_warnx("open files limit %ld is below max_connections %u + 32; "
		    "accept will pause when it runs out (raise ulimit -n)",
		    lim, cfg->max_connections);
}

/*
 * Signals nobody should be able to kill or stop the server with: SIGPIPE
 * (a client gone mid-write), SIGXFSZ (an access log past RLIMIT_FSIZE: the
 * write fails instead), SIGTTIN/SIGTTOU (a foreground server put in the
 * background), SIGWINCH (a resized terminal) and a stray SIGALRM (nothing
 * here uses alarm(2); curl runs with CURLOPT_NOSIGNAL).
 */
void
startup_signals_ignore(void)
{
	static const int	 sigs[] = {
		SIGPIPE, SIGXFSZ, SIGTTIN, SIGTTOU, SIGWINCH, SIGALRM,
	};
	struct sigaction	 sa;
	size_t			 i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
}

/* SIGUSR1, as logrotate recipes send nginx: the access log starts a new file. */
void
startup_reopen_logs(int sig)
{
	switch (log_access_reopen()) {
	case 1:
		log_info("signal %d: access log %s reopened", sig, log_access_file());
		break;
	case 0:
		log_info("signal %d: the access log is not a file, nothing to reopen", sig);
		break;
	default:
		log_warn("signal %d: reopening access log %s failed; still writing the "
		    "old file", sig, log_access_file());
		break;
	}
}
