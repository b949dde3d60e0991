/* SPDX-License-Identifier: MIT */
/*
 * bench/floor.c: the physical floor for an RMCP+ request on this kernel and
 * OpenSSL.  A minimal UDP server that answers every authenticated and
 * encrypted RMCP+ IPMI request with a fixed Get Device ID reply, with the
 * crypto bmcd uses (it links lan/crypto.c): the AuthCode checked (HMAC,
 * constant-time compare), the payload decrypted (AES-CBC-128), the reply
 * encrypted and given its AuthCode.  No dispatcher, no sequence window.
 * Whatever command a request carries, the reply is the same 16 data bytes
 * (completion code + the 15 of Get Device ID), with the request's netfn + 1,
 * command and sequence number, so any client can count it.
 *
 * Two ways to a session, both served at once:
 *
 * - Fixed keys (--k1 HEX --k2 HEX --cipher 3|17): no session set-up.  BMC
 *   session ID sid + i is answered with console ID console-sid + i, i < 256,
 *   so that a client (bench/rmcpload --fixed-keys) can run several.
 *
 * - A real session set-up, so that ipmitool and FreeIPMI can log in (user
 *   admin, password "password", cipher suite 3 or 17): Get Channel
 *   Authentication Capabilities in IPMI 1.5 framing, Open Session, RAKP 1/2
 *   (the RAKP2 HMAC keyed with the password), RAKP 3/4 (RAKP3's HMAC
 *   checked, SIK, K1, K2 and the RAKP4 ICV as IPMI 2.0 sec. 13.31-13.32
 *   say).  One table of NSLOT sessions (the oldest is taken over when it is
 *   full); inside a session, Set Session Privilege Level is answered with
 *   the level asked for and Close Session frees the slot, every other
 *   command gets the fixed Get Device ID reply.
 *
 *   floor --port P [--cipher 3|17 --k1 HEX --k2 HEX] [--sid HEX] [--console-sid HEX]
 *
 * A packet that fails a check is dropped (counted; the counts are printed on
 * SIGTERM / SIGINT to stderr).  Prints "floor: ready" on stderr once bound.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lan/crypto.h"

#define MAXPKT 1500
#define SLOT_BITS 4
#define NSLOT (1u << SLOT_BITS)	/* RAKP sessions at once */
#define SLOT_SID 0x80000000u	/* RAKP BMC session IDs: this bit | gen << SLOT_BITS | slot */

static const char USER[] = "admin", PASSWORD[] = "password";
static const uint8_t GUID[16] = { 0x62, 0x6d, 0x63, 0x64, 0x2d, 0x66, 0x6c, 0x6f,
				  0x6f, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 };
/* Get Device ID's completion code and 15 data bytes: every command's reply */
static const uint8_t DEVID[16] = { 0x00, 0x20, 0x81, 0x01, 0x05, 0x02, 0xbf, 0x91,
				   0x12, 0x00, 0x02, 0x0f, 0x00, 0x00, 0x00, 0x00 };

enum { SLOT_FREE, SLOT_OPENED, SLOT_RAKP2, SLOT_ACTIVE };

struct slot {
	int state;
	uint32_t bmc_sid, console_sid, out_seq;
	enum auth_alg auth;
	enum integ_alg integ;
	uint8_t max_priv, role, rm[16], rc[16];
	uint8_t k1[CRYPTO_MAX_HASH], k2[CRYPTO_MAX_HASH];
	size_t klen;
};

/* The keys and IDs one request is checked and answered with. */
struct keys {
	enum integ_alg integ;
	const uint8_t *k1, *k2;
	size_t k1len;
	uint32_t console_sid, *out_seq;
	struct slot *slot;	/* NULL: a fixed-key session */
	unsigned cslot;		/* crypto key slot (lan/crypto.h) */
};

struct floor {
	struct crypto cr;
	bool fixed;
	enum integ_alg integ;
	uint8_t k1[32], k2[32];
	size_t k1len;
	uint32_t sid, console_sid, out_seq;
	struct slot slots[NSLOT];
	uint32_t gen;
	unsigned long answered, dropped, sessions;
};

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int hexkey(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(s) / 2;

	if (strlen(s) % 2 || n > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint8_t cksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)-s;
}

