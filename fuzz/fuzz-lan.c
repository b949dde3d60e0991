/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: LAN datagrams (RMCP, ASF, IPMI 1.5, RMCP+) into a BMC built
 * from boards/sim.json.  The input is a sequence of datagrams, each
 * preceded by a 2-byte big-endian length.  Three sessions exist with fixed
 * IDs so that fuzzed packets reach the dispatcher and every handler:
 *   0x01020304  RMCP+, no integrity or confidentiality, administrator
 *   0x05060708  RMCP+, HMAC-SHA1-96 + AES-CBC-128 with fixed keys
 *   0x0a0b0c0d  IPMI 1.5, auth type NONE, administrator
 * all from peer 127.0.0.1:4242.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lan/lan_internal.h"

#include "fuzz-bmc.h"
#include "fuzz.h"

static struct bmc bmc = { .state_fd = -1 };
static struct lan_sock sock = { .fd = -1 };
static struct sockaddr_in peer;

static struct session *fixed_session(uint32_t sid, bool v20, uint8_t integ, uint8_t conf)
{
	struct session *s = session_new(bmc.sessions, SESS_ACTIVE, 0);

	if (!s)
		abort();
	s->bmc_sid = sid;
	s->console_sid = ~sid;
	s->v20 = v20;
	s->channel = 1;
	s->user_id = 2;
	s->max_priv = s->priv = PRIV_ADMIN;
	s->auth_alg = 1;
	s->integ_alg = integ;
	s->conf_alg = conf;
	s->key_len = 20;
	memset(s->k1, 0x11, sizeof(s->k1));
	memset(s->k2, 0x22, sizeof(s->k2));
	memcpy(&s->peer, &peer, sizeof(peer));
	s->peerlen = sizeof(peer);
	return s;
}

static void setup(void)
{
	static struct board_config cfg;

	fuzz_sim_config(&cfg);
	cfg.lan.auth_none = true;	/* so the IPMI 1.5 session path is reachable */
	fuzz_bmc_init(&bmc, &cfg, "lan");
	sock.lan = bmc.lan;
	peer.sin_family = AF_INET;
	peer.sin_port = htons(4242);
	peer.sin_addr.s_addr = htonl(0x7f000001);
}

static void reset_sessions(void)
{
	session_clear(bmc.sessions);
	fixed_session(0x01020304, true, 0, 0);
	fixed_session(0x05060708, true, 1, 1);
	struct session *s = fixed_session(0x0a0b0c0d, false, 0, 0);
	s->authtype = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		setup();
		ready = true;
	}
	fuzz_bmc_reset(&bmc);
	reset_sessions();
	for (int n = 0; n < 16 && size >= 2; n++) {
		size_t len = (size_t)data[0] << 8 | data[1];

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		lan_input(&sock, (const struct sockaddr *)&peer, sizeof(peer), data, len);
		data += len;
		size -= len;
	}
	return 0;
}
