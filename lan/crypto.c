/* SPDX-License-Identifier: MIT */
/*
 * Cryptography for the LAN channel: RAKP key exchange, session integrity,
 * AES-CBC-128 confidentiality and IPMI 1.5 MD5 auth codes.  This is the only
 * file in bmcd that includes OpenSSL.
 *
 * Failure policy for the functions that return a length: 0 means "no value".
 * For AUTH_RAKP_NONE / INTEG_NONE / unknown algorithms the output is left
 * untouched.  When a real algorithm cannot be computed (bad argument such as
 * ulen > IPMI_USER_MAX, or an OpenSSL failure, e.g. MD5 unavailable under a
 * FIPS provider) the function also returns 0 but first fills the whole output
 * with random bytes, so a caller comparing a fixed-length expected value
 * against it fails closed.  The void MD5 functions do the same.
 *
 * Cost per call: OpenSSL 3 looks algorithms up by name (and allocates a
 * context) on every HMAC() one-shot call and on every init with an implicit
 * EVP_md5() / EVP_aes_128_cbc().  bmcd is single-threaded (one sd-event
 * loop), so this file instead keeps, in file-static variables set up on first
 * use, the fetched algorithms and one reusable context per algorithm, and
 * only re-keys a context per call (see "cached OpenSSL objects" below).  A
 * set-up that fails is retried on the next call; a context that fails in use
 * is freed (which wipes it) and set up again on the next call.  The objects
 * stay reachable until exit, so LeakSanitizer does not report them.
 *
 * Key material: a kept HMAC or AES context holds its last key (key copy,
 * HMAC pad states, AES key schedule) until the next call re-keys it, where
 * the old per-call contexts were wiped on free.  Scrubbing after every call
 * would cost one more init each (about 0.2 us per HMAC, 0.1 us per AES run).
 * The MD5 context holds no input after EVP_DigestFinal_ex (OpenSSL wipes
 * its block buffer); a failed MD5 run drops the context.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "daemon/buf.h"

#define AES_BLK 16

/* Longest RAKP HMAC input: SIDm SIDc Rm Rc GUIDc ROLEm ULENGTHm UNAMEm. */
#define RAKP_MSG_MAX (4 + 4 + 16 + 16 + 16 + 1 + 1 + IPMI_USER_MAX)

struct piece {
	const void *p;
	size_t n;
};

/* ---- helpers ------------------------------------------------------------ */

static void put_le32(uint8_t b[4], uint32_t v)
{
	struct wbuf w = wb_init(b, 4);

	wb_le32(&w, v);
}

/* Make an output unusable after a failure (see the policy at the top). */
static void poison(uint8_t *out, size_t n)
{
	if (crypto_random(out, n))
		memset(out, 0xa5, n);
}

/* ---- primitives --------------------------------------------------------- */

