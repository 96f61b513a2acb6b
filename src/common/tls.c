/* tls: the server-side OpenSSL context both executors use. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/tls.h"

/* TLS 1.2 suites: ECDHE only (forward secrecy), AEAD only. TLS 1.3 keeps OpenSSL's. */
#define TLS_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* The first (root) OpenSSL error's reason, and the queue cleared. */
void
tls_error_string(char *out, size_t len)
{
	const char	*reason = NULL;
	unsigned long	 e;

	if ((e = ERR_peek_error()) != 0)
		reason = ERR_SYSTEM_ERROR(e) ? strerror(ERR_GET_REASON(e)) :
		    ERR_reason_error_string(e);
	if (reason != NULL)
		snprintf(out, len, "%s", reason);
	else if (e != 0)
		ERR_error_string_n(e, out, len);
	else
		snprintf(out, len, "unknown TLS error");
	ERR_clear_error();
}

/* Pick our protocol from the client's ALPN list, or refuse the handshake. */
static int
tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	const char		*want = arg;
	size_t			 wlen = strlen(want);
	unsigned int		 i = 0;

	while (i < inlen) {
		unsigned int n = in[i];

		if (i + 1 + n > inlen)
			break;
		if (n == wlen && memcmp(in + i + 1, want, wlen) == 0) {
			*out = in + i + 1;
			*outlen = (unsigned char)n;
			return (SSL_TLSEXT_ERR_OK);
		}
		i += 1 + n;
	}
	return (SSL_TLSEXT_ERR_ALERT_FATAL);
}

/* Fill err as "what path: why" from the OpenSSL queue. */
static SSL_CTX *
tls_fail(SSL_CTX *ctx, const char *what, const char *path, char *err, size_t errlen)
{
	char	 why[256];

	tls_error_string(why, sizeof(why));
	snprintf(err, errlen, "%s %s: %s", what, path, why);
	SSL_CTX_free(ctx);
	return (NULL);
}

/* Build a server context from a PEM certificate chain and key. */
SSL_CTX *
tls_server_ctx(const char *cert, const char *key, const char *alpn, char *err,
    size_t errlen)
{
	SSL_CTX		*ctx;

	if (cert == NULL || cert[0] == '\0' || key == NULL || key[0] == '\0') {
		snprintf(err, errlen, "TLS needs both tls_cert and tls_key");
		return (NULL);
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return (tls_fail(NULL, "TLS", "context", err, errlen));
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS) != 1)
		return (tls_fail(ctx, "TLS", "ciphers", err, errlen));
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return (tls_fail(ctx, "tls_cert", cert, err, errlen));
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return (tls_fail(ctx, "tls_key", key, err, errlen));
	if (SSL_CTX_check_private_key(ctx) != 1)
		return (tls_fail(ctx, "tls_key", key, err, errlen));
	if (alpn != NULL)
		SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_select, (void *)(uintptr_t)alpn);
	return (ctx);
}
