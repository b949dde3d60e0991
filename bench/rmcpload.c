/* SPDX-License-Identifier: MIT */
/*
 * bench/rmcpload.c: an RMCP+ load client that is not the bottleneck.
 *
 * One process, one thread, one connected UDP socket for all sessions
 * (answers told apart by the console session ID), requests sent in batches
 * with sendmmsg(2) and answers read with recvmmsg(2).  It opens K sessions with a real RAKP exchange (user name and
 * password; cipher suite 3 or 17), then keeps W requests in flight on each
 * (IPMI sequence numbers tell the answers apart) for T seconds or N
 * requests, and prints one JSON line: requests/s, latency percentiles,
 * errors, its own CPU per request and, with --daemon-pid, the daemon's
 * (utime + stime from /proc/PID/stat around the timed window).  The crypto
 * is bmcd's own lan/crypto.c, linked in.
 *
 * Modes:
 *   (default)      requests: Get Device ID, or --cmd NETFN:CMD[:HEXDATA]
 *   --setups       session set-ups, one after the other, for T seconds:
 *                  Get Channel Auth Capabilities, Open Session, RAKP 1/2,
 *                  RAKP 3/4, Set Session Privilege (admin), Close Session
 *   --hold S       open K sessions, one request each, print {"held": K},
 *                  wait S seconds, close them
 *   --probe        one session, one request, close: exit 0 if it worked
 *   --fixed-keys K1HEX:K2HEX  no RAKP: the keys and session IDs bench/floor
 *                  uses (session i: BMC session ID 0a0b0c0d + i, console
 *                  01020304 + i)
 *
 * Exit status: 0 the run happened, 1 it could not (no session), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lan/crypto.h"

#define MAXPKT 1500
#define MAXSESS 256
#define NSLOT 64		/* IPMI rqSeq is 6 bits */
#define HIST_MAX 1000000	/* latency histogram: 1 us buckets up to 1 s */

struct sess {
	int fd;
	bool open;
	uint32_t bmc_sid, console_sid, out_seq;
	uint8_t k1[32], k2[32];
	size_t klen;
	unsigned slot;			/* crypto key slot: the index in ss[] */
	uint64_t sent_ns[NSLOT];
	bool busy[NSLOT];
	uint8_t next_seq;
	int inflight;
};

struct opt {
	const char *host, *user, *password;
	int port, cipher, sessions, window, priv;
	double duration, hold;
	long requests;
	int timeout_ms;
	bool setups, probe, fixed, verify;
	int daemon_pid;
	uint8_t netfn, cmd, data[64];
	size_t dlen;
	uint8_t fk1[32], fk2[32];
	size_t fk1len, fk2len;
};

struct run {
	struct opt *o;
	struct crypto cr;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int fd;			/* one UDP socket for every session */
	enum auth_alg auth;
	enum integ_alg integ;
	uint32_t *hist;
	unsigned long ok, errors;
	char first_error[200];
};

/* ---- small helpers ------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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

static int hexbytes(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = slen / 2;

	if (slen % 2 || n > cap)
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

static void fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	r->errors++;
	if (r->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->first_error, sizeof(r->first_error), fmt, ap);
	va_end(ap);
}

static long cpu_ticks(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the command name may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

static double self_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
}

/* ---- packets ------------------------------------------------------------ */

/* An IPMI request message (to the BMC, 20h, from software ID 81h). */
static size_t ipmi_req(uint8_t *m, uint8_t netfn, uint8_t cmd, uint8_t seq, const uint8_t *d, size_t dlen)
{
	m[0] = 0x20;
	m[1] = (uint8_t)(netfn << 2);
	m[2] = cksum(m, 2);
	m[3] = 0x81;
	m[4] = (uint8_t)(seq << 2);
	m[5] = cmd;
	memcpy(m + 6, d, dlen);
	m[6 + dlen] = cksum(m + 3, 3 + dlen);
	return 7 + dlen;
}

