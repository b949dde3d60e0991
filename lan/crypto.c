/* SPDX-License-Identifier: MIT */
/*
 * Cryptography for the LAN channel: RAKP key exchange, session integrity,
 * AES-CBC-128 confidentiality and IPMI 1.5 MD5 auth codes.  This is the only
 * file in bmcd that includes OpenSSL.
 *
 * Failure policy for the functions that return a length: 0 means "no value".
 * For AUTH_RAKP_NONE / INTEG_NONE / unknown algorithms the output is left
 * untouched.  When a real algorithm cannot be computed (bad argument such as
 * ulen > IPMI_USER_MAX, or an OpenSSL failure) the function also returns 0 but first fills the whole output
 * with random bytes, so a caller comparing a fixed-length expected value
 * against it fails closed.  The void MD5 functions do the same.
 *
 * Cost per message.  A session's K1 HMAC and K2 AES are kept keyed in a key
 * slot (struct crypto, see crypto.h), so a message costs its hashing, its
 * AES blocks and 16 bytes of a pooled random IV: no key set-up, no OpenSSL
 * parameter look-ups, no allocation.  The RAKP HMACs (a fresh key each) set
 * their key up per call, on the stack.
 *
 * Key material: a slot holds its session's K1 states and K2 schedules until
 * crypto_forget() (the session's end) or another key replaces them; every
 * per-call state (the stack HMAC states, the block buffers, a slot used for
 * one call) is wiped before returning, and crypto_free() wipes everything.
 */
/* The low-level SHA1 / SHA256 / MD5 calls: see "hashes and HMAC" below. */
#define OPENSSL_API_COMPAT 0x10100000L

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

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

/* ---- hashes and HMAC ------------------------------------------------------
 *
 * The hashes go through OpenSSL's low-level SHA1 / SHA256 / MD5 calls (the
 * same assembly as the EVP providers).  In OpenSSL 3.0 every EVP HMAC init
 * looks its parameters up by name and every EVP digest copy allocates, which
 * cost more than the hash of a 64-byte IPMI message; a keyed HMAC kept as
 * its two hash states after the padded key is a plain struct copied on the
 * stack.  (These calls bypass the provider layer, so a FIPS provider does not
 * govern them.)
 */

union hash_ctx {
	SHA_CTX sha1;
	SHA256_CTX sha256;
	MD5_CTX md5;
};

#define HASH_BLOCK 64	/* SHA-1, SHA-256 and MD5 all have 64-byte blocks */

static bool hash_init(enum auth_alg alg, union hash_ctx *h)
{
	switch (alg) {
	case AUTH_RAKP_HMAC_SHA1:
		return SHA1_Init(&h->sha1) == 1;
	case AUTH_RAKP_HMAC_MD5:
		return MD5_Init(&h->md5) == 1;
	case AUTH_RAKP_HMAC_SHA256:
		return SHA256_Init(&h->sha256) == 1;
	default:
		return false;
	}
}

static bool hash_update(enum auth_alg alg, union hash_ctx *h, const void *p, size_t n)
{
	switch (alg) {
	case AUTH_RAKP_HMAC_SHA1:
		return SHA1_Update(&h->sha1, p, n) == 1;
	case AUTH_RAKP_HMAC_MD5:
		return MD5_Update(&h->md5, p, n) == 1;
	case AUTH_RAKP_HMAC_SHA256:
		return SHA256_Update(&h->sha256, p, n) == 1;
	default:
		return false;
	}
}

static bool hash_final(enum auth_alg alg, union hash_ctx *h, uint8_t out[CRYPTO_MAX_HASH])
{
	switch (alg) {
	case AUTH_RAKP_HMAC_SHA1:
		return SHA1_Final(out, &h->sha1) == 1;
	case AUTH_RAKP_HMAC_MD5:
		return MD5_Final(out, &h->md5) == 1;
	case AUTH_RAKP_HMAC_SHA256:
		return SHA256_Final(out, &h->sha256) == 1;
	default:
		return false;
	}
}

