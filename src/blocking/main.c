/* main: echofetchd-blocking, the same plans as echofetchd run with blocking I/O. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/mman.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "blocking/control.h"
#include "blocking/models.h"
#include "blocking/serve.h"
#include "common/daemon.h"
#include "common/admin.h"
#include "common/startup.h"
#include "common/udp_echo.h"
#include "common/tls.h"
#include "core/config.h"
#include "core/fetch.h"
#include "util/log.h"
#include "core/stats.h"

#define MAIN_PROG	"echofetchd-blocking"

/*
 * The counters live in a shared anonymous mapping: fork children add to the
 * same pages, so /stats in any child sees every child's counts.
 */
static struct stats *
main_stats_new(void)
{
	struct stats	*st;

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (st == MAP_FAILED)
		return (NULL);
	stats_init(st);
	return (st);
}

/* Say once at start-up what is being served and how. */
static void
main_announce(const struct blocking_server *srv, const struct listeners *l)
{
	char	 how[64];

	snprintf(how, sizeof(how), "model %s, %u worker%s", srv->bsrv_model,
	    srv->bsrv_workers, srv->bsrv_workers == 1 ? "" : "s");
	startup_announce(srv->bsrv_cfg, l, how);
}

/*
 * One context per TLS listener, loaded once before any client: HTTPS offers
 * ALPN http/1.1, echo offers none. A bad certificate or key is fatal here.
 */
static void
main_tls_init(struct blocking_server *srv, const struct config *cfg, const struct listeners *l)
{
	char	 err[1024];

	if (l->tls_http_fd != -1 && (srv->bsrv_tls_http = tls_server_ctx(cfg->tls_cert,
	    cfg->tls_key, "http/1.1", err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (l->tls_echo_fd != -1 && (srv->bsrv_tls_echo = tls_server_ctx(cfg->tls_cert,
	    cfg->tls_key, NULL, err, sizeof(err))) == NULL)
		fatalx("%s", err);
}

/*
 * Static, not on main's stack: detached threads still use them while exit()
 * runs after main returns.
 */
static struct config		 main_cfg;
static struct blocking_server	 main_srv;

/*
 * Parse the configuration, detach, bind, drop privileges, and hand over to the
 * model; only main exits.
 */
int
main(int argc, char **argv)
{
	struct config		*cfg = &main_cfg;
	struct blocking_server	*srv = &main_srv;
	struct listeners	 l;
	struct admin		*ad = NULL;
	char			 err[1024];
	int			 rc;

	config_defaults(cfg);
	rc = config_parse_args(cfg, argc, argv, CONFIG_PROG_BLOCKING, err, sizeof(err));
	if (rc == 1)
		return (0);
	if (rc == -1) {
		fprintf(stderr, "%s: %s\n", MAIN_PROG, err);
		return (2);
	}
	log_init(MAIN_PROG, cfg->log_level, 0);
	if (cfg->signal_name[0] != '\0')
		return (startup_signal(cfg, MAIN_PROG));
	if (log_access_open(config_access_log(cfg), err, sizeof(err)) == -1)
		fatalx("access log: %s", err);
	log_access_set_format(cfg->access_log_format);
	if (cfg->test_only) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			fatalx("curl_global_init failed");
		return (startup_test(cfg, CONFIG_PROG_BLOCKING));
	}
	if (control_signals_init() == -1)
		fatal("sigaction");
	startup_check_nofile(cfg);
	if (startup_daemonize(cfg, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (control_init(cfg, argc, argv, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (startup_open_listeners(cfg, &l, 0, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (l.http_fd == -1 && l.echo_fd == -1 && l.tls_http_fd == -1 && l.tls_echo_fd == -1)
		fatalx("nothing to serve: every TCP listener is off");
	main_tls_init(srv, cfg, &l);
	udp_echo_setup(cfg->udp_echo_rate, cfg->udp_echo_rate_global);

	srv->bsrv_cfg = cfg;
	if ((srv->bsrv_stats = main_stats_new()) == NULL)
		fatal("mmap");
	srv->bsrv_model = config_model_name(cfg->model);
	srv->bsrv_workers = cfg->model == CONFIG_MODEL_POOL ? cfg->pool_size : 1;
	srv->bsrv_started = time(NULL);
	if ((srv->bsrv_fetch = serve_fetch_new(cfg, err, sizeof(err))) == NULL)
		fatalx("fetch: %s", err);

	if (startup_write_port_file(cfg, &l, err, sizeof(err)) == -1)
		fatalx("port file: %s", err);
	srv->bsrv_http_fd = l.http_fd;
	if (l.admin_fd != -1) {
		if ((ad = admin_start(l.admin_fd, cfg, serve_stats_snapshot, srv, err,
		    sizeof(err))) == NULL)
			fatalx("%s", err);
		l.admin_fd = -1;
	}
	if (daemon_drop_privileges(cfg->user, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (cfg->daemon) {
		daemon_ready();
		log_init(MAIN_PROG, cfg->log_level, 1);
	}
	main_announce(srv, &l);
	daemon_notify("READY=1");
	rc = models_run(srv, &l);
	admin_stop(ad);
	daemon_pidfile_remove();
	log_info("stopped");
	/*
	 * The access log and the TLS contexts stay: a detached thread (UDP, or
	 * one between its last count and its return) may still use them.
	 */
	return (rc);
}