/* The password as RAKP keys it: zero-padded to 20 bytes. */
static void user_key(uint8_t key[IPMI_KEY_MAX])
{
	memset(key, 0, IPMI_KEY_MAX);
	memcpy(key, PASSWORD, sizeof(PASSWORD) - 1);
}

/* The response message to request message req (at least 7 bytes): rqAddr,
 * netfn + 1 / rqLun, ck, rsAddr, rqSeq / rqLun, cmd, data (completion code
 * first), ck.  Its length. */
static size_t ipmi_rsp(const uint8_t *req, const uint8_t *data, size_t dlen, uint8_t *msg)
{
	msg[0] = req[3];
	msg[1] = (uint8_t)((req[1] & 0xfc) + 4) | (req[4] & 3);
	msg[2] = cksum(msg, 2);
	msg[3] = req[0];
	msg[4] = req[4];
	msg[5] = req[5];
	memcpy(msg + 6, data, dlen);
	msg[6 + dlen] = cksum(msg + 3, 3 + dlen);
	return 7 + dlen;
}

/* An RMCP+ packet outside a session (session ID 0, not encrypted). */
static size_t plain_pkt(uint8_t ptype, const uint8_t *pl, size_t n, uint8_t *out)
{
	memcpy(out, "\x06\x00\xff\x07\x06", 5);
	out[5] = ptype;
	memset(out + 6, 0, 8);
	out[14] = (uint8_t)n;
	out[15] = (uint8_t)(n >> 8);
	memcpy(out + 16, pl, n);
	return 16 + n;
}

/* An IPMI message in a session: encrypted, padded, AuthCode.  Its length,
 * 0 on failure. */
static size_t sealed_pkt(struct floor *f, const struct keys *k, const uint8_t *msg, size_t len, uint8_t *out)
{
	size_t n, covered;
	int m;

	memcpy(out, "\x06\x00\xff\x07\x06\xc0", 6);
	put_le32(out + 6, k->console_sid);
	if (++*k->out_seq == 0)
		*k->out_seq = 1;
	put_le32(out + 10, *k->out_seq);
	m = aes_cbc_encrypt_slot(&f->cr, k->cslot, k->k2, msg, len, out + 16, MAXPKT - 16 - 4 - CRYPTO_MAX_HASH);
	if (m < 0)
		return 0;
	out[14] = (uint8_t)m;
	out[15] = (uint8_t)(m >> 8);
	n = 16 + (size_t)m;
	covered = n - 4;
	while ((covered + 2) % 4) {
		out[n++] = 0xff;
		covered++;
	}
	/* pad length: the 0xff bytes just written */
	out[n] = (uint8_t)(n - 16 - (size_t)m);
	n++;
	out[n++] = 0x07;
	integ_compute_slot(&f->cr, k->cslot, k->integ, k->k1, k->k1len, out + 4, n - 4, out + n);
	return n + integ_len(k->integ);
}

/* The keys of BMC session ID sid: a fixed-key one or an active slot. */
static bool find_keys(struct floor *f, uint32_t sid, struct keys *k)
{
	uint32_t off = sid - f->sid;
	struct slot *s = &f->slots[sid & (NSLOT - 1)];

	if (f->fixed && off < 256) {
		*k = (struct keys){ .integ = f->integ, .k1 = f->k1, .k2 = f->k2, .k1len = f->k1len,
				    .console_sid = f->console_sid + off, .out_seq = &f->out_seq,
				    .cslot = off % CRYPTO_KEY_SLOTS };
		return true;
	}
	if (!(sid & SLOT_SID) || s->state != SLOT_ACTIVE || s->bmc_sid != sid)
		return false;
	*k = (struct keys){ .integ = s->integ, .k1 = s->k1, .k2 = s->k2, .k1len = s->klen,
			    .console_sid = s->console_sid, .out_seq = &s->out_seq, .slot = s,
			    .cslot = (sid & (NSLOT - 1)) % CRYPTO_KEY_SLOTS };
	return true;
}

