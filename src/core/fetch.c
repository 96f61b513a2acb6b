/* fetch: one libcurl setup for every upstream transfer, and the responses fetches make. */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "util/buf.h"
#include "core/config.h"
#include "core/fetch.h"
#include "core/fetch_policy.h"
#include "core/plan.h"
#include "util/time.h"

#define FETCH_SETOPT(rc, e, opt, val) do {				\
	if ((rc) == CURLE_OK)						\
		(rc) = curl_easy_setopt((e), (opt), (val));		\
} while (0)

static void	fetch_fail(struct fetch_transfer *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));


static void	fetch_transfer_drop_curl(struct fetch_transfer *);
static int	fetch_deliver_head(struct fetch_transfer *);

_Static_assert(PLAN_FETCH_HOPS_MAX < FETCH_QUEUE_LEVELS,
    "every hop count fetch_max_hops allows needs its own queue level");

/* Parse the allow list once per process, not per transfer. */
int
fetch_settings_init(struct fetch_settings *s, const struct config *cfg, char *why,
    size_t len)
{
	struct config	 def;

	if (cfg == NULL) {
		config_defaults(&def);
		cfg = &def;
	}
	static unsigned long	 gens;

	memset(s, 0, sizeof(*s));
	s->gen = __atomic_add_fetch(&gens, 1, __ATOMIC_RELAXED);
	s->redirects = cfg->fetch_redirects;
	s->connect_timeout_ms = cfg->fetch_connect_timeout_ms;
	s->timeout_ms = cfg->fetch_timeout_ms;
	s->body_max = cfg->fetch_body_max;
	s->header_max = cfg->fetch_header_max;
	snprintf(s->ca_file, sizeof(s->ca_file), "%s", cfg->fetch_ca_file);
	return (fetch_policy_parse(&s->policy, cfg->fetch_allow, why, len));
}

/* Record why a transfer failed; the first reason wins. */
static void
fetch_fail(struct fetch_transfer *t, int status, const char *fmt, ...)
{
	va_list	 ap;

	t->failed = 1;
	t->status = status;
	if (t->reason[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
}

/* Every socket curl opens comes through here, so every address it uses is checked. */
static curl_socket_t
fetch_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct fetch_transfer	*t = arg;
	char			 why[FETCH_REASON_MAX];
	int			 fd;

	if (purpose != CURLSOCKTYPE_IPCXN || t->denied)
		return (CURL_SOCKET_BAD);
	if (fetch_policy_check_addr(&t->settings->policy, &a->addr,
	    (socklen_t)a->addrlen, why, sizeof(why)) == -1) {
		t->denied = 1;
		fetch_policy_hint(why, sizeof(why));
		snprintf(t->reason, sizeof(t->reason), "%s", why);
		return (CURL_SOCKET_BAD);
	}
	if ((fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol)) == -1)
		return (CURL_SOCKET_BAD);
	return (fd);
}

