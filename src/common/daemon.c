/* daemon: detaching, the pid file, dropping privileges, and systemd's notify socket. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "common/daemon.h"
#include "util/err.h"
#include "util/num.h"

static int	 daemon_ready_fd = -1;		/* write end the first parent waits on */
static char	 daemon_pid_path[PATH_MAX];
static int	 daemon_pid_fd = -1;		/* held open: the lock lives with it */
static dev_t	 daemon_pid_dev;
static ino_t	 daemon_pid_ino;

/* The first parent: wait for the daemon's word, exit 0 if it started. */
static void
daemon_wait_ready(int fd)
{
	char	 c;
	ssize_t	 n;

	do
		n = read(fd, &c, 1);
	while (n == -1 && errno == EINTR);
	_exit(n == 1 ? 0 : 1);
}

/* Detach; the original process exits with the daemon's start-up result. */
int
daemon_detach(char *err, size_t errlen)
{
	int	 fds[2];
	pid_t	 pid;

	if (pipe(fds) == -1)
		return (err_set_errno(err, errlen, "pipe", errno));
	if ((pid = fork()) == -1)
		return (err_set_errno(err, errlen, "fork", errno));
	if (pid > 0) {
		close(fds[1]);
		daemon_wait_ready(fds[0]);
	}
	close(fds[0]);
	if (setsid() == -1)
		return (err_set_errno(err, errlen, "setsid", errno));
	/* Not a session leader any more: it can never get a controlling tty. */
	if ((pid = fork()) == -1)
		return (err_set_errno(err, errlen, "fork", errno));
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1)
		return (err_set_errno(err, errlen, "chdir /", errno));
	umask(022);
	daemon_ready_fd = fds[1];
	return (0);
}

/* Started: tell the first parent, and leave the terminal alone from now on. */
void
daemon_ready(void)
{
	int	 fd;

	if (daemon_ready_fd == -1)
		return;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	(void)write(daemon_ready_fd, "1", 1);
	close(daemon_ready_fd);
	daemon_ready_fd = -1;
}

/* Who holds a locked pid file, for the message (0 if unknown). */
static long
daemon_pidfile_owner(const char *path)
{
	char		 text[32];
	FILE		*fp;
	uint64_t	 pid = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	/* A pid file we did not write (or half written) names no owner. */
	if (fgets(text, sizeof(text), fp) == NULL ||
	    num_parse_u64(text, strcspn(text, "\n"), INT32_MAX, &pid) == -1)
		pid = 0;
	fclose(fp);
	return ((long)pid);
}

/* Refuse if a running instance holds the pid file's lock. */
static int
daemon_pidfile_check(const char *path, char *err, size_t errlen)
{
	int	 fd, locked;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? 0 : err_set_errno(err, errlen, path, errno));
	locked = flock(fd, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	close(fd);
	if (locked) {
		snprintf(err, errlen, "%s: another instance is running (pid %ld)", path,
		    daemon_pidfile_owner(path));
		return (-1);
	}
	return (0);
}

/* -s: signal the instance that holds the pid file's lock. */
long
daemon_pidfile_signal(const char *path, int sig, char *err, size_t errlen)
{
	long	 pid;
	int	 fd, locked;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			snprintf(err, errlen, "%s: no pid file, so no instance is "
			    "running with this pidfile", path);
		else
			err_set_errno(err, errlen, path, errno);
		return (-1);
	}
	locked = flock(fd, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	close(fd);
	pid = daemon_pidfile_owner(path);
	if (!locked) {
		snprintf(err, errlen, "%s: stale pid file: the instance (pid %ld) is "
		    "gone", path, pid);
		return (-1);
	}
	if (pid <= 0) {
		snprintf(err, errlen, "%s: locked but holds no pid", path);
		return (-1);
	}
	if (kill((pid_t)pid, sig) == -1) {
		snprintf(err, errlen, "kill %ld: %s", pid, strerror(errno));
		return (-1);
	}
	return (pid);
}

/* Write our pid via a locked temp file renamed into place. */
int
daemon_pidfile_create(const char *path, char *err, size_t errlen)
{
	char		 tmp[PATH_MAX + 16], text[32];
	struct stat	 st;
	int		 fd, len;

	if (daemon_pidfile_check(path, err, errlen) == -1)
		return (-1);
	if (snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid()) >= (int)sizeof(tmp) ||
	    strlen(path) >= sizeof(daemon_pid_path))
		return (err_set_errno(err, errlen, "pid file path too long", 0));
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) == -1)
		return (err_set_errno(err, errlen, tmp, errno));
	len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 || write(fd, text, (size_t)len) != len ||
	    fstat(fd, &st) == -1 || rename(tmp, path) == -1) {
		err_set_errno(err, errlen, path, errno);
		close(fd);
		unlink(tmp);
		return (-1);
	}
	strcpy(daemon_pid_path, path);
	daemon_pid_fd = fd;
	daemon_pid_dev = st.st_dev;
	daemon_pid_ino = st.st_ino;
	return (0);
}

/* Remove the pid file, unless someone replaced it since. */
void
daemon_pidfile_remove(void)
{
	struct stat	 st;

	if (daemon_pid_fd == -1)
		return;
	if (stat(daemon_pid_path, &st) == 0 && st.st_dev == daemon_pid_dev &&
	    st.st_ino == daemon_pid_ino)
		unlink(daemon_pid_path);
	close(daemon_pid_fd);
	daemon_pid_fd = -1;
}

/* Become `user`: groups first, then gid, then uid, and check it stuck. */
int
daemon_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd	*pw;

	if (user == NULL || user[0] == '\0')
		return (0);
	if (geteuid() != 0)
		return (err_set_errno(err, errlen, "user is set but we are not root", 0));
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user %s: %s", user, errno ? strerror(errno) :
		    "no such user");
		return (-1);
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		return (err_set_errno(err, errlen, "dropping privileges", errno));
	if (setuid(0) != -1)
		return (err_set_errno(err, errlen, "could regain root after setuid", 0));
	return (0);
}

/* Send one state line to systemd over $NOTIFY_SOCKET (abstract when it starts with '@'). */
void
daemon_notify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	socklen_t		 len;
	size_t			 plen;
	int			 fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (plen = strlen(path)) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	(void)sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
	close(fd);
}
