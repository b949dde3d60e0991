/* SPDX-License-Identifier: MIT */
/* TLS for Redfish with OpenSSL 3 (redfish/tls.h, docs/redfish.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "daemon/log.h"
#include "daemon/store.h"
#include "redfish/tls.h"

#define PEM_MAX (64 * 1024)
#define CERT_DAYS 3650
#define SESSION_CACHE 256		/* TLS 1.2 sessions kept for resumption */

struct tls_ctx {
	SSL_CTX *ssl;
	bool client;			/* its connections connect (push delivery) */
};

struct tls_conn {
	SSL *ssl;
	char err[128];
};

/* The first queued OpenSSL error as text, the queue emptied. */
static const char *ssl_error_text(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();

	if (!e)
		snprintf(buf, size, "unknown error");
	else
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
	return buf;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A P-256 key and a self-signed certificate for cn. */
static int make_cert(const char *cn, EVP_PKEY **pkey_out, X509 **x_out)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	BIGNUM *serial = BN_new();
	X509_NAME *name;
	int ok = pkey && x && serial;

	ok = ok && X509_set_version(x, X509_VERSION_3);
	ok = ok && BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
	ok = ok && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x));
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -60);
	ok = ok && X509_time_adj_ex(X509_getm_notAfter(x), CERT_DAYS, 0, NULL);
	ok = ok && X509_set_pubkey(x, pkey);
	name = ok ? X509_get_subject_name(x) : NULL;
	ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					      (const unsigned char *)cn, -1, -1, 0);
	ok = ok && X509_set_issuer_name(x, name);
	ok = ok && add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == 0;
	ok = ok && add_ext(x, NID_key_usage, "critical,digitalSignature") == 0;
	ok = ok && add_ext(x, NID_ext_key_usage, "serverAuth") == 0;
	ok = ok && add_ext(x, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") == 0;
	ok = ok && add_ext(x, NID_subject_key_identifier, "hash") == 0;
	ok = ok && X509_sign(x, pkey, EVP_sha256()) > 0;
	BN_free(serial);
	if (!ok) {
		EVP_PKEY_free(pkey);
		X509_free(x);
		return -1;
	}
	*pkey_out = pkey;
	*x_out = x;
	return 0;
}

/* The PEM text of what write() writes, into the state directory. */
static int store_pem(int state_fd, const char *file, int (*write)(BIO *, void *), void *obj)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int r = -ENOMEM;

	if (b && write(b, obj) > 0 && (len = BIO_get_mem_data(b, &data)) > 0)
		r = store_write(state_fd, file, data, (size_t)len);
	BIO_free(b);
	return r;
}

static int write_key(BIO *b, void *key)
{
	return PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
}

static int write_cert(BIO *b, void *x)
{
	return PEM_write_bio_X509(b, x);
}

/* First start: make and keep the key and certificate. */
static int generate(SSL_CTX *ssl, int state_fd, const char *cn)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	char err[128];
	int r;

	if (make_cert(cn, &pkey, &x) < 0) {
		log_error("redfish: cannot make a TLS key and certificate: %s",
			  ssl_error_text(err, sizeof(err)));
		return -EIO;
	}
	/* The key first: a certificate without it is no use. */
	r = store_pem(state_fd, TLS_KEY_FILE, write_key, pkey);
	if (r < 0)
		log_error_errno(r, "redfish: state/%s", TLS_KEY_FILE);
	if (r == 0) {
		r = store_pem(state_fd, TLS_CERT_FILE, write_cert, x);
		if (r < 0)
			log_error_errno(r, "redfish: state/%s", TLS_CERT_FILE);
	}
	if (r == 0 && (SSL_CTX_use_certificate(ssl, x) != 1 || SSL_CTX_use_PrivateKey(ssl, pkey) != 1)) {
		log_error("redfish: TLS certificate: %s", ssl_error_text(err, sizeof(err)));
		r = -EIO;
	}
	if (r == 0)
		log_info("redfish: made a self-signed TLS certificate for \"%s\" (state/%s)", cn,
			 TLS_CERT_FILE);
	EVP_PKEY_free(pkey);
	X509_free(x);
	return r;
}

/* Load the pair kept in the state directory. */
static int load_state(SSL_CTX *ssl, int state_fd)
{
	char *buf = malloc(PEM_MAX);
	char err[128];
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	BIO *b;
	ssize_t n;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	n = store_read(state_fd, TLS_KEY_FILE, buf, PEM_MAX);
	if (n < 0) {
		r = log_error_errno((int)n, "redfish: state/%s", TLS_KEY_FILE);
		goto out;
	}
	b = BIO_new_mem_buf(buf, (int)n);
	pkey = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	explicit_bzero(buf, PEM_MAX);
	if (!pkey) {
		log_error("redfish: state/%s: not a PEM private key (%s)", TLS_KEY_FILE,
			  ssl_error_text(err, sizeof(err)));
		r = -EINVAL;
		goto out;
	}
	n = store_read(state_fd, TLS_CERT_FILE, buf, PEM_MAX);
	if (n < 0) {
		r = log_error_errno((int)n, "redfish: state/%s", TLS_CERT_FILE);
		goto out;
	}
	b = BIO_new_mem_buf(buf, (int)n);
	x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!x) {
		log_error("redfish: state/%s: not a PEM certificate (%s)", TLS_CERT_FILE,
			  ssl_error_text(err, sizeof(err)));
		r = -EINVAL;
		goto out;
	}
	if (SSL_CTX_use_certificate(ssl, x) != 1 || SSL_CTX_use_PrivateKey(ssl, pkey) != 1) {
		log_error("redfish: state/%s and %s: %s", TLS_CERT_FILE, TLS_KEY_FILE,
			  ssl_error_text(err, sizeof(err)));
		r = -EINVAL;
	}