/* An RMCP+ packet: outside a session (s NULL or not open: ID 0, plain) or
 * in one (encrypted and authenticated).  Its length, 0 on failure. */
static size_t v20_pack(struct run *r, struct sess *s, uint8_t ptype, const uint8_t *pl, size_t plen, uint8_t *out)
{
	bool sec = s && s->open;
	size_t n, ilen;
	int m;

	memcpy(out, "\x06\x00\xff\x07\x06", 5);
	out[5] = (uint8_t)(ptype | (sec ? 0xc0 : 0));
	put_le32(out + 6, sec ? s->bmc_sid : 0);
	if (sec && ++s->out_seq == 0)
		s->out_seq = 1;
	put_le32(out + 10, sec ? s->out_seq : 0);
	if (!sec) {
		out[14] = (uint8_t)plen;
		out[15] = (uint8_t)(plen >> 8);
		memcpy(out + 16, pl, plen);
		return 16 + plen;
	}
	m = aes_cbc_encrypt_slot(&r->cr, s->slot, s->k2, pl, plen, out + 16, MAXPKT - 16 - 8 - CRYPTO_MAX_HASH);
	if (m < 0)
		return 0;
	out[14] = (uint8_t)m;
	out[15] = (uint8_t)(m >> 8);
	n = 16 + (size_t)m;
	while ((n - 4 + 2) % 4)
		out[n++] = 0xff;
	out[n] = (uint8_t)(n - 16 - (size_t)m);
	n++;
	out[n++] = 0x07;
	ilen = integ_compute_slot(&r->cr, s->slot, r->integ, s->k1, s->klen, out + 4, n - 4, out + n);
	return n + ilen;
}

/* Check an RMCP+ packet and return its payload (decrypted into buf for a
 * session packet) in *pl / *plen; the payload type, or -1. */
static int v20_unpack(struct run *r, struct sess *s, const uint8_t *in, size_t len, uint8_t *buf,
		      const uint8_t **pl, size_t *plen)
{
	size_t n;

	if (len < 16 || in[0] != 0x06 || in[3] != 0x07 || in[4] != 0x06)
		return -1;
	n = (size_t)in[14] | (size_t)in[15] << 8;
	if (16 + n > len)
		return -1;
	if (!(in[5] & 0xc0)) {
		*pl = in + 16;
		*plen = n;
		return in[5] & 0x3f;
	}
	if (!s || !s->open || (in[5] & 0xc0) != 0xc0 || le32(in + 6) != s->console_sid)
		return -1;
	if (r->o->verify) {
		size_t ilen = integ_len(r->integ);
		uint8_t want[CRYPTO_MAX_HASH];

		if (len < 16 + n + 2 + ilen)
			return -1;
		integ_compute_slot(&r->cr, s->slot, r->integ, s->k1, s->klen, in + 4, len - 4 - ilen, want);
		if (!crypto_equal(want, in + len - ilen, ilen))
			return -1;
	}
	int m = aes_cbc_decrypt_slot(&r->cr, s->slot, s->k2, in + 16, n, buf, MAXPKT);
	if (m < 0)
		return -1;
	*pl = buf;
	*plen = (size_t)m;
	return in[5] & 0x3f;
}

/* Send and wait for a packet of payload type want (retrying on timeout);
 * the answer's payload in *pl (valid until the next call), its length or
 * -1. */
static long xfer(struct run *r, struct sess *s, const uint8_t *pkt, size_t n, int want, const uint8_t **pl)
{
	static uint8_t in[MAXPKT], plain[MAXPKT];
	int tries = 3, wait = r->o->timeout_ms / tries;

	while (tries--) {
		uint64_t end;

		if (send(s->fd, pkt, n, 0) != (ssize_t)n)
			return -1;
		end = now_ns() + (uint64_t)wait * 1000000u;
		for (;;) {
			struct pollfd p = { .fd = s->fd, .events = POLLIN };
			int64_t left = (int64_t)(end - now_ns()) / 1000000;
			size_t plen;
			ssize_t got;

			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				break;
			got = recv(s->fd, in, sizeof(in), 0);
			if (got <= 0)
				continue;
			int t = v20_unpack(r, s, in, (size_t)got, plain, pl, &plen);
			if (t == want)
				return (long)plen;
		}
	}
	return -1;
}

