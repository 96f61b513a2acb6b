/* daemon: detaching, the pid file, dropping privileges, and systemd's notify socket. */
#ifndef EF_DAEMON_H
#define EF_DAEMON_H

#include <stddef.h>

/*
 * Detach as daemon(7) says: fork, setsid, fork again, chdir /, umask.
 * The first parent waits until the grandchild calls daemon_ready() (exit
 * 0) or exits (exit 1), so `echofetchd -d` reports a failed start.
 * -1 with why in err (in the original process).
 */
int	daemon_detach(char *err, size_t);
/* Started: release the waiting parent and point stdio at /dev/null. */
void	daemon_ready(void);

/* Write our pid to path via a locked temp file renamed into place; -1 if another holds it. */
int	daemon_pidfile_create(const char *path, char *err, size_t);
/* Send sig to the live instance holding path's lock: its pid, or -1 with why. */
long	daemon_pidfile_signal(const char *path, int sig, char *err, size_t);
/* Remove the pid file if it is still ours. */
void	daemon_pidfile_remove(void);

/* Drop to user (its uid, gid and groups); only when running as root. */
int	daemon_drop_privileges(const char *user, char *err, size_t);

/* sd_notify(3)'s datagram protocol without libsystemd: "READY=1" etc. No-op without $NOTIFY_SOCKET. */
void	daemon_notify(const char *state);

#endif