/* A request in a session: checked, decrypted, answered. */
static size_t in_session(struct floor *f, const uint8_t *in, size_t len, uint8_t *out)
{
	struct keys k;
	size_t ilen, plen, n;
	uint8_t want[CRYPTO_MAX_HASH], plain[MAXPKT], msg[32], data[2];
	const uint8_t *code;
	int m;

	if (!find_keys(f, le32(in + 6), &k))
		return 0;
	ilen = integ_len(k.integ);
	plen = (size_t)in[14] | (size_t)in[15] << 8;
	if (16 + plen + 2 + ilen > len)
		return 0;
	code = in + len - ilen;
	if (code[-1] != 0x07)
		return 0;
	integ_compute_slot(&f->cr, k.cslot, k.integ, k.k1, k.k1len, in + 4, len - 4 - ilen, want);
	if (!crypto_equal(want, code, ilen))
		return 0;
	m = aes_cbc_decrypt_slot(&f->cr, k.cslot, k.k2, in + 16, plen, plain, sizeof(plain));
	if (m < 7)
		return 0;
	if (k.slot && plain[1] >> 2 == 0x06 && plain[5] == 0x3b && m >= 8) {
		/* Set Session Privilege Level: the level asked for (0: admin) */
		data[0] = 0x00;
		data[1] = plain[6] & 0x0f ? plain[6] & 0x0f : 4;
		if (data[1] > k.slot->max_priv)
			data[0] = 0x81;		/* above what the session may have */
		n = ipmi_rsp(plain, data, data[0] ? 1 : 2, msg);
	} else if (k.slot && plain[1] >> 2 == 0x06 && plain[5] == 0x3c) {
		data[0] = 0x00;			/* Close Session */
		n = ipmi_rsp(plain, data, 1, msg);
	} else {
		n = ipmi_rsp(plain, DEVID, sizeof(DEVID), msg);
	}
	n = sealed_pkt(f, &k, msg, n, out);
	if (k.slot && plain[5] == 0x3c && plain[1] >> 2 == 0x06) {
		explicit_bzero(k.slot, sizeof(*k.slot));
		k.slot->state = SLOT_FREE;
	}
	return n;
}

/* Get Channel Authentication Capabilities, IPMI 1.5 framing, no session:
 * IPMI 2.0 (RMCP+) supported, non-null user names. */
static size_t v15(const uint8_t *in, size_t len, uint8_t *out)
{
	static const uint8_t caps[9] = { 0x00, 0x01, 0x80, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00 };
	const uint8_t *req = in + 14;
	size_t mlen;

	if (len < 14 || le32(in + 9) != 0)
		return 0;
	mlen = in[13];
	if (mlen < 7 || 14 + mlen > len || req[1] >> 2 != 0x06 || req[5] != 0x38)
		return 0;
	memcpy(out, in, 13);		/* RMCP header, auth type 0, seq and ID 0 */
	out[13] = (uint8_t)ipmi_rsp(req, caps, sizeof(caps), out + 14);
	return 14 + out[13];
}

static size_t open_session(struct floor *f, const uint8_t *p, size_t n, uint8_t *out)
{
	uint8_t b[36] = { 0 }, suite, max_priv;
	struct slot *s;
	uint32_t idx;

	if (n < 32)
		return 0;
	b[0] = p[0];
	memcpy(b + 4, p + 4, 4);
	if (p[12] == 1 && p[20] == 1 && p[28] == 1)
		suite = 3;
	else if (p[12] == 3 && p[20] == 4 && p[28] == 1)
		suite = 17;
	else {
		b[1] = 0x11;		/* no matching cipher suite */
		return plain_pkt(0x11, b, 8, out);
	}
	max_priv = p[1] & 0x0f;
	if (max_priv == 0 || max_priv > 4)
		max_priv = 4;
	/* a free slot, else the oldest (round robin) */
	for (idx = 0; idx < NSLOT && f->slots[(f->gen + idx) & (NSLOT - 1)].state != SLOT_FREE; idx++)
		;
	f->gen += idx < NSLOT ? idx + 1 : 1;
	idx = (f->gen - 1) & (NSLOT - 1);
	s = &f->slots[idx];
	explicit_bzero(s, sizeof(*s));
	s->state = SLOT_OPENED;
	s->console_sid = le32(p + 4);
	s->bmc_sid = SLOT_SID | ((f->gen << SLOT_BITS) & ~SLOT_SID) | idx;
	s->auth = suite == 3 ? AUTH_RAKP_HMAC_SHA1 : AUTH_RAKP_HMAC_SHA256;
	s->integ = suite == 3 ? INTEG_HMAC_SHA1_96 : INTEG_HMAC_SHA256_128;
	s->max_priv = max_priv;
	b[2] = max_priv;
	put_le32(b + 8, s->bmc_sid);
	for (int i = 0; i < 3; i++) {
		b[12 + 8 * i] = (uint8_t)i;
		b[15 + 8 * i] = 8;
		b[16 + 8 * i] = p[12 + 8 * i];
	}
	return plain_pkt(0x11, b, sizeof(b), out);
}

