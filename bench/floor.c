/* SPDX-License-Identifier: MIT */
/*
 * bench/floor.c: the physical floor for an RMCP+ request on this kernel and
 * OpenSSL.  A minimal UDP server that answers every authenticated and
 * encrypted RMCP+ IPMI request with a fixed Get Device ID reply, with the
 * crypto bmcd uses (it links lan/crypto.c): the AuthCode checked (HMAC,
 * constant-time compare), the payload decrypted (AES-CBC-128), the reply
 * encrypted and given its AuthCode.  No session logic (fixed session IDs:
 * BMC ID sid + i answered with console ID console-sid + i, i < 256, so that
 * a client can run several "sessions"; no sequence window), no dispatcher,
 * no RAKP: the keys K1 and K2 are given
 * on the command line, and the client (bench/rmcpload --fixed-keys) uses the
 * same.  Whatever command a request carries, the reply is the same 16 data
 * bytes (completion code + the 15 of Get Device ID), with the request's
 * netfn + 1, command and sequence number, so any client can count it.
 *
 *   floor --port P --cipher 3|17 --k1 HEX --k2 HEX [--sid HEX] [--console-sid HEX]
 *
 * A packet that fails a check is dropped (counted; the count is printed on
 * SIGTERM / SIGINT to stderr).  Prints "floor: ready" on stderr once bound.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lan/crypto.h"

#define MAXPKT 1500

struct floor {
	struct crypto cr;
	enum integ_alg integ;
	uint8_t k1[32], k2[32];
	size_t k1len;
	uint32_t sid, console_sid, out_seq;
	unsigned long answered, dropped;
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

/* Answer one packet into out; its length, 0 to drop it. */
static size_t answer(struct floor *f, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t ilen = integ_len(f->integ), plen, covered, n;
	uint32_t off;
	uint8_t want[CRYPTO_MAX_HASH], plain[MAXPKT], msg[32];
	const uint8_t *code;
	int m;

	/* RMCP header, auth type 06h, payload type IPMI encrypted + authenticated */
	if (len < 16 || in[0] != 0x06 || in[3] != 0x07 || in[4] != 0x06 || in[5] != 0xc0)
		return 0;
	off = le32(in + 6) - f->sid;	/* the client's session number */
	if (off >= 256)
		return 0;
	plen = (size_t)in[14] | (size_t)in[15] << 8;
	if (16 + plen + 2 + ilen > len)
		return 0;
	covered = len - 4 - ilen;	/* auth type .. next header */
	code = in + len - ilen;
	if (code[-1] != 0x07)
		return 0;
	integ_compute(&f->cr, f->integ, f->k1, f->k1len, in + 4, covered, want);
	if (!crypto_equal(want, code, ilen))
		return 0;
	m = aes_cbc_decrypt(&f->cr, f->k2, in + 16, plen, plain, sizeof(plain));
	if (m < 7)
		return 0;
	/* the reply: rqAddr, netfn+1/lun, ck, rsAddr, rqSeq/lun, cmd, cc, 15 bytes, ck */
	msg[0] = plain[3];
	msg[1] = (uint8_t)((plain[1] & 0xfc) + 4) | (plain[4] & 3);
	msg[2] = cksum(msg, 2);
	msg[3] = plain[0];
	msg[4] = plain[4];
	msg[5] = plain[5];
	static const uint8_t devid[16] = { 0x00, 0x20, 0x81, 0x01, 0x05, 0x02, 0xbf, 0x91,
					   0x12, 0x00, 0x02, 0x0f, 0x00, 0x00, 0x00, 0x00 };
	memcpy(msg + 6, devid, sizeof(devid));
	msg[22] = cksum(msg + 3, 19);
	n = 23;

	memcpy(out, "\x06\x00\xff\x07\x06\xc0", 6);
	put_le32(out + 6, f->console_sid + off);
	if (++f->out_seq == 0)
		f->out_seq = 1;
	put_le32(out + 10, f->out_seq);
	m = aes_cbc_encrypt(&f->cr, f->k2, msg, n, out + 16, MAXPKT - 16 - 4 - CRYPTO_MAX_HASH);
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
	integ_compute(&f->cr, f->integ, f->k1, f->k1len, out + 4, n - 4, out + n);
	return n + ilen;
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
	if (port <= 0 || port > 65535 || (cipher != 3 && cipher != 17) || k2len < 16 ||
	    f.k1len != (cipher == 3 ? 20u : 32u))
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
	fprintf(stderr, "floor: ready on 127.0.0.1:%d, cipher suite %d\n", port, cipher);
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
	fprintf(stderr, "floor: answered %lu, dropped %lu\n", f.answered, f.dropped);
	crypto_free(&f.cr);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: floor --port P --cipher 3|17 --k1 HEX(20|32 bytes) --k2 HEX(>=16 bytes) "
		"[--sid HEX] [--console-sid HEX]\n");
	return 2;
}