int crypto_random(void *buf, size_t n)
{
	struct wbuf w = wb_init(buf, n);

	while (wb_room(&w)) {
		int chunk = wb_room(&w) > INT_MAX ? INT_MAX : (int)wb_room(&w);

		if (RAND_bytes(wb_reserve(&w, (size_t)chunk), chunk) != 1)
			return -EIO;
	}
	return 0;
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

size_t crypto_auth_len(enum auth_alg alg)
{
	switch (alg) {
	case AUTH_RAKP_HMAC_SHA1:
		return 20;
	case AUTH_RAKP_HMAC_MD5:
		return 16;
	case AUTH_RAKP_HMAC_SHA256:
		return 32;
	default:
		return 0;
	}
}

/* ---- cached OpenSSL objects (struct crypto) ------------------------------ */

void crypto_free(struct crypto *cr)
{
	for (size_t i = 0; i < sizeof(cr->hmac_ctx) / sizeof(cr->hmac_ctx[0]); i++)
		EVP_MAC_CTX_free(cr->hmac_ctx[i]);
	EVP_MAC_free(cr->hmac_mac);
	EVP_MD_CTX_free(cr->md5_ctx);
	EVP_MD_free(cr->md5_md);
	EVP_CIPHER_CTX_free(cr->aes_ctx);
	EVP_CIPHER_free(cr->aes_cipher);
	*cr = (struct crypto){ 0 };
}

/* The digest name of a RAKP algorithm; NULL for NONE / unknown. */
static const char *auth_md_name(enum auth_alg alg)
{
	switch (alg) {
	case AUTH_RAKP_HMAC_SHA1:
		return OSSL_DIGEST_NAME_SHA1;
	case AUTH_RAKP_HMAC_MD5:
		return OSSL_DIGEST_NAME_MD5;
	case AUTH_RAKP_HMAC_SHA256:
		return OSSL_DIGEST_NAME_SHA2_256;
	default:
		return NULL;
	}
}

/* The HMAC context of alg (digest set, not keyed), set up on first use.
 * NULL for NONE / unknown alg or on an OpenSSL failure. */
static EVP_MAC_CTX *hmac_ctx_get(struct crypto *cr, enum auth_alg alg)
{
	const char *name = auth_md_name(alg);
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;

	if (!name)
		return NULL;
	ctx = cr->hmac_ctx[alg - 1];
	if (ctx)
		return ctx;
	if (!cr->hmac_mac && !(cr->hmac_mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)))
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	ctx = EVP_MAC_CTX_new(cr->hmac_mac);
	if (!ctx || !EVP_MAC_CTX_set_params(ctx, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	cr->hmac_ctx[alg - 1] = ctx;
	return ctx;
}

/* Drop a context that failed in use: freeing it wipes whatever key material
 * it holds, and the next call sets up a fresh one. */
static void hmac_ctx_drop(struct crypto *cr, enum auth_alg alg)
{
	EVP_MAC_CTX_free(cr->hmac_ctx[alg - 1]);
	cr->hmac_ctx[alg - 1] = NULL;
}

static EVP_MD_CTX *md5_ctx_get(struct crypto *cr)
{
	if (cr->md5_ctx)
		return cr->md5_ctx;
	if (!cr->md5_md && !(cr->md5_md = EVP_MD_fetch(NULL, OSSL_DIGEST_NAME_MD5, NULL)))
		return NULL;
	cr->md5_ctx = EVP_MD_CTX_new();
	return cr->md5_ctx;
}

static void md5_ctx_drop(struct crypto *cr)
{
	EVP_MD_CTX_free(cr->md5_ctx);
	cr->md5_ctx = NULL;
}

/* The AES-128-CBC context, cipher set and padding off, not keyed. */
static EVP_CIPHER_CTX *aes_ctx_get(struct crypto *cr)
{
	EVP_CIPHER_CTX *ctx;

	if (cr->aes_ctx)
		return cr->aes_ctx;
	if (!cr->aes_cipher && !(cr->aes_cipher = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL)))
		return NULL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_CipherInit_ex2(ctx, cr->aes_cipher, NULL, NULL, 1, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	cr->aes_ctx = ctx;
	return ctx;
}

static void aes_ctx_drop(struct crypto *cr)
{
	EVP_CIPHER_CTX_free(cr->aes_ctx);
	cr->aes_ctx = NULL;
}

/* ---- HMAC and MD5 ------------------------------------------------------- */

size_t crypto_hmac(struct crypto *cr, enum auth_alg alg, const void *key, size_t keylen,
		   const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH])
{
	static const uint8_t empty[1];
	size_t n = crypto_auth_len(alg), got = 0;
	EVP_MAC_CTX *ctx;

	if (!n)
		return 0;
	/* OpenSSL wants non-NULL pointers even for empty key/data (and
	 * EVP_MAC_init() takes a NULL key as "keep the previous key"). */
	if (!keylen)
		key = empty;
	if (!len)
		data = empty;
	ctx = keylen <= INT_MAX ? hmac_ctx_get(cr, alg) : NULL;
	if (!ctx) {
		poison(out, CRYPTO_MAX_HASH);
		return 0;
	}
	if (!EVP_MAC_init(ctx, key, keylen, NULL) || !EVP_MAC_update(ctx, data, len) ||
	    !EVP_MAC_final(ctx, out, &got, CRYPTO_MAX_HASH) || got != n) {
		hmac_ctx_drop(cr, alg);
		poison(out, CRYPTO_MAX_HASH);
		return 0;
	}
	return n;
}

/* HMAC truncated to trunc bytes (trunc <= crypto_auth_len(alg)). */
static size_t hmac_trunc(struct crypto *cr, enum auth_alg alg, const void *key, size_t keylen,
			 const void *data, size_t len, size_t trunc,
			 uint8_t out[CRYPTO_MAX_HASH])
{
	uint8_t full[CRYPTO_MAX_HASH];

	if (!crypto_hmac(cr, alg, key, keylen, data, len, full)) {
		poison(out, CRYPTO_MAX_HASH);
		return 0;
	}
	memcpy(out, full, trunc);
	OPENSSL_cleanse(full, sizeof(full));
	return trunc;
}

static bool md5_pieces(struct crypto *cr, uint8_t out[16], const struct piece *pc, size_t npc)
{
	EVP_MD_CTX *ctx = md5_ctx_get(cr);
	unsigned int got = 0;
	bool ok;
	size_t i;

	ok = ctx && EVP_DigestInit_ex2(ctx, cr->md5_md, NULL);
	for (i = 0; ok && i < npc; i++)
		if (pc[i].p && pc[i].n)
			ok = EVP_DigestUpdate(ctx, pc[i].p, pc[i].n);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &got) && got == 16;
	if (!ok) {
		/* Do not keep a context holding unfinished (secret) input. */
		md5_ctx_drop(cr);
		poison(out, 16);
	}
	return ok;
}

