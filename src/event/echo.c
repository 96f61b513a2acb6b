/* echo: RFC 862 TCP echo on bufferevents, and the UDP echo event. */
#include "autoconfig.h"

#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/ssl.h>

#include "common/sock.h"
#include "common/udp_echo.h"
#include "core/config.h"
#include "util/log.h"
#include "core/stats.h"
#include "event/echo.h"
#include "event/server.h"
#include "util/time.h"

/* Read this much per callback so large payloads do not trickle in 4 KiB steps. */
#define ECHO_MAX_SINGLE_READ	(64 * 1024)
/* Datagrams echoed per wake-up before letting other events run. */
#define ECHO_UDP_BATCH		64

static void	echo_read_cb(struct bufferevent *, void *);
static void	echo_write_cb(struct bufferevent *, void *);
static void	echo_event_cb(struct bufferevent *, short, void *);
static void	echo_handshake_timeout(evutil_socket_t, short, void *);

/* A bufferevent for a socket: plain, or TLS that starts by accepting a handshake. */
static struct bufferevent *
echo_bufferevent(struct server *srv, evutil_socket_t fd, SSL_CTX *tls)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if (tls == NULL)
		return (bufferevent_socket_new(srv->srv_base, fd, BEV_OPT_CLOSE_ON_FREE));
	if ((ssl = SSL_new(tls)) == NULL)
		return (NULL);
	bev = bufferevent_openssl_socket_new(srv->srv_base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return (NULL);
	}
	/* Our framing is explicit: a missing close_notify is just an EOF. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return (bev);
}

/*
 * A TLS client has header_timeout_ms for its whole handshake, as on the
 * HTTPS port; the idle timeout, minutes long, would let a silent or
 * trickling hello hold a connection that long.
 */
static int
echo_handshake_deadline(struct echo_conn *ec, unsigned int ms)
{
	struct timeval	 tv;

	if (ms == 0)
		return (0);
	ec->ec_handshake = evtimer_new(ec->ec_srv->srv_base, echo_handshake_timeout, ec);
	if (ec->ec_handshake == NULL)
		return (-1);
	tv = time_ms_to_timeval(ms);
	return (evtimer_add(ec->ec_handshake, &tv));
}

/* Start echoing on an accepted socket. */
void
echo_accept(struct server *srv, evutil_socket_t fd, SSL_CTX *tls)
{
	const struct config	*cfg = srv->srv_cfg;
	struct echo_conn	*ec;
	struct timeval		 tv;
	char			 err[SOCK_ERR_LEN];

	if ((ec = calloc(1, sizeof(*ec))) == NULL ||
	    (ec->ec_bev = echo_bufferevent(srv, fd, tls)) == NULL) {
		log_warnx("echo_accept: out of memory");
		free(ec);
		evutil_closesocket(fd);
		server_conn_release(srv);
		return;
	}
	ec->ec_srv = srv;
	(void)sock_tune_client(fd, cfg->tcp_notsent_lowat, err, sizeof(err));
	TAILQ_INSERT_TAIL(&srv->srv_echo_conns, ec, ec_entry);
	stats_add(&srv->srv_stats.echo_conns_open, 1);
	stats_add(&srv->srv_stats.echo_conns_total, 1);
	if (tls != NULL && echo_handshake_deadline(ec, cfg->header_timeout_ms) == -1) {
		echo_close(ec, "out of memory");
		return;
	}
	bufferevent_setcb(ec->ec_bev, echo_read_cb, echo_write_cb, echo_event_cb, ec);
	bufferevent_set_max_single_read(ec->ec_bev, ECHO_MAX_SINGLE_READ);
	if (cfg->echo_idle_timeout_ms > 0) {
		tv = time_ms_to_timeval(cfg->echo_idle_timeout_ms);
		bufferevent_set_timeouts(ec->ec_bev, &tv, NULL);
	}
	/* Resume reading once half of the unsent backlog has gone (le-proxy.c). */
	bufferevent_setwatermark(ec->ec_bev, EV_WRITE, cfg->echo_buffer_max / 2, 0);
	bufferevent_enable(ec->ec_bev, EV_READ | EV_WRITE);
}

/* The one way out for an echo client. */
void
echo_close(struct echo_conn *ec, const char *why)
{
	struct server	*srv = ec->ec_srv;

	log_debug("echo client closing: %s", why);
	if (ec->ec_handshake != NULL)
		event_free(ec->ec_handshake);
	TAILQ_REMOVE(&srv->srv_echo_conns, ec, ec_entry);
	bufferevent_free(ec->ec_bev);
	stats_sub(&srv->srv_stats.echo_conns_open, 1);
	server_conn_release(srv);
	free(ec);
}

/* Move what came in to the output without copying; stop reading when it backs up. */
static void
echo_read_cb(struct bufferevent *bev, void *arg)
{
	struct echo_conn	*ec = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer		*out = bufferevent_get_output(bev);
	size_t			 n = evbuffer_get_length(in);

	stats_add(&ec->ec_srv->srv_stats.echo_bytes, n);
	evbuffer_add_buffer(out, in);
	if (evbuffer_get_length(out) >= ec->ec_srv->srv_cfg->echo_buffer_max)
		bufferevent_disable(bev, EV_READ);
}

/* The client caught up: read again, or finish after its EOF. */
static void
echo_write_cb(struct bufferevent *bev, void *arg)
{
	struct echo_conn	*ec = arg;

	if (ec->ec_read_eof) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			echo_close(ec, "client done");
		return;
	}
	bufferevent_enable(bev, EV_READ);
}

/* EOF: send back what is left, then close; errors and idle timeouts close now. */
static void
echo_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct echo_conn	*ec = arg;

	if (what & BEV_EVENT_CONNECTED) {
		/* The handshake is done: from now on only the idle timeout applies. */
		if (ec->ec_handshake != NULL) {
			event_free(ec->ec_handshake);
			ec->ec_handshake = NULL;
		}
	} else if (what & BEV_EVENT_ERROR) {
		echo_close(ec, "socket error");
	} else if (what & BEV_EVENT_TIMEOUT) {
		echo_close(ec, "idle timeout");
	} else if (what & BEV_EVENT_EOF) {
		ec->ec_read_eof = 1;
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			echo_close(ec, "client done");
		else
			bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	}
}

/* The TLS handshake did not finish within header_timeout_ms. */
static void
echo_handshake_timeout(evutil_socket_t fd, short what, void *arg)
{
	echo_close(arg, "TLS handshake timeout");
}

/* Datagrams are waiting on the UDP socket. */
void
echo_udp_ready(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;

	if (udp_echo_pump(fd, ECHO_UDP_BATCH, &srv->srv_stats) == -1)
		log_warn("udp echo");
}
