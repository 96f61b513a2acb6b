/* tls: the client side of https:// and wss:// targets (OpenSSL under a bufferevent). */
#ifndef EF_LOAD_TLS_H
#define EF_LOAD_TLS_H

#include <stddef.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "load/args.h"

/* A client context that verifies peers unless --insecure, trusting --cacert or the system store. */
SSL_CTX			*tls_ctx_new(const struct load_args *, char *err, size_t errlen);
/* A bufferevent that runs the handshake on fd (connecting or connected), with SNI and the name check. */
struct bufferevent	*tls_bev_new(struct event_base *, SSL_CTX *, int fd,
			    const struct load_target *);
/* Why the last TLS step on bev failed, from OpenSSL's queue; "" if it says nothing. */
void			 tls_reason(struct bufferevent *, char *out, size_t len);

#endif
