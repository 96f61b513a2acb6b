/* tls: the client side of https:// and wss:// targets (OpenSSL under a bufferevent). */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "load/args.h"
#include "load/tls.h"
#include "util/err.h"

/* Verification is on by default, as curl and wrk users expect from https://. */
SSL_CTX *
tls_ctx_new(const struct load_args *a, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		err_set(err, errlen, "cannot create the TLS context");
		return (NULL);
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (a->insecure) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return (ctx);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (a->cacert != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, a->cacert, NULL) != 1) {
			err_set(err, errlen, "--cacert %s: cannot load certificates", a->cacert);
			SSL_CTX_free(ctx);
			return (NULL);
		}
	} else
		SSL_CTX_set_default_verify_paths(ctx);
	return (ctx);
}

/* 1 if name is a numeric address: checked as an IP SAN, and sent without SNI. */
static int
tls_is_ip(const char *name)
{
	unsigned char	buf[16];

	return (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1);
}

/* One SSL per connection, its peer name set for SNI and for the certificate check. */
struct bufferevent *
tls_bev_new(struct event_base *base, SSL_CTX *ctx, int fd, const struct load_target *t)
{
	struct bufferevent	*bev;
	SSL			*ssl;
	X509_VERIFY_PARAM	*vp;

	if ((ssl = SSL_new(ctx)) == NULL)
		return (NULL);
	vp = SSL_get0_param(ssl);
	if (tls_is_ip(t->name)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, t->name) != 1)
			goto fail;
	} else if (SSL_set_tlsext_host_name(ssl, t->name) != 1 ||
	    SSL_set1_host(ssl, t->name) != 1)
		goto fail;
	bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return (NULL);	/* libevent freed ssl */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return (bev);
fail:
	SSL_free(ssl);
	return (NULL);
}

/* The verification result first (the usual failure), else OpenSSL's first queued error. */
void
tls_reason(struct bufferevent *bev, char *out, size_t len)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long	 e;
	long		 vr;

	out[0] = '\0';
	if (ssl != NULL && (vr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		snprintf(out, len, "certificate: %s", X509_verify_cert_error_string(vr));
		return;
	}
	if ((e = bufferevent_get_openssl_error(bev)) != 0)
		ERR_error_string_n(e, out, len);
}
