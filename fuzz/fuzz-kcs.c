/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: bytes from a QEMU ipmi-bmc-extern peer (escaped frames,
 * control commands, requests with checksums) into the KCS wire decoder and
 * on through the system interface into the dispatcher of a BMC built from
 * boards/sim.json.  The input is the byte stream as it would arrive on the
 * socket; responses go nowhere.
 */
#include <stdlib.h>

#include "kcs/kcs_internal.h"

#include "fuzz-bmc.h"
#include "fuzz.h"

static struct bmc bmc = { .state_fd = -1 };
static struct kext *peer;

static void setup(void)
{
	static struct board_config cfg;

	fuzz_sim_config(&cfg);
	fuzz_bmc_init(&bmc, &cfg, "kcs");
	peer = kcs_extern_detached(bmc.kcs);
	if (!peer)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		setup();
		ready = true;
	}
	fuzz_bmc_reset(&bmc);
	kcs_extern_input(peer, data, size);
	/* A partial frame must not leak into the next input. */
	kcs_extern_reset_input(peer);
	return 0;
}
