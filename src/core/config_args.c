/* config_args: the command line (getopt_long built from the settings table) and --help. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/config_impl.h"
#include "util/err.h"

/* getopt_long's tables, built from config_table for one program. */
struct config_getopt {
	struct option	 opts[CONFIG_KEYS_MAX + 5];
	char		 names[CONFIG_KEYS_MAX][CONFIG_KEY_MAX];
	char		 shorts[64];
};

/* Long names are the keys with '-'; short flags only where they help. */
static void
config_getopt_build(struct config_getopt *g, int prog)
{
	static const struct option	 fixed[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "test", no_argument, NULL, 't' },
		{ "test-dump", no_argument, NULL, 'T' },
		{ "signal", required_argument, NULL, 's' },
	};
	const struct config_entry	*e;
	size_t				 i, j, n = 0, s;

	memset(g, 0, sizeof(*g));
	memcpy(g->opts, fixed, sizeof(fixed));
	n = sizeof(fixed) / sizeof(fixed[0]);
	s = strlen(strcpy(g->shorts, "+:c:o:hvtTs:"));
	for (i = 0; i < config_nkeys; i++) {
		e = &config_table[i];
		if ((e->progs & prog) == 0)
			continue;
		for (j = 0; e->key[j] != '\0' && j < CONFIG_KEY_MAX - 1; j++)
			g->names[i][j] = e->key[j] == '_' ? '-' : e->key[j];
		g->opts[n].name = g->names[i];
		g->opts[n].has_arg = e->type == CONFIG_T_BOOL ?
		    optional_argument : required_argument;
		g->opts[n].val = e->flag ? e->flag : CONFIG_OPT_BASE + (int)i;
		n++;
		if (e->flag && s + 3 < sizeof(g->shorts)) {
			g->shorts[s++] = (char)e->flag;
			if (e->type != CONFIG_T_BOOL)	/* a bare -d means yes */
				g->shorts[s++] = ':';
		}
	}
}

/* usage and --version name the program as it was started. */
static const char *
config_basename(const char *argv0, int prog)
{
	const char	*slash;

	if (argv0 == NULL || *argv0 == '\0')
		return (config_prog_name(prog));
	if ((slash = strrchr(argv0, '/')) != NULL && slash[1] != '\0')
		return (slash + 1);
	return (argv0);
}

/* Apply one option getopt_long returned (other than -c, -h, -v). */
static int
config_apply_opt(struct config *cfg, int c, const char *arg, int prog,
    char *errbuf, size_t len)
{
	const struct config_entry	*e = NULL;
	char				 key[CONFIG_KEY_MAX], flag[CONFIG_KEY_MAX];
	char				 why[CONFIG_VALUE_MAX + 128];
	const char			*eq;
	size_t				 i;

	if (c == 'o') {
		if ((eq = strchr(arg, '=')) == NULL || eq == arg ||
		    (size_t)(eq - arg) >= sizeof(key))
			return (err_set(errbuf, len, "--set: want "
			    "key=value, got \"%s\"", arg));
		memcpy(key, arg, (size_t)(eq - arg));
		key[eq - arg] = '\0';
		return (config_set(cfg, key, eq + 1, prog, errbuf, len));
	}
	if (c >= CONFIG_OPT_BASE && (size_t)(c - CONFIG_OPT_BASE) < config_nkeys)
		e = &config_table[c - CONFIG_OPT_BASE];
	for (i = 0; e == NULL && i < config_nkeys; i++)
		if (config_table[i].flag == c && (config_table[i].progs & prog))
			e = &config_table[i];
	if (e == NULL)
		return (err_set(errbuf, len, "unexpected option %d", c));
	if (arg == NULL)
		arg = "yes";	/* a bare boolean flag */
	if (config_store(cfg, e, arg, why, sizeof(why)) == -1) {
		for (i = 0; e->key[i] != '\0' && i < sizeof(flag) - 1; i++)
			flag[i] = e->key[i] == '_' ? '-' : e->key[i];
		flag[i] = '\0';
		return (err_set(errbuf, len, "--%s: %s", flag, why));
	}
	config_mark(cfg, e, CONFIG_ORIGIN_FLAG, 0);
	return (0);
}

