/* SPDX-License-Identifier: MIT */
/*
 * Cryptography for the LAN channel.  lan/crypto.c is the only file in bmcd
 * that includes OpenSSL.  The functions never log and keep no state of their
 * own: what they reuse (keyed session state, OpenSSL contexts, a pool of
 * random IVs) is in the struct crypto the caller passes, one per LAN
 * transport.  Not thread-safe: one struct crypto is used from one thread.
 *
 * Algorithm numbers are the IPMI 2.0 wire values (Table 13-17..13-19).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum auth_alg {			/* RAKP authentication algorithm */
	AUTH_RAKP_NONE = 0,
	AUTH_RAKP_HMAC_SHA1 = 1,
	AUTH_RAKP_HMAC_MD5 = 2,
	AUTH_RAKP_HMAC_SHA256 = 3,
};

enum integ_alg {		/* session integrity algorithm */
	INTEG_NONE = 0,
	INTEG_HMAC_SHA1_96 = 1,
	INTEG_HMAC_MD5_128 = 2,
	INTEG_MD5_128 = 3,
	INTEG_HMAC_SHA256_128 = 4,
};

enum conf_alg {			/* session confidentiality algorithm */
	CONF_NONE = 0,
	CONF_AES_CBC_128 = 1,
};

/* What the functions keep between calls, allocated on first use: the key
 * slots (below), the AES contexts and a pool of random IVs.  Zero-initialise
 * it, crypto_free() it (which wipes it). */
struct crypto_state;
struct crypto {
	struct crypto_state *st;
};

/*
 * Key slots.  A caller that uses one key again and again (a session's K1
 * and K2, once per message) names a slot, 0..CRYPTO_KEY_SLOTS-1, and the
 * slot keeps that key's HMAC states and AES key schedules, so a message
 * costs only its hashing and its blocks.  The slot holds whatever key it
 * was last given: a call with another key sets the slot up again, so a slot
 * shared by two sessions is only slower, never wrong.  CRYPTO_SLOT_NONE
 * keys for that call only.  crypto_forget() wipes a slot (session closed).
 */
#define CRYPTO_KEY_SLOTS 17
#define CRYPTO_SLOT_NONE (~0u)
void crypto_forget(struct crypto *cr, unsigned slot);

void crypto_free(struct crypto *cr);

#define CRYPTO_MAX_HASH 32	/* SHA-256 */
#define IPMI_KEY_MAX 20		/* password / K_G length (IPMI 2.0 20-byte form) */
#define IPMI_USER_MAX 16

/* Fill buf with n cryptographically random bytes.  0 or -EIO. */
int crypto_random(void *buf, size_t n);

/* Constant-time comparison (CRYPTO_memcmp).  True when equal. */
bool crypto_equal(const void *a, const void *b, size_t n);

/* Length of the HMAC a RAKP algorithm produces: 20, 16, 32; 0 for NONE. */
size_t crypto_auth_len(enum auth_alg alg);

/* HMAC with the hash of a RAKP algorithm.  Returns crypto_auth_len(alg),
 * or 0 for AUTH_RAKP_NONE / unknown alg (out untouched). */
size_t crypto_hmac(struct crypto *cr, enum auth_alg alg, const void *key, size_t keylen,
		   const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH]);
/* The same with the keyed HMAC kept in a key slot (a key up to 32 bytes). */
size_t crypto_hmac_slot(struct crypto *cr, unsigned slot, enum auth_alg alg, const void *key,
			size_t keylen, const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH]);

/* Plain MD5 over the concatenation of up to 4 pieces (NULL/0 pieces are
 * skipped).  Used for IPMI 1.5 MD5 auth codes and the MD5-128 integrity
 * algorithm. */
void crypto_md5(struct crypto *cr, uint8_t out[16], const void *a, size_t alen, const void *b, size_t blen,
		const void *c, size_t clen, const void *d, size_t dlen);