/* One IPMI command in session s (or outside any, RMCP+ with ID 0); the
 * completion code, or -1 for no answer. */
static int ipmi_cmd(struct run *r, struct sess *s, uint8_t netfn, uint8_t cmd, const uint8_t *d, size_t dlen)
{
	uint8_t m[80], pkt[MAXPKT];
	const uint8_t *pl;
	size_t n = ipmi_req(m, netfn, cmd, s->next_seq, d, dlen);
	long got;

	s->next_seq = (uint8_t)((s->next_seq + 1) % NSLOT);
	n = v20_pack(r, s, 0x00, m, n, pkt);
	got = xfer(r, s, pkt, n, 0x00, &pl);
	if (got < 8 || pl[5] != cmd)
		return -1;
	return pl[6];
}

/* Get Channel Authentication Capabilities, IPMI 1.5 framing, as ipmitool
 * and FreeIPMI start a session. */
static int get_auth_caps(struct run *r, struct sess *s)
{
	static const uint8_t d[2] = { 0x8e, 0x04 };
	uint8_t pkt[64], in[MAXPKT], m[32];
	size_t n = ipmi_req(m, 0x06, 0x38, 0, d, 2);

	memcpy(pkt, "\x06\x00\xff\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00", 13);
	pkt[13] = (uint8_t)n;
	memcpy(pkt + 14, m, n);
	for (int tries = 0; tries < 3; tries++) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };

		if (send(s->fd, pkt, 14 + n, 0) < 0)
			return -1;
		if (poll(&p, 1, r->o->timeout_ms / 3) > 0) {
			ssize_t got = recv(s->fd, in, sizeof(in), 0);

			if (got >= 14 + 7 && in[4] == 0x00)
				return in[14 + 6];
		}
	}
	return -1;
}

