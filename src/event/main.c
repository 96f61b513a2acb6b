/* echofetchd: the libevent server; every request runs as a plan on one loop. */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "common/startup.h"
#include "core/config.h"
#include "core/log.h"
#include "event/server.h"

/* Parse the command line, bind, and serve until a signal. */
int
main(int argc, char *argv[])
{
	static struct config	 cfg;
	static struct server_group grp;
	long			 ncpu;
	unsigned int		 workers;
	char			 err[1024];
	int			 rv;

	config_defaults(&cfg);
	rv = config_parse_args(&cfg, argc, argv, CONFIG_PROG_EVENT, err, sizeof(err));
	if (rv == 1)
		return (0);
	if (rv == -1) {
		fprintf(stderr, "echofetchd: %s\n", err);
		fprintf(stderr, "try 'echofetchd --help'\n");
		return (2);
	}
	log_init("echofetchd", cfg.log_level, 0);
	if (log_access_open(cfg.access_log, err, sizeof(err)) == -1)
		fatalx("access log: %s", err);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	startup_check_nofile(&cfg);
	workers = cfg.workers;
	if (workers == 0)	/* auto: one loop per CPU */
		workers = (ncpu = sysconf(_SC_NPROCESSORS_ONLN)) > 0 ? (unsigned int)ncpu : 1;
	if (server_group_init(&grp, &cfg, workers, err, sizeof(err)) == -1)
		fatalx("%s", err);
	rv = server_group_run(&grp);
	server_group_free(&grp);
	log_access_close();
	curl_global_cleanup();
	libevent_global_shutdown();
	log_info("stopped");
	return (rv == 0 ? 0 : 1);
}
