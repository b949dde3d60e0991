/* SPDX-License-Identifier: MIT */
/*
 * TLS for the Redfish transport: the only file of redfish/ that includes
 * OpenSSL is tls.c.  Non-blocking: every call that cannot finish says
 * which way the socket must become ready (TLS_WANT_READ/WRITE).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tls_ctx;
struct tls_conn;

/* Negative results of the calls below (bytes are >= 0). */
enum {
	TLS_WANT_READ = -1,
	TLS_WANT_WRITE = -2,
	TLS_EOF = -3,			/* the peer closed */
	TLS_FAIL = -4,			/* protocol error or reset: drop the connection */
};

#define TLS_KEY_FILE "redfish-key.pem"
#define TLS_CERT_FILE "redfish-cert.pem"

/*
 * The server context: TLS 1.2 and 1.3 only, no renegotiation or
 * compression.  With cert and key (paths, non-empty) those files; else
 * TLS_KEY_FILE and TLS_CERT_FILE in the state directory, made on first
 * start (P-256, self-signed for cn, 127.0.0.1 and localhost, 10 years).
 * Logs its own errors (naming the file); NULL on failure.
 */
struct tls_ctx *tls_ctx_new(int state_fd, const char *cert, const char *key, const char *cn);
void tls_ctx_free(struct tls_ctx *ctx);

/* A server connection on a connected, non-blocking socket (not owned). */
/* A client context, for the EventService's https deliveries: TLS 1.2 or
 * later, the receiver's certificate not verified (docs/redfish.md).  NULL
 * on failure. */
struct tls_ctx *tls_client_ctx_new(void);
struct tls_conn *tls_conn_new(struct tls_ctx *ctx, int fd);
/* Sends close_notify when it can without waiting, and frees. */
void tls_conn_free(struct tls_conn *c);

/* 0 when the handshake is done, else a TLS_* value. */
int tls_handshake(struct tls_conn *c);
/* Bytes read (> 0), or a TLS_* value. */
ssize_t tls_read(struct tls_conn *c, void *buf, size_t len);
/* Bytes written (> 0, maybe fewer than len), or a TLS_* value. */
ssize_t tls_write(struct tls_conn *c, const void *buf, size_t len);
/* Why the last call failed, for a debug line. */
const char *tls_last_error(struct tls_conn *c);
