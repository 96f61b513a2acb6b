/* echo: RFC 862 TCP echo on a blocking socket. */
#ifndef EF_BLOCKING_ECHO_H
#define EF_BLOCKING_ECHO_H

#include <openssl/ssl.h>

struct blocking_server;

/*
 * Echo everything back until EOF, an idle timeout or an error, after a TLS
 * handshake with tls if not NULL; the caller closes fd.
 */
void	echo_serve(struct blocking_server *, int fd, SSL_CTX *tls);

#endif