/* The status of "HTTP/1.1 200 OK" or "HTTP/2 200", any three digits; -1 if unreadable. */
static int
fetch_parse_status(const char *s, size_t len)
{
	size_t	 i = 5;

	while (i < len && s[i] != ' ')
		i++;
	while (i < len && s[i] == ' ')
		i++;
	if (i + 3 > len || s[i] < '0' || s[i] > '9' || s[i + 1] < '0' ||
	    s[i + 1] > '9' || s[i + 2] < '0' || s[i + 2] > '9')
		return (-1);
	return ((s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0'));
}

/* A header value without the blanks around it and the line end after it. */
static void
fetch_header_trim(const char **v, size_t *len)
{
	while (*len > 0 && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*len)--;
	}
	while (*len > 0 && ((*v)[*len - 1] == '\r' || (*v)[*len - 1] == '\n' ||
	    (*v)[*len - 1] == ' ' || (*v)[*len - 1] == '\t'))
		(*len)--;
}

/* Keep a Content-Type only if it can go into our head verbatim. */
static void
fetch_capture_ctype(struct fetch_transfer *t, const char *v, size_t len)
{
	size_t	 i;

	fetch_header_trim(&v, &len);
	t->content_type[0] = '\0';
	if (len == 0 || len >= sizeof(t->content_type))
		return;
	for (i = 0; i < len; i++)
		if ((v[i] < 0x20 && v[i] != '\t') || v[i] > 0x7e)
			return;
	memcpy(t->content_type, v, len);
	t->content_type[len] = '\0';
}

/*
 * Keep a Content-Length to pass on as ours: digits only, one value however
 * often repeated, and no Transfer-Encoding beside it; else -2, never used.
 */
static void
fetch_capture_length(struct fetch_transfer *t, const char *v, size_t len)
{
	long long	 n = 0;
	size_t		 i;

	fetch_header_trim(&v, &len);
	if (t->content_length == -2)
		return;
	for (i = 0; i < len && i < 18; i++) {
		if (v[i] < '0' || v[i] > '9')
			break;
		n = n * 10 + (v[i] - '0');
	}
	if (len == 0 || i != len || (t->content_length >= 0 && t->content_length != n))
		t->content_length = -2;
	else
		t->content_length = n;
}

/* A redirect head we will follow (after checking where it points). */
static int
fetch_head_is_redirect(const struct fetch_transfer *t)
{
	int	 s = t->upstream_status;

	return (t->settings->redirects > 0 && t->location != NULL &&
	    (s == 301 || s == 302 || s == 303 || s == 307 || s == 308));
}

/* An interim head (100 Continue, 103 Early Hints); curl reads the next one. */
static int
fetch_head_is_interim(const struct fetch_transfer *t)
{
	return (t->upstream_status >= 100 && t->upstream_status < 200 &&
	    t->upstream_status != 101);
}

/*
 * The end of a head that is not interim: a redirect stops the transfer
 * (the job follows it), a status we cannot relay is a 502 before anything
 * reaches the client, else the head is the client's. -1 stops curl.
 */
static int
fetch_head_end(struct fetch_transfer *t)
{
	int	 s = t->upstream_status;

	if (fetch_head_is_redirect(t)) {
		t->redirecting = 1;
		return (-1);
	}
	if (s == 101) {
		t->capped = 1;
		fetch_fail(t, 502, "upstream switched protocols (101), but no "
		    "upgrade was asked for");
		return (-1);
	}
	if (s < 200 || s > 599) {
		t->capped = 1;
		if (s < 0)
			fetch_fail(t, 502, "upstream sent a malformed response");
		else
			fetch_fail(t, 502, "upstream sent status %d; only 200..599 "
			    "can be passed on", s);
		return (-1);
	}
	return (fetch_deliver_head(t));
}

/* Keep the first Location of a head, trimmed, to follow it ourselves. */
static int
fetch_capture_location(struct fetch_transfer *t, const char *v, size_t len)
{
	fetch_header_trim(&v, &len);
	if (t->location != NULL || len == 0)
		return (0);
	if ((t->location = strndup(v, len)) == NULL) {
		fetch_fail(t, 502, "out of memory");
		return (-1);
	}
	return (0);
}

/* Tell the sink the head is in; -1 if it wants the transfer stopped. */
static int
fetch_deliver_head(struct fetch_transfer *t)
{
	t->head_done = 1;
	t->head_ms = time_now_ms();
	if (t->on_head != NULL && t->on_head(t->sink_arg, t) != 0) {
		t->sink_failed = 1;
		fetch_fail(t, 502, "client went away");
		return (-1);
	}
	return (0);
}

/* One header line at a time: status, Content-Type, the head cap, the head's end. */
static size_t
fetch_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct fetch_transfer	*t = arg;
	size_t			 len = size * n;

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		t->header_bytes = 0;
		t->content_type[0] = '\0';
		t->content_length = -1;
		free(t->location);
		t->location = NULL;
		t->upstream_status = fetch_parse_status(data, len);
	}
	t->header_bytes += len;
	if (t->header_bytes > t->settings->header_max) {
		t->capped = 1;
		fetch_fail(t, 502, "upstream response head larger than %u bytes",
		    t->settings->header_max);
		return (0);
	}
	if ((len == 2 && data[0] == '\r') || (len == 1 && data[0] == '\n')) {
		if (!t->head_done && !fetch_head_is_interim(t) &&
		    fetch_head_end(t) == -1)
			return (0);
		return (len);
	}
	if (len > 13 && strncasecmp(data, "Content-Type:", 13) == 0)
		fetch_capture_ctype(t, data + 13, len - 13);
	else if (len > 15 && strncasecmp(data, "Content-Length:", 15) == 0)
		fetch_capture_length(t, data + 15, len - 15);
	else if (len > 18 && strncasecmp(data, "Transfer-Encoding:", 18) == 0)
		t->content_length = -2;
	else if (len > 9 && strncasecmp(data, "Location:", 9) == 0 &&
	    fetch_capture_location(t, data + 9, len - 9) == -1)
		return (0);
	return (len);
}

