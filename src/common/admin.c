/* admin: /events, /stats, /metrics and /dashboard on a thread of their own. */
#include "autoconfig.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/admin.h"
#include "common/sock.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/exchange.h"
#include "util/log.h"
#include "util/time.h"

#define ADMIN_CLIENTS		16
#define ADMIN_READ_MAX		4096
#define ADMIN_OUT_MAX		(1024 * 1024)	/* a watcher this far behind is dropped */
#define ADMIN_IDLE_MS		1000		/* poll at least this often */

struct admin_client {
	int		 ac_fd;		/* -1: free slot */
	int		 ac_planned;	/* the request is parsed and planned */
	unsigned int	 ac_step;
	unsigned int	 ac_piece;	/* next stream piece */
	uint64_t	 ac_due_ms;	/* when that piece is due */
	int		 ac_streaming;	/* waiting for ac_due_ms */
	size_t		 ac_sent;	/* of ac_out */
	struct buf	 ac_out;
	struct exchange	 ac_ex;
};

struct admin {
	int			 ad_fd;
	int			 ad_wake[2];	/* admin_stop writes, the loop wakes and ends */
	pthread_t		 ad_thread;
	struct config		 ad_cfg;	/* the start-up copy: reloads do not reach it */
	struct endpoint_ctx	 ad_ctx;
	struct admin_client	 ad_clients[ADMIN_CLIENTS];
};

/* Only what watches the server, never what loads it. */
static int
admin_allowed(int endpoint)
{
	return (endpoint == EP_EVENTS || endpoint == EP_STATS ||
	    endpoint == EP_METRICS || endpoint == EP_DASHBOARD);
}

/* Free a slot. */
static void
admin_client_close(struct admin_client *c)
{
	close(c->ac_fd);
	c->ac_fd = -1;
	exchange_free(&c->ac_ex);
	buf_free(&c->ac_out);
}

/* A parsed request becomes a plan; anything but the four pages is a 404. */
static void
admin_client_plan(struct admin *ad, struct admin_client *c)
{
	ad->ad_ctx.now = time(NULL);
	exchange_plan(&c->ac_ex, &ad->ad_ctx, NULL);
	if (c->ac_ex.parser.state != HTTP_STATE_ERROR &&
	    !admin_allowed(c->ac_ex.plan.endpoint))
		endpoint_plan_error(&c->ac_ex.plan, c->ac_ex.parser.req.version,
		    404, "the admin listener serves /events, /stats, /metrics "
		    "and /dashboard", 0, ad->ad_ctx.now);
	c->ac_planned = 1;
	c->ac_step = 0;
	c->ac_piece = 0;
	c->ac_due_ms = 0;
}

/* Walk the plan as far as it goes now; 1 when it has nothing left to send. */
static int
admin_client_run(struct admin_client *c, uint64_t now)
{
	const struct plan	*p = &c->ac_ex.plan;
	const struct plan_step	*st;
	size_t			 n;

	if (plan_failed(p))
		return (1);
	for (; c->ac_step < p->nsteps; c->ac_step++) {
		st = &p->steps[c->ac_step];
		if (st->kind == PLAN_HEAD) {
			n = plan_render_head(p, st, 0, &c->ac_out);
			if (n < st->len)
				buf_append(&c->ac_out, p->data.data + st->off + n,
				    st->len - n);
		} else if (st->kind == PLAN_WRITE)
			buf_append(&c->ac_out, p->data.data + st->off, st->len);
		else if (st->kind == PLAN_STREAM && c->ac_piece < st->count) {
			c->ac_streaming = 1;
			if (now < c->ac_due_ms)
				return (0);
			plan_stream_piece(p, c->ac_piece++, &c->ac_out);
			c->ac_due_ms = now + st->interval_ms;
			return (0);
		}
	}
	return (1);
}

/* Read what came; 0 to keep the client, -1 to drop it. */
static int
admin_client_read(struct admin *ad, struct admin_client *c)
{
	char			 in[ADMIN_READ_MAX];
	ssize_t			 n;
	size_t			 used = 0;
	enum http_parse_result	 r;

	n = read(c->ac_fd, in, sizeof(in));
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	if (n == 0)
		return (-1);
	if (c->ac_planned)
		return (0);	/* one request per connection; the rest is ignored */
	r = exchange_feed(&c->ac_ex, in, (size_t)n, &used);
	if (r != HTTP_PARSE_NEED_MORE)
		admin_client_plan(ad, c);
	return (0);
}

/* Send what is queued; 0 to keep the client, -1 to drop it. */
static int
admin_client_write(struct admin_client *c)
{
	ssize_t		 n;

	if (c->ac_sent == c->ac_out.len)
		return (0);
	n = write(c->ac_fd, c->ac_out.data + c->ac_sent, c->ac_out.len - c->ac_sent);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	c->ac_sent += (size_t)n;
	if (c->ac_sent == c->ac_out.len) {
		buf_reset(&c->ac_out);
		c->ac_sent = 0;
	}
	return (0);
}