/*
 * IPMI 1.5 MD5 AuthCode (IPMI 2.0 sec. 22.17.1):
 *   MD5(password16 || session_id(LE32) || msg || session_seq(LE32) || password16)
 * password16 is the password zero-padded to 16 bytes.
 */
void crypto_v15_md5_authcode(struct crypto *cr, uint8_t out[16], const uint8_t password16[16],
			     uint32_t session_id, const void *msg, size_t len,
			     uint32_t session_seq);

/* --- RAKP (IPMI 2.0 sec. 13.31-13.32) -------------------------------------
 * 'key' is the user's password (K_UID), zero-padded to 20 bytes for the
 * 20-byte form or 16 for the 16-byte form: callers pass IPMI_KEY_MAX (20)
 * bytes, zero-padded, as ipmitool/FreeIPMI do.  'user' is the user name as
 * sent in RAKP1 (ulen 0..16, not NUL terminated). 'role' is the exact RAKP1
 * role byte received.  Session IDs are used as little-endian on the wire.
 * All return the HMAC length (crypto_auth_len), 0 for NONE. */

/* RAKP2 key exchange auth code:
 * HMAC_K_UID(SIDm || SIDc || Rm || Rc || GUIDc || ROLEm || ULENGTHm || UNAMEm)
 * SIDm = remote console session id, SIDc = BMC (managed system) session id,
 * Rm = console random, Rc = BMC random, GUIDc = BMC GUID (16 bytes, as sent
 * in Get System GUID). */
size_t rakp2_authcode(struct crypto *cr, enum auth_alg alg, const uint8_t *key, size_t keylen,
		      uint32_t console_sid, uint32_t bmc_sid,
		      const uint8_t rm[16], const uint8_t rc[16], const uint8_t guid[16],
		      uint8_t role, const uint8_t *user, size_t ulen,
		      uint8_t out[CRYPTO_MAX_HASH]);

/* RAKP3 auth code the console sends:
 * HMAC_K_UID(Rc || SIDm || ROLEm || ULENGTHm || UNAMEm) */
size_t rakp3_authcode(struct crypto *cr, enum auth_alg alg, const uint8_t *key, size_t keylen,
		      const uint8_t rc[16], uint32_t console_sid,
		      uint8_t role, const uint8_t *user, size_t ulen,
		      uint8_t out[CRYPTO_MAX_HASH]);

/* Session Integrity Key:
 * SIK = HMAC_KG(Rm || Rc || ROLEm || ULENGTHm || UNAMEm)
 * where KG is the BMC key if one is set, else K_UID (caller decides and
 * passes the key). */
size_t rakp_sik(struct crypto *cr, enum auth_alg alg, const uint8_t *kg, size_t kglen,
		const uint8_t rm[16], const uint8_t rc[16],
		uint8_t role, const uint8_t *user, size_t ulen,
		uint8_t out[CRYPTO_MAX_HASH]);

/* RAKP4 integrity check value: HMAC_SIK(Rm || SIDc || GUIDc), truncated:
 * 12 bytes for HMAC-SHA1, 16 for HMAC-MD5, 16 for HMAC-SHA256.
 * Returns the truncated length. */
size_t rakp4_icv(struct crypto *cr, enum auth_alg alg, const uint8_t *sik, size_t siklen,
		 const uint8_t rm[16], uint32_t bmc_sid, const uint8_t guid[16],
		 uint8_t out[CRYPTO_MAX_HASH]);

/* Additional key K_n = HMAC_SIK(const_n), const_n = 20 bytes of n
 * (K1: 0x01 x20, K2: 0x02 x20).  Returns the HMAC length. */
size_t rakp_kn(struct crypto *cr, enum auth_alg alg, const uint8_t *sik, size_t siklen, uint8_t n,
	       uint8_t out[CRYPTO_MAX_HASH]);

/* --- Session integrity (IPMI 2.0 sec. 13.28.4) ----------------------------- */

