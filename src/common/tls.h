/* tls: the server-side OpenSSL context both executors use. */
#ifndef EF_TLS_H
#define EF_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/*
 * A server context: TLS 1.2 and up, forward-secret ciphers first, no
 * renegotiation, and an EOF without close_notify treated as a plain EOF
 * (our framing is explicit, and libevent 2.1.12 with OpenSSL 3 would
 * otherwise call it an error). With `alpn`, offer it ("http/1.1") and
 * refuse clients that ask only for protocols we do not speak.
 * NULL with "file: why" in err if the certificate or key cannot be used.
 */
SSL_CTX	*tls_server_ctx(const char *cert, const char *key, const char *alpn, char *err,
	    size_t);
/* The first (root) OpenSSL error's reason, and the queue cleared. */
void	tls_error_string(char *, size_t);

#endif