/* A keyed HMAC: the hash states after K ^ ipad and after K ^ opad. */
struct hmac_key {
	enum auth_alg alg;		/* AUTH_RAKP_NONE: not keyed */
	union hash_ctx in, out;
};

static bool hmac_setkey(struct hmac_key *hk, enum auth_alg alg, const void *key, size_t keylen)
{
	uint8_t pad[HASH_BLOCK], kh[CRYPTO_MAX_HASH];
	union hash_ctx h, *dst;
	size_t i;
	bool ok = true;

	hk->alg = AUTH_RAKP_NONE;
	if (keylen > HASH_BLOCK) {	/* RFC 2104: a long key is hashed first */
		ok = hash_init(alg, &h) && hash_update(alg, &h, key, keylen) && hash_final(alg, &h, kh);
		key = kh;
		keylen = crypto_auth_len(alg);
	}
	for (int round = 0; ok && round < 2; round++) {
		memset(pad, round ? 0x5c : 0x36, sizeof(pad));
		for (i = 0; i < keylen; i++)
			pad[i] ^= ((const uint8_t *)key)[i];
		dst = round ? &hk->out : &hk->in;
		ok = hash_init(alg, dst) && hash_update(alg, dst, pad, sizeof(pad));
	}
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(kh, sizeof(kh));
	OPENSSL_cleanse(&h, sizeof(h));
	if (ok)
		hk->alg = alg;
	return ok;
}

/* HMAC of data with a keyed hk; false (out unspecified) on a failure. */
static bool hmac_run(const struct hmac_key *hk, const void *data, size_t len,
		     uint8_t out[CRYPTO_MAX_HASH])
{
	enum auth_alg alg = hk->alg;
	uint8_t inner[CRYPTO_MAX_HASH];
	union hash_ctx h = hk->in;
	bool ok;

	ok = alg != AUTH_RAKP_NONE && hash_update(alg, &h, data, len) && hash_final(alg, &h, inner);
	if (ok) {
		h = hk->out;
		ok = hash_update(alg, &h, inner, crypto_auth_len(alg)) && hash_final(alg, &h, out);
	}
	OPENSSL_cleanse(inner, sizeof(inner));
	OPENSSL_cleanse(&h, sizeof(h));
	return ok;
}

/* ---- key slots and the IV pool (struct crypto) --------------------------- */

/* What a slot keeps: an HMAC key's states (a session's K1) and AES-128-ECB
 * contexts keyed with K2 (CBC is chained here, block by block, so a message
 * only needs its IV, not a new key schedule). */
struct key_slot {
	uint8_t k1[CRYPTO_MAX_HASH];
	uint8_t k1len;
	struct hmac_key hk;		/* hk.alg AUTH_RAKP_NONE: no HMAC key */
	bool k2set, enc_keyed, dec_keyed;
	uint8_t k2[16];
	EVP_CIPHER_CTX *enc, *dec;	/* AES-128-ECB; NULL until used */
};

#define IV_POOL 512			/* 32 IVs per RAND_bytes() call */

struct crypto_state {
	struct key_slot slot[CRYPTO_KEY_SLOTS];
	struct key_slot scratch;	/* CRYPTO_SLOT_NONE: keyed per call */
	EVP_CIPHER *ecb;
	uint8_t pool[IV_POOL];
	size_t pool_used;		/* bytes of pool handed out (and wiped) */
};

static void slot_wipe(struct key_slot *ks)
{
	EVP_CIPHER_CTX_free(ks->enc);
	EVP_CIPHER_CTX_free(ks->dec);
	OPENSSL_cleanse(ks, sizeof(*ks));
}

void crypto_free(struct crypto *cr)
{
	struct crypto_state *st = cr->st;

	if (st) {
		for (size_t i = 0; i < CRYPTO_KEY_SLOTS; i++)
			slot_wipe(&st->slot[i]);
		slot_wipe(&st->scratch);
		EVP_CIPHER_free(st->ecb);
		OPENSSL_clear_free(st, sizeof(*st));
	}
	*cr = (struct crypto){ 0 };
}

void crypto_forget(struct crypto *cr, unsigned slot)
{
	if (cr->st && slot < CRYPTO_KEY_SLOTS)
		slot_wipe(&cr->st->slot[slot]);
}

