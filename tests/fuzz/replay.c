/* fuzz: run the fuzz target over a corpus without libFuzzer, for make check. */
#include "autoconfig.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * usage: replay [-q] DIR|FILE ...
 *
 * Every file (a directory stands for its files, sorted, dot files skipped)
 * runs through LLVMFuzzerTestOneInput in a child process, so one crash
 * names its file and the rest still run. TAP: "ok N - file" per file, or
 * with -q one line per argument.
 */

#define REPLAY_INPUT_MAX	(1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct replay_list {
	char		**paths;
	size_t		 n;
	size_t		 cap;
};

/* Collect paths; a failed allocation is a failed run, not a crash. */
static int
replay_add(struct replay_list *l, const char *dir, const char *name)
{
	char	**np, *p;
	size_t	 len;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		if ((np = realloc(l->paths, l->cap * sizeof(*np))) == NULL)
			return (-1);
		l->paths = np;
	}
	len = strlen(dir) + strlen(name) + 2;
	if ((p = malloc(len)) == NULL)
		return (-1);
	if (*name != '\0')
		snprintf(p, len, "%s/%s", dir, name);
	else
		snprintf(p, len, "%s", dir);
	l->paths[l->n++] = p;
	return (0);
}

/* qsort wants this shape; sorting makes the TAP numbers stable. */
static int
replay_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* A directory's regular files, or the argument itself if it is a file. */
static int
replay_collect(struct replay_list *l, const char *arg)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	size_t		 first = l->n;

	if (stat(arg, &st) == -1)
		return (-1);
	if (!S_ISDIR(st.st_mode))
		return (replay_add(l, arg, ""));
	if ((d = opendir(arg)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (replay_add(l, arg, de->d_name) == -1) {
			closedir(d);
			return (-1);
		}
	}
	closedir(d);
	qsort(l->paths + first, l->n - first, sizeof(*l->paths), replay_cmp);
	return (0);
}

/* Read a whole file; the target gets exactly its bytes. */
static unsigned char *
replay_read(const char *path, size_t *len)
{
	unsigned char	*data;
	FILE		*f;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	if ((data = malloc(REPLAY_INPUT_MAX)) == NULL) {
		fclose(f);
		return (NULL);
	}
	n = fread(data, 1, REPLAY_INPUT_MAX, f);
	fclose(f);
	*len = n;
	return (data);
}

/* Run one input in a child: NULL if it passed, else why it did not. */
static const char *
replay_one(const char *path, char *why, size_t whylen)
{
	unsigned char	*data;
	size_t		 len = 0;
	pid_t		 pid;
	int		 status;

	if ((data = replay_read(path, &len)) == NULL) {
		snprintf(why, whylen, "cannot read: %s", strerror(errno));
		return (why);
	}
	fflush(stdout);
	if ((pid = fork()) == -1) {
		free(data);
		snprintf(why, whylen, "fork: %s", strerror(errno));
		return (why);
	}
	if (pid == 0) {
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		_exit(0);
	}
	free(data);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return (why);
		}
	if (WIFSIGNALED(status)) {
		snprintf(why, whylen, "killed by signal %d", WTERMSIG(status));
		return (why);
	}
	if (WEXITSTATUS(status) != 0) {
		snprintf(why, whylen, "exit status %d", WEXITSTATUS(status));
		return (why);
	}
	return (NULL);
}

/* Run every collected file; the number that failed. */
static int
replay_run(const struct replay_list *l, int quiet, const char *label)
{
	const char	*why;
	char		 buf[256];
	size_t		 i;
	int		 failed = 0;

	for (i = 0; i < l->n; i++) {
		if ((why = replay_one(l->paths[i], buf, sizeof(buf))) == NULL) {
			if (!quiet)
				printf("ok %zu - %s\n", i + 1, l->paths[i]);
			continue;
		}
		failed++;
		if (!quiet)
			printf("not ok %zu - %s\n", i + 1, l->paths[i]);
		printf("# %s: %s\n", l->paths[i], why);
	}
	if (quiet)
		printf("%s %d - %s (%zu inputs)\n", failed ? "not ok" : "ok",
		    1, label, l->n);
	return (failed);
}

/* Collect, run, report; exit 1 if any input crashed or aborted. */
int
main(int argc, char **argv)
{
	struct replay_list	 l;
	size_t			 j;
	int			 i, quiet = 0, failed = 0;

	if (argc > 1 && strcmp(argv[1], "-q") == 0) {
		quiet = 1;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: replay [-q] DIR|FILE ...\n");
		return (2);
	}
	memset(&l, 0, sizeof(l));
	for (i = 1; i < argc; i++)
		if (replay_collect(&l, argv[i]) == -1) {
			printf("Bail out! %s: %s\n", argv[i], strerror(errno));
			return (1);
		}
	if (l.n == 0) {
		printf("Bail out! no inputs in %s\n", argv[1]);
		return (1);
	}
	printf("1..%zu\n", quiet ? (size_t)1 : l.n);
	failed = replay_run(&l, quiet, argv[1]);
	for (j = 0; j < l.n; j++)
		free(l.paths[j]);
	free(l.paths);
	return (failed ? 1 : 0);
}