void crypto_md5(struct crypto *cr, uint8_t out[16], const void *a, size_t alen, const void *b, size_t blen,
		const void *c, size_t clen, const void *d, size_t dlen)
{
	const struct piece pc[] = { { a, alen }, { b, blen }, { c, clen }, { d, dlen } };

	md5_pieces(cr, out, pc, 4);
}

void crypto_v15_md5_authcode(struct crypto *cr, uint8_t out[16], const uint8_t password16[16],
			     uint32_t session_id, const void *msg, size_t len,
			     uint32_t session_seq)
{
	uint8_t sid[4], seq[4];
	const struct piece pc[] = {
		{ password16, 16 }, { sid, 4 }, { msg, len }, { seq, 4 }, { password16, 16 },
	};

	put_le32(sid, session_id);
	put_le32(seq, session_seq);
	md5_pieces(cr, out, pc, 5);
}

/* ---- RAKP ----------------------------------------------------------------- */

/* Common argument check for the RAKP functions; false means return 0. */
static bool rakp_args_ok(enum auth_alg alg, size_t ulen, uint8_t out[CRYPTO_MAX_HASH])
{
	if (!crypto_auth_len(alg))
		return false;
	if (ulen > IPMI_USER_MAX) {
		poison(out, CRYPTO_MAX_HASH);
		return false;
	}
	return true;
}

static void msg_role_user(struct wbuf *m, uint8_t role, const uint8_t *user, size_t ulen)
{
	wb_u8(m, role);
	wb_u8(m, (uint8_t)ulen);
	wb_bytes(m, user, ulen);
}

/* The HMAC of a RAKP message; a message that did not fit (it always does:
 * rakp_args_ok() bounds the name) gives no value, failing closed. */
static size_t msg_hmac(struct crypto *cr, enum auth_alg alg, const uint8_t *key, size_t keylen,
		       const struct wbuf *m, uint8_t out[CRYPTO_MAX_HASH])
{
	if (!wb_ok(m)) {
		poison(out, CRYPTO_MAX_HASH);
		return 0;
	}
	return crypto_hmac(cr, alg, key, keylen, m->p, m->len, out);
}