static struct slot *slot_of(struct floor *f, uint32_t sid)
{
	struct slot *s = &f->slots[sid & (NSLOT - 1)];

	return (sid & SLOT_SID) && s->state != SLOT_FREE && s->bmc_sid == sid ? s : NULL;
}

static size_t rakp_error(uint8_t ptype, uint8_t tag, uint8_t status, uint32_t console_sid, uint8_t *out)
{
	uint8_t b[8] = { tag, status };

	put_le32(b + 4, console_sid);
	return plain_pkt(ptype, b, sizeof(b), out);
}

static size_t rakp1(struct floor *f, const uint8_t *p, size_t n, uint8_t *out)
{
	uint8_t b[72] = { 0 }, key[IPMI_KEY_MAX], role, want, ulen;
	struct slot *s;
	size_t hl;

	if (n < 28)
		return 0;
	s = slot_of(f, le32(p + 4));
	if (!s || s->state == SLOT_ACTIVE)
		return rakp_error(0x13, p[0], 0x02, 0, out);	/* invalid session ID */
	role = p[24];
	want = role & 0x0f;
	ulen = p[27];
	if (ulen > IPMI_USER_MAX || n != 28u + ulen)
		return rakp_error(0x13, p[0], 0x0c, s->console_sid, out);
	if (want == 0 || want > s->max_priv || (role & 0xe0))
		return rakp_error(0x13, p[0], 0x09, s->console_sid, out);
	if (ulen != sizeof(USER) - 1 || memcmp(p + 28, USER, ulen))
		return rakp_error(0x13, p[0], 0x0d, s->console_sid, out);
	/* a retried RAKP1 (same Rm) gets the same Rc */
	if (s->state != SLOT_RAKP2 || memcmp(s->rm, p + 8, 16)) {
		memcpy(s->rm, p + 8, 16);
		if (crypto_random(s->rc, sizeof(s->rc)))
			return 0;
	}
	s->role = role;
	s->state = SLOT_RAKP2;
	user_key(key);
	hl = rakp2_authcode(&f->cr, s->auth, key, sizeof(key), s->console_sid, s->bmc_sid, s->rm, s->rc,
			    GUID, role, (const uint8_t *)USER, ulen, b + 40);
	b[0] = p[0];
	put_le32(b + 4, s->console_sid);
	memcpy(b + 8, s->rc, 16);
	memcpy(b + 24, GUID, 16);
	return plain_pkt(0x13, b, 40 + hl, out);
}

static size_t rakp3(struct floor *f, const uint8_t *p, size_t n, uint8_t *out)
{
	uint8_t b[8 + CRYPTO_MAX_HASH] = { 0 }, key[IPMI_KEY_MAX], want[CRYPTO_MAX_HASH], sik[CRYPTO_MAX_HASH];
	const uint8_t *user = (const uint8_t *)USER;
	size_t ulen = sizeof(USER) - 1, hl, il;
	struct slot *s;

	if (n < 8)
		return 0;
	s = slot_of(f, le32(p + 4));
	if (!s || s->state != SLOT_RAKP2)
		return rakp_error(0x15, p[0], 0x02, 0, out);
	if (p[1] != 0) {		/* the console gave up (wrong password?) */
		explicit_bzero(s, sizeof(*s));
		return 0;
	}
	user_key(key);
	hl = rakp3_authcode(&f->cr, s->auth, key, sizeof(key), s->rc, s->console_sid, s->role, user, ulen,
			    want);
	if (n != 8 + hl || !crypto_equal(want, p + 8, hl)) {
		uint32_t csid = s->console_sid;

		explicit_bzero(s, sizeof(*s));
		return rakp_error(0x15, p[0], 0x0f, csid, out);		/* invalid ICV */
	}
	s->klen = rakp_sik(&f->cr, s->auth, key, sizeof(key), s->rm, s->rc, s->role, user, ulen, sik);
	rakp_kn(&f->cr, s->auth, sik, s->klen, 1, s->k1);
	rakp_kn(&f->cr, s->auth, sik, s->klen, 2, s->k2);
	il = rakp4_icv(&f->cr, s->auth, sik, s->klen, s->rm, s->bmc_sid, GUID, b + 8);
	explicit_bzero(sik, sizeof(sik));
	s->state = SLOT_ACTIVE;
	f->sessions++;
	b[0] = p[0];
	put_le32(b + 4, s->console_sid);
	return plain_pkt(0x15, b, 8 + il, out);
}