static int sess_socket(struct run *r, struct sess *s)
{
	if (r->fd < 0) {
		int big = 4 << 20;

		r->fd = socket(r->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (r->fd < 0 || connect(r->fd, (struct sockaddr *)&r->addr, r->addrlen) < 0)
			return -1;
		setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
	s->fd = r->fd;
	return 0;
}

/* The whole set-up of a session (s->fd connected); 0 or -1 (error counted). */
static int sess_open(struct run *r, struct sess *s)
{
	struct opt *o = r->o;
	uint8_t b[128], pkt[MAXPKT], rm[16], rc[16], guid[16], key[IPMI_KEY_MAX] = { 0 };
	uint8_t hmac[CRYPTO_MAX_HASH], sik[CRYPTO_MAX_HASH];
	uint8_t role = (uint8_t)(0x10 | o->priv);
	size_t ulen = strlen(o->user), hlen = crypto_auth_len(r->auth), klen, n;
	const uint8_t *pl;
	long got;
	int cc;

	memcpy(key, o->password, strnlen(o->password, sizeof(key)));
	s->open = false;
	s->out_seq = 0;
	memset(s->busy, 0, sizeof(s->busy));
	s->inflight = 0;
	if ((cc = get_auth_caps(r, s)) != 0) {
		fail(r, "Get Channel Auth Capabilities: %s", cc < 0 ? "no answer" : "error");
		return -1;
	}
	if (crypto_random(&s->console_sid, 4) || crypto_random(rm, 16))
		return -1;
	s->console_sid |= 1;
	/* Open Session Request */
	memset(b, 0, 32);
	b[1] = (uint8_t)o->priv;
	put_le32(b + 4, s->console_sid);
	b[8] = 0, b[11] = 8, b[12] = (uint8_t)r->auth;
	b[16] = 1, b[19] = 8, b[20] = (uint8_t)r->integ;
	b[24] = 2, b[27] = 8, b[28] = CONF_AES_CBC_128;
	n = v20_pack(r, NULL, 0x10, b, 32, pkt);
	got = xfer(r, s, pkt, n, 0x11, &pl);
	if (got < 12 || pl[1] != 0) {
		fail(r, "Open Session: %s %02x", got < 0 ? "no answer" : "status", got >= 2 ? pl[1] : 0);
		return -1;
	}
	s->bmc_sid = le32(pl + 8);
	/* RAKP 1 / 2 */
	memset(b, 0, 28);
	put_le32(b + 4, s->bmc_sid);
	memcpy(b + 8, rm, 16);
	b[24] = role;
	b[27] = (uint8_t)ulen;
	memcpy(b + 28, o->user, ulen);
	n = v20_pack(r, NULL, 0x12, b, 28 + ulen, pkt);
	got = xfer(r, s, pkt, n, 0x13, &pl);
	if (got < 40 || pl[1] != 0 || (size_t)got != 40 + hlen) {
		fail(r, "RAKP 2: %s %02x", got < 0 ? "no answer" : "status", got >= 2 ? pl[1] : 0);
		return -1;
	}
	memcpy(rc, pl + 8, 16);
	memcpy(guid, pl + 24, 16);
	rakp2_authcode(&r->cr, r->auth, key, sizeof(key), s->console_sid, s->bmc_sid, rm, rc, guid, role,
		       (const uint8_t *)o->user, ulen, hmac);
	if (!crypto_equal(hmac, pl + 40, hlen)) {
		fail(r, "RAKP 2: HMAC does not match (wrong password?)");
		return -1;
	}
	/* RAKP 3 / 4 */
	memset(b, 0, 8);
	put_le32(b + 4, s->bmc_sid);
	rakp3_authcode(&r->cr, r->auth, key, sizeof(key), rc, s->console_sid, role, (const uint8_t *)o->user,
		       ulen, b + 8);
	n = v20_pack(r, NULL, 0x14, b, 8 + hlen, pkt);
	klen = rakp_sik(&r->cr, r->auth, key, sizeof(key), rm, rc, role, (const uint8_t *)o->user, ulen, sik);
	rakp_kn(&r->cr, r->auth, sik, klen, 1, s->k1);
	rakp_kn(&r->cr, r->auth, sik, klen, 2, s->k2);
	s->klen = klen;
	rakp4_icv(&r->cr, r->auth, sik, klen, rm, s->bmc_sid, guid, hmac);
	got = xfer(r, s, pkt, n, 0x15, &pl);
	if (got < 8 || pl[1] != 0) {
		fail(r, "RAKP 4: %s %02x", got < 0 ? "no answer" : "status", got >= 2 ? pl[1] : 0);
		return -1;
	}
	if ((size_t)got < 8 + integ_len(r->integ) || !crypto_equal(hmac, pl + 8, integ_len(r->integ))) {
		fail(r, "RAKP 4: integrity check value does not match");
		return -1;
	}
	explicit_bzero(sik, sizeof(sik));
	s->open = true;
	b[0] = (uint8_t)o->priv;
	if ((cc = ipmi_cmd(r, s, 0x06, 0x3b, b, 1)) != 0) {
		fail(r, "Set Session Privilege Level: %s %02x", cc < 0 ? "no answer" : "cc", cc);
		return -1;
	}
	return 0;
}

static int sess_close(struct run *r, struct sess *s)
{
	uint8_t d[4];
	int cc;

	if (!s->open || r->o->fixed)
		return 0;
	put_le32(d, s->bmc_sid);
	cc = ipmi_cmd(r, s, 0x06, 0x3c, d, 4);
	s->open = false;
	if (cc != 0) {
		fail(r, "Close Session: %s %02x", cc < 0 ? "no answer" : "cc", cc);
		return -1;
	}
	return 0;
}

/* bench/floor's keys; session i has the IDs floor's base + i. */
static void sess_fixed(struct run *r, struct sess *s, int i)
{
	s->bmc_sid = 0x0a0b0c0du + (uint32_t)i;
	s->console_sid = 0x01020304u + (uint32_t)i;
	memcpy(s->k1, r->o->fk1, r->o->fk1len);
	memcpy(s->k2, r->o->fk2, r->o->fk2len);
	s->klen = r->o->fk1len;
	s->open = true;
}

/* ---- the request loop --------------------------------------------------- */

static void hist_add(struct run *r, uint64_t ns)
{
	uint64_t us = ns / 1000;

	r->hist[us > HIST_MAX ? HIST_MAX : us]++;
}

/* Frame the next request of session s into pkt (a free sequence number,
 * marked busy, sent at t); its length, 0 if there is none free. */
static size_t build_one(struct run *r, struct sess *s, uint64_t t, uint8_t *pkt)
{
	uint8_t m[80];
	size_t n;
	int i;

	for (i = 0; i < NSLOT && s->busy[s->next_seq]; i++)
		s->next_seq = (uint8_t)((s->next_seq + 1) % NSLOT);
	if (i == NSLOT)
		return 0;
	n = ipmi_req(m, r->o->netfn, r->o->cmd, s->next_seq, r->o->data, r->o->dlen);
	n = v20_pack(r, s, 0x00, m, n, pkt);
	if (!n)
		return 0;
	s->busy[s->next_seq] = true;
	s->sent_ns[s->next_seq] = t;
	s->next_seq = (uint8_t)((s->next_seq + 1) % NSLOT);
	s->inflight++;
	return n;
}

/* One answer off the shared socket: its session by the console session ID. */
static void on_reply(struct run *r, struct sess *ss, int k, const uint8_t *in, size_t len)
{
	static uint8_t plain[MAXPKT];
	struct sess *s = NULL;
	const uint8_t *pl;
	size_t plen;
	uint8_t seq;

	if (len >= 16)
		for (int i = 0; i < k && !s; i++)
			if (ss[i].console_sid == le32(in + 6))
				s = &ss[i];
	if (!s || v20_unpack(r, s, in, len, plain, &pl, &plen) != 0 || plen < 8) {
		fail(r, "a reply that does not check (session, integrity, decryption or length)");
		return;
	}
	seq = pl[4] >> 2;
	if (!s->busy[seq])
		return;		/* late answer to one already timed out */
	s->busy[seq] = false;
	s->inflight--;
	if (pl[6] != 0) {
		fail(r, "completion code %02x", pl[6]);
		return;
	}
	r->ok++;
	hist_add(r, now_ns() - s->sent_ns[seq]);
}

static void expire(struct run *r, struct sess *s, uint64_t t)
{
	uint64_t limit = (uint64_t)r->o->timeout_ms * 1000000u;

	for (int i = 0; i < NSLOT; i++)
		if (s->busy[i] && t - s->sent_ns[i] > limit) {
			s->busy[i] = false;
			s->inflight--;
			fail(r, "no answer within %d ms", r->o->timeout_ms);
		}
}

#define BATCH 64

/* Send the n packets framed in out[] with as few sendmmsg calls as it takes.
 * One that cannot be sent is left to time out (counted then). */
static void flush(struct run *r, struct mmsghdr *om, int n)
{
	int done = 0;

	while (done < n) {
		int m = sendmmsg(r->fd, om + done, (unsigned)(n - done), 0);

		if (m <= 0) {
			if (m < 0 && errno == EINTR)
				continue;
			fail(r, "sendmmsg: %s", m < 0 ? strerror(errno) : "nothing sent");
			return;
		}
		done += m;
	}
}

/* Keep W requests in flight on each session until end (or the request
 * cap), then wait for the last answers.  All sessions share one socket:
 * a batch of requests goes out with one sendmmsg, answers come in with
 * recvmmsg, so the client's system calls per request stay well below the
 * daemon's two. */
static void load(struct run *r, struct sess *ss, int k, uint64_t end)
{
	static uint8_t out[BATCH][MAXPKT], in[BATCH][MAXPKT];
	static struct mmsghdr om[BATCH], im[BATCH];
	static struct iovec oi[BATCH], ii[BATCH];
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	long sent = 0, cap = r->o->requests;
	uint64_t last_expire = now_ns();

	for (int i = 0; i < BATCH; i++) {
		oi[i] = (struct iovec){ .iov_base = out[i] };
		om[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &oi[i], .msg_iovlen = 1 } };
		ii[i] = (struct iovec){ .iov_base = in[i], .iov_len = MAXPKT };
		im[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &ii[i], .msg_iovlen = 1 } };
	}
	for (;;) {
		uint64_t t = now_ns();
		bool more = t < end && (cap <= 0 || sent < cap), busy = false;
		int nb = 0;

		for (int i = 0; i < k; i++) {
			while (more && ss[i].inflight < r->o->window && (cap <= 0 || sent < cap)) {
				size_t n = build_one(r, &ss[i], t, out[nb]);

				if (!n)
					break;
				oi[nb++].iov_len = n;
				sent++;
				if (nb == BATCH) {
					flush(r, om, nb);
					nb = 0;
				}
			}
			busy |= ss[i].inflight > 0;
		}
		flush(r, om, nb);
		if (!more && !busy)
			break;
		if (poll(&pfd, 1, 50) > 0) {
			int m;

			do {
				m = recvmmsg(r->fd, im, BATCH, MSG_DONTWAIT, NULL);
				for (int j = 0; j < m; j++)
					on_reply(r, ss, k, in[j], im[j].msg_len);
			} while (m == BATCH);
		}
		t = now_ns();
		if (t - last_expire > 50000000u) {
			for (int i = 0; i < k; i++)
				expire(r, &ss[i], t);
			last_expire = t;
		}
	}
}