out:
	EVP_PKEY_free(pkey);
	X509_free(x);
	free(buf);
	return r;
}

static int load_files(SSL_CTX *ssl, const char *cert, const char *key)
{
	char err[128];

	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(ssl, cert) != 1) {
		log_error("redfish: cert %s: %s", cert, ssl_error_text(err, sizeof(err)));
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(ssl, key, SSL_FILETYPE_PEM) != 1) {
		log_error("redfish: key %s: %s", key, ssl_error_text(err, sizeof(err)));
		return -EINVAL;
	}
	return 0;
}

struct tls_ctx *tls_ctx_new(int state_fd, const char *cert, const char *key, const char *cn)
{
	struct tls_ctx *ctx = calloc(1, sizeof(*ctx));
	char err[128];
	int r = -ENOMEM;

	ERR_clear_error();
	if (ctx)
		ctx->ssl = SSL_CTX_new(TLS_server_method());
	if (!ctx || !ctx->ssl) {
		log_error("redfish: TLS context: %s", ssl_error_text(err, sizeof(err)));
		goto fail;
	}
	SSL_CTX_set_min_proto_version(ctx->ssl, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx->ssl, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx->ssl, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
			    SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	/* Resumption: TLS 1.3 tickets hold their own state; TLS 1.2 session
	 * IDs live in a cache that peers fill: bounded. */
	SSL_CTX_set_session_cache_mode(ctx->ssl, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx->ssl, SESSION_CACHE);
	/* TLS 1.2: forward secrecy and AEAD only (1.3's suites are all that). */
	if (SSL_CTX_set_cipher_list(ctx->ssl, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
		log_error("redfish: TLS ciphers: %s", ssl_error_text(err, sizeof(err)));
		goto fail;
	}
	if (cert && cert[0]) {
		r = load_files(ctx->ssl, cert, key);
	} else {
		bool have_key = faccessat(state_fd, TLS_KEY_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		bool have_cert = faccessat(state_fd, TLS_CERT_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;

		r = !have_key && !have_cert ? generate(ctx->ssl, state_fd, cn) : load_state(ctx->ssl, state_fd);
	}
	if (r < 0)
		goto fail;
	if (SSL_CTX_check_private_key(ctx->ssl) != 1) {
		log_error("redfish: the TLS key does not match the certificate (%s)",
			  cert && cert[0] ? cert : "state/" TLS_CERT_FILE);
		goto fail;
	}
	return ctx;
fail:
	tls_ctx_free(ctx);
	return NULL;
}

void tls_ctx_free(struct tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

struct tls_ctx *tls_client_ctx_new(void)
{
	struct tls_ctx *ctx = calloc(1, sizeof(*ctx));

	ERR_clear_error();
	if (ctx)
		ctx->ssl = SSL_CTX_new(TLS_client_method());
	if (!ctx || !ctx->ssl || SSL_CTX_set_min_proto_version(ctx->ssl, TLS1_2_VERSION) != 1) {
		tls_ctx_free(ctx);
		ERR_clear_error();
		return NULL;
	}
	SSL_CTX_set_verify(ctx->ssl, SSL_VERIFY_NONE, NULL);
	ctx->client = true;
	return ctx;
}

struct tls_conn *tls_conn_new(struct tls_ctx *ctx, int fd)
{
	struct tls_conn *c = calloc(1, sizeof(*c));

	ERR_clear_error();
	if (c)
		c->ssl = SSL_new(ctx->ssl);
	if (!c || !c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
		tls_conn_free(c);
		ERR_clear_error();
		return NULL;
	}
	if (ctx->client)
		SSL_set_connect_state(c->ssl);
	else
		SSL_set_accept_state(c->ssl);
	return c;
}

void tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	if (c->ssl) {
		ERR_clear_error();
		if (SSL_is_init_finished(c->ssl))
			SSL_shutdown(c->ssl);	/* one try; the socket closes next */
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	free(c);
}

/* r of an SSL call that did not succeed, as a TLS_* value. */
static int result(struct tls_conn *c, int r)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			snprintf(c->err, sizeof(c->err), "%s", errno ? strerror(errno) : "EOF");
			return errno ? TLS_FAIL : TLS_EOF;
		}
		/* fallthrough */
	default:
		ssl_error_text(c->err, sizeof(c->err));
		return TLS_FAIL;
	}
}

int tls_handshake(struct tls_conn *c)
{
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	return r == 1 ? 0 : result(c, r);
}

ssize_t tls_read(struct tls_conn *c, void *buf, size_t len)
{
	size_t n = 0;
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_read_ex(c->ssl, buf, len, &n);
	return r == 1 ? (ssize_t)n : result(c, r);
}

ssize_t tls_write(struct tls_conn *c, const void *buf, size_t len)
{
	size_t n = 0;
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_write_ex(c->ssl, buf, len, &n);
	return r == 1 ? (ssize_t)n : result(c, r);
}

const char *tls_last_error(struct tls_conn *c)
{
	return c->err[0] ? c->err : "unknown error";
}