static struct crypto_state *state_get(struct crypto *cr)
{
	if (!cr->st) {
		cr->st = OPENSSL_zalloc(sizeof(*cr->st));
		if (cr->st)
			cr->st->pool_used = IV_POOL;
	}
	return cr->st;
}

/* Key slot number slot; for CRYPTO_SLOT_NONE (or any number out of range)
 * the scratch slot, keyed for one call and wiped after it (slot_done). */
static struct key_slot *slot_get(struct crypto_state *st, unsigned slot)
{
	return slot < CRYPTO_KEY_SLOTS ? &st->slot[slot] : &st->scratch;
}

static void slot_done(struct crypto_state *st, struct key_slot *ks)
{
	if (ks == &st->scratch)
		slot_wipe(ks);
}

/* A random IV, from a pool filled 512 bytes at a time (RAND_bytes() costs
 * about as much for 16 bytes as for 512).  Handed-out bytes are wiped from
 * the pool. */
static int iv_take(struct crypto_state *st, uint8_t iv[AES_BLK])
{
	if (st->pool_used + AES_BLK > IV_POOL) {
		if (crypto_random(st->pool, IV_POOL) < 0)
			return -EIO;
		st->pool_used = 0;
	}
	memcpy(iv, st->pool + st->pool_used, AES_BLK);
	OPENSSL_cleanse(st->pool + st->pool_used, AES_BLK);
	st->pool_used += AES_BLK;
	return 0;
}

/* The slot's AES-128-ECB context for a direction, keyed with key (set up on
 * first use, re-keyed when the slot held another key).  NULL on a failure. */
static EVP_CIPHER_CTX *slot_aes(struct crypto_state *st, struct key_slot *ks, const uint8_t key[16],
				bool enc)
{
	EVP_CIPHER_CTX **pc = enc ? &ks->enc : &ks->dec;
	bool *keyed = enc ? &ks->enc_keyed : &ks->dec_keyed;

	if (!ks->k2set || !crypto_equal(ks->k2, key, 16)) {
		memcpy(ks->k2, key, 16);
		ks->k2set = true;
		ks->enc_keyed = ks->dec_keyed = false;
	}
	if (!*pc) {
		if (!st->ecb && !(st->ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL)))
			return NULL;
		*pc = EVP_CIPHER_CTX_new();
		if (!*pc || !EVP_CipherInit_ex2(*pc, st->ecb, NULL, NULL, enc, NULL))
			goto fail;
	}
	if (!*keyed) {
		/* Padding off: a decrypting context would hold back the last
		 * block of an update for EVP_CipherFinal otherwise. */
		if (!EVP_CipherInit_ex2(*pc, NULL, key, NULL, enc, NULL) ||
		    !EVP_CIPHER_CTX_set_padding(*pc, 0))
			goto fail;
		*keyed = true;
	}
	return *pc;
fail:
	EVP_CIPHER_CTX_free(*pc);
	*pc = NULL;
	*keyed = false;
	return NULL;
}

/* ---- HMAC and MD5 ------------------------------------------------------- */

