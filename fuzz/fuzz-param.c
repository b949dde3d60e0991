/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the configuration-parameter command families through the
 * dispatcher of a BMC built from boards/sim.json, as the system interface
 * (administrator) sends them.  The input is a sequence of up to 16
 * commands, each [op] [len] [len bytes of request data]; op picks the
 * family (op % 6) and Set or Get (bit 7):
 *   0 LAN Configuration Parameters   (Transport 01h / 02h)
 *   1 SOL Configuration Parameters   (Transport 21h / 22h)
 *   2 System Boot Options            (Chassis 08h / 09h)
 *   3 PEF Configuration Parameters   (Sensor/Event 12h / 13h)
 *   4 System Info Parameters         (App 58h / 59h)
 *   5 DCMI Configuration Parameters  (Group Extension 12h / 13h, the DCh
 *     group byte added)
 * Before each input every family's "set in progress" goes back to "set
 * complete", so no input blinds the next.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/buf.h"
#include "daemon/ipmi.h"

#include "fuzz-bmc.h"
#include "fuzz.h"

static struct bmc bmc = { .state_fd = -1 };
static sd_event *ev;

static const struct {
	uint8_t netfn, set, get, group;
} fam[] = {
	{ NETFN_TRANSPORT, 0x01, 0x02, 0 },
	{ NETFN_TRANSPORT, 0x21, 0x22, 0 },
	{ NETFN_CHASSIS, 0x08, 0x09, 0 },
	{ NETFN_SENSOR, 0x12, 0x13, 0 },
	{ NETFN_APP, 0x58, 0x59, 0 },
	{ NETFN_GROUP, 0x12, 0x13, 0xdc },
};

#define N_FAM (sizeof(fam) / sizeof(fam[0]))

static void command(unsigned f, bool set, const uint8_t *d, size_t len)
{
	uint8_t out[IPMI_MAX_RSP], in[256];
	struct wbuf rsp = wb_init(out, sizeof(out));
	struct ipmi_req req = {
		.channel = IPMI_CHANNEL_SYSIF, .priv = PRIV_ADMIN, .netfn = fam[f].netfn,
		.cmd = set ? fam[f].set : fam[f].get, .data = d, .len = len,
	};

	if (fam[f].group) {
		if (len >= sizeof(in))
			return;
		in[0] = fam[f].group;
		memcpy(in + 1, d, len);
		req.data = in;
		req.len = len + 1;
	}
	ipmi_dispatch(&bmc, &req, &rsp);
}

/* "Set complete" in each family's parameter 0 (the channel byte first
 * where the command has one: the LAN channel). */
static void set_complete(void)
{
	uint8_t ch = bmc.cfg.lan.channel;
	const uint8_t lan[] = { ch, 0, 0 }, sol[] = { ch, 0, 0 }, boot[] = { 0, 0 }, pef[] = { 0, 0 },
		      sys[] = { 0, 0 };

	command(0, true, lan, sizeof(lan));
	command(1, true, sol, sizeof(sol));
	command(2, true, boot, sizeof(boot));
	command(3, true, pef, sizeof(pef));
	command(4, true, sys, sizeof(sys));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		static struct board_config cfg;

		fuzz_sim_config(&cfg);
		ev = fuzz_bmc_init(&bmc, &cfg, "param");
		ready = true;
	}
	fuzz_bmc_reset(&bmc);
	set_complete();
	for (int n = 0; n < 16 && size >= 2; n++) {
		uint8_t op = data[0];
		size_t len = data[1];

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		command(op % N_FAM, op & 0x80, data, len);
		data += len;
		size -= len;
	}
	/* Whatever a command scheduled (a deferred apply, a timer due now). */
	while (sd_event_run(ev, 0) > 0)
		;
	return 0;
}
