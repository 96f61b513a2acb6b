/* reload: what both executors do on SIGHUP, written once. */
#include "autoconfig.h"

#include <string.h>

#include "core/config.h"
#include "core/fetch.h"
#include "util/log.h"
#include "core/reload.h"

/* A configuration that does not parse changes nothing, not even the log level. */
int
reload_read(struct config *next, int argc, char **argv, int prog)
{
	char	 err[1024];

	config_defaults(next);
	if (config_parse_args(next, argc, argv, prog, err, sizeof(err)) != 0) {
		log_warnx("reload: %s; keeping the running configuration", err);
		return (-1);
	}
	log_set_level(next->log_level);
	log_access_set_format(next->access_log_format);
	if (log_access_open(config_access_log(next), err, sizeof(err)) == -1)
		log_warnx("reload: access log: %s; keeping the old one", err);
	return (0);
}

/* The fetch settings are built in a scratch copy: a failed build leaves no half. */
void
reload_apply(struct config *cfg, struct fetch_settings *fetch,
    const struct config *next, char *restart, size_t restartlen)
{
	struct fetch_settings	 fs;
	char			 err[512];

	config_reload(cfg, next, restart, restartlen);
	if (fetch_settings_init(&fs, cfg, err, sizeof(err)) == 0)
		*fetch = fs;
	else
		log_warnx("reload: %s; keeping the fetch policy", err);
}

/* One warning for keys that need a restart, one line that the file was read. */
void
reload_done(const char *restart, const struct config *next)
{
	if (restart != NULL && restart[0] != '\0')
		log_warnx("reload: %s changed; restart to apply", restart);
	log_info("reload: configuration read%s%s", next->config_file[0] ? " from " : "",
	    next->config_file);
}
