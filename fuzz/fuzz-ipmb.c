/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: untrusted IPMB bytes, on a BMC built from boards/sim.json
 * (two IPMB channels, four simulated satellites).  The first input byte
 * chooses the path, the second the channel; the rest is the message:
 *   0: Send Message from the system interface (encapsulated request), then
 *      one turn of the event loop, which carries the satellites' answers
 *      back through the pending table;
 *   1: a message as received from the bus (answer matching, delivery);
 *   2: a request straight into one satellite (its commands, device SDRs,
 *      sensor commands, and the shelf manager's own Send Message).
 */
#include <stdlib.h>

#include "daemon/buf.h"
#include "daemon/ipmi.h"
#include "ipmb/ipmb_internal.h"

#include "fuzz-bmc.h"
#include "fuzz.h"

static struct bmc bmc = { .state_fd = -1 };
static sd_event *ev;

static void setup(void)
{
	static struct board_config cfg;

	fuzz_sim_config(&cfg);
	ev = fuzz_bmc_init(&bmc, &cfg, "ipmb");
	if (!bmc.ipmb)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t out[IPMI_MAX_RSP];
	struct wbuf rsp = wb_init(out, sizeof(out));

	if (!ready) {
		setup();
		ready = true;
	}
	fuzz_bmc_reset(&bmc);
	if (size < 2)
		return 0;
	switch (data[0] % 3) {
	case 0: {
		struct ipmi_req req = {
			.channel = IPMI_CHANNEL_SYSIF, .priv = PRIV_ADMIN, .netfn = NETFN_APP,
			.cmd = 0x34, .data = data + 1, .len = size - 1,
		};
		ipmi_dispatch(&bmc, &req, &rsp);
		while (sd_event_run(ev, 0) > 0)
			;
		break;
	}
	case 1:
		ipmb_receive(bmc.ipmb, data[1] & 0x0f, data + 2, size - 2);
		break;
	default: {
		unsigned n;
		struct sat *s = ipmb_sats(bmc.ipmb, &n);
		struct sim_frame f[2];

		if (n && size - 2 <= IPMB_FRAME_MAX)
			sat_handle(&s[data[1] % n], PRIV_ADMIN, data + 2, size - 2, f);
		break;
	}
	}
	return 0;
}