size_t rakp2_authcode(struct crypto *cr, enum auth_alg alg, const uint8_t *key, size_t keylen,
		      uint32_t console_sid, uint32_t bmc_sid,
		      const uint8_t rm[16], const uint8_t rc[16], const uint8_t guid[16],
		      uint8_t role, const uint8_t *user, size_t ulen,
		      uint8_t out[CRYPTO_MAX_HASH])
{
	uint8_t b[RAKP_MSG_MAX];
	struct wbuf m = wb_init(b, sizeof(b));

	if (!rakp_args_ok(alg, ulen, out))
		return 0;
	wb_le32(&m, console_sid);
	wb_le32(&m, bmc_sid);
	wb_bytes(&m, rm, 16);
	wb_bytes(&m, rc, 16);
	wb_bytes(&m, guid, 16);
	msg_role_user(&m, role, user, ulen);
	return msg_hmac(cr, alg, key, keylen, &m, out);
}

size_t rakp3_authcode(struct crypto *cr, enum auth_alg alg, const uint8_t *key, size_t keylen,
		      const uint8_t rc[16], uint32_t console_sid,
		      uint8_t role, const uint8_t *user, size_t ulen,
		      uint8_t out[CRYPTO_MAX_HASH])
{
	uint8_t b[RAKP_MSG_MAX];
	struct wbuf m = wb_init(b, sizeof(b));

	if (!rakp_args_ok(alg, ulen, out))
		return 0;
	wb_bytes(&m, rc, 16);
	wb_le32(&m, console_sid);
	msg_role_user(&m, role, user, ulen);
	return msg_hmac(cr, alg, key, keylen, &m, out);
}

size_t rakp_sik(struct crypto *cr, enum auth_alg alg, const uint8_t *kg, size_t kglen,
		const uint8_t rm[16], const uint8_t rc[16],
		uint8_t role, const uint8_t *user, size_t ulen,
		uint8_t out[CRYPTO_MAX_HASH])
{
	uint8_t b[RAKP_MSG_MAX];
	struct wbuf m = wb_init(b, sizeof(b));

	if (!rakp_args_ok(alg, ulen, out))
		return 0;
	wb_bytes(&m, rm, 16);
	wb_bytes(&m, rc, 16);
	msg_role_user(&m, role, user, ulen);
	return msg_hmac(cr, alg, kg, kglen, &m, out);
}

static size_t rakp4_len(enum auth_alg alg)
{
	switch (alg) {
	case AUTH_RAKP_HMAC_SHA1:
		return 12;
	case AUTH_RAKP_HMAC_MD5:
	case AUTH_RAKP_HMAC_SHA256:
		return 16;
	default:
		return 0;
	}
}

size_t rakp4_icv(struct crypto *cr, enum auth_alg alg, const uint8_t *sik, size_t siklen,
		 const uint8_t rm[16], uint32_t bmc_sid, const uint8_t guid[16],
		 uint8_t out[CRYPTO_MAX_HASH])
{
	uint8_t b[RAKP_MSG_MAX];
	struct wbuf m = wb_init(b, sizeof(b));
	size_t n = rakp4_len(alg);

	if (!n)
		return 0;
	wb_bytes(&m, rm, 16);
	wb_le32(&m, bmc_sid);
	wb_bytes(&m, guid, 16);
	if (!wb_ok(&m)) {
		poison(out, CRYPTO_MAX_HASH);
		return 0;
	}
	return hmac_trunc(cr, alg, sik, siklen, m.p, m.len, n, out);
}

size_t rakp_kn(struct crypto *cr, enum auth_alg alg, const uint8_t *sik, size_t siklen, uint8_t n,
	       uint8_t out[CRYPTO_MAX_HASH])
{
	uint8_t c[20];	/* 20 bytes for every algorithm, SHA-256 included */

	memset(c, n, sizeof(c));
	return crypto_hmac(cr, alg, sik, siklen, c, sizeof(c), out);
}

/* ---- session integrity ---------------------------------------------------- */

size_t integ_len(enum integ_alg alg)
{
	switch (alg) {
	case INTEG_HMAC_SHA1_96:
		return 12;
	case INTEG_HMAC_MD5_128:
	case INTEG_MD5_128:
	case INTEG_HMAC_SHA256_128:
		return 16;
	default:
		return 0;
	}
}

/* MD5-128: MD5(password16 || data || password16).  A key shorter than 16
 * bytes is zero-padded, a longer one cut to 16 (the password16 form). */
