/* config_impl: the settings table and helpers config.c shares with config_args.c. */
#ifndef EF_CONFIG_IMPL_H
#define EF_CONFIG_IMPL_H

#include <stddef.h>

#include "core/config.h"

#define CONFIG_KEY_MAX		32
#define CONFIG_VALUE_MAX	(CONFIG_PATH_MAX + 8)
#define CONFIG_K		1024ULL
#define CONFIG_M		(1024ULL * 1024)
#define CONFIG_G		(1024ULL * 1024 * 1024)
#define CONFIG_OPT_BASE		256

enum config_type {
	CONFIG_T_STRING,
	CONFIG_T_ADDR,
	CONFIG_T_BOOL,
	CONFIG_T_UINT,
	CONFIG_T_SIZE,		/* bytes, or with a K, M or G suffix */
	CONFIG_T_DURATION,	/* ms, or with an ms, s or m suffix */
	CONFIG_T_LEVEL,
	CONFIG_T_MODEL,
	CONFIG_T_WORKERS,	/* "auto" (0) or a count */
	CONFIG_T_CIDRS,		/* a string holding a list of CIDRs */
	CONFIG_T_LOGFMT,	/* default, combined or json */
};

/* One setting: the file key, its flags, its type, range and default. */
struct config_entry {
	const char		*key;
	int			 flag;		/* short flag, 0 if none */
	enum config_type	 type;
	size_t			 off;
	size_t			 width;
	unsigned long long	 min;
	unsigned long long	 max;
	const char		*def;
	int			 progs;
	const char		*group;
	const char		*help;
};

extern const struct config_entry	 config_table[];
extern const size_t			 config_nkeys;

/* Names the program a setting belongs to, for errors and defaults. */
const char *config_prog_name(int);
/* Convert and store one value; -1 with the rule in errbuf. */
int	config_store(struct config *, const struct config_entry *, const char *, char *, size_t);
/* Record where entry e's value came from (line: the file's, else 0). */
void	config_mark(struct config *, const struct config_entry *, enum config_origin,
	    unsigned int line);
/* The text config_store reads back to the same value. */
void	config_format(const struct config *, const struct config_entry *, char *, size_t);

#endif