/* Take a new watcher if a slot is free. */
static void
admin_accept(struct admin *ad)
{
	struct admin_client	*c = NULL;
	char			 err[SOCK_ERR_LEN];
	size_t			 i;
	int			 fd;

	if ((fd = accept(ad->ad_fd, NULL, NULL)) == -1)
		return;
	for (i = 0; i < ADMIN_CLIENTS && c == NULL; i++)
		if (ad->ad_clients[i].ac_fd == -1)
			c = &ad->ad_clients[i];
	if (c == NULL || sock_set_nonblock(fd, 1, err, sizeof(err)) == -1) {
		close(fd);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->ac_fd = fd;
	buf_init(&c->ac_out);
	exchange_init(&c->ac_ex, &ad->ad_cfg.http);
}

/* One client's turn after poll: read, write, advance its plan. */
static void
admin_client_turn(struct admin *ad, struct admin_client *c, short revents,
    uint64_t now)
{
	int	 done = 0;

	if ((revents & (POLLIN | POLLHUP | POLLERR)) &&
	    admin_client_read(ad, c) == -1)
		goto drop;
	if (c->ac_planned)
		done = admin_client_run(c, now);
	if (c->ac_out.oom || c->ac_out.len - c->ac_sent > ADMIN_OUT_MAX ||
	    admin_client_write(c) == -1)
		goto drop;
	if (done && c->ac_out.len == c->ac_sent)
		goto drop;
	return;
drop:
	admin_client_close(c);
}

/* The thread: one poll loop over the listener and its watchers. */
static void *
admin_main(void *arg)
{
	struct admin		*ad = arg;
	struct pollfd		 pfd[ADMIN_CLIENTS + 2];
	struct admin_client	*c;
	uint64_t		 now;
	int			 i, timeout;

	for (;;) {
		now = time_now_ms();
		timeout = ADMIN_IDLE_MS;
		pfd[0].fd = ad->ad_fd;
		pfd[0].events = POLLIN;
		pfd[ADMIN_CLIENTS + 1].fd = ad->ad_wake[0];
		pfd[ADMIN_CLIENTS + 1].events = POLLIN;
		for (i = 0; i < ADMIN_CLIENTS; i++) {
			c = &ad->ad_clients[i];
			pfd[i + 1].fd = c->ac_fd;
			pfd[i + 1].events = POLLIN;
			if (c->ac_fd != -1 && c->ac_out.len > c->ac_sent)
				pfd[i + 1].events |= POLLOUT;
			if (c->ac_fd != -1 && c->ac_streaming &&
			    c->ac_due_ms < now + (uint64_t)timeout)
				timeout = c->ac_due_ms > now ?
				    (int)(c->ac_due_ms - now) : 0;
		}
		if (poll(pfd, ADMIN_CLIENTS + 2, timeout) == -1 && errno != EINTR) {
			log_warn("admin: poll");
			continue;
		}
		if (pfd[ADMIN_CLIENTS + 1].revents != 0)
			break;
		now = time_now_ms();
		for (i = 0; i < ADMIN_CLIENTS; i++)
			if (ad->ad_clients[i].ac_fd != -1)
				admin_client_turn(ad, &ad->ad_clients[i],
				    pfd[i + 1].revents, now);
		if (pfd[0].revents & POLLIN)
			admin_accept(ad);
	}
	return (NULL);
}

/* Start the thread; it runs until admin_stop. */
struct admin *
admin_start(int fd, const struct config *cfg, events_snapshot_fn snapshot,
    void *arg, char *err, size_t errlen)
{
	struct admin	*ad;
	size_t		 i;
	int		 rc;

	if ((ad = calloc(1, sizeof(*ad))) == NULL) {
		snprintf(err, errlen, "admin: out of memory");
		return (NULL);
	}
	if (pipe(ad->ad_wake) == -1) {
		snprintf(err, errlen, "admin: pipe: %s", strerror(errno));
		free(ad);
		return (NULL);
	}
	ad->ad_fd = fd;
	ad->ad_cfg = *cfg;
	ad->ad_ctx.cfg = &ad->ad_cfg;
	ad->ad_ctx.client_ip = "admin";
	ad->ad_ctx.stats_snapshot = snapshot;
	ad->ad_ctx.stats_arg = arg;
	ad->ad_ctx.events_inline = 1;
	for (i = 0; i < ADMIN_CLIENTS; i++)
		ad->ad_clients[i].ac_fd = -1;
	if ((rc = pthread_create(&ad->ad_thread, NULL, admin_main, ad)) != 0) {
		snprintf(err, errlen, "admin: pthread_create: %s", strerror(rc));
		close(ad->ad_wake[0]);
		close(ad->ad_wake[1]);
		free(ad);
		return (NULL);
	}
	return (ad);
}

/* Wake the loop, wait for it, then close the listener and every watcher. */
void
admin_stop(struct admin *ad)
{
	size_t	 i;

	if (ad == NULL)
		return;
	while (write(ad->ad_wake[1], "x", 1) == -1 && errno == EINTR)
		;
	(void)pthread_join(ad->ad_thread, NULL);
	for (i = 0; i < ADMIN_CLIENTS; i++)
		if (ad->ad_clients[i].ac_fd != -1)
			admin_client_close(&ad->ad_clients[i]);
	close(ad->ad_wake[0]);
	close(ad->ad_wake[1]);
	close(ad->ad_fd);
	free(ad);
}

/* The second field of statm is resident pages. */
uint64_t
admin_rss_bytes(void)
{
	FILE			*f;
	unsigned long long	 size, rss;
	long			 page = sysconf(_SC_PAGESIZE);
	int			 n;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return (0);
	n = fscanf(f, "%llu %llu", &size, &rss);
	fclose(f);
	if (n != 2 || page <= 0)
		return (0);
	return ((uint64_t)rss * (uint64_t)page);
}

/* On Linux, TCP_INFO of a listening socket counts its accept queue in tcpi_unacked. */
uint64_t
admin_accept_queue(int fd)
{
	struct tcp_info	 ti;
	socklen_t	 len = sizeof(ti);

	if (fd == -1 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return (0);
	return (ti.tcpi_unacked);
}