/* ---- report ------------------------------------------------------------- */

static double pct(struct run *r, double p)
{
	unsigned long want = (unsigned long)(p * (double)r->ok), acc = 0;

	for (long i = 0; i <= HIST_MAX; i++) {
		acc += r->hist[i];
		if (acc > want)
			return (double)i;
	}
	return 0;
}

static void report(struct run *r, double elapsed, double ccpu, long dticks)
{
	double sum = 0, mx = 0, ops = (double)r->ok;

	for (long i = 0; i <= HIST_MAX; i++)
		if (r->hist[i]) {
			sum += (double)i * r->hist[i];
			mx = (double)i;
		}
	printf("{\"ok\": %lu, \"errors\": %lu, \"elapsed_s\": %.4f, \"rate\": %.1f, "
	       "\"lat_us\": {\"avg\": %.1f, \"p50\": %.0f, \"p90\": %.0f, \"p99\": %.0f, \"max\": %.0f}, "
	       "\"client_cpu_us\": %.0f, \"client_cpu_us_per_op\": %s",
	       r->ok, r->errors, elapsed, elapsed > 0 ? ops / elapsed : 0.0, ops ? sum / ops : 0.0,
	       pct(r, 0.5), pct(r, 0.9), pct(r, 0.99), mx, ccpu, "");
	if (ops)
		printf("%.2f", ccpu / ops);
	else
		printf("null");
	if (dticks >= 0) {
		double dus = (double)dticks * 1e6 / (double)sysconf(_SC_CLK_TCK);

		printf(", \"daemon_cpu_us\": %.0f, \"daemon_cpu_us_per_op\": ", dus);
		if (ops)
			printf("%.2f", dus / ops);
		else
			printf("null");
	}
	if (r->first_error[0]) {
		printf(", \"first_error\": \"");
		for (const char *p = r->first_error; *p; p++)
			if (*p != '"' && *p != '\\')
				putchar(*p);
		printf("\"");
	}
	printf("}\n");
	fflush(stdout);
}