static size_t integ_md5(struct crypto *cr, const uint8_t *pw, size_t pwlen, const void *data, size_t len,
			uint8_t out[CRYPTO_MAX_HASH])
{
	uint8_t pw16[16] = { 0 };
	const struct piece pc[] = { { pw16, 16 }, { data, len }, { pw16, 16 } };
	bool ok;

	if (pwlen)
		memcpy(pw16, pw, pwlen < 16 ? pwlen : 16);
	ok = md5_pieces(cr, out, pc, 3);
	OPENSSL_cleanse(pw16, sizeof(pw16));
	if (!ok) {
		poison(out, CRYPTO_MAX_HASH);
		return 0;
	}
	return 16;
}

size_t integ_compute(struct crypto *cr, enum integ_alg alg, const uint8_t *k1, size_t k1len,
		     const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH])
{
	size_t n = integ_len(alg);

	switch (alg) {
	case INTEG_HMAC_SHA1_96:
		return hmac_trunc(cr, AUTH_RAKP_HMAC_SHA1, k1, k1len, data, len, n, out);
	case INTEG_HMAC_MD5_128:
		return hmac_trunc(cr, AUTH_RAKP_HMAC_MD5, k1, k1len, data, len, n, out);
	case INTEG_MD5_128:
		return integ_md5(cr, k1, k1len, data, len, out);
	case INTEG_HMAC_SHA256_128:
		return hmac_trunc(cr, AUTH_RAKP_HMAC_SHA256, k1, k1len, data, len, n, out);
	default:
		return 0;
	}
}

/* ---- confidentiality: AES-CBC-128 ---------------------------------------- */

/*
 * Run AES-128-CBC (no padding) over nblk whole blocks of in, one block at a
 * time, and store only the first outlen bytes of the result in out.  Going
 * block by block lets the decrypt side write exactly the unpadded payload
 * into a buffer sized for it, without a bounce buffer.
 */
static int aes_cbc_run(struct crypto *cr, const uint8_t key[16], const uint8_t iv[16], bool enc,
		       const uint8_t *in, size_t nblk, uint8_t *out, size_t outlen)
{
	EVP_CIPHER_CTX *ctx = aes_ctx_get(cr);
	struct rbuf r = rb_init(in, nblk * AES_BLK);
	struct wbuf w = wb_init(out, outlen);
	uint8_t blk[AES_BLK];
	const uint8_t *src;
	size_t take;
	int got, ret = -EIO;

	/* The cipher (and padding off) stay from aes_ctx_get(cr); only key, IV
	 * and direction change. */
	if (!ctx || !EVP_CipherInit_ex2(ctx, NULL, key, iv, enc, NULL))
		goto out;
	/* Each block is read before it is written: in may be out. */
	while (rb_left(&r) && wb_room(&w)) {
		src = rb_take(&r, AES_BLK);
		if (!EVP_CipherUpdate(ctx, blk, &got, src, AES_BLK) || got != AES_BLK)
			goto out;
		take = wb_room(&w) < AES_BLK ? wb_room(&w) : AES_BLK;
		wb_bytes(&w, blk, take);
	}
	ret = 0;
out:
	OPENSSL_cleanse(blk, sizeof(blk));
	if (ret && ctx)
		aes_ctx_drop(cr);
	return ret;
}

int aes_cbc_encrypt(struct crypto *cr, const uint8_t key[16], const void *in, size_t len,
		    uint8_t *out, size_t cap)
{
	struct wbuf w = wb_init(out, cap), bw;
	size_t plen, pad, i;
	uint8_t *iv, *body, *payload;
	int ret;

	if (len > INT_MAX - 2 * AES_BLK)
		return -EMSGSIZE;
	plen = (len + 1 + AES_BLK - 1) / AES_BLK * AES_BLK;
	iv = wb_reserve(&w, AES_BLK);
	body = wb_reserve(&w, plen);
	if (!wb_ok(&w))
		return -ENOBUFS;

	/* Lay out payload || 01 02 .. || pad_len after the IV, then encrypt in
	 * place.  memmove, and the IV written last, so in may overlap out. */
	bw = wb_init(body, plen);
	payload = wb_reserve(&bw, len);
	if (len)
		memmove(payload, in, len);
	pad = plen - len - 1;
	for (i = 0; i < pad; i++)
		wb_u8(&bw, (uint8_t)(i + 1));
	wb_u8(&bw, (uint8_t)pad);

	ret = crypto_random(iv, AES_BLK);
	if (!ret)
		ret = aes_cbc_run(cr, key, iv, true, body, plen / AES_BLK, body, plen);
	if (ret) {
		OPENSSL_cleanse(out, AES_BLK + plen);
		return ret;
	}
	return (int)(AES_BLK + plen);
}

