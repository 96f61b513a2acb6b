/* startup: what both servers do before serving: listeners, port file, limits. */
#ifndef EF_STARTUP_H
#define EF_STARTUP_H

#include <stddef.h>

struct config;

struct listeners {
	int	 http_fd;	/* -1 if disabled */
	int	 echo_fd;	/* TCP echo, -1 if disabled */
	int	 udp_fd;	/* UDP echo, -1 if disabled */
	int	 tls_http_fd;	/* HTTPS, -1 if disabled */
	int	 tls_echo_fd;	/* TLS echo, -1 if disabled */
	int	 http_port;	/* -1 if disabled; stays valid after the fds are handed on */
	int	 echo_port;
	int	 udp_port;
	int	 tls_http_port;
	int	 tls_echo_port;
	int	 admin_fd;	/* admin_listen, -1 if disabled; only the first set binds it */
	int	 admin_port;
};

/* Bind every configured listener (non-blocking). -1 with "what: why" in err. */
int	startup_open_listeners(const struct config *, struct listeners *, int reuseport,
	    char *err, size_t);
int	startup_open_listeners_at(const struct config *, struct listeners *, int reuseport,
	    const struct listeners *like, char *err, size_t);
void	startup_close_listeners(struct listeners *);
/* Write the bound ports to cfg->port_file, if one is set. */
int	startup_write_port_file(const struct config *, const struct listeners *, char *err, size_t);
/* 1 if a listen setting names an address (not "" or "off"). */
int	startup_listen_on(const char *);
/* -t: what a start checks short of binding: the certificates and the fetch policy. */
int	startup_check(const struct config *, char *err, size_t);
/* Detach (-d) and take the pid file, when the config asks; -1 with why in err. */
int	startup_daemonize(const struct config *, char *err, size_t);
/* Log the start-up line: every listener's port or "off", the access log, and how. */
void	startup_announce(const struct config *, const struct listeners *, const char *how);
/* -t and -T: check, say which file, print the settings for -T; the exit status. */
int	startup_test(const struct config *, int prog);
/* -s: send the named signal to the instance in the pid file; the exit status. */
int	startup_signal(const struct config *, const char *progname);
/* The stop signal, drain_delay_ms before the drain: fail /health from now on. */
void	startup_health_fail(int sig, unsigned int delay_ms);
/* 1 once startup_health_fail ran: plans see a server that is draining. */
int	startup_health_failing(void);
/* Raise RLIMIT_NOFILE and warn if max_connections cannot fit. */
void	startup_check_nofile(const struct config *);
/* Ignore the signals a daemon must not die or stop of (SIGPIPE, SIGTTOU...). */
void	startup_signals_ignore(void);
/* SIGUSR1: reopen the access log for rotation, and say so. */
void	startup_reopen_logs(int sig);

#endif