size_t crypto_hmac(struct crypto *cr, enum auth_alg alg, const void *key, size_t keylen,
		   const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH])
{
	size_t n = crypto_auth_len(alg);
	struct hmac_key hk;
	bool ok;

	(void)cr;
	if (!n)
		return 0;
	ok = hmac_setkey(&hk, alg, key, keylen) && hmac_run(&hk, data, len, out);
	OPENSSL_cleanse(&hk, sizeof(hk));
	if (!ok) {
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
	union hash_ctx h;
	uint8_t full[CRYPTO_MAX_HASH];
	bool ok;
	size_t i;

	(void)cr;
	ok = hash_init(AUTH_RAKP_HMAC_MD5, &h);
	for (i = 0; ok && i < npc; i++)
		if (pc[i].p && pc[i].n)
			ok = hash_update(AUTH_RAKP_HMAC_MD5, &h, pc[i].p, pc[i].n);
	ok = ok && hash_final(AUTH_RAKP_HMAC_MD5, &h, full);
	/* Do not leave (secret) input on the stack. */
	OPENSSL_cleanse(&h, sizeof(h));
	if (ok)
		memcpy(out, full, 16);
	else
		poison(out, 16);
	OPENSSL_cleanse(full, sizeof(full));
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

size_t crypto_hmac_slot(struct crypto *cr, unsigned slot, enum auth_alg alg, const void *key,
			size_t keylen, const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH])
{
	size_t n = crypto_auth_len(alg);
	struct crypto_state *st;
	struct key_slot *ks;
	bool ok;

	if (!n)
		return 0;
	st = state_get(cr);
	if (!st || keylen > sizeof(ks->k1)) {
		/* No slot (out of memory), or a key too long to keep: per call. */
		return crypto_hmac(cr, alg, key, keylen, data, len, out);
	}
	ks = slot_get(st, slot);
	if (ks->hk.alg != alg || ks->k1len != keylen || !crypto_equal(ks->k1, key, keylen)) {
		if (!hmac_setkey(&ks->hk, alg, key, keylen)) {
			slot_done(st, ks);
			poison(out, CRYPTO_MAX_HASH);
			return 0;
		}
		memcpy(ks->k1, key, keylen);
		ks->k1len = (uint8_t)keylen;
	}
	ok = hmac_run(&ks->hk, data, len, out);
	slot_done(st, ks);
	if (!ok) {
		poison(out, CRYPTO_MAX_HASH);
		return 0;
	}
	return n;
}

size_t integ_compute_slot(struct crypto *cr, unsigned slot, enum integ_alg alg, const uint8_t *k1,
			  size_t k1len, const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH])
{
	static const enum auth_alg hash_of[] = {
		[INTEG_HMAC_SHA1_96] = AUTH_RAKP_HMAC_SHA1,
		[INTEG_HMAC_MD5_128] = AUTH_RAKP_HMAC_MD5,
		[INTEG_HMAC_SHA256_128] = AUTH_RAKP_HMAC_SHA256,
	};
	size_t n = integ_len(alg);
	uint8_t full[CRYPTO_MAX_HASH];
	bool ok;

	if (!n)
		return 0;
	if (alg == INTEG_MD5_128)
		return integ_md5(cr, k1, k1len, data, len, out);
	ok = crypto_hmac_slot(cr, slot, hash_of[alg], k1, k1len, data, len, full) != 0;
	if (ok)
		memcpy(out, full, n);
	else
		poison(out, CRYPTO_MAX_HASH);
	OPENSSL_cleanse(full, sizeof(full));
	return ok ? n : 0;
}

size_t integ_compute(struct crypto *cr, enum integ_alg alg, const uint8_t *k1, size_t k1len,
		     const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH])
{
	return integ_compute_slot(cr, CRYPTO_SLOT_NONE, alg, k1, k1len, data, len, out);
}

/* ---- confidentiality: AES-CBC-128 ---------------------------------------- */

/*
 * Run AES-128-CBC (no padding) over nblk whole blocks of in with the slot's
 * AES-128-ECB context, chaining the blocks here, and store only the first
 * outlen bytes of the result in out.  Going block by block lets the decrypt
 * side write exactly the unpadded payload into a buffer sized for it,
 * without a bounce buffer; each block is read before it is written, so in
 * may be out.
 */
static int aes_cbc_run(EVP_CIPHER_CTX *ecb, const uint8_t iv[AES_BLK], bool enc, const uint8_t *in,
		       size_t nblk, uint8_t *out, size_t outlen)
{
	struct rbuf r = rb_init(in, nblk * AES_BLK);
	struct wbuf w = wb_init(out, outlen);
	uint8_t prev[AES_BLK], cur[AES_BLK], blk[AES_BLK];
	size_t take, i;
	int got, ret = -EIO;

	memcpy(prev, iv, AES_BLK);
	while (rb_left(&r) && wb_room(&w)) {
		memcpy(cur, rb_take(&r, AES_BLK), AES_BLK);
		if (enc)
			for (i = 0; i < AES_BLK; i++)
				cur[i] ^= prev[i];
		if (!EVP_CipherUpdate(ecb, blk, &got, cur, AES_BLK) || got != AES_BLK)
			goto out;
		if (enc) {
			memcpy(prev, blk, AES_BLK);
		} else {
			for (i = 0; i < AES_BLK; i++)
				blk[i] ^= prev[i];
			memcpy(prev, cur, AES_BLK);
		}
		take = wb_room(&w) < AES_BLK ? wb_room(&w) : AES_BLK;
		wb_bytes(&w, blk, take);
	}
	ret = 0;
out:
	OPENSSL_cleanse(blk, sizeof(blk));
	OPENSSL_cleanse(cur, sizeof(cur));
	OPENSSL_cleanse(prev, sizeof(prev));
	return ret;
}