/* Free what the run holds; rc. */
static int finish(struct run *r, int rc)
{
	crypto_free(&r->cr);
	free(r->hist);
	if (r->fd >= 0)
		close(r->fd);
	return rc;
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: rmcpload [--host H] --port P [--user U] [--password P] [--cipher 3|17]\n"
		"         [--sessions K] [--window W] [--duration S] [--requests N]\n"
		"         [--cmd NETFN:CMD[:HEX]] [--daemon-pid PID] [--timeout-ms MS] [--no-verify]\n"
		"         [--setups | --hold S | --probe | --fixed-keys K1HEX:K2HEX]\n");
	exit(2);
}

static void parse(struct opt *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", 1, NULL, 'H' },      { "port", 1, NULL, 'p' },     { "user", 1, NULL, 'U' },
		{ "password", 1, NULL, 'P' },  { "cipher", 1, NULL, 'C' },   { "sessions", 1, NULL, 'k' },
		{ "window", 1, NULL, 'w' },    { "duration", 1, NULL, 't' }, { "requests", 1, NULL, 'n' },
		{ "cmd", 1, NULL, 'c' },       { "daemon-pid", 1, NULL, 'd' }, { "timeout-ms", 1, NULL, 'T' },
		{ "setups", 0, NULL, 's' },    { "hold", 1, NULL, 'h' },     { "probe", 0, NULL, 'b' },
		{ "fixed-keys", 1, NULL, 'f' }, { "no-verify", 0, NULL, 'v' }, { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H': o->host = optarg; break;
		case 'p': o->port = atoi(optarg); break;
		case 'U': o->user = optarg; break;
		case 'P': o->password = optarg; break;
		case 'C': o->cipher = atoi(optarg); break;
		case 'k': o->sessions = atoi(optarg); break;
		case 'w': o->window = atoi(optarg); break;
		case 't': o->duration = atof(optarg); break;
		case 'n': o->requests = atol(optarg); break;
		case 'd': o->daemon_pid = atoi(optarg); break;
		case 'T': o->timeout_ms = atoi(optarg); break;
		case 's': o->setups = true; break;
		case 'h': o->hold = atof(optarg); break;
		case 'b': o->probe = true; break;
		case 'v': o->verify = false; break;
		case 'c': {
			unsigned nf, cm;
			const char *d = strchr(optarg, ':');

			if (sscanf(optarg, "%x:%x", &nf, &cm) != 2 || nf > 0x3f || cm > 0xff)
				usage();
			o->netfn = (uint8_t)nf;
			o->cmd = (uint8_t)cm;
			d = d ? strchr(d + 1, ':') : NULL;
			if (d && hexbytes(d + 1, strlen(d + 1), o->data, sizeof(o->data), &o->dlen))
				usage();
			break;
		}
		case 'f': {
			const char *colon = strchr(optarg, ':');

			o->fixed = true;
			if (!colon || hexbytes(optarg, (size_t)(colon - optarg), o->fk1, sizeof(o->fk1), &o->fk1len) ||
			    hexbytes(colon + 1, strlen(colon + 1), o->fk2, sizeof(o->fk2), &o->fk2len) || o->fk2len < 16)
				usage();
			break;
		}
		default:
			usage();
		}
	}
	if (o->port <= 0 || o->port > 65535 || (o->cipher != 3 && o->cipher != 17) || o->sessions < 1 ||
	    o->sessions > MAXSESS || o->window < 1 || o->window > 32 || o->timeout_ms < 3 ||
	    strlen(o->user) > IPMI_USER_MAX || (o->fixed && o->fk1len != (o->cipher == 3 ? 20u : 32u)))
		usage();
}