int aes_cbc_decrypt(struct crypto *cr, const uint8_t key[16], const void *in, size_t len,
		    uint8_t *out, size_t cap)
{
	struct rbuf r = rb_init(in, len), tail;
	const uint8_t *iv, *ct, *prev, *lastct;
	uint8_t last[AES_BLK];
	size_t ctlen, pad, plen;
	int ret;

	if (len < 2 * AES_BLK || len % AES_BLK || len > INT_MAX)
		return -EBADMSG;
	ctlen = len - AES_BLK;
	iv = rb_take(&r, AES_BLK);
	ct = rb_take(&r, ctlen);
	/* The last two blocks (the first may be the IV). */
	tail = rb_init(in, len);
	rb_take(&tail, len - 2 * AES_BLK);
	prev = rb_take(&tail, AES_BLK);
	lastct = rb_take(&tail, AES_BLK);

	/* In CBC the last block decrypts on its own, with the block before it
	 * (or the IV) as IV: learn pad_len before touching out. */
	ret = aes_cbc_run(cr, key, prev, false, lastct, 1, last, AES_BLK);
	if (ret)
		return ret;
	pad = last[AES_BLK - 1];
	OPENSSL_cleanse(last, sizeof(last));
	if (pad + 1 > ctlen)
		return -EBADMSG;
	plen = ctlen - pad - 1;
	if (plen > cap)
		return -ENOBUFS;

	ret = aes_cbc_run(cr, key, iv, false, ct, ctlen / AES_BLK, out, plen);
	return ret ? ret : (int)plen;
}

/* ---- AES-256-GCM for state files --------------------------------------- */

/* One run of AES-256-GCM; a fresh context per call (state files are
 * written rarely), freed (and so wiped) before returning. */
static int gcm_run(bool enc, const uint8_t *key, const uint8_t *nonce, const void *aad,
		   size_t aadlen, const void *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER *c;
	EVP_CIPHER_CTX *ctx;
	int n, r = -EIO;

	if (len > INT_MAX || aadlen > INT_MAX)
		return -EMSGSIZE;
	c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	ctx = EVP_CIPHER_CTX_new();
	if (!c || !ctx)
		goto out;
	if (!EVP_CipherInit_ex2(ctx, c, key, nonce, enc ? 1 : 0, NULL))
		goto out;
	if (aadlen && !EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen))
		goto out;
	if (len && !EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		goto out;
	if (!enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_SEAL_TAG, tag))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, out + len, &n)) {
		r = enc ? -EIO : -EBADMSG;
		goto out;
	}
	if (enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_SEAL_TAG, tag))
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	if (r < 0 && len)
		OPENSSL_cleanse(out, len);
	return r;
}

int crypto_seal(const uint8_t key[CRYPTO_SEAL_KEY], const uint8_t nonce[CRYPTO_SEAL_NONCE],
		const void *aad, size_t aadlen, const void *in, size_t len, uint8_t *out,
		uint8_t tag[CRYPTO_SEAL_TAG])
{
	return gcm_run(true, key, nonce, aad, aadlen, in, len, out, tag);
}

int crypto_open(const uint8_t key[CRYPTO_SEAL_KEY], const uint8_t nonce[CRYPTO_SEAL_NONCE],
		const void *aad, size_t aadlen, const void *in, size_t len, uint8_t *out,
		const uint8_t tag[CRYPTO_SEAL_TAG])
{
	return gcm_run(false, key, nonce, aad, aadlen, in, len, out, (uint8_t *)tag);
}
