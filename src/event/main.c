/* echofetchd: the libevent server; every request runs as a plan on one loop. */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "common/daemon.h"
#include "common/admin.h"
#include "common/startup.h"
#include "common/udp_echo.h"
#include "core/config.h"
#include "util/log.h"
#include "event/server.h"

/* How many loops: the setting, or one per online CPU for auto. */
static unsigned int
main_workers(const struct config *cfg)
{
	long	 ncpu;

	if (cfg->workers != 0)
		return (cfg->workers);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	return (ncpu > 0 ? (unsigned int)ncpu : 1);
}

/* admin_listen: the numbers from a thread outside the event loops; NULL if off. */
static struct admin *
main_admin(struct server_group *grp, const struct config *cfg)
{
	struct listeners	*l = &grp->grp_servers[0].srv_listeners;
	struct admin		*ad;
	char			 err[256];

	if (l->admin_fd == -1)
		return (NULL);
	if ((ad = admin_start(l->admin_fd, cfg, server_stats_snapshot,
	    &grp->grp_servers[0], err, sizeof(err))) == NULL)
		fatalx("%s", err);
	l->admin_fd = -1;
	return (ad);
}

/* Parse the command line, bind, and serve until a signal. */
int
main(int argc, char *argv[])
{
	static struct config	 cfg;
	static struct server_group grp;
	struct admin		*ad;
	char			 err[1024];
	int			 rv;

	config_defaults(&cfg);
	rv = config_parse_args(&cfg, argc, argv, CONFIG_PROG_EVENT, err, sizeof(err));
	if (rv == 1)
		return (0);
	if (rv == -1) {
		fprintf(stderr, "echofetchd: %s\n", err);
		return (2);
	}
	log_init("echofetchd", cfg.log_level, 0);
	if (cfg.signal_name[0] != '\0')
		return (startup_signal(&cfg, "echofetchd"));
	if (log_access_open(config_access_log(&cfg), err, sizeof(err)) == -1)
		fatalx("access log: %s", err);
	log_access_set_format(cfg.access_log_format);
	startup_signals_ignore();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	if (cfg.test_only)	/* everything a start would check, short of binding */
		return (startup_test(&cfg, CONFIG_PROG_EVENT));
	startup_check_nofile(&cfg);
	if (startup_daemonize(&cfg, err, sizeof(err)) == -1)
		fatalx("%s", err);
	udp_echo_setup(cfg.udp_echo_rate, cfg.udp_echo_rate_global);
	if (server_group_init(&grp, &cfg, main_workers(&cfg), err, sizeof(err)) == -1)
		fatalx("%s", err);
	server_group_set_args(&grp, argc, argv, CONFIG_PROG_EVENT);
	ad = main_admin(&grp, &cfg);
	if (daemon_drop_privileges(cfg.user, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (cfg.daemon) {
		daemon_ready();
		log_init("echofetchd", cfg.log_level, 1);
	}
	daemon_notify("READY=1");
	rv = server_group_run(&grp);
	admin_stop(ad);
	server_group_free(&grp);
	log_access_close();
	curl_global_cleanup();
	libevent_global_shutdown();
	daemon_pidfile_remove();
	log_info("stopped");
	return (rv == 0 ? 0 : 1);
}