/* Answer one packet into out; its length, 0 to drop it. */
static size_t answer(struct floor *f, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t plen;

	if (len < 14 || in[0] != 0x06 || in[3] != 0x07)
		return 0;
	if (in[4] == 0x00)
		return v15(in, len, out);
	if (in[4] != 0x06 || len < 16)
		return 0;
	if (in[5] == 0xc0)		/* IPMI, encrypted and authenticated */
		return in_session(f, in, len, out);
	plen = (size_t)in[14] | (size_t)in[15] << 8;
	if (in[5] & 0xc0 || le32(in + 6) != 0 || 16 + plen > len)
		return 0;
	switch (in[5]) {
	case 0x10:
		return open_session(f, in + 16, plen, out);
	case 0x12:
		return rakp1(f, in + 16, plen, out);
	case 0x14:
		return rakp3(f, in + 16, plen, out);
	default:
		return 0;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' }, { "cipher", required_argument, NULL, 'c' },
		{ "k1", required_argument, NULL, '1' },	  { "k2", required_argument, NULL, '2' },
		{ "sid", required_argument, NULL, 's' },  { "console-sid", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct floor f = { .sid = 0x0a0b0c0d, .console_sid = 0x01020304 };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int port = 0, cipher = 17, opt, fd;
	size_t k2len = 0;
	uint8_t in[MAXPKT], out[MAXPKT];

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'c':
			cipher = atoi(optarg);
			break;
		case '1':
			if (hexkey(optarg, f.k1, sizeof(f.k1), &f.k1len))
				goto usage;
			break;
		case '2':
			if (hexkey(optarg, f.k2, sizeof(f.k2), &k2len))
				goto usage;
			break;
		case 's':
			f.sid = (uint32_t)strtoul(optarg, NULL, 16);
			break;
		case 'm':
			f.console_sid = (uint32_t)strtoul(optarg, NULL, 16);
			break;
		default:
			goto usage;
		}
	}
	f.fixed = f.k1len || k2len;
	if (port <= 0 || port > 65535 || (cipher != 3 && cipher != 17) ||
	    (f.fixed && (k2len < 16 || f.k1len != (cipher == 3 ? 20u : 32u))) ||
	    (f.fixed && (f.sid & SLOT_SID)))
		goto usage;
	f.integ = cipher == 3 ? INTEG_HMAC_SHA1_96 : INTEG_HMAC_SHA256_128;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = htons((uint16_t)port);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("floor: bind");
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (f.fixed)
		fprintf(stderr, "floor: ready on 127.0.0.1:%d, fixed keys with cipher suite %d, "
			"sessions for %s with suites 3 and 17\n", port, cipher, USER);
	else
		fprintf(stderr, "floor: ready on 127.0.0.1:%d, sessions for %s with suites 3 and 17\n",
			port, USER);
	while (!stopping) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t r = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&peer, &plen);
		size_t n;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("floor: recvfrom");
			break;
		}
		n = answer(&f, in, (size_t)r, out);
		if (!n) {
			f.dropped++;
			continue;
		}
		if (sendto(fd, out, n, 0, (struct sockaddr *)&peer, plen) == (ssize_t)n)
			f.answered++;
	}
	fprintf(stderr, "floor: answered %lu, dropped %lu, sessions set up %lu\n", f.answered, f.dropped,
		f.sessions);
	crypto_free(&f.cr);
	explicit_bzero(&f, sizeof(f));
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: floor --port P [--cipher 3|17 --k1 HEX(20|32 bytes) --k2 HEX(>=16 bytes)] "
		"[--sid HEX] [--console-sid HEX]\n");
	return 2;
}