int aes_cbc_encrypt_slot(struct crypto *cr, unsigned slot, const uint8_t key[16], const void *in,
			 size_t len, uint8_t *out, size_t cap)
{
	struct wbuf w = wb_init(out, cap), bw;
	struct crypto_state *st;
	struct key_slot *ks;
	EVP_CIPHER_CTX *ecb;
	size_t plen, pad, i;
	uint8_t *iv, *body, *payload;
	int ret = -EIO;

	if (len > INT_MAX - 2 * AES_BLK)
		return -EMSGSIZE;
	plen = (len + 1 + AES_BLK - 1) / AES_BLK * AES_BLK;
	iv = wb_reserve(&w, AES_BLK);
	body = wb_reserve(&w, plen);
	if (!wb_ok(&w))
		return -ENOBUFS;
	st = state_get(cr);
	if (!st)
		return -EIO;
	ks = slot_get(st, slot);

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

	ecb = slot_aes(st, ks, key, true);
	if (ecb && iv_take(st, iv) == 0)
		ret = aes_cbc_run(ecb, iv, true, body, plen / AES_BLK, body, plen);
	slot_done(st, ks);
	if (ret) {
		OPENSSL_cleanse(out, AES_BLK + plen);
		return ret;
	}
	return (int)(AES_BLK + plen);
}

int aes_cbc_decrypt_slot(struct crypto *cr, unsigned slot, const uint8_t key[16], const void *in,
			 size_t len, uint8_t *out, size_t cap)
{
	struct rbuf r = rb_init(in, len), tail;
	const uint8_t *iv, *ct, *prev, *lastct;
	struct crypto_state *st;
	struct key_slot *ks;
	EVP_CIPHER_CTX *ecb;
	uint8_t last[AES_BLK];
	size_t ctlen, pad, plen = 0;
	int ret;

	if (len < 2 * AES_BLK || len % AES_BLK || len > INT_MAX)
		return -EBADMSG;
	st = state_get(cr);
	if (!st)
		return -EIO;
	ks = slot_get(st, slot);
	ecb = slot_aes(st, ks, key, false);
	if (!ecb) {
		slot_done(st, ks);
		return -EIO;
	}
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
	ret = aes_cbc_run(ecb, prev, false, lastct, 1, last, AES_BLK);
	if (ret)
		goto out;
	pad = last[AES_BLK - 1];
	OPENSSL_cleanse(last, sizeof(last));
	plen = ctlen - pad - 1;
	if (pad + 1 > ctlen)
		ret = -EBADMSG;
	else if (plen > cap)
		ret = -ENOBUFS;
	else
		ret = aes_cbc_run(ecb, iv, false, ct, ctlen / AES_BLK, out, plen);
out:
	slot_done(st, ks);
	return ret ? ret : (int)plen;
}

int aes_cbc_encrypt(struct crypto *cr, const uint8_t key[16], const void *in, size_t len,
		    uint8_t *out, size_t cap)
{
	return aes_cbc_encrypt_slot(cr, CRYPTO_SLOT_NONE, key, in, len, out, cap);
}

int aes_cbc_decrypt(struct crypto *cr, const uint8_t key[16], const void *in, size_t len,
		    uint8_t *out, size_t cap)
{
	return aes_cbc_decrypt_slot(cr, CRYPTO_SLOT_NONE, key, in, len, out, cap);
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