/* Body bytes: count against the cap, then hand to the sink, which may ask for a pause. */
static size_t
fetch_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct fetch_transfer	*t = arg;
	size_t			 len = size * n;
	int			 r;

	if (!t->head_done && fetch_head_end(t) == -1)
		return (0);
	if (t->body_bytes + len > t->settings->body_max) {
		t->capped = 1;
		fetch_fail(t, 502, "upstream body larger than %llu bytes",
		    t->settings->body_max);
		return (0);
	}
	if (t->on_body != NULL && len > 0) {
		r = t->on_body(t->sink_arg, data, len);
		if (r == FETCH_SINK_PAUSE) {
			t->paused = 1;
			return (CURL_WRITEFUNC_PAUSE);
		}
		if (r != 0) {
			t->sink_failed = 1;
			fetch_fail(t, 502, "client went away");
			return (0);
		}
	}
	t->body_bytes += len;
	return (len);
}

/*
 * The options that come from the settings, the same for every transfer
 * under them: a pooled handle keeps them (fetch_pool_get's ready).
 */
static CURLcode
fetch_easy_options(CURL *e, const struct fetch_settings *s)
{
	CURLcode	 rc = CURLE_OK;

	FETCH_SETOPT(rc, e, CURLOPT_NOSIGNAL, 1L);
	FETCH_SETOPT(rc, e, CURLOPT_NOPROGRESS, 1L);
	/* curl polls before each read: bigger reads of big bodies mean fewer of both */
	FETCH_SETOPT(rc, e, CURLOPT_BUFFERSIZE, FETCH_READ_SIZE);
#if LIBCURL_VERSION_NUM >= 0x075500
	FETCH_SETOPT(rc, e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	FETCH_SETOPT(rc, e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	/* Redirects are ours (fetch_transfer_follow): each hop is checked like a first URL. */
	FETCH_SETOPT(rc, e, CURLOPT_FOLLOWLOCATION, 0L);
	FETCH_SETOPT(rc, e, CURLOPT_CONNECTTIMEOUT_MS, (long)s->connect_timeout_ms);
	FETCH_SETOPT(rc, e, CURLOPT_OPENSOCKETFUNCTION, fetch_open_socket);
	FETCH_SETOPT(rc, e, CURLOPT_HEADERFUNCTION, fetch_header_cb);
	FETCH_SETOPT(rc, e, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	if (s->body_max > 0)
		FETCH_SETOPT(rc, e, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)s->body_max);
	if (s->ca_file[0] != '\0')
		FETCH_SETOPT(rc, e, CURLOPT_CAINFO, s->ca_file);
	FETCH_SETOPT(rc, e, CURLOPT_SSL_VERIFYPEER, 1L);
	FETCH_SETOPT(rc, e, CURLOPT_SSL_VERIFYHOST, 2L);
	FETCH_SETOPT(rc, e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	FETCH_SETOPT(rc, e, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	FETCH_SETOPT(rc, e, CURLOPT_PROXY, "");
	FETCH_SETOPT(rc, e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	FETCH_SETOPT(rc, e, CURLOPT_ACCEPT_ENCODING, (const char *)NULL);
	FETCH_SETOPT(rc, e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	return (rc);
}

/*
 * Every option in one place, so both builds fetch exactly alike: those
 * of the settings unless the handle has them, then this transfer's own.
 */
static CURLcode
fetch_transfer_options(struct fetch_transfer *t, int ready)
{
	CURL		*e = t->easy;
	CURLcode	 rc = CURLE_OK;

	if (!ready)
		rc = fetch_easy_options(e, t->settings);
	FETCH_SETOPT(rc, e, CURLOPT_CURLU, t->cu);
	FETCH_SETOPT(rc, e, CURLOPT_PRIVATE, t);
	FETCH_SETOPT(rc, e, CURLOPT_ERRORBUFFER, t->curl_error);
	FETCH_SETOPT(rc, e, CURLOPT_HTTPHEADER, t->via);
	FETCH_SETOPT(rc, e, CURLOPT_TIMEOUT_MS, (long)t->settings->timeout_ms);
	FETCH_SETOPT(rc, e, CURLOPT_OPENSOCKETDATA, t);
	FETCH_SETOPT(rc, e, CURLOPT_HEADERDATA, t);
	FETCH_SETOPT(rc, e, CURLOPT_WRITEDATA, t);
	if (t->head_only)
		FETCH_SETOPT(rc, e, CURLOPT_NOBODY, 1L);
	else
		FETCH_SETOPT(rc, e, CURLOPT_HTTPGET, 1L);
	return (rc);
}

/* Forget the results of any earlier run; the sink fields are the executor's. */
static void
fetch_transfer_reset(struct fetch_transfer *t, const struct fetch_settings *s,
    int head_only)
{
	t->settings = s;
	t->head_only = head_only;
	t->easy = NULL;
	t->easy_gen = 0;
	t->cu = NULL;
	t->start_ms = t->end_ms = time_now_ms();
	t->head_ms = 0;
	t->upstream_status = 0;
	t->content_type[0] = '\0';
	t->content_length = -1;
	t->header_bytes = 0;
	t->body_bytes = 0;
	t->head_done = t->paused = 0;
	t->redirected = 0;
	t->redirecting = 0;
	free(t->location);
	t->location = NULL;
	t->status = 0;
	t->failed = t->denied = t->capped = t->sink_failed = 0;
	t->reason[0] = '\0';
	t->curl_error[0] = '\0';
}

/*
 * Via with one member per fetch the request came through, plus ours: the
 * next server counts them (fetch_max_hops). Only the count goes on, never
 * the client's own Via text. The list lives in the transfer: no allocation.
 */
static struct curl_slist *
fetch_via_header(struct fetch_transfer *t)
{
	char		*v = t->via_text;
	size_t		 n, len = sizeof(t->via_text);
	unsigned int	 i, hops = t->hops;

	if (hops > PLAN_FETCH_HOPS_MAX + 1)
		hops = PLAN_FETCH_HOPS_MAX + 1;
	n = (size_t)snprintf(v, len, "Via: %s", FETCH_VIA);
	for (i = 0; i < hops && n < len; i++)
		n += (size_t)snprintf(v + n, len - n, ", %s", FETCH_VIA);
	t->via_node.data = v;
	t->via_node.next = NULL;
	return (&t->via_node);
}

/* Check the URL with curl's parser, then build the handle that fetches that very parse. */
int
fetch_transfer_setup(struct fetch_transfer *t, const struct fetch_settings *s,
    const char *url, int head_only, char *why, size_t len)
{
	CURLUcode	 uc;
	CURLcode	 rc;
	int		 ready;

	fetch_transfer_reset(t, s, head_only);
	t->state = FETCH_T_DONE;
	if (t->url != url) {
		free(t->url);
		t->url = strdup(url);
	}
	if (t->url == NULL) {
		fetch_fail(t, 502, "out of memory");
		goto fail;
	}
	if ((t->cu = fetch_policy_take_parsed(url, &uc)) == NULL) {
		if (uc == CURLUE_OUT_OF_MEMORY)
			fetch_fail(t, 502, "out of memory");
		else
			fetch_fail(t, 403, "bad URL: %s", curl_url_strerror(uc));
		goto fail;
	}
	if (fetch_policy_check_curlu(&s->policy, t->cu, t->reason,
	    sizeof(t->reason)) == -1) {
		fetch_policy_hint(t->reason, sizeof(t->reason));
		fetch_fail(t, 403, "%s", t->reason);
		goto fail;
	}
	t->via = fetch_via_header(t);
	if ((t->easy = fetch_pool_get(t->pool, s->gen, &ready)) == NULL) {
		fetch_fail(t, 502, "out of memory");
		goto fail;
	}
	if ((rc = fetch_transfer_options(t, ready)) != CURLE_OK) {
		fetch_fail(t, 502, "curl setup failed: %s", curl_easy_strerror(rc));
		goto fail;
	}
	t->easy_gen = s->gen;
	t->state = FETCH_T_RUNNING;
	return (0);
fail:
	fetch_transfer_drop_curl(t);
	t->end_ms = time_now_ms();
	snprintf(why, len, "%s", t->reason);
	return (-1);
}

/*
 * Point the easy handle at the Location of the head we stopped at. The
 * next hop is resolved by curl's URL parser against this hop and must
 * pass every check of a first URL (scheme, no user or password, a numeric
 * host's address; names are checked at connect); the handle then fetches
 * that very parse. The hops share one fetch_timeout_ms. 0, or -1 failed.
 */
static int
fetch_transfer_follow(struct fetch_transfer *t)
{
	const struct fetch_settings	*s = t->settings;
	char				 why[FETCH_REASON_MAX];
	CURLU				*next;
	CURLUcode			 uc;
	uint64_t			 spent = time_now_ms() - t->start_ms;

	if (t->redirected >= s->redirects) {
		fetch_fail(t, 502, "too many redirects (fetch_redirects is %u)",
		    s->redirects);
		return (-1);
	}
	if (spent >= s->timeout_ms) {
		fetch_fail(t, 504, "upstream timed out after %u ms", s->timeout_ms);
		return (-1);
	}
	if ((next = curl_url_dup(t->cu)) == NULL) {
		fetch_fail(t, 502, "out of memory");
		return (-1);
	}
	if ((uc = curl_url_set(next, CURLUPART_URL, t->location,
	    CURLU_NON_SUPPORT_SCHEME)) != CURLUE_OK) {
		curl_url_cleanup(next);
		fetch_fail(t, 502, "redirect to a bad URL: %s", curl_url_strerror(uc));
		return (-1);
	}
	if (fetch_policy_check_curlu(&s->policy, next, why, sizeof(why)) == -1) {
		curl_url_cleanup(next);
		fetch_fail(t, 403, "redirect refused, every hop must pass the "
		    "fetch URL checks: %s", why);
		return (-1);
	}
	if (curl_easy_setopt(t->easy, CURLOPT_CURLU, next) != CURLE_OK ||
	    curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS,
	    (long)(s->timeout_ms - spent)) != CURLE_OK) {
		curl_url_cleanup(next);
		fetch_fail(t, 502, "curl setup failed for a redirect");
		return (-1);
	}
	curl_url_cleanup(t->cu);
	t->cu = next;
	t->redirected++;
	t->redirecting = 0;
	t->upstream_status = 0;
	t->header_bytes = 0;
	t->content_type[0] = '\0';
	t->content_length = -1;
	t->curl_error[0] = '\0';
	free(t->location);
	t->location = NULL;
	return (0);
}

/* A redirect to follow (1), else our own refusals and caps first, then curl's verdict. */
int
fetch_transfer_finish(struct fetch_transfer *t, CURLcode rc)
{
	char	 why[FETCH_REASON_MAX];
	long	 code = 0;
	int	 status;

	if (t->redirecting && !t->sink_failed && fetch_transfer_follow(t) == 0)
		return (1);
	t->state = FETCH_T_DONE;
	t->end_ms = time_now_ms();
	t->paused = 0;
	if (t->redirecting) {
		/* fetch_transfer_follow refused the hop; status and reason are set */
		t->failed = 1;
		return (0);
	}
	if (rc == CURLE_OK && !t->capped && !t->sink_failed) {
		if (t->easy != NULL)
			curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code < 200 || code > 599)
			code = t->upstream_status;
		if (code < 200 || code > 599) {
			fetch_fail(t, 502, "upstream sent no final status in 200..599");
			return (0);
		}
		t->status = (int)code;
		t->failed = 0;
		t->reason[0] = '\0';
		return (0);
	}
	if (t->denied) {
		t->failed = 1;
		t->status = 403;
		return (0);
	}
	if (t->capped || t->sink_failed) {
		t->failed = 1;
		return (0);
	}
	status = fetch_error_map(rc, t->easy, t->settings, t->curl_error, why,
	    sizeof(why));
	fetch_fail(t, status, "%s", why);
	return (0);
}

/* The client drained: let curl deliver what it held back. */
void
fetch_transfer_resume(struct fetch_transfer *t)
{
	if (!t->paused || t->easy == NULL)
		return;
	t->paused = 0;
	curl_easy_pause(t->easy, CURLPAUSE_CONT);
}

/* Free curl's side only, so the results (and url) stay for the summary. */
static void
fetch_transfer_drop_curl(struct fetch_transfer *t)
{
	if (t->easy != NULL)
		fetch_pool_put(t->pool, t->easy, t->easy_gen,
		    t->state == FETCH_T_DONE && !t->paused);
	t->easy = NULL;
	t->easy_gen = 0;
	if (t->cu != NULL)
		curl_url_cleanup(t->cu);
	t->cu = NULL;
	t->via = NULL;
}

/* Give back everything the transfer holds. */
void
fetch_transfer_cleanup(struct fetch_transfer *t)
{
	fetch_transfer_drop_curl(t);
	free(t->url);
	t->url = NULL;
	free(t->location);
	t->location = NULL;
}

/* One job per FETCH step; the URLs and request facts are copied, the plan is not kept. */
struct fetch_job *
fetch_job_new(const struct fetch_settings *s, const struct plan *plan)
{
	struct fetch_job	*job;
	const struct plan_fetch	*pf = &plan->fetch;
	unsigned int		 i;

	if (pf->nurls == 0 || pf->nurls > PLAN_FETCH_URLS_MAX)
		return (NULL);
	for (i = 0; i < pf->nurls; i++)
		if (pf->url_off[i] >= plan->data.len)
			return (NULL);
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return (NULL);
	if ((job->t = calloc(pf->nurls, sizeof(*job->t))) == NULL) {
		free(job);
		return (NULL);
	}
	buf_init(&job->piece);
	/* one allocation for a head and a small body, not a realloc per doubling */
	if (buf_reserve(&job->piece, FETCH_PIECE_FIRST) == -1) {
		fetch_job_free(job);
		return (NULL);
	}
	job->settings = s;
	job->mode = pf->mode;
	job->version = pf->version == 10 ? 10 : 11;
	job->head_only = pf->head_only;
	job->keep_alive = plan->keep_alive;
	job->n = pf->nurls;
	job->began_ms = time_now_ms();
	for (i = 0; i < job->n; i++) {
		job->t[i].job = job;
		job->t[i].settings = s;
		job->t[i].head_only = pf->mode == PLAN_FETCH_ONE && pf->head_only;
		job->t[i].hops = pf->hops;
		job->t[i].url = strdup(plan->data.data + pf->url_off[i]);
		if (job->t[i].url == NULL) {
			fetch_job_free(job);
			return (NULL);
		}
	}
	return (job);
}

/* Only /fetch passes the upstream body through. */
int
fetch_job_streams(const struct fetch_job *job)
{
	return (job->mode == PLAN_FETCH_ONE);
}

/* Gather hands out everything at once; chain waits for the previous one to end. */
struct fetch_transfer *
fetch_job_next(struct fetch_job *job)
{
	struct fetch_transfer	*t;

	if (job->next >= job->n)
		return (NULL);
	if (job->mode == PLAN_FETCH_CHAIN && job->done < job->next)
		return (NULL);
	t = &job->t[job->next++];
	t->state = FETCH_T_QUEUED;
	return (t);
}

/* Set up a transfer that has its slot; one that cannot start is done already. */
int
fetch_job_start(struct fetch_job *job, struct fetch_transfer *t)
{
	char	 why[FETCH_REASON_MAX];

	if (fetch_transfer_setup(t, job->settings, t->url, t->head_only, why,
	    sizeof(why)) == -1) {
		job->done++;
		return (-1);
	}
	return (0);
}

/* The end of one hop: follow a redirect, or keep the results and drop curl's handle. */
int
fetch_job_done(struct fetch_job *job, struct fetch_transfer *t, CURLcode rc)
{
	if (t->state == FETCH_T_DONE)
		return (0);
	if (fetch_transfer_finish(t, rc) == 1)
		return (1);
	fetch_transfer_drop_curl(t);
	job->done++;
	return (0);
}

/* A transfer turned away before it ran, e.g. by a full queue. */
void
fetch_job_reject(struct fetch_job *job, struct fetch_transfer *t, int status,
    const char *reason)
{
	if (t->state == FETCH_T_DONE)
		return;
	t->state = FETCH_T_DONE;
	t->start_ms = t->end_ms = time_now_ms();
	t->reason[0] = '\0';
	fetch_fail(t, status, "%s", reason);
	job->done++;
}

/* Every transfer has its result. */
int
fetch_job_complete(const struct fetch_job *job)
{
	return (job->done >= job->n);
}

/* Frees every transfer, running or not; take them away from curl first. */
void
fetch_job_free(struct fetch_job *job)
{
	unsigned int	 i;

	if (job == NULL)
		return;
	for (i = 0; i < job->n; i++)
		fetch_transfer_cleanup(&job->t[i]);
	buf_free(&job->piece);
	free(job->t);
	free(job);
}
