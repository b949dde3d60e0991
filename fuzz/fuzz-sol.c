/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: inbound SOL packets (IPMI 2.0 section 15: sequence, ack,
 * accepted count, operation, characters) on an active SOL payload of a BMC
 * built from boards/sim.json.  One RMCP+ session (ID 0x01020304, no
 * integrity or confidentiality, administrator, peer 127.0.0.1:4242) holds
 * the payload, activated afresh for each input.  The input is a sequence
 * of up to 16 packets, each [how] [len, 2 bytes big-endian] [len bytes]:
 * how bit 0 clear, the bytes go to the SOL payload handler as the session
 * layer hands them on; set, they arrive as an RMCP+ datagram of payload
 * type 01h on the session, through lan_input().  Between packets the event loop runs once
 * (the activation's deferred start, the host's output, timers due).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lan/lan_internal.h"
#include "sol/sol_internal.h"

#include "fuzz-bmc.h"
#include "fuzz.h"

#define SID 0x01020304u

static struct bmc bmc = { .state_fd = -1 };
static sd_event *ev;
static struct lan_sock sock = { .fd = -1 };
static struct sockaddr_in peer;
static uint32_t seq;

static struct session *session(void)
{
	struct session *s = session_new(bmc.sessions, SESS_ACTIVE, 0);

	if (!s)
		abort();
	s->bmc_sid = SID;
	s->console_sid = ~SID;
	s->v20 = true;
	s->channel = bmc.cfg.lan.channel;
	s->user_id = 2;
	s->max_priv = s->priv = PRIV_ADMIN;
	s->auth_alg = 1;
	s->key_len = 20;
	memcpy(&s->peer, &peer, sizeof(peer));
	s->peerlen = sizeof(peer);
	s->lan_sock = &sock;
	return s;
}

static void setup(void)
{
	static struct board_config cfg;

	fuzz_sim_config(&cfg);
	ev = fuzz_bmc_init(&bmc, &cfg, "sol");
	if (!bmc.sol || !bmc.lan)
		abort();
	sock.lan = bmc.lan;
	peer.sin_family = AF_INET;
	peer.sin_port = htons(4242);
	peer.sin_addr.s_addr = htonl(0x7f000001);
}

/* The payload in an RMCP+ datagram on the session, into lan_input(). */
static void datagram(const uint8_t *p, size_t len)
{
	uint8_t d[4 + 12 + 300];
	size_t n = 0;

	if (len > sizeof(d) - 16)
		len = sizeof(d) - 16;
	seq++;
	d[n++] = 0x06, d[n++] = 0x00, d[n++] = 0xff, d[n++] = 0x07;	/* RMCP, IPMI */
	d[n++] = 0x06;							/* RMCP+ */
	d[n++] = 0x01;							/* SOL */
	for (int i = 0; i < 4; i++)
		d[n++] = (uint8_t)(SID >> 8 * i);
	for (int i = 0; i < 4; i++)
		d[n++] = (uint8_t)(seq >> 8 * i);
	d[n++] = (uint8_t)len, d[n++] = (uint8_t)(len >> 8);
	memcpy(d + n, p, len);
	lan_input(&sock, (const struct sockaddr *)&peer, sizeof(peer), d, n + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct session *s;

	if (!ready) {
		setup();
		ready = true;
	}
	session_clear(bmc.sessions);	/* deactivates the payload of the last input */
	ring_clear(&bmc.sol->rxq);
	s = session();
	seq = 0;
	if (sol_activate(bmc.sol, s) < 0)
		abort();
	while (sd_event_run(ev, 0) > 0)
		;
	for (int n = 0; n < 16 && size >= 3; n++) {
		uint8_t how = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (how & 1)
			datagram(data, len);
		else if (bmc.lan->payload[PAYLOAD_SOL].fn)
			bmc.lan->payload[PAYLOAD_SOL].fn(bmc.lan->payload[PAYLOAD_SOL].userdata, s, data, len);
		data += len;
		size -= len;
		while (sd_event_run(ev, 0) > 0)
			;
	}
	return 0;
}