/* -s: the four words nginx -s knows. */
static int
config_set_signal(struct config *cfg, const char *arg, char *errbuf, size_t len)
{
	static const char *const	 words[] = { "reload", "stop", "quit", "reopen" };
	size_t				 i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(arg, words[i]) == 0) {
			memcpy(cfg->signal_name, arg, strlen(arg) + 1);
			return (0);
		}
	}
	return (err_set(errbuf, len, "-s: want reload, stop, quit or reopen, got "
	    "\"%s\"", arg));
}

/*
 * The file to read: -c's, else $ECHOFETCHD_CONFIG's ("" for none), else the
 * default one if it exists. A named file must exist; NULL for none.
 */
static const char *
config_choose_file(const char *given, int *must_exist)
{
	const char	*env;

	*must_exist = 1;
	if (given != NULL)
		return (given);
	if ((env = getenv(CONFIG_ENV_FILE)) != NULL)
		return (env[0] != '\0' ? env : NULL);
	*must_exist = 0;
	return (CONFIG_DEFAULT_FILE);
}

/* Load the chosen file (a missing default is no error) and remember its name. */
static int
config_load_chosen(struct config *cfg, const char *given, int prog, char *errbuf,
    size_t len)
{
	const char	*file;
	int		 must_exist;

	if ((file = config_choose_file(given, &must_exist)) == NULL)
		return (0);
	if (!must_exist && access(file, F_OK) == -1 && errno == ENOENT)
		return (0);
	if (strlen(file) >= sizeof(cfg->config_file))
		return (err_set(errbuf, len, "%s: path too long", file));
	memcpy(cfg->config_file, file, strlen(file) + 1);
	if (config_load_file(cfg, file, prog, errbuf, len) == -1)
		return (-1);
	return (0);
}

/* Say which argument getopt refused, long or short. */
static int
config_opt_error(int c, int optch, char **argv, const char *name,
    char *errbuf, size_t len)
{
	const char	*arg = argv[optind - 1];
	size_t		 n = strcspn(arg, "=");

	if (optch != 0 && strncmp(arg, "--", 2) != 0)
		return (err_set(errbuf, len, c == ':' ?
		    "option -%c needs a value (see %s --help)" :
		    "unknown option -%c (see %s --help)", optch, name));
	return (err_set(errbuf, len, c == ':' ?
	    "option \"%.*s\" needs a value (see %s --help)" :
	    "unknown option \"%.*s\" (see %s --help)", (int)n, arg, name));
}

/*
 * Two passes over argv: the first finds --config (and --help/--version),
 * the second applies every flag on top of the file, so flags win.
 */