/* Length of the AuthCode trailer: 12, 16, 16, 16; 0 for INTEG_NONE. */
size_t integ_len(enum integ_alg alg);

/* Compute the AuthCode over data[0..len) (from the Auth Type/Format byte
 * through the Next Header byte).  HMAC algorithms key with K1 (k1len bytes:
 * 20 for SHA1, 16 for MD5, 32 for SHA256);  MD5-128 is
 * MD5(password16 || data || password16) keyed with the user's 16-byte
 * password (pass it as k1, k1len 16).  Returns integ_len(alg). */
size_t integ_compute(struct crypto *cr, enum integ_alg alg, const uint8_t *k1, size_t k1len,
		     const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH]);
/* The same with the keyed state kept in a key slot (MD5-128 keeps none). */
size_t integ_compute_slot(struct crypto *cr, unsigned slot, enum integ_alg alg, const uint8_t *k1,
			  size_t k1len, const void *data, size_t len, uint8_t out[CRYPTO_MAX_HASH]);

/* --- Confidentiality: AES-CBC-128 (IPMI 2.0 sec. 13.29) -----------------
 * Key: first 16 bytes of K2.  Wire format: IV(16) || E(payload || pad ||
 * pad_len), pad bytes are 01 02 03 ..., total a multiple of 16.  */

/* Encrypt; writes IV || ciphertext into out (cap bytes).  Returns the
 * number of bytes written, -ENOBUFS if cap is too small, -EMSGSIZE if len is
 * too large for an int result, or -EIO on an OpenSSL/RNG failure. */
int aes_cbc_encrypt(struct crypto *cr, const uint8_t key[16], const void *in, size_t len,
		    uint8_t *out, size_t cap);

/* Decrypt IV || ciphertext (len bytes, must be 16 + n*16, n >= 1) into out.
 * Returns plaintext length with the pad removed, -EBADMSG for a bad
 * length or pad length, -ENOBUFS if the payload exceeds cap (nothing is
 * written), or -EIO on an OpenSSL failure.  Liberal about pad byte values
 * (some clients send a full 16-byte pad block; pad_len up to 15 accepted,
 * and 16.. only if it fits), as clients in the field differ. */
int aes_cbc_decrypt(struct crypto *cr, const uint8_t key[16], const void *in, size_t len,
		    uint8_t *out, size_t cap);
/* The same with the key schedules kept in a key slot. */
int aes_cbc_encrypt_slot(struct crypto *cr, unsigned slot, const uint8_t key[16], const void *in,
			 size_t len, uint8_t *out, size_t cap);
int aes_cbc_decrypt_slot(struct crypto *cr, unsigned slot, const uint8_t key[16], const void *in,
			 size_t len, uint8_t *out, size_t cap);

/* --- Secrets at rest: AES-256-GCM (state files) ----------------------------
 * Seal len bytes of in into out (same length) with a 12-byte nonce and
 * additional authenticated data aad; writes the 16-byte tag.  Open checks
 * the tag (constant time, by OpenSSL) before returning anything: on a
 * mismatch out is wiped and -EBADMSG returned.  0, -EBADMSG, -EMSGSIZE (len
 * too large) or -EIO. */
#define CRYPTO_SEAL_KEY 32
#define CRYPTO_SEAL_NONCE 12
#define CRYPTO_SEAL_TAG 16
int crypto_seal(const uint8_t key[CRYPTO_SEAL_KEY], const uint8_t nonce[CRYPTO_SEAL_NONCE],
		const void *aad, size_t aadlen, const void *in, size_t len, uint8_t *out,
		uint8_t tag[CRYPTO_SEAL_TAG]);
int crypto_open(const uint8_t key[CRYPTO_SEAL_KEY], const uint8_t nonce[CRYPTO_SEAL_NONCE],
		const void *aad, size_t aadlen, const void *in, size_t len, uint8_t *out,
		const uint8_t tag[CRYPTO_SEAL_TAG]);