int main(int argc, char **argv)
{
	static struct sess ss[MAXSESS];
	struct opt o = { .host = "127.0.0.1", .user = "admin", .password = "password", .cipher = 17,
			 .sessions = 1, .window = 1, .duration = 2, .priv = 4, .timeout_ms = 2000,
			 .verify = true, .netfn = 0x06, .cmd = 0x01 };
	struct run r = { .o = &o, .fd = -1 };
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	char port[8];

	for (unsigned i = 0; i < MAXSESS; i++)
		ss[i].slot = i % CRYPTO_KEY_SLOTS;
	uint64_t t0, t1;
	double c0;
	long d0 = -1, d1 = -1;
	int k;

	parse(&o, argc, argv);
	snprintf(port, sizeof(port), "%d", o.port);
	if (getaddrinfo(o.host, port, &hints, &ai)) {
		fprintf(stderr, "rmcpload: cannot resolve %s\n", o.host);
		return 2;
	}
	memcpy(&r.addr, ai->ai_addr, ai->ai_addrlen);
	r.addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	r.auth = o.cipher == 3 ? AUTH_RAKP_HMAC_SHA1 : AUTH_RAKP_HMAC_SHA256;
	r.integ = o.cipher == 3 ? INTEG_HMAC_SHA1_96 : INTEG_HMAC_SHA256_128;
	r.hist = calloc(HIST_MAX + 1, sizeof(*r.hist));
	if (!r.hist)
		return 1;
	k = o.probe ? 1 : o.sessions;

	if (o.setups) {
		/* one set-up after the other, timed as a whole */
		if (sess_socket(&r, &ss[0]))
			return finish(&r, 1);
		if (o.daemon_pid)
			d0 = cpu_ticks(o.daemon_pid);
		c0 = self_cpu_us();
		t0 = now_ns();
		uint64_t end = t0 + (uint64_t)(o.duration * 1e9);
		for (long i = 0; now_ns() < end && (o.requests <= 0 || i < o.requests); i++) {
			uint64_t ts = now_ns();

			if (sess_open(&r, &ss[0]) == 0 && sess_close(&r, &ss[0]) == 0) {
				r.ok++;
				hist_add(&r, now_ns() - ts);
			}
		}
		t1 = now_ns();
		if (o.daemon_pid)
			d1 = cpu_ticks(o.daemon_pid);
		report(&r, (double)(t1 - t0) / 1e9, self_cpu_us() - c0, d0 >= 0 && d1 >= 0 ? d1 - d0 : -1);
		return finish(&r, r.ok ? 0 : 1);
	}

	for (int i = 0; i < k; i++) {
		if (sess_socket(&r, &ss[i])) {
			perror("rmcpload: socket");
			return finish(&r, 1);
		}
		if (o.fixed)
			sess_fixed(&r, &ss[i], i);
		else if (sess_open(&r, &ss[i])) {
			fprintf(stderr, "rmcpload: session %d: %s\n", i, r.first_error);
			for (int j = 0; j < i; j++)
				sess_close(&r, &ss[j]);
			report(&r, 0, 0, -1);
			return finish(&r, 1);
		}
	}
	if (o.probe || o.hold > 0) {
		for (int i = 0; i < k; i++) {
			int cc = ipmi_cmd(&r, &ss[i], o.netfn, o.cmd, o.data, o.dlen);

			if (cc == 0)
				r.ok++;
			else
				fail(&r, "request: %s %02x", cc < 0 ? "no answer" : "cc", cc);
		}
		if (o.hold > 0) {
			printf("{\"held\": %d}\n", k);
			fflush(stdout);
			usleep((useconds_t)(o.hold * 1e6));
		}
		for (int i = 0; i < k; i++)
			sess_close(&r, &ss[i]);
		report(&r, 0, 0, -1);
		return finish(&r, r.ok == (unsigned long)k && !r.errors ? 0 : 1);
	}
	if (o.daemon_pid)
		d0 = cpu_ticks(o.daemon_pid);
	c0 = self_cpu_us();
	t0 = now_ns();
	load(&r, ss, k, t0 + (uint64_t)(o.duration * 1e9));
	t1 = now_ns();
	if (o.daemon_pid)
		d1 = cpu_ticks(o.daemon_pid);
	double ccpu = self_cpu_us() - c0;
	for (int i = 0; i < k; i++)
		sess_close(&r, &ss[i]);		/* a failure is counted in errors */
	report(&r, (double)(t1 - t0) / 1e9, ccpu, d0 >= 0 && d1 >= 0 ? d1 - d0 : -1);
	return finish(&r, r.ok ? 0 : 1);
}