int
config_parse_args(struct config *cfg, int argc, char **argv, int prog,
    char *errbuf, size_t len)
{
	struct config_getopt	 g;
	const char		*name, *file = NULL;
	int			 c, help = 0, version = 0;

	name = config_basename(argc > 0 ? argv[0] : NULL, prog);
	config_getopt_build(&g, prog);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, g.shorts, g.opts, NULL)) != -1) {
		if (c == 'c')
			file = optarg;
		else if (c == 'h')
			help = 1;
		else if (c == 'v')
			version = 1;
	}
	if (help) {
		config_usage(name, prog);
		return (1);
	}
	if (version) {
		printf("%s %s\n", name, PACKAGE_VERSION);
		fflush(stdout);
		return (1);
	}
	if (config_load_chosen(cfg, file, prog, errbuf, len) == -1 ||
	    config_load_env(cfg, environ, errbuf, len) == -1)
		return (-1);
	optind = 0;
	while ((c = getopt_long(argc, argv, g.shorts, g.opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return (config_opt_error(c, optopt, argv, name, errbuf,
			    len));
		if (c == 'c')
			continue;
		if (c == 't' || c == 'T') {
			cfg->test_only = c == 'T' ? 2 : 1;
			continue;
		}
		if (c == 's') {
			if (config_set_signal(cfg, optarg, errbuf, len) == -1)
				return (-1);
			continue;
		}
		if (config_apply_opt(cfg, c, optarg, prog, errbuf, len) == -1)
			return (-1);
	}
	if (optind < argc)
		return (err_set(errbuf, len, "unexpected argument \"%s\" "
		    "(see %s --help)", argv[optind], name));
	return (0);
}

/* One --help line: both flag spellings, a placeholder, help and default. */
static void
config_usage_entry(const struct config_entry *e, const struct config *def)
{
	char		 spell[80], val[CONFIG_VALUE_MAX], flag[CONFIG_KEY_MAX];
	const char	*meta;
	size_t		 i;

	for (i = 0; e->key[i] != '\0' && i < sizeof(flag) - 1; i++)
		flag[i] = e->key[i] == '_' ? '-' : e->key[i];
	flag[i] = '\0';
	switch (e->type) {
	case CONFIG_T_ADDR:	meta = " ADDR"; break;
	case CONFIG_T_STRING:	meta = strcmp(e->key, "user") == 0 ? " NAME" : " PATH"; break;
	case CONFIG_T_BOOL:	meta = "[=yes|no]"; break;
	case CONFIG_T_SIZE:	meta = " SIZE"; break;
	case CONFIG_T_DURATION:	meta = " MS"; break;
	case CONFIG_T_LEVEL:	meta = " LEVEL"; break;
	case CONFIG_T_MODEL:	meta = " MODEL"; break;
	case CONFIG_T_LOGFMT:	meta = " FORMAT"; break;
	case CONFIG_T_WORKERS:	meta = " N|auto"; break;
	case CONFIG_T_CIDRS:	meta = " CIDRS"; break;
	default:		meta = " N"; break;
	}
	if (e->flag)
		snprintf(spell, sizeof(spell), "-%c, --%s%s", e->flag, flag,
		    meta);
	else
		snprintf(spell, sizeof(spell), "    --%s%s", flag, meta);
	config_format(def, e, val, sizeof(val));
	printf("  %-30s %s (default %s)\n", spell, e->help, val);
}

/* Every flag of one program, grouped as in the config file. */
void
config_usage(const char *progname, int prog)
{
	struct config	 def;
	const char	*group = NULL;
	size_t		 i;

	config_defaults(&def);
	printf("usage: %s [-hvtT] [-c file] [-s signal] [-o key=value] [options]\n\n",
	    progname);
	printf("  %-30s %s\n", "-c, --config FILE",
	    "read settings from FILE (default " CONFIG_DEFAULT_FILE
	    ", if it exists; or $" CONFIG_ENV_FILE "); the environment, then flags, win");
	printf("  %-30s %s\n", "-o, --set KEY=VALUE",
	    "set any setting by its config file name");
	printf("  %-30s %s\n", "-h, --help", "print this help and exit");
	printf("  %-30s %s\n", "-v, --version", "print the version and exit");
	printf("  %-30s %s\n", "-t, --test", "check the configuration (and certificates), then exit");
	printf("  %-30s %s\n", "-T, --test-dump",
	    "as -t, and print every setting with where it came from");
	printf("  %-30s %s\n", "-s, --signal SIGNAL",
	    "reload, stop, quit or reopen the instance in pidfile, then exit");
	for (i = 0; i < config_nkeys; i++) {
		if ((config_table[i].progs & prog) == 0)
			continue;
		if (group == NULL || strcmp(group, config_table[i].group) != 0) {
			group = config_table[i].group;
			printf("\n%s:\n", group);
		}
		config_usage_entry(&config_table[i], &def);
	}
	printf("\nSizes take a K, M or G suffix; durations are ms, or take an "
	    "ms, s or m suffix.\n");
	fflush(stdout);
}

